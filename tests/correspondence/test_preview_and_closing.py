"""Approval from the preview: the head reads the draft as the PDF letter it will become; the template owns the
closing formula, so "Cu stimă," appears once even when the draft ends with it."""

import re

import pytest

from app.correspondence.closing import without_closing
from app.correspondence.signed_answer import open_request
from app.extensions import db
from app.storage import current_store
from tests.routes import do, open_task, submit_petition

DRAFT = "Strada Lungă va fi reparată până la 15.12.2026, conform programului de lucrări.\n\nCu stimă,"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Text.\n\nCu stimă,", "Text."),
        ("Text.\ncu stima", "Text."),
        ("Text.\n\nCu deosebită considerație,\nElena Dumitrescu", "Text."),
        ("Text.\nCU STIMĂ.", "Text."),
        ("Vă mulțumim. Cu stimă pentru răbdare, revenim.", "Vă mulțumim. Cu stimă pentru răbdare, revenim."),
        ("Cu stimă, vă informăm că...\nText.", "Cu stimă, vă informăm că...\nText."),
    ],
)
def test_a_closing_typed_at_the_end_is_taken_out(body, expected):
    assert without_closing(body) == expected


def at_approval(app) -> tuple[int, int]:
    with app.app_context():
        document = submit_petition(subject="Reparații pe strada Lungă")
        do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
        do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
        do(document, "redactare", "referent", {"raspuns": DRAFT})
        return document.id, open_task(document, "aprobare").id


def test_head_reads_the_preview_then_approves_and_the_letter_closes_once(app, login_as, pdftotext, tmp_path):
    document_id, task_id = at_approval(app)
    head = login_as("sef.serviciu")
    page = head.get(f"/sarcini/{task_id}").get_data(as_text=True)
    assert f'href="/sarcini/{task_id}/previzualizare"' in page and "Previzualizează scrisoarea (PDF)" in page
    preview = head.get(f"/sarcini/{task_id}/previzualizare")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    text = pdftotext(preview.data, tmp_path)
    assert "Strada Lungă va fi reparată până la 15.12.2026" in text
    assert "previzualizare, nesemnat" in text
    assert text.count("Cu stimă") == 1
    assert "Elena Dumitrescu" in text and "Mihai Ionescu" in text  # the planned signers under the letter

    from tests.webflow import complete

    assert complete(head, task_id, {"decizie": "aproba"}).status_code == 302
    with app.app_context():
        from app.registry.models import Document

        request = open_request(db.session.get(Document, document_id))
        letter = pdftotext(current_store().get(request.current_sha256), tmp_path)
    assert letter.count("Cu stimă") == 1
    assert "previzualizare" not in letter


def test_preview_only_for_who_may_do_the_step(app, login_as):
    _, task_id = at_approval(app)
    assert login_as("referent").get(f"/sarcini/{task_id}/previzualizare").status_code == 404
    assert login_as("sef.sacele").get(f"/sarcini/{task_id}/previzualizare").status_code == 404
    assert login_as("cetatean").get(f"/sarcini/{task_id}/previzualizare").status_code == 403
    assert login_as("sef.serviciu").get("/sarcini/999999/previzualizare").status_code == 404


def test_no_preview_before_a_draft_exists(app, login_as):
    with app.app_context():
        document = submit_petition(subject="Fără răspuns încă")
        task_id = open_task(document, "inregistrare").id
    clerk = login_as("registrator")
    assert clerk.get(f"/sarcini/{task_id}/previzualizare").status_code == 404
    assert not re.search(r"previzualizare", clerk.get(f"/sarcini/{task_id}").get_data(as_text=True))

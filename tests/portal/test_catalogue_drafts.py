"""The catalogue per institution, drafts, the answer channel chosen at submission, and the paper answer's cover
page and dispatch."""

import re

from sqlalchemy import func, select

from app.correspondence.signed_answer import sign_task
from app.extensions import db
from app.identity.models import Institution
from app.portal.models import SubmissionDraft
from app.registry.models import Document
from app.workflow.models import HistoryEntry
from tests.routes import open_task, user
from tests.signing.helpers import do
from tests.webflow import csrf_token, signup, submit_petition


def test_catalogue_filters_by_institution_and_shows_what_is_needed(app, client):
    with app.app_context():
        institutions = db.session.scalars(select(Institution).order_by(Institution.name)).all()
        codes = {i.name: i.code for i in institutions}
    everything = client.get("/").get_data(as_text=True)
    assert "Certificat de urbanism" in everything and "Petiție" in everything
    assert "Extras de carte funciară" in everything  # required attachments, from the manifest
    assert "Taxa de eliberare se plătește înainte" in everything  # the fee note
    assert "Termen legal de răspuns:" in everything
    for name, code in codes.items():
        page = client.get("/", query_string={"institutie": code}).get_data(as_text=True)
        assert f'value="{code}" selected' in page
        assert f"Documente primite de {name}" in page
        assert f"institutie={code}" in page  # the submit links keep the chosen institution
    unknown = client.get("/", query_string={"institutie": "nu-exista"}).get_data(as_text=True)
    assert "Petiție" in unknown


def test_a_draft_is_saved_listed_resumed_and_removed_by_the_submission(app, login_as):
    client = login_as("cetatean")
    html = client.get("/depune/petitie").get_data(as_text=True)
    institution = re.search(r'<option value="(\d+)"', html).group(1)
    token = csrf_token(client, "/depune/petitie")
    saved = client.post(
        "/depune/petitie",
        data={
            "csrf_token": token,
            "actiune": "ciorna",
            "institution": institution,
            "subiect": "Groapă în asfalt",
            "continut": "",
            "telefon": "0722123456",
        },
    )
    assert saved.status_code == 302 and saved.headers["Location"] == "/documentele-mele"
    with app.app_context():
        draft = db.session.scalar(select(SubmissionDraft))
        assert (
            draft.data["subiect"] == "Groapă în asfalt"
            and db.session.scalar(select(func.count(Document.id))) == 0
        )
        draft_id = draft.public_id
    listing = client.get("/documentele-mele").get_data(as_text=True)
    assert "Groapă în asfalt" in listing and f"ciorna={draft_id}" in listing
    resumed = client.get(f"/depune/petitie?ciorna={draft_id}").get_data(as_text=True)
    assert 'value="Groapă în asfalt"' in resumed and 'value="0722123456"' in resumed

    stranger = app.test_client()
    assert signup(stranger, "ion@example.ro").status_code == 302
    assert stranger.get(f"/depune/petitie?ciorna={draft_id}").status_code == 404
    stranger_token = csrf_token(stranger, "/documentele-mele")
    assert stranger.post(f"/ciorne/{draft_id}/sterge", data={"csrf_token": stranger_token}).status_code == 404

    sent = client.post(
        "/depune/petitie",
        data={
            "csrf_token": token,
            "actiune": "trimite",
            "ciorna": draft_id,
            "institution": institution,
            "submission_key": "cheie-ciorna-1",
            "subiect": "Groapă în asfalt",
            "continut": "Pe strada Lungă este o groapă mare în asfalt, periculoasă.",
        },
    )
    assert sent.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(SubmissionDraft.id))) == 0
        document = db.session.scalar(select(Document))
        assert document.registration_number is not None and document.channel == "portal"


def test_wrong_phone_or_answer_channel_refused_and_nothing_created(app, login_as):
    client = login_as("cetatean")
    bad_phone = submit_petition(client, phone="12345")
    assert bad_phone.status_code == 400
    assert "Numărul de telefon nu este valid" in bad_phone.get_data(as_text=True)
    bad_channel = submit_petition(client, answer_by="porumbel")
    assert bad_channel.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Document.id))) == 0


def test_paper_answer_cover_page_and_dispatch(app, login_as, pdftotext, tmp_path):
    citizen = login_as("cetatean")
    assert submit_petition(citizen, answer_by="hartie").status_code == 302
    with app.app_context():
        document = db.session.scalar(select(Document))
        assert document.answer_by == "hartie"
        do(document, "inregistrare", "registrator", {"departament": "relatii-publice", "anonima": False})
        do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
        do(document, "redactare", "referent", {"raspuns": "Lucrarea se execută până la 30.11.2026."})
        do(document, "aprobare", "sef.serviciu", {"decizie": "aproba"})
        sign_task(open_task(document, "semnare_referent").id, user("referent"))
        db.session.commit()
        sign_task(open_task(document, "semnare_sef").id, user("sef.serviciu"))
        db.session.commit()
        public_id, label = document.public_id, document.registration_label
    clerk = login_as("registrator")
    page = clerk.get(f"/documente/{public_id}").get_data(as_text=True)
    assert "Răspuns prin poștă" in page and "Înregistrează expedierea" in page
    cover = clerk.get(f"/documente/{public_id}/expediere.pdf")
    assert cover.status_code == 200 and cover.mimetype == "application/pdf"
    text = pdftotext(cover.data, tmp_path)
    assert f"Răspuns la documentul nr. {label}" in text and "Ana Popescu" in text
    assert citizen.get(f"/documente/{public_id}/expediere.pdf").status_code in (403, 404)
    token = csrf_token(clerk, f"/documente/{public_id}")
    assert clerk.post(f"/documente/{public_id}/expediere", data={"csrf_token": token}).status_code == 302
    assert "Expediat prin poștă" in clerk.get(f"/documente/{public_id}").get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(HistoryEntry.id)).where(HistoryEntry.event == "answer_posted")
            )
            == 1
        )
    assert "vă este trimis și prin poștă" in citizen.get(f"/documentele-mele/{public_id}").get_data(
        as_text=True
    )

"""Online submissions: the receipt with number and access code on screen (and as PDF with QR), the text of an
unconfirmed person kept as a draft and offered after confirmation, files over the limits refused field by field with
the form kept, Back then Send again registering once."""

import io
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.portal.models import SubmissionDraft
from app.registry.access_codes import document_for_code
from app.registry.models import Document
from tests.smtp import body_of
from tests.webflow import csrf_token, png_bytes, signup, submit_petition


def documents(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Document.id)))


def test_the_receipt_is_on_screen_and_as_pdf(app, login_as, pdftotext, tmp_path):
    client = login_as("cetatean")
    response = submit_petition(client)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    number = re.search(r'id="recipisa-numar">([^<]+)<', page).group(1)
    code = re.search(r'id="cod-acces">([^<]+)<', page).group(1)
    assert "<svg" in page  # the QR
    with app.app_context():
        document = db.session.scalar(select(Document))
        assert number == document.registration_label
        assert document_for_code(number, code) is not None  # the code on screen opens the tracking page
    public_id = response.headers["Location"].rstrip("/").split("/")[-1]
    pdf = client.get(f"/documentele-mele/{public_id}/recipisa.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = pdftotext(pdf.data, tmp_path)
    assert "RECIPISĂ DE ÎNREGISTRARE" in text and number in text and code in text
    # Another browser of the same person never had the code: no receipt there (the code is not stored).
    other = login_as("cetatean")
    assert other.get(f"/documentele-mele/{public_id}/recipisa.pdf").status_code == 404
    assert 'id="cod-acces"' not in other.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.real_commits
def test_the_email_carries_the_same_code(app, login_as, mail_server):
    client = login_as("cetatean")
    response = submit_petition(client)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    code = re.search(r'id="cod-acces">([^<]+)<', page).group(1)
    [message] = mail_server.wait_for(1)
    assert code in body_of(message)


@pytest.mark.real_commits
def test_an_unconfirmed_person_keeps_the_text_as_a_draft(app, client, mail_server):
    assert signup(client).status_code == 302
    [verification] = mail_server.wait_for(1)
    response = submit_petition(client, subject="Groapă în carosabil")
    assert response.status_code == 302 and response.headers["Location"].endswith("/cont")
    assert documents(app) == 0
    with app.app_context():
        draft = db.session.scalar(select(SubmissionDraft))
        assert draft.data["subiect"] == "Groapă în carosabil"
    link = re.search(r"https?://[^/\s]+(/confirmare-email/\S+)", body_of(verification)).group(1)
    page = client.get(link).get_data(as_text=True)
    assert "Continuați ce ați început" in page and draft.public_id in page
    form = client.get(f"/depune/petitie?ciorna={draft.public_id}").get_data(as_text=True)
    assert "Groapă în carosabil" in form


def test_back_then_send_again_registers_once(app, login_as):
    client = login_as("cetatean")
    first = submit_petition(client)
    assert first.status_code == 302
    # Back shows the form anew (a new submission key); Send again with the same text.
    second = submit_petition(client)
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    assert documents(app) == 1
    # Different text is a different submission.
    assert submit_petition(client, subject="Alt subiect, altă problemă").status_code == 302
    assert documents(app) == 2


def test_files_over_the_limits_are_refused_field_by_field_with_the_form_kept(app, login_as):
    client = login_as("cetatean")
    saved = (app.config["MAX_UPLOAD_MB"], app.config["MAX_CONTENT_LENGTH"])
    app.config.update(MAX_UPLOAD_MB=1, MAX_CONTENT_LENGTH=2 * 1024 * 1024)
    try:
        form = client.get("/depune/petitie").get_data(as_text=True)
        assert "cel mult 1 MB fiecare și 2 MB împreună" in form and 'data-max-total-bytes="2097152"' in form
        big = png_bytes() + b"\0" * (1024 * 1024 + 10)
        photos = [(io.BytesIO(png_bytes() + b"\0" * 700_000), f"poza{i}.png") for i in range(4)]
        # Over the whole-request cap (2.8 MB > 2 MB) and one file over the per-file limit: an answer on the form.
        response = submit_petition(
            client, subject="Trotuar degradat", files=[*photos[:3], (io.BytesIO(big), "mare.png")]
        )
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "Fișierul „mare.png” depășește limita de 1 MB." in html
        assert "limita este 2 MB pentru o depunere" in html
        assert "Trotuar degradat" in html  # the typed text is kept
        assert documents(app) == 0
    finally:
        app.config.update(MAX_UPLOAD_MB=saved[0], MAX_CONTENT_LENGTH=saved[1])


def test_a_token_in_the_form_is_still_required(app, login_as):
    client = login_as("cetatean")
    response = client.post("/depune/petitie", data={"subiect": "x"})
    assert response.status_code == 400
    assert documents(app) == 0
    assert csrf_token(client, "/depune/petitie")

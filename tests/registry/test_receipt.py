"""The registration receipt: PDF text, QR URL, code shown once and reissued, only for the institution's desk."""

import re
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from app.dates import format_date
from app.extensions import db
from app.intake.receipts import Receipt, render_receipt_pdf
from app.registry.access_codes import document_for_code
from app.registry.models import Document
from tests.registry.factory import post_paper
from tests.webflow import csrf_token


def registered(client):
    html = post_paper(client).get_data(as_text=True)
    code = re.search(r'id="cod-acces">([^<]+)<', html).group(1)
    public_id = re.search(r"/registratura/documente/([0-9a-f]{32})/recipisa\.pdf", html).group(1)
    return html, code, public_id


def test_receipt_pdf_carries_everything_and_the_code_opens_tracking(app, login_as, pdftotext, tmp_path):
    client = login_as("registrator.sacele")
    html, code, public_id = registered(client)
    token = csrf_token(client, "/registratura/hartie")
    response = client.post(
        f"/registratura/documente/{public_id}/recipisa.pdf", data={"csrf_token": token, "cod": code}
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdftotext(response.data, tmp_path)
    with app.app_context():
        document = db.session.scalar(select(Document).where(Document.public_id == public_id))
        for expected in (
            "Primăria Municipiului Săcele",
            "RECIPISĂ DE ÎNREGISTRARE",
            document.registration_label,
            "Petiție",
            "Termen legal de răspuns",
            format_date(document.deadline_at),
            code,
            "Vasile Pop",
        ):
            assert expected in text, expected
        # the QR encodes the portal's tracking URL with the number and the code (printed under it too)
        url = re.search(r"(http://\S+/urmarire\S+)", text).group(1)
        query = parse_qs(urlparse(url).query)
        assert query["numar"] == [document.registration_label] and query["cod"] == [code]
        assert document_for_code(query["numar"][0], query["cod"][0]) == document
        from app.audit.models import AuditEntry

        assert db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "receipt_printed", AuditEntry.document_id == document.id
            )
        )
    # and the portal's tracking page opens it with them
    tracked = client.get(f"/urmarire?numar={document.registration_label}&cod={code}")
    assert tracked.status_code == 302 and public_id in tracked.headers["Location"]


def test_pdf_needs_the_current_code(app, login_as):
    client = login_as("registrator.sacele")
    _html, code, public_id = registered(client)
    token = csrf_token(client, "/registratura/hartie")
    wrong = "AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB"
    response = client.post(
        f"/registratura/documente/{public_id}/recipisa.pdf", data={"csrf_token": token, "cod": wrong}
    )
    assert response.status_code == 404


def test_reissue_gives_a_new_code_and_the_old_one_stops(app, login_as):
    client = login_as("registrator.sacele")
    _html, old, public_id = registered(client)
    assert client.get(f"/registratura/documente/{public_id}/recipisa").status_code == 200
    token = csrf_token(client, f"/registratura/documente/{public_id}/recipisa")
    html = client.post(f"/registratura/documente/{public_id}/recipisa", data={"csrf_token": token}).get_data(
        as_text=True
    )
    new = re.search(r'id="cod-acces">([^<]+)<', html).group(1)
    with app.app_context():
        document = db.session.scalar(select(Document).where(Document.public_id == public_id))
        assert document_for_code(document.registration_label, new) == document
        if new != old:
            assert document_for_code(document.registration_label, old) is None


def test_other_institutions_and_citizens_cannot_reach_the_receipt(app, login_as):
    client = login_as("registrator.sacele")
    _html, code, public_id = registered(client)
    for username in ("registrator", "cetatean", "referent.sacele"):
        other = login_as(username)
        assert other.get(f"/registratura/documente/{public_id}/recipisa").status_code == 404, username
        token = csrf_token(other, "/documentele-mele" if username == "cetatean" else "/sarcini/")
        for path in ("recipisa", "recipisa.pdf"):
            response = other.post(
                f"/registratura/documente/{public_id}/{path}", data={"csrf_token": token, "cod": code}
            )
            assert response.status_code == 404, (username, path)


def test_render_receipt_without_deadline(pdftotext, tmp_path):
    receipt = Receipt(
        institution_name="Primăria Municipiului Săcele",
        institution_address="",
        registration_label="7/21.11.2026",
        registered_at="21.11.2026 10:00",
        document_type="Notă internă",
        subject="Subiect cu diacritice: ăâîșț " * 6,
        sender_name="Ion Ionescu",
        deadline="",
        legal_basis="",
        access_code="ABCD-2345",
        tracking_url="http://exemplu.ro/urmarire?numar=7/21.11.2026&cod=ABCD-2345",
        clerk_name="",
    )
    text = pdftotext(render_receipt_pdf(receipt), tmp_path)
    assert "ABCD-2345" in text and "ăâîșț" in text and "7/21.11.2026" in text

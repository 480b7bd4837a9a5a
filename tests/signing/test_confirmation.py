"""A citizen confirms a submission with a code sent by e-mail (a real SMTP server in process); the institution's
e-seal then signs a PDF recording the citizen's identity and the confirmation, shown with its report."""

import io
import re

from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from app.extensions import db
from app.registry.models import Attachment, Document
from app.signing.models import SignatureReport, SubmissionConfirmation
from app.storage import current_store
from tests.signing.helpers import pdfsig, pyhanko_statuses
from tests.webflow import csrf_token, submit_petition


def post(client, path, data=None):
    page = client.get(path.rsplit("/confirmare", 1)[0])
    assert page.status_code == 200
    token = csrf_token(client, path.rsplit("/confirmare", 1)[0])
    return client.post(path, data={"csrf_token": token, **(data or {})})


def code_messages(mail_server) -> list:
    """The confirmation-code e-mails (the citizen also receives the registration notice, app/notifications)."""
    return [m for m in mail_server.messages if m["Subject"].startswith("Cod de confirmare")]


def test_code_by_email_then_sealed_confirmation_with_report(app, login_as, mail_server, pdftotext, tmp_path):
    citizen = login_as("cetatean")
    location = submit_petition(citizen).headers["Location"]
    page = citizen.get(location).get_data(as_text=True)
    assert "Trimite codul pe e-mail" in page

    assert post(citizen, f"{location}/confirmare/cod").status_code == 302
    [message] = code_messages(mail_server)
    assert message["To"] == "cetatean@demo.example"
    body = message.get_content()
    assert "Consiliul Județean Brașov" in body  # UTF-8 intact
    code = re.search(r"\b(\d{6})\b", body).group(1)

    wrong = "000000" if code != "000000" else "111111"
    post(citizen, f"{location}/confirmare", {"cod": wrong})
    assert "Codul nu este corect." in citizen.get(location).get_data(as_text=True)
    with app.app_context():
        confirmation = db.session.scalar(select(SubmissionConfirmation))
        assert confirmation.attempts == 1 and confirmation.confirmed_at is None
        assert db.session.scalar(select(Attachment).where(Attachment.kind == "confirmare")) is None

    post(citizen, f"{location}/confirmare", {"cod": code})
    page = citizen.get(location).get_data(as_text=True)
    assert "Ați confirmat depunerea" in page
    assert "Semnături valide" in page and "Semnat de Consiliul Județean Brașov" in page

    with app.app_context():
        sealed = db.session.scalar(select(Attachment).where(Attachment.kind == "confirmare"))
        data = current_store().get(sealed.sha256)
        report = db.session.scalar(select(SignatureReport).where(SignatureReport.attachment_id == sealed.id))
        assert report.status == "valid" and report.signatures[0]["ades"] == "PASSED"
        [(_, status)] = pyhanko_statuses(data)
        assert (
            status.bottom_line
            and status.signing_cert.subject.native["common_name"] == "Consiliul Județean Brașov"
        )
        assert PdfFileReader(io.BytesIO(data)).embedded_signatures[0].docmdp_level is not None  # certified
        document = db.session.scalar(select(Document))
    assert "Signature is Valid." in pdfsig(data, tmp_path)
    text = pdftotext(data, tmp_path)
    assert "Ana Popescu" in text and "cetatean@demo.example" in text and "Confirmat la" in text

    clerk = login_as("registrator")
    staff = clerk.get(f"/documente/{document.public_id}").get_data(as_text=True)
    assert "Depunere confirmată" in staff or "confirmată" in staff
    assert "Semnat de Consiliul Județean Brașov" in staff


def test_a_second_code_within_a_minute_is_refused(app, login_as, mail_server):
    citizen = login_as("cetatean")
    location = submit_petition(citizen).headers["Location"]
    post(citizen, f"{location}/confirmare/cod")
    post(citizen, f"{location}/confirmare/cod")
    assert len(code_messages(mail_server)) == 1
    assert "mai puțin de un minut" in citizen.get(location).get_data(as_text=True)


def test_another_citizen_cannot_confirm(app, login_as, mail_server):
    location = submit_petition(login_as("cetatean")).headers["Location"]
    with app.app_context():
        from app.identity.models import User

        other = User(username="maria", email="maria@example.ro", full_name="Maria Pop")
        other.set_password("parola-lunga-1")
        db.session.add(other)
        db.session.commit()
    from tests.webflow import login

    intruder = login(app.test_client(), "maria", "parola-lunga-1")
    token = csrf_token(intruder, "/")
    assert intruder.post(f"{location}/confirmare/cod", data={"csrf_token": token}).status_code == 404
    assert code_messages(mail_server) == []

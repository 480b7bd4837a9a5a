"""Account self-service over HTTP with a real SMTP server: password reset (same answer for unknown addresses,
single-use, expiring), contact data and a new e-mail confirmed again, the privacy notice at sign-up, my data (JSON and
PDF), closing the account."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.identity.models import LoginEvent, User
from app.portal.account import PASSWORD_RESET_REFUSED
from app.registry.models import Document
from tests.smtp import body_of
from tests.webflow import csrf_token, submit_petition

pytestmark = pytest.mark.real_commits  # mail leaves through a real SMTP server thread


def ask_reset(client, email: str):
    token = csrf_token(client, "/parola-uitata")
    return client.post("/parola-uitata", data={"csrf_token": token, "email": email})


def reset_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/parola-noua/\S+)", body_of(message))
    assert match, body_of(message)
    return match.group(1)


def set_password(client, path: str, password: str = "o-parola-noua-lunga"):
    token = csrf_token(client, "/parola-uitata")  # a refused link's page has no form
    return client.post(path, data={"csrf_token": token, "password": password, "password_confirm": password})


def can_login(app, username: str, password: str = "demo") -> bool:
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/autentificare", data={"username": username, "password": password, "csrf_token": token}
    )
    return response.status_code == 302


def refused(app, reason: str) -> int:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == PASSWORD_RESET_REFUSED))
        return sum(1 for e in entries if (e.data or {}).get("reason") == reason)


def test_the_answer_is_the_same_whether_the_address_has_an_account_or_not(app, client, mail_server):
    known = ask_reset(client, "cetatean@demo.example")
    unknown = ask_reset(app.test_client(), "nimeni@example.ro")
    assert known.status_code == unknown.status_code == 200
    strip = lambda html: re.sub(r'name="csrf_token" value="[^"]+"', "", html)  # noqa: E731
    assert strip(known.get_data(as_text=True)) == strip(unknown.get_data(as_text=True))
    messages = mail_server.wait_for(1)
    assert [m["To"] for m in messages] == ["cetatean@demo.example"]


def test_a_reset_link_sets_a_new_password_once(app, client, mail_server):
    ask_reset(client, "cetatean@demo.example")
    path = reset_path(mail_server.wait_for(1)[0])
    response = set_password(client, path)
    assert response.status_code == 302 and response.headers["Location"].endswith("/autentificare")
    assert can_login(app, "cetatean", "o-parola-noua-lunga")
    # Used twice: refused, the password stays, the attempt is logged.
    before = refused(app, "used")
    again = app.test_client().get(path)
    assert again.status_code == 400 and "a fost deja folosită" in again.get_data(as_text=True)
    assert set_password(app.test_client(), path, "alta-parola-lunga").status_code == 400
    assert refused(app, "used") == before + 2
    assert can_login(app, "cetatean", "o-parola-noua-lunga")


@pytest.mark.date_sensitive
def test_an_expired_reset_link_is_refused(app, client, mail_server, time_machine):
    ask_reset(client, "cetatean@demo.example")
    path = reset_path(mail_server.wait_for(1)[0])
    time_machine.move_to(datetime.now(UTC) + timedelta(minutes=app.config["PASSWORD_RESET_MINUTES"] + 1))
    response = app.test_client().get(path)
    assert response.status_code == 400 and "a expirat" in response.get_data(as_text=True)
    assert set_password(app.test_client(), path).status_code == 400
    assert can_login(app, "cetatean", "demo")  # unchanged


def test_a_tampered_reset_link_is_refused(app, client):
    response = client.get("/parola-noua/abc.def.ghi")
    assert response.status_code == 400 and "nu este validă" in response.get_data(as_text=True)


def test_a_short_password_is_refused_and_the_link_stays_valid(app, client, mail_server):
    ask_reset(client, "cetatean@demo.example")
    path = reset_path(mail_server.wait_for(1)[0])
    assert set_password(client, path, "scurta").status_code == 400
    assert set_password(client, path).status_code == 302


def test_sign_up_requires_the_privacy_notice(app, client):
    token = csrf_token(client, "/cont-nou")
    data = {
        "csrf_token": token,
        "full_name": "Ana Pop",
        "email": "ana.pop@example.ro",
        "password": "parola-lunga-1",
        "password_confirm": "parola-lunga-1",
    }
    response = client.post("/cont-nou", data=data)
    assert response.status_code == 400 and "nota de informare" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "ana.pop@example.ro")) is None
    response = client.post("/cont-nou", data={**data, "confidentialitate": "da"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "ana.pop@example.ro")).privacy_accepted_at
    assert "art. 13" in client.get("/confidentialitate").get_data(as_text=True)


def test_phone_and_address_change_at_once_a_new_email_after_confirmation(app, login_as, mail_server):
    client = login_as("cetatean")
    token = csrf_token(client, "/cont/date")
    response = client.post(
        "/cont/date",
        data={
            "csrf_token": token,
            "phone": "0733 000 111",
            "address": "Str. Nouă nr. 1, Brașov",
            "email": "cetatean.nou@example.ro",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "cetatean"))
        assert (user.phone, user.address) == ("0733 000 111", "Str. Nouă nr. 1, Brașov")
        assert user.email == "cetatean@demo.example"  # not yet
    [message] = mail_server.wait_for(1)
    assert message["To"] == "cetatean.nou@example.ro"
    path = re.search(r"https?://[^/\s]+(/cont/email/\S+)", body_of(message)).group(1)
    assert client.get(path).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "cetatean"))
        assert user.email == "cetatean.nou@example.ro" and user.email_verified
    assert client.get(path).status_code == 400  # single use


def test_bad_contact_data_is_refused_and_changes_nothing(app, login_as):
    client = login_as("cetatean")
    token = csrf_token(client, "/cont/date")
    response = client.post(
        "/cont/date",
        data={"csrf_token": token, "phone": "abc", "address": "X", "email": "registrator@example.ro"},
    )
    assert response.status_code == 400
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "cetatean"))
        assert user.phone != "abc" and user.address != "X"


def test_my_data_in_json_and_pdf(app, login_as, pdftotext, tmp_path):
    client = login_as("cetatean")
    assert submit_petition(client).status_code == 302
    response = client.get("/cont/datele-mele.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data())
    assert data["cont"]["utilizator"] == "cetatean" and data["cont"]["cnp"] == "2900101080014"
    assert any(d["subiect"] == "Iluminat public defect" and d["istoric"] for d in data["documente"])
    assert data["autentificari"] and data["autentificari"][0]["reusita"] is True
    assert data["firme"][0]["cui"] == "18547290"
    pdf = client.get("/cont/datele-mele.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = pdftotext(pdf.data, tmp_path)
    assert "Datele mele" in text and "Iluminat public defect" in text and "cetatean@demo.example" in text
    assert app.test_client().get("/cont/datele-mele.json").status_code == 302  # signed-in only


def test_closing_the_account_removes_personal_data_and_keeps_documents(app, login_as):
    client = login_as("cetatean")
    assert submit_petition(client).status_code == 302
    token = csrf_token(client, "/cont/inchidere")
    assert "Legea Arhivelor Naționale" in client.get("/cont/inchidere").get_data(as_text=True)
    assert client.post("/cont/inchidere", data={"csrf_token": token}).status_code == 400  # not confirmed
    response = client.post("/cont/inchidere", data={"csrf_token": token, "confirmare": "da"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username.like("inchis-%")))
        assert user.cnp is None and user.phone is None and user.address is None and not user.is_active
        assert user.closed_at is not None and "cetatean" not in user.email
        document = db.session.scalar(select(Document).where(Document.submitter_id == user.id))
        assert document is not None and document.sender_name  # the register entry keeps the sender
        assert db.session.scalar(select(func.count(LoginEvent.id)).where(LoginEvent.user_id == user.id)) >= 1
    assert not can_login(app, "cetatean")

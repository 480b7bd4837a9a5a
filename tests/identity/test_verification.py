"""E-mail verification through a real SMTP server: the link read from the received message confirms the address;
an expired or tampered link gets a clear message; an unverified citizen browses but cannot submit."""

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.dates import now_utc
from app.extensions import db
from app.registry.models import Document
from tests.routes import user
from tests.webflow import csrf_token, submit_petition
from tests.webflow import signup as webflow_signup

pytestmark = pytest.mark.date_sensitive


def signup(client, email="maria.pop@example.ro"):
    """Sign-up, then signing in with the new account (sign-up itself signs no one in)."""
    return webflow_signup(client, email=email)


def link_path(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://[^/\s]+(/confirmare-email/\S+)", body)
    assert match, body
    return match.group(1)


def documents(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Document.id)))


def test_link_from_the_email_verifies_and_then_submitting_works(app, client, mail_server):
    assert signup(client).status_code == 302
    [message] = mail_server.messages
    assert message["To"] == "maria.pop@example.ro"
    assert "Confirmați adresa de e-mail" in message["Subject"]
    with app.app_context():
        assert user("maria.pop@example.ro").email_verified is False

    # Unverified: the catalogue opens, submitting is refused with a clear message, nothing is created.
    assert client.get("/").status_code == 200
    refused = submit_petition(client)
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/cont")
    assert "Confirmați întâi adresa de e-mail" in client.get("/cont").get_data(as_text=True)
    assert documents(app) == 0

    # The link works from another device, signed in or not.
    page = app.test_client().get(link_path(message))
    assert page.status_code == 200
    assert "Adresa de e-mail a fost confirmată" in page.get_data(as_text=True)
    with app.app_context():
        account = user("maria.pop@example.ro")
        assert account.email_verified is True and account.email_verified_at is not None
    assert submit_petition(client).status_code == 302
    assert documents(app) == 1


def test_tampered_link_is_refused_clearly(app, client, mail_server):
    signup(client)
    path = link_path(mail_server.messages[0])
    tampered = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    page = app.test_client().get(tampered)
    assert page.status_code == 400
    assert "Legătura de confirmare nu este validă" in page.get_data(as_text=True)
    with app.app_context():
        assert user("maria.pop@example.ro").email_verified is False


def test_expired_link_is_refused_and_a_new_one_can_be_requested(app, client, mail_server):
    signup(client)
    path = link_path(mail_server.messages[0])
    with time_machine.travel(now_utc() + timedelta(hours=49)):
        page = app.test_client().get(path)
    assert page.status_code == 400
    assert "Legătura de confirmare a expirat" in page.get_data(as_text=True)
    with app.app_context():
        assert user("maria.pop@example.ro").email_verified is False
    token = csrf_token(client, "/cont")
    assert client.post("/cont/confirmare-email", data={"csrf_token": token}).status_code == 302
    assert len(mail_server.messages) == 2
    assert app.test_client().get(link_path(mail_server.messages[1])).status_code == 200


def test_demo_accounts_are_verified(app, login_as):
    with app.app_context():
        assert user("cetatean").email_verified is True
    assert submit_petition(login_as("cetatean")).status_code == 302


def test_api_refuses_submissions_from_an_unverified_account(app, client, mail_server):
    from app.identity.models import ApiToken

    signup(client)
    with app.app_context():
        token = ApiToken.issue(user("maria.pop@example.ro"))
        db.session.commit()
        institution = db.session.scalar(select(Document.institution_id).limit(1))  # none yet
        assert institution is None
    response = app.test_client().post(
        "/api/v1/documents",
        headers={"Authorization": f"Bearer {token}"},
        data={
            "document_type": "petitie",
            "institution": "cj-brasov",
            "subiect": "Iluminat public",
            "continut": "Pe strada Lungă nu funcționează iluminatul public.",
        },
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "email_not_verified"
    assert documents(app) == 0

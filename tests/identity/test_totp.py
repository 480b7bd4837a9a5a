"""Staff two-factor authentication (TOTP, driven with pyotp): enrolment confirmed by a code, a second step at login,
recovery codes, and an institution that makes it mandatory."""

import pyotp
from sqlalchemy import select

from app.extensions import db
from app.identity.models import Institution, LoginEvent, RecoveryCode
from tests.routes import user
from tests.webflow import csrf_token, enrol, login


def password_step(client, username):
    token = csrf_token(client)
    return client.post("/autentificare", data={"csrf_token": token, "username": username, "password": "demo"})


def code_step(client, code):
    token = csrf_token(client, "/autentificare/cod")
    return client.post("/autentificare/cod", data={"csrf_token": token, "code": code})


def test_enrolment_then_login_needs_the_code(app, login_as):
    secret, codes = enrol(login_as("referent"))
    with app.app_context():
        official = user("referent")
        assert official.totp_enabled and official.totp_secret == secret
        hashes = [r.code_hash for r in db.session.scalars(select(RecoveryCode))]
        assert len(hashes) == 8 and not any(c in h for c in codes for h in hashes)  # only hashes are stored

    client = app.test_client()
    first = password_step(client, "referent")
    assert first.status_code == 302 and first.headers["Location"].endswith("/autentificare/cod")
    assert client.get("/sarcini/").status_code == 302  # not logged in yet
    bad = code_step(client, "123456")
    assert bad.status_code == 401 and "Codul nu este corect" in bad.get_data(as_text=True)
    assert code_step(client, pyotp.TOTP(secret).now()).status_code == 302
    assert client.get("/sarcini/").status_code == 200
    with app.app_context():
        reasons = [e.reason for e in db.session.scalars(select(LoginEvent).order_by(LoginEvent.id))]
        assert reasons[-2:] == ["cod_gresit", "ok"]


def test_a_recovery_code_works_once(app, login_as):
    _secret, codes = enrol(login_as("referent"))
    client = app.test_client()
    password_step(client, "referent")
    assert code_step(client, codes[0]).status_code == 302
    again = app.test_client()
    password_step(again, "referent")
    assert code_step(again, codes[0]).status_code == 401


def test_institution_can_make_totp_mandatory(app, login_as):
    with app.app_context():
        institution = db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))
        institution_id = institution.id
    admin = login_as("admin")
    token = csrf_token(admin, f"/administrare/institutii/{institution_id}")
    response = admin.post(
        f"/administrare/institutii/{institution_id}/securitate",
        data={"csrf_token": token, "require_totp": "1"},
    )
    assert response.status_code == 302
    # The official, logged in with the password, is sent to enrolment before anything else.
    official = login_as("referent")
    inbox = official.get("/sarcini/")
    assert inbox.status_code == 302 and inbox.headers["Location"].endswith("/cont/doi-pasi")
    assert official.get("/cont").headers["Location"].endswith("/cont/doi-pasi")
    enrol(official)
    assert official.get("/sarcini/").status_code == 200
    # A citizen is not affected.
    assert login_as("cetatean").get("/documentele-mele").status_code == 200
    # Another institution's staff are not affected.
    assert login_as("registrator.sacele").get("/sarcini/").status_code == 200


def test_demo_accounts_log_in_with_the_password_only(app):
    with app.app_context():
        assert not db.session.scalar(select(Institution.id).where(Institution.require_totp.is_(True)))
    for username in ("referent", "admin", "platforma", "cetatean"):
        login(app.test_client(), username)

"""The log of logins and failures, and throttling on it: too many failures for one account or from one address
refuse further attempts for a while with a clear message (works with Flask-Limiter disabled, as in tests)."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.dates import now_utc
from app.extensions import db
from app.identity.models import LoginEvent
from app.identity.throttling import MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_IP, WINDOW
from tests.webflow import csrf_token, login

pytestmark = pytest.mark.date_sensitive


def attempt(client, username, password, ip="127.0.0.1", agent="Mozilla/5.0 (test)"):
    token = csrf_token(client)
    return client.post(
        "/autentificare",
        data={"csrf_token": token, "username": username, "password": password},
        environ_base={"REMOTE_ADDR": ip},
        headers={"User-Agent": agent},
    )


def events(app):
    with app.app_context():
        return [
            (e.login, e.user.username if e.user else None, e.success, e.reason, e.ip, e.user_agent)
            for e in db.session.scalars(select(LoginEvent).order_by(LoginEvent.id))
        ]


def test_logins_and_failures_are_logged(app, client):
    assert attempt(client, "nimeni", "x").status_code == 401
    assert attempt(client, "referent", "gresita").status_code == 401
    assert attempt(client, "Referent", "demo").status_code == 302
    assert events(app) == [
        ("nimeni", None, False, "cont_inexistent", "127.0.0.1", "Mozilla/5.0 (test)"),
        ("referent", "referent", False, "parola_gresita", "127.0.0.1", "Mozilla/5.0 (test)"),
        ("referent", "referent", True, "ok", "127.0.0.1", "Mozilla/5.0 (test)"),
    ]
    page = client.get("/cont").get_data(as_text=True)
    assert "Autentificări recente" in page and "parolă greșită" in page and "reușită" in page


def test_too_many_failures_for_one_account_block_it_for_a_while(app, client):
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        assert attempt(client, "referent", "gresita").status_code == 401
    blocked = attempt(client, "referent", "demo")  # even the right password, while blocked
    assert blocked.status_code == 429
    html = blocked.get_data(as_text=True)
    assert "Prea multe încercări eșuate" in html and "reîncercați peste 15 minute" in html
    assert events(app)[-1][3] == "prea_multe_incercari"
    # Another account from the same address still works.
    assert attempt(app.test_client(), "registrator", "demo").status_code == 302
    # After the window, the right password gets in again.
    with time_machine.travel(now_utc() + WINDOW + timedelta(seconds=5)):
        assert attempt(app.test_client(), "referent", "demo").status_code == 302


def test_too_many_failures_from_one_address_block_it(app, client):
    for i in range(MAX_FAILURES_PER_IP):
        attempt(client, f"ghicit{i}", "x", ip="203.0.113.7")
    assert attempt(client, "referent", "demo", ip="203.0.113.7").status_code == 429
    assert attempt(app.test_client(), "referent", "demo", ip="198.51.100.1").status_code == 302


def test_a_success_resets_the_account_counter(app, client):
    for _ in range(MAX_FAILURES_PER_ACCOUNT - 1):
        attempt(client, "referent", "gresita")
    assert attempt(client, "referent", "demo").status_code == 302
    fresh = app.test_client()
    for _ in range(MAX_FAILURES_PER_ACCOUNT - 1):
        assert attempt(fresh, "referent", "gresita").status_code == 401
    assert attempt(fresh, "referent", "demo").status_code == 302


def test_institution_admin_sees_their_staffs_logins_only(app, login_as):
    login(app.test_client(), "referent")
    login(app.test_client(), "registrator.sacele")
    with app.app_context():
        from app.identity.models import Institution

        cj = db.session.scalar(select(Institution).where(Institution.code == "cj-brasov")).id
    page = login_as("admin").get(f"/administrare/institutii/{cj}").get_data(as_text=True)
    logins = page[page.index("Autentificările angajaților") :]
    assert "Elena Dumitrescu" in logins and "reușită" in logins
    assert "Maria Cojocaru" not in page and "registrator.sacele" not in page

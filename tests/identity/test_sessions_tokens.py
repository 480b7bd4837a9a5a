"""Sessions end on the server: logout (a copied cookie stops working), a password change and a disabled account
end every session. API tokens are named, expire, are listed and revoked by their owner at /cont/tokenuri, stored
hashed, and issued only with a TOTP code to accounts that use two-factor authentication."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from app.dates import now_utc
from app.extensions import db
from app.identity.models import ApiToken
from tests.routes import user
from tests.webflow import csrf_token, enrol


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, value):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_a_copied_cookie_stops_working_after_logout(app, login_as):
    client = login_as("cetatean")
    copied = _cookie(client)
    assert _with_cookie(app, copied).get("/cont").status_code == 200  # the copy works while the session lives
    token = csrf_token(client, "/cont")
    assert client.post("/iesire", data={"csrf_token": token}).status_code == 302
    response = _with_cookie(app, copied).get("/cont")
    assert response.status_code == 302 and "/autentificare" in response.headers["Location"]


@pytest.mark.real_commits  # another connection or application sees the data
def test_a_password_change_ends_every_session(app, login_as):
    first, second = login_as("cetatean"), login_as("cetatean")
    assert first.get("/cont").status_code == 200
    with app.app_context():
        user("cetatean").set_password("o parolă nouă, lungă și greu de ghicit 7!")
        db.session.commit()
        db.session.remove()
    assert first.get("/cont").status_code == 302
    assert second.get("/cont").status_code == 302


@pytest.mark.real_commits  # another connection or application sees the data
def test_a_disabled_account_ends_every_session_even_when_enabled_again(app, login_as):
    client = login_as("referent")
    assert client.get("/cont").status_code == 200
    with app.app_context():
        user("referent").is_active_account = False
        db.session.commit()
        db.session.remove()
    assert client.get("/cont").status_code == 302
    with app.app_context():
        user("referent").is_active_account = True
        db.session.commit()
        db.session.remove()
    assert client.get("/cont").status_code == 302  # the old session stays over: sign in again


def _issue(client, data):
    token = csrf_token(client, "/cont/tokenuri/")
    return client.post("/cont/tokenuri/", data={"csrf_token": token, **data})


@pytest.mark.real_commits  # another connection or application sees the data
def test_tokens_named_expiring_listed_and_revoked(app, login_as):
    client = login_as("cetatean")
    bad = _issue(client, {"name": "", "days": "4000"})
    assert bad.status_code == 400
    assert "Dați tokenului un nume" in bad.get_data(as_text=True) and "între 1 și 365" in bad.get_data(
        as_text=True
    )
    made = _issue(client, {"name": "script primărie", "days": "30"})
    assert made.status_code == 200
    value = re.search(r'id="token-nou"[^>]*>([^<]+)</code>', made.get_data(as_text=True)).group(1)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {value}"}
    assert api.get("/api/v1/document-types", headers=headers).status_code == 200
    with app.app_context():
        stored = db.session.scalar(select(ApiToken).where(ApiToken.name == "script primărie"))
        assert stored.token_hash == ApiToken.hash(value) and value not in (stored.token_hash,)
        assert timedelta(days=29) < stored.expires_at - now_utc().replace(tzinfo=None) <= timedelta(days=30)
        token_id = stored.id
        db.session.remove()
    page = client.get("/cont/tokenuri/").get_data(as_text=True)
    assert "script primărie" in page and "activ" in page and value not in page  # shown once only
    # Someone else's token cannot be revoked by guessing its id.
    other = login_as("registrator")
    assert (
        other.post(
            f"/cont/tokenuri/{token_id}/revocare", data={"csrf_token": csrf_token(other, "/cont")}
        ).status_code
        == 404
    )
    revoked = client.post(
        f"/cont/tokenuri/{token_id}/revocare", data={"csrf_token": csrf_token(client, "/cont")}
    )
    assert revoked.status_code == 302
    assert api.get("/api/v1/document-types", headers=headers).status_code == 401
    assert "revocat" in client.get("/cont/tokenuri/").get_data(as_text=True)


def test_an_expired_token_is_refused(app, ctx):
    from app.identity.auth import user_from_bearer

    value = ApiToken.issue(user("cetatean"), name="vechi", expires_at=now_utc() - timedelta(minutes=1))
    db.session.commit()
    assert user_from_bearer(f"Bearer {value}") is None


def test_tokens_only_after_totp_for_accounts_with_two_factor(app, login_as):
    client = login_as("referent")
    secret, _codes = enrol(client)
    without = _issue(client, {"name": "fără cod", "days": "10"})
    assert without.status_code == 400 and "Codul de autentificare nu este corect" in without.get_data(
        as_text=True
    )
    made = _issue(client, {"name": "cu cod", "days": "10", "code": pyotp.TOTP(secret).now()})
    assert made.status_code == 200 and 'id="token-nou"' in made.get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["users", "token", "referent"])
    assert result.exit_code == 1 and "two-factor" in result.output


def test_a_token_revoked_after_a_lookup_is_refused_at_the_next_one(app, ctx):
    from app.identity.auth import user_from_bearer

    value = ApiToken.issue(user("cetatean"), name="de revocat")
    db.session.commit()
    header = f"Bearer {value}"
    assert user_from_bearer(header, keep_for_request=True) is not None  # a guard hands it to the view
    assert user_from_bearer(header) is not None  # the view takes it
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "de revocat"))
    token.revoked = True
    db.session.commit()
    assert user_from_bearer(header) is None

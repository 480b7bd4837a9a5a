"""ROeID login against a real OpenID provider (npm oidc-provider on 127.0.0.1): the account created from the claims,
an existing account linked after confirmation, logout at the provider, and every refusal (forged or replayed
responses, a CNP that differs from the linked account's) with nothing changed and the event logged."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.identity import roeid as roeid_module
from app.identity.models import User
from tests.identity.roeid import (
    ACCOUNTS,
    CLIENT_ID,
    NEW_PERSON_CNP,
    OTHER_CLIENT_ID,
    sign_in_at_provider,
    sign_out_at_provider,
    valid_cnp,
)
from tests.webflow import csrf_token

pytestmark = pytest.mark.real_commits  # the provider is another process; the app commits each step


def start(client) -> str:
    response = client.get("/autentificare/roeid")
    assert response.status_code == 302
    return response.headers["Location"]


def login_with_roeid(client, provider, login: str, browser: requests.Session | None = None):
    browser = browser or requests.Session()
    callback = sign_in_at_provider(browser, start(client), login, provider.redirect_uri)
    path = callback[len("http://localhost") :]
    return client.get(path), callback, browser


def refusals(app, reason: str) -> int:
    with app.app_context():
        return sum(
            1
            for entry in db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == roeid_module.ROEID_REFUSED)
            )
            if (entry.data or {}).get("reason") == reason
        )


def users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def test_the_login_page_offers_roeid_beside_the_password(app, client, roeid):
    html = client.get("/autentificare").get_data(as_text=True)
    assert 'id="roeid"' in html and "Intră cu ROeID" in html and 'name="password"' in html
    app.config["ROEID_ISSUER"] = None
    assert "Intră cu ROeID" not in client.get("/autentificare").get_data(as_text=True)
    assert client.get("/autentificare/roeid").status_code == 404


def test_the_authorization_request_uses_pkce_state_and_nonce(client, roeid):
    query = parse_qs(urlsplit(start(client)).query)
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert set(query["scope"][0].split()) >= {"openid", "profile", "email", "phone", "address"}


def test_first_login_creates_the_account_from_the_claims(app, client, roeid):
    response, _callback, _browser = login_with_roeid(client, roeid, "ion.popescu")
    assert response.status_code == 302 and response.headers["Location"].endswith("/cont")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.cnp == NEW_PERSON_CNP))
        assert user.full_name == "Ion Popescu"
        assert user.email == "ion.popescu@example.ro" and user.email_verified  # vouched for by the provider
        assert user.phone == "0722 111 222"
        assert user.address == "Str. Lungă nr. 5, Brașov, Brașov, 500035, RO"
        assert user.roeid_subject == "ion.popescu" and user.privacy_accepted_at is not None
        assert not user.is_staff
    page = client.get("/cont").get_data(as_text=True)
    assert "Ion Popescu" in page and "cont legat de ROeID" in page and NEW_PERSON_CNP not in page

    # The second login finds the same account.
    client.post("/iesire", data={"csrf_token": csrf_token(client, "/cont")})
    before = users(app)
    response, _callback, _browser = login_with_roeid(client, roeid, "ion.popescu")
    assert response.status_code == 302 and users(app) == before
    assert "Ion Popescu" in client.get("/cont").get_data(as_text=True)


def test_an_existing_account_with_the_same_cnp_is_linked_after_confirmation(app, client, roeid):
    response, _callback, _browser = login_with_roeid(client, roeid, "maria.cetatean")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/autentificare/roeid/legare"
    )
    page = client.get("/autentificare/roeid/legare").get_data(as_text=True)
    assert "Există deja un cont" in page and "2**********14" in page and "2900101080014" not in page
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "cetatean")).roeid_subject is None
    token = csrf_token(client, "/autentificare/roeid/legare")
    response = client.post("/autentificare/roeid/legare", data={"csrf_token": token, "actiune": "leaga"})
    assert response.status_code == 302
    with app.app_context():
        citizen = db.session.scalar(select(User).where(User.username == "cetatean"))
        assert citizen.roeid_subject == "maria.cetatean"
        assert citizen.email != ACCOUNTS["maria.cetatean"]["email"]  # the account keeps its own data
    assert "cont legat de ROeID" in client.get("/cont").get_data(as_text=True)


def test_declining_the_link_changes_nothing(app, client, roeid):
    before = users(app)
    login_with_roeid(client, roeid, "maria.cetatean")
    token = csrf_token(client, "/autentificare/roeid/legare")
    response = client.post("/autentificare/roeid/legare", data={"csrf_token": token, "actiune": "renunta"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/autentificare")
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "cetatean")).roeid_subject is None
    assert users(app) == before
    assert client.get("/cont").status_code == 302  # not signed in


def test_a_cnp_claim_other_than_the_linked_accounts_is_refused(app, client, roeid):
    login_with_roeid(client, roeid, "ion.popescu")
    client.post("/iesire", data={"csrf_token": csrf_token(client, "/cont")})
    other = valid_cnp("185071208002")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.roeid_subject == "ion.popescu"))
        user.cnp = other
        db.session.commit()
    before = refusals(app, "cnp_mismatch")
    response, _callback, _browser = login_with_roeid(client, roeid, "ion.popescu")
    assert response.status_code == 400
    assert "CNP-ul transmis de ROeID diferă" in response.get_data(as_text=True)
    assert refusals(app, "cnp_mismatch") == before + 1
    assert client.get("/cont").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).where(User.roeid_subject == "ion.popescu")).cnp == other


def test_a_wrong_state_is_refused(app, client, roeid):
    callback = sign_in_at_provider(requests.Session(), start(client), "ion.popescu", roeid.redirect_uri)
    forged = callback.replace("state=", "state=x")
    before = (users(app), refusals(app, "state_mismatch"))
    response = client.get(forged[len("http://localhost") :])
    assert response.status_code == 400 and "nu corespunde autentificării pornite" in response.get_data(
        as_text=True
    )
    assert (users(app), refusals(app, "state_mismatch")) == (before[0], before[1] + 1)


def test_a_replayed_response_is_refused(app, client, roeid):
    response, callback, _browser = login_with_roeid(client, roeid, "ion.popescu")
    assert response.status_code == 302
    client.post("/iesire", data={"csrf_token": csrf_token(client, "/cont")})
    # The same callback again, in the same browser and in another one: the state was single-use.
    before = refusals(app, "no_flow")
    assert client.get(callback[len("http://localhost") :]).status_code == 400
    assert app.test_client().get(callback[len("http://localhost") :]).status_code == 400
    assert refusals(app, "no_flow") == before + 2
    # A fresh flow in this browser with the old code: the state differs.
    start(client)
    assert client.get(callback[len("http://localhost") :]).status_code == 400


def test_a_code_used_twice_is_refused_by_the_provider(app, client, roeid):
    browser = requests.Session()
    callback = sign_in_at_provider(browser, start(client), "ion.popescu", roeid.redirect_uri)
    query = parse_qs(urlsplit(callback).query)
    assert client.get(callback[len("http://localhost") :]).status_code == 302
    client.post("/iesire", data={"csrf_token": csrf_token(client, "/cont")})
    # Start a new flow, then present the old (used) code with the new state.
    new_state = parse_qs(urlsplit(start(client)).query)["state"][0]
    before = refusals(app, "code_refused")
    response = client.get(f"/autentificare/roeid/raspuns?code={query['code'][0]}&state={new_state}")
    assert response.status_code == 400
    assert refusals(app, "code_refused") == before + 1


def _claims(provider, expected_nonce: str, **changes) -> dict:
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "aud": CLIENT_ID,
        "sub": "ion.popescu",
        "iat": now,
        "exp": now + 300,
        "nonce": expected_nonce,
    }
    claims.update(changes)
    return claims


def _sign(key, claims) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"iss": "http://127.0.0.1:1"}, "issuer_mismatch"),
        ({"aud": OTHER_CLIENT_ID}, "audience_mismatch"),
        ({"aud": [CLIENT_ID, OTHER_CLIENT_ID], "azp": OTHER_CLIENT_ID}, "audience_mismatch"),
        ({"nonce": "another-login"}, "nonce_mismatch"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
    ],
)
def test_id_tokens_with_wrong_claims_are_refused(app, roeid, change, reason):
    """Signed with the provider's own key, so only the claim check can refuse them."""
    with app.test_request_context():
        token = _sign(roeid.key, _claims(roeid, "this-login", **change))
        with pytest.raises(roeid_module.RoeidError) as refused:
            roeid_module.check_id_token(token, "this-login")
        assert refused.value.reason == reason
        # The same token with the right claims passes: the check is not refusing everything.
        good = _sign(roeid.key, _claims(roeid, "this-login"))
        assert roeid_module.check_id_token(good, "this-login")["sub"] == "ion.popescu"


def test_an_id_token_signed_with_another_key_is_refused(app, roeid):
    forger = RSAKey.generate_key(2048, parameters={"kid": roeid.key.kid, "alg": "RS256"})
    with app.test_request_context():
        token = _sign(forger, _claims(roeid, "n"))
        with pytest.raises(roeid_module.RoeidError) as refused:
            roeid_module.check_id_token(token, "n")
        assert refused.value.reason == "bad_signature"
        unsigned = jwt.encode({"alg": "none"}, _claims(roeid, "n"), None, algorithms=["none"])
        with pytest.raises(roeid_module.RoeidError):
            roeid_module.check_id_token(unsigned, "n")


def test_the_provider_refusing_consent_is_a_clear_message(app, client, roeid):
    query = parse_qs(urlsplit(start(client)).query)
    before = users(app)
    response = client.get(f"/autentificare/roeid/raspuns?error=access_denied&state={query['state'][0]}")
    assert response.status_code == 400 and "a fost anulată" in response.get_data(as_text=True)
    assert users(app) == before


def test_logout_ends_the_session_at_the_provider(app, client, roeid):
    response, _callback, browser = login_with_roeid(client, roeid, "ion.popescu")
    assert response.status_code == 302
    # The sign-out form may continue to the provider (browsers check form-action on redirects).
    assert f"form-action 'self' {roeid.issuer}" in client.get("/cont").headers["Content-Security-Policy"]
    response = client.post("/iesire", data={"csrf_token": csrf_token(client, "/cont")})
    end_session = response.headers["Location"]
    assert end_session.startswith(roeid.issuer) and "id_token_hint=" in end_session
    after = sign_out_at_provider(browser, end_session)
    assert after == "http://localhost/autentificare"
    # Signed out at the provider: a new login asks for the credentials again.
    login_page = browser.get(start(client), timeout=10)
    assert 'name="login"' in login_page.text

"""The test ROeID: a real OpenID provider (npm oidc-provider, tests/identity/roeid_provider.mjs) run with node on a
free 127.0.0.1 port, and the steps a person takes on it (sign in, consent, sign out), driven over HTTP."""

import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urljoin

import requests
from joserfc.jwk import RSAKey
from stdnum.ro import cnp as stdnum_cnp

from tests.smtp import free_port

SCRIPT = Path(__file__).with_name("roeid_provider.mjs")
CLIENT_ID = "ghiseul-unic-test"
CLIENT_SECRET = "secret-client-de-test-roeid-0123456789"  # noqa: S105 - the test provider's client
OTHER_CLIENT_ID = "alt-site-test"


def valid_cnp(prefix: str) -> str:
    """A valid CNP from its first 12 digits (the check digit computed by python-stdnum)."""
    return prefix + stdnum_cnp.calc_check_digit(prefix)


NEW_PERSON_CNP = valid_cnp("185071208001")
ACCOUNTS = {
    # A person new to the platform.
    "ion.popescu": {
        "nume": "Popescu",
        "prenume": "Ion",
        "cnp": NEW_PERSON_CNP,
        "email": "ion.popescu@example.ro",
        "email_verified": True,
        "telefon": "0722 111 222",
        "address": {
            "street_address": "Str. Lungă nr. 5",
            "locality": "Brașov",
            "region": "Brașov",
            "postal_code": "500035",
            "country": "RO",
        },
    },
    # The demo citizen `cetatean` (same CNP): linked after confirmation.
    "maria.cetatean": {
        "nume": "Cetățean",
        "prenume": "Maria",
        "cnp": "2900101080014",
        "email": "maria.cetatean@example.ro",
        "email_verified": True,
    },
}


class Provider:
    def __init__(self, issuer: str, process: subprocess.Popen, key: RSAKey, redirect_uri: str):
        self.issuer = issuer
        self.process = process
        self.key = key  # the provider's signing key: tests forge tokens with it
        self.redirect_uri = redirect_uri

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start_provider(base_url: str, tmp_dir: Path) -> Provider:
    """A provider for the site at `base_url` (its callback and post-logout URIs registered)."""
    node = shutil.which("node")
    assert node, "node (Node.js) is required for the test ROeID provider"
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    key = RSAKey.generate_key(2048, parameters={"kid": "roeid-test-1", "use": "sig", "alg": "RS256"})
    redirect_uri = f"{base_url}/autentificare/roeid/raspuns"
    client = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [redirect_uri],
        "post_logout_redirect_uris": [f"{base_url}/autentificare"],
        "response_types": ["code"],
        "grant_types": ["authorization_code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }
    other = {**client, "client_id": OTHER_CLIENT_ID, "client_secret": CLIENT_SECRET + "-alt"}
    config = {
        "issuer": issuer,
        "port": port,
        "clients": [client, other],
        "jwks": {"keys": [key.as_dict(private=True)]},
        "accounts": ACCOUNTS,
    }
    path = tmp_dir / f"roeid-{port}.json"
    path.write_text(json.dumps(config))
    process = subprocess.Popen(  # noqa: S603 - node with our own script
        [node, str(SCRIPT), str(path)],
        cwd=SCRIPT.parent.parent.parent,  # the repository: node_modules/oidc-provider
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    end = time.monotonic() + 30
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"the test ROeID provider did not start: {process.stderr.read()}")
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                return Provider(issuer, process, key, redirect_uri)
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the test ROeID provider did not answer within 30 s")


def configure(app, provider: Provider) -> dict:
    """Point the app at the provider; returns the previous settings for `restore`."""
    from app.identity import roeid

    keys = ("ROEID_ISSUER", "ROEID_CLIENT_ID", "ROEID_CLIENT_SECRET", "ROEID_REDIRECT_URI")
    saved = {k: app.config.get(k) for k in keys}
    app.config.update(
        ROEID_ISSUER=provider.issuer,
        ROEID_CLIENT_ID=CLIENT_ID,
        ROEID_CLIENT_SECRET=CLIENT_SECRET,
        ROEID_REDIRECT_URI=provider.redirect_uri,
    )
    roeid._cache.clear()
    return saved


def _form(html: str) -> tuple[str, dict]:
    action = re.search(r'<form[^>]*action="([^"]+)"', html)
    assert action, html[:2000]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return action.group(1), fields


def sign_in_at_provider(
    browser: requests.Session, authorization_url: str, login: str, redirect_uri: str
) -> str:
    """Follow the provider's pages as a person would (sign in, consent) until it sends the browser back to our
    callback; returns that callback URL (with code, state and iss)."""
    url = authorization_url
    for _step in range(20):
        if url.startswith(redirect_uri):
            return url
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            continue
        assert response.status_code == 200, response.text[:2000]
        action, fields = _form(response.text)
        prompt = re.search(r'name="prompt" value="([a-z]+)"', response.text)
        data = {"prompt": prompt.group(1) if prompt else "login", **fields}
        if data["prompt"] == "login":
            data.update(login=login, password="parola-roeid")
        response = browser.post(urljoin(url, action), data=data, allow_redirects=False, timeout=10)
        assert response.is_redirect, response.text[:2000]
        url = urljoin(url, response.headers["Location"])
    raise AssertionError("the provider never sent the browser back")


def sign_out_at_provider(browser: requests.Session, end_session_url: str) -> str:
    """Confirm the provider's logout page; returns where it sends the browser afterwards."""
    response = browser.get(end_session_url, allow_redirects=False, timeout=10)
    assert response.status_code == 200, response.text[:2000]
    action, fields = _form(response.text)
    response = browser.post(
        urljoin(end_session_url, action), data={**fields, "logout": "yes"}, allow_redirects=False, timeout=10
    )
    assert response.is_redirect, response.text[:2000]
    return urljoin(end_session_url, response.headers["Location"])

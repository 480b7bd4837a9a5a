"""The steps a signer takes in the browser for a cloud signature, over HTTP: our pages with CSRF tokens, the
provider's authorization pages on the real CSC service (tests/signing/csc_provider.py)."""

import re
from urllib.parse import parse_qs, urlsplit

import requests

from tests.signing.conftest import CSC_PASSWORD
from tests.webflow import csrf_token


def at_provider(location: str, username: str, password: str = CSC_PASSWORD) -> str:
    """Open the provider's authorization page and log in there; returns our callback path with code and state."""
    page = requests.get(location, timeout=10)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    import html

    fields = {k: html.unescape(v) for k, v in fields.items()}
    answer = requests.post(
        location.split("?")[0],
        data={**fields, "username": username, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code in (302, 303), answer.text
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def provider_link(client, cloud_page: str) -> str:
    return provider_link_in(client.get(cloud_page).get_data(as_text=True))


def provider_link_in(html: str) -> str:
    """Our page links to the provider's authorization page (a link: forms may only post to this site)."""
    match = re.search(r'href="([^"]+)" id="la-furnizor"', html)
    assert match, html
    import html as html_module

    return html_module.unescape(match.group(1))


def start(client, page_path: str, action: str, provider_id: int):
    token = csrf_token(client, page_path)
    response = client.post(action, data={"csrf_token": token, "furnizor": provider_id})
    return response


def reach_code_step(client, page_path, action, provider_id, service, account, credential_id):
    """Start, log in at the provider, choose the certificate, authorize the hash there. Returns our page (asking
    for the one-time code, or saying why the certificate was refused) and its path."""
    response = start(client, page_path, action, provider_id)
    assert response.status_code == 302, response.get_data(as_text=True)
    cloud_page = urlsplit(response.headers["Location"]).path
    link = provider_link(client, cloud_page)
    assert link.startswith(service.base_url + "/oauth2/authorize") and "scope=service" in link
    back = client.get(at_provider(link, account))
    assert back.status_code == 302 and urlsplit(back.headers["Location"]).path == cloud_page
    html = client.get(cloud_page).get_data(as_text=True)
    assert credential_id in html, html
    choose(client, cloud_page, credential_id)
    html = client.get(cloud_page).get_data(as_text=True)
    if 'id="la-furnizor"' not in html:  # refused: the page says why
        return html, cloud_page
    link = provider_link_in(html)
    query = parse_qs(urlsplit(link).query)
    assert query["scope"] == ["credential"] and query["credentialID"] == [credential_id]
    back = client.get(at_provider(link, account))
    assert urlsplit(back.headers["Location"]).path == cloud_page
    return client.get(cloud_page).get_data(as_text=True), cloud_page


def sign_in_cloud(client, page_path, action, provider_id, service, account, credential_id):
    """The whole signature; returns the last response (the code's POST) and our cloud signing page's path."""
    html, cloud_page = reach_code_step(
        client, page_path, action, provider_id, service, account, credential_id
    )
    assert 'name="cod"' in html, flashed_error_in(html)
    return type_code(client, cloud_page, service.last_otp(credential_id)), cloud_page


def choose(client, cloud_page, credential_id):
    token = csrf_token(client, cloud_page)
    return client.post(f"{cloud_page}/certificat", data={"csrf_token": token, "certificat": credential_id})


def type_code(client, cloud_page, code):
    token = csrf_token(client, cloud_page)
    return client.post(f"{cloud_page}/cod", data={"csrf_token": token, "cod": code})


def flashed_error(client, path) -> str:
    return flashed_error_in(client.get(path).get_data(as_text=True))


def flashed_error_in(html: str) -> str:
    match = re.search(r'class="alert alert-danger[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""

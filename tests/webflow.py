"""Helpers for tests that drive the UI over HTTP like a browser would (with CSRF tokens)."""

import io
import re

import pyotp
from PIL import Image


def csrf_token(client, path: str = "/autentificare") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username: str, password: str = "demo"):
    token = csrf_token(client)
    response = client.post(
        "/autentificare", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def submit_petition(
    client,
    subject="Iluminat public defect",
    content="Pe strada Lungă nu funcționează iluminatul public de două săptămâni.",
    files=None,
    key=None,
    phone=None,
    answer_by=None,
):
    token = csrf_token(client, "/depune/petitie")
    html = client.get("/depune/petitie").get_data(as_text=True)
    key = key or re.search(r'name="submission_key" value="([^"]+)"', html).group(1)
    institution = re.search(r'<option value="(\d+)"', html).group(1)
    data = {
        "csrf_token": token,
        "submission_key": key,
        "institution": institution,
        "subiect": subject,
        "continut": content,
    }
    if files:
        data["anexe"] = files
    if phone:
        data["telefon"] = phone
    if answer_by:
        data["raspuns_prin"] = answer_by
    return client.post("/depune/petitie", data=data, content_type="multipart/form-data")


def task_id_for(client, name: str) -> int:
    html = client.get("/sarcini/").get_data(as_text=True)
    match = re.search(r'href="/sarcini/(\d+)">' + re.escape(name), html)
    assert match, f"task {name} not in inbox"
    return int(match.group(1))


def complete(client, task_id: int, data: dict):
    token = csrf_token(client, f"/sarcini/{task_id}")
    return client.post(f"/sarcini/{task_id}", data={"csrf_token": token, **data})


def sign(client, task_id: int, passphrase: str | None = None):
    """A signing step: the page's "Semnează documentul" form (with the key's passphrase when it asks one)."""
    token = csrf_token(client, f"/sarcini/{task_id}")
    data = {"csrf_token": token}
    if passphrase is not None:
        data["parola"] = passphrase
    return client.post(f"/sarcini/{task_id}", data=data)


SAMPLE_VALUES = {"int": "1", "default": "0123456789abcdef0123456789abcdef", "path": "x"}


def concrete(rule) -> str:
    def replace(match):
        converter = match.group(1) or "default"
        return SAMPLE_VALUES.get(converter, "x")

    return re.sub(r"<(?:(\w+):)?\w+>", replace, rule.rule)


def signup(client, email="maria@example.ro", full_name="Maria Pop", **fields):
    """The sign-up form, privacy notice accepted; `fields` adds or overrides (cnp=..., confidentialitate="")."""
    token = csrf_token(client, "/cont-nou")
    data = {
        "csrf_token": token,
        "full_name": full_name,
        "email": email,
        "password": "parola-lunga-1",
        "password_confirm": "parola-lunga-1",
        "confidentialitate": "da",
        **fields,
    }
    return client.post("/cont-nou", data=data)


VALID_CNP = "1630615123457"  # a valid CNP (checksum) of nobody in the demo data


def signup_ion(client, email="ion.pop@example.ro", cnp=VALID_CNP, **extra):
    """Sign-up of a natural person with a CNP."""
    return signup(client, email=email, full_name="Ion Pop", cnp=cnp, **extra)


def issue_token(app, username: str) -> str:
    """A new bearer token, issued the way an operator does it: `flask users token USERNAME`."""
    result = app.test_cli_runner().invoke(args=["users", "token", username])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def enrol(client) -> tuple[str, list[str]]:
    page = client.get("/cont/doi-pasi").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code, no script
    token = csrf_token(client, "/cont/doi-pasi")
    # The page was opened again by csrf_token(): a new secret is offered each time it is opened.
    page = client.get("/cont/doi-pasi").get_data(as_text=True)
    secret = re.search(r'id="cheie">([A-Z2-7]+)</code>', page).group(1)
    wrong = client.post("/cont/doi-pasi", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 400 and "Codul nu corespunde" in wrong.get_data(as_text=True)
    done = client.post("/cont/doi-pasi", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li>([0-9a-f]{4}-[0-9a-f]{4})</li>", done.get_data(as_text=True))
    assert len(codes) == 8
    return secret, codes

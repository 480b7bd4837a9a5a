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


def signup(client, email="maria@example.ro", full_name="Maria Pop", sign_in=True, **fields):
    """The sign-up form, privacy notice accepted; `fields` adds or overrides (cnp=..., confidentialitate="").

    Sign-up signs no one in (it must not tell a new account from an existing one): with `sign_in` the person then
    signs in with the e-mail and password, as they would after reading the e-mail. Returns the sign-up's answer."""
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
    response = client.post("/cont-nou", data=data)
    if sign_in and response.status_code == 302:
        client.post(
            "/autentificare",
            data={"username": email, "password": data["password"], "csrf_token": csrf_token(client)},
        )
    return response


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


def compile_english(app) -> None:
    """The English .mo is build output (`make test` compiles it): compile it when missing or stale."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = Path(app.root_path) / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return
    with po.open("rb") as f:
        catalog = read_po(f)
    with mo.open("wb") as f:
        write_mo(f, catalog)
    from flask_babel import get_domain

    with app.test_request_context():
        get_domain().cache.clear()  # Flask-Babel caches a catalogue loaded before the .mo existed


# Words of the interface that only Romanian has (diacritics aside): an English page showing one forgot a text.
ROMANIAN_WORDS = frozenset(
    """si sau pentru este sunt care din catre prin dupa documentul documente documentele cerere cererea
    petitie petitia petitiei raspuns raspunsul raspunsului inregistrare repartizare redactare aprobare semnare
    sarcini sarcina sarcinile depune depunere trimite compartiment compartimentul compartimentului referent
    referentul observatii termen termenul zile camp campul obligatoriu subiect subiectul continut continutul
    atasate adresa corespondenta solicitant petent istoric pas pasul deschide inchide iesire cont contul
    mele meu mea aprob returnez decizia textul functionarul""".split()
)
ROMANIAN_LETTERS = re.compile("[ăâîșțşţĂÂÎȘȚŞŢ]")


def romanian_in(text: str, allowed: list[str] = ()) -> list[str]:
    """Romanian words or letters in `text`, once the strings in `allowed` (people's data, names) are removed."""
    import unicodedata

    for value in sorted(allowed, key=len, reverse=True):
        text = text.replace(value, " ")
    found = []
    for word in re.findall(r"[^\W\d_]+", text):
        plain = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
        if ROMANIAN_LETTERS.search(word) or plain.lower() in ROMANIAN_WORDS:
            found.append(word)
    return found


def visible_text(html: str) -> str:
    """What a reader meets on the page: text outside scripts and styles, plus labels read out loud."""
    from html.parser import HTMLParser

    parts: list[str] = []

    class Reader(HTMLParser):
        hidden = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style", "template"):
                self.hidden += 1
            for name, value in attrs:
                if name in ("aria-label", "title", "placeholder", "alt") and value:
                    parts.append(value)
                if name == "value" and tag == "input" and dict(attrs).get("type") in ("submit", "button"):
                    parts.append(value or "")

        def handle_endtag(self, tag):
            if tag in ("script", "style", "template") and self.hidden:
                self.hidden -= 1

        def handle_data(self, data):
            if not self.hidden:
                parts.append(data)

    Reader().feed(html)
    return " ".join(" ".join(parts).split())

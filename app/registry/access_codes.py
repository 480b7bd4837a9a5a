"""Access codes: with the registration number they open a document's tracking page without an account.

The code is printed on the paper receipt (or sent by e-mail) and never stored: the document keeps an HMAC-SHA256
of it under ACCESS_CODE_KEY, a key kept outside the database (environment; derived from SECRET_KEY when not set),
so a copy of the database alone does not allow guessing the codes offline. Codes issued before keep their slow hash
(scrypt, 64 hex characters) and still open their document. 8 characters from an alphabet without look-alikes
(no 0/O, 1/I/L) = about 40 bits; with the number needed too and the tracking page rate-limited, guessing is out
of reach. A new code replaces the old one.

The keyed hash takes microseconds where scrypt took tens of milliseconds and 16 MiB: a submission issues its code
while it holds its institution's registration counter, so every other registration waited for that scrypt."""

import base64
import hashlib
import hmac
import re
import secrets
from datetime import date

from flask import current_app
from sqlalchemy import select

from app.dates import now_utc, to_local
from app.extensions import db
from app.registry.models import Document

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_LABEL = re.compile(r"^\s*(\d{1,9})\s*(?:/\s*(\d{1,2})\.(\d{1,2})\.(\d{4}))?\s*$")
# scrypt cost of the codes issued before the keyed hash (still verified): ~20 ms per check, 16 MiB of memory.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
# The stored form of a keyed hash: this prefix and the MAC in base64url (46 characters: an old scrypt hash is 64
# hexadecimal characters, so the two never look alike).
_KEYED = "k1:"


def normalize(code: str) -> str:
    """What the person typed, as the alphabet writes it: case, spaces and dashes do not matter."""
    return re.sub(r"[\s\-]", "", code or "").upper()


def _scrypt_hash(code: str, number: int, year: int) -> str:
    """The hash of codes issued before the keyed one. Salted with the number and year, not with the document: one
    computation checks every institution's document that carries this number (numbers are per institution)."""
    salt = f"registratura-cod-acces:{number}/{year}".encode()
    return hashlib.scrypt(normalize(code).encode(), salt=salt, **_SCRYPT).hex()


def _key() -> bytes:
    key = current_app.config.get("ACCESS_CODE_KEY")
    if key:
        return key.encode() if isinstance(key, str) else key
    # Derived, not the secret itself: a leak of one use of the key tells nothing about the other.
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"registratura access codes", hashlib.sha256).digest()


def _keyed_hash(code: str, number: int, year: int) -> str:
    message = f"{number}/{year}:{normalize(code)}".encode()
    mac = hmac.new(_key(), message, hashlib.sha256).digest()
    return _KEYED + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def format_code(raw: str) -> str:
    return f"{raw[:4]}-{raw[4:]}"


def issue_access_code(document: Document) -> str:
    """A new code for a registered document, e.g. "KX7M-Q2ZP"; only its hash is kept (the caller commits).
    Issuing again replaces the previous code: a lost receipt is reprinted with a new one."""
    if document.registration_number is None:
        raise ValueError("the document has no registration number yet")
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    document.access_code_hash = _keyed_hash(raw, document.registration_number, document.registration_year)
    return format_code(raw)


def parse_number_label(number_label: str) -> tuple[int, int, date | None] | None:
    """ "123/21.11.2026" -> (123, 2026, date(2026, 11, 21)); "123" -> (123, current local year, None)."""
    match = _LABEL.match(number_label or "")
    if not match:
        return None
    number = int(match.group(1))
    if match.group(2) is None:
        return number, to_local(now_utc()).year, None
    try:
        day = date(int(match.group(4)), int(match.group(3)), int(match.group(2)))
    except ValueError:
        return None
    return number, day.year, day


def document_for_code(number_label: str, code: str, institution_id: int | None = None) -> Document | None:
    """The document with this registration number whose access code is `code`, else None (whatever was wrong:
    the caller cannot tell a wrong number from a wrong code). Compared in constant time."""
    parsed = parse_number_label(number_label)
    cleaned = normalize(code)
    if parsed is None or len(cleaned) != CODE_LENGTH:
        return None
    number, year, day = parsed
    keyed = _keyed_hash(cleaned, number, year)
    slow: list[str] = []  # the scrypt hash, computed once and only if an old code's document is among them
    query = select(Document).where(
        Document.registration_number == number,
        Document.registration_year == year,
        Document.access_code_hash.is_not(None),
    )
    if institution_id is not None:
        query = query.where(Document.institution_id == institution_id)
    found = None
    for document in db.session.scalars(query):
        stored = document.access_code_hash
        if stored.startswith(_KEYED):
            expected = keyed
        else:
            if not slow:
                slow.append(_scrypt_hash(cleaned, number, year))
            expected = slow[0]
        if hmac.compare_digest(stored, expected) and (
            day is None or to_local(document.registered_at).date() == day
        ):
            found = document
    return found

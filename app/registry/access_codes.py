"""Access codes: with the registration number they open a document's tracking page without an account.

The code is printed on the paper receipt (or sent by e-mail) and never stored: the document keeps a slow hash
(scrypt), so a copy of the database does not give the codes back. 8 characters from an alphabet without look-alikes
(no 0/O, 1/I/L) = about 40 bits; with the number needed too and the tracking page rate-limited, guessing is out
of reach. A new code replaces the old one."""

import hashlib
import hmac
import re
import secrets
from datetime import date

from sqlalchemy import select

from app.dates import now_utc, to_local
from app.extensions import db
from app.registry.models import Document

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_LABEL = re.compile(r"^\s*(\d{1,9})\s*(?:/\s*(\d{1,2})\.(\d{1,2})\.(\d{4}))?\s*$")
# scrypt cost: ~20 ms per check here, 16 MiB of memory; enough against offline guessing of 40 bits.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def normalize(code: str) -> str:
    """What the person typed, as the alphabet writes it: case, spaces and dashes do not matter."""
    return re.sub(r"[\s\-]", "", code or "").upper()


def _hash(code: str, number: int, year: int) -> str:
    # Salted with the number and year, not with the document: one computation checks every institution's
    # document that carries this number (numbers are per institution).
    salt = f"registratura-cod-acces:{number}/{year}".encode()
    return hashlib.scrypt(normalize(code).encode(), salt=salt, **_SCRYPT).hex()


def format_code(raw: str) -> str:
    return f"{raw[:4]}-{raw[4:]}"


def issue_access_code(document: Document) -> str:
    """A new code for a registered document, e.g. "KX7M-Q2ZP"; only its hash is kept (the caller commits).
    Issuing again replaces the previous code: a lost receipt is reprinted with a new one."""
    if document.registration_number is None:
        raise ValueError("the document has no registration number yet")
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    document.access_code_hash = _hash(raw, document.registration_number, document.registration_year)
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
    expected = _hash(cleaned, number, year)
    query = select(Document).where(
        Document.registration_number == number,
        Document.registration_year == year,
        Document.access_code_hash.is_not(None),
    )
    if institution_id is not None:
        query = query.where(Document.institution_id == institution_id)
    found = None
    for document in db.session.scalars(query):
        if hmac.compare_digest(document.access_code_hash, expected) and (
            day is None or to_local(document.registered_at).date() == day
        ):
            found = document
    return found

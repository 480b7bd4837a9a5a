"""Finding a document without an account: registration number plus the access code (receipt, e-mail) or plus
the phone number given at submission. Failed guesses are counted per IP and per number in a window; past the
limit every guess is refused, right or wrong, so guessing a code or phone is hopeless."""

import hmac
import re
from datetime import timedelta

from sqlalchemy import func, select

from app.dates import now_utc, to_local
from app.extensions import db
from app.notifications.channels import phone_digits
from app.portal.models import TrackingAttempt
from app.registry.access_codes import document_for_code, parse_number_label
from app.registry.models import Document

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_IP = 10
MAX_FAILURES_PER_NUMBER = 5


def normalize_number(text: str) -> str:
    return re.sub(r"\s+", "", text or "")[:40]


def counted_number(text: str) -> str:
    """The key failed guesses are counted under: the number and year the label means ("0101/21.11.2026",
    "101" and "101/22.11.2026" are all 101/2026), so retyping it differently buys no extra tries."""
    parsed = parse_number_label(text)
    if parsed is None:
        return normalize_number(text).lower()
    number, year, _day = parsed
    return f"{number}/{year}"


def too_many_failures(ip: str, number: str) -> bool:
    number = counted_number(number)
    since = now_utc() - WINDOW
    by_ip = db.session.scalar(
        select(func.count(TrackingAttempt.id)).where(TrackingAttempt.ip == ip, TrackingAttempt.at >= since)
    )
    by_number = db.session.scalar(
        select(func.count(TrackingAttempt.id)).where(
            TrackingAttempt.number == number, TrackingAttempt.at >= since
        )
    )
    return by_ip >= MAX_FAILURES_PER_IP or by_number >= MAX_FAILURES_PER_NUMBER


def record_failure(ip: str, number: str) -> None:
    number = counted_number(number)
    db.session.add(TrackingAttempt(ip=ip[:45], number=number[:40]))


def _by_phone(number_text: str, phone: str) -> Document | None:
    parsed = parse_number_label(number_text)
    wanted = phone_digits(phone)
    if parsed is None or len(wanted) < 9:
        return None
    number, year, day = parsed
    candidates = db.session.scalars(
        select(Document).where(
            Document.registration_number == number,
            Document.registration_year == year,
            Document.sender_phone.is_not(None),
        )
    ).all()
    found = None
    for document in candidates:
        if day is not None and to_local(document.registered_at).date() != day:
            continue
        # Constant-time compare, and every candidate compared: the answer time tells nothing.
        if hmac.compare_digest(phone_digits(document.sender_phone), wanted):
            found = document
    return found


def _by_code(number_text: str, code: str) -> Document | None:
    return document_for_code(number_text.strip(), code.strip())


def find_document(number_text: str, code: str | None = None, phone: str | None = None) -> Document | None:
    if code:
        return _by_code(number_text, code)
    if phone:
        return _by_phone(number_text, phone)
    return None

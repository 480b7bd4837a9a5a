"""Staff two-factor authentication with TOTP (RFC 6238, pyotp): enrolment confirmed by a first code, a second step
at login, one-time recovery codes stored as argon2 hashes. An institution may make it mandatory for its staff."""

import secrets

import pyotp
import segno
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from app.audit import record
from app.dates import now_utc
from app.extensions import db
from app.identity.hashing import password_hasher
from app.identity.models import Institution, Membership, RecoveryCode, User

ISSUER = "Ghiseul Unic"
RECOVERY_CODES = 8
TOTP_ENABLED = "totp_enabled"
TOTP_DISABLED = "totp_disabled"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """An SVG QR code as a data: URI (the CSP allows data: images; no script needed)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _code_ok(secret: str, code: str) -> bool:
    code = "".join((code or "").split())
    # One step either side: phone clocks drift.
    return bool(secret) and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


def enrol(user: User, secret: str, code: str) -> list[str] | None:
    """Turn TOTP on when `code` matches `secret`; returns the recovery codes to show once, or None."""
    if not _code_ok(secret, code):
        return None
    user.totp_secret = secret
    user.totp_enabled_at = now_utc()
    for old in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(old)
    codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(RECOVERY_CODES)]
    for plain in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=password_hasher().hash(plain)))
    record(TOTP_ENABLED, actor=user)
    return codes


def check_second_factor(user: User, code: str) -> bool:
    """A current TOTP code, or an unused recovery code (then spent)."""
    if not user.totp_enabled:
        return False
    if _code_ok(user.totp_secret, code):
        return True
    code = (code or "").strip().lower()
    if not code:
        return False
    for row in db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ):
        try:
            if password_hasher().verify(row.code_hash, code):
                row.used_at = now_utc()
                return True
        except (VerificationError, InvalidHashError):
            continue
    return False


def disable(user: User, actor: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    for old in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(old)
    record(TOTP_DISABLED, actor=actor, target=user.username)


def totp_required(user: User) -> bool:
    """Staff of an institution that requires TOTP."""
    if not user.is_staff:
        return False
    return (
        db.session.scalar(
            select(Institution.id)
            .join(Membership, Membership.institution_id == Institution.id)
            .where(Membership.user_id == user.id, Institution.require_totp.is_(True))
            .limit(1)
        )
        is not None
    )

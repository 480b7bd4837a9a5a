"""The log of logins and failures, and throttling built on it: after too many failures for one account or from one
address within a window, further attempts are refused for a while. It reads the log table, so it works with any
number of workers and in tests (Flask-Limiter's per-IP limit on the view stays as a second, coarser guard)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.dates import as_utc, now_utc
from app.extensions import db
from app.identity.models import LoginEvent, User

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_IP = 20


class Reason:
    OK = "ok"
    BAD_PASSWORD = "parola_gresita"  # noqa: S105 - a reason code
    UNKNOWN = "cont_inexistent"
    INACTIVE = "cont_inactiv"
    THROTTLED = "prea_multe_incercari"
    BAD_TOTP = "cod_gresit"
    TOTP_PENDING = "asteapta_cod"


REASON_LABELS = {
    Reason.OK: _l("reușită"),
    Reason.BAD_PASSWORD: _l("parolă greșită"),
    Reason.UNKNOWN: _l("cont inexistent"),
    Reason.INACTIVE: _l("cont dezactivat"),
    Reason.THROTTLED: _l("refuzată: prea multe încercări"),
    Reason.BAD_TOTP: _l("cod de autentificare greșit"),
    Reason.TOTP_PENDING: _l("parolă corectă, se așteaptă codul"),
}


def _client() -> tuple[str | None, str | None]:
    if not request:
        return None, None
    return request.remote_addr, (request.headers.get("User-Agent") or "")[:300] or None


def log_attempt(login: str, user: User | None, success: bool, reason: str) -> LoginEvent:
    ip, agent = _client()
    event = LoginEvent(
        user_id=user.id if user else None,
        login=(login or "").strip().lower()[:254],
        success=success,
        reason=reason,
        ip=ip,
        user_agent=agent,
    )
    db.session.add(event)
    return event


@dataclass
class Throttle:
    until: datetime

    @property
    def minutes(self) -> int:
        return max(1, int((self.until - now_utc()).total_seconds() // 60) + 1)


def _failures_since(condition, since: datetime) -> list[datetime]:
    return [
        as_utc(at)
        for at in db.session.scalars(
            select(LoginEvent.at)
            .where(condition, LoginEvent.success.is_(False), LoginEvent.at >= since)
            .order_by(LoginEvent.at)
        )
    ]


def throttled(login: str, user: User | None = None) -> Throttle | None:
    """A Throttle while the account or the address has too many recent failures; None to go ahead.

    Failures count from the last success of the account, so the owner who finally types the right password starts
    afresh; refused attempts (THROTTLED) are logged but not counted, so waiting WINDOW always ends the block."""
    now = now_utc()
    since = now - WINDOW
    login = (login or "").strip().lower()
    account = LoginEvent.login == login
    if user is not None:
        account = account | (LoginEvent.user_id == user.id)
        last_ok = db.session.scalar(
            select(func.max(LoginEvent.at)).where(LoginEvent.user_id == user.id, LoginEvent.success.is_(True))
        )
        if last_ok is not None and as_utc(last_ok) > since:
            since = as_utc(last_ok)
    counted = LoginEvent.reason != Reason.THROTTLED
    failures = _failures_since(account & counted, since)
    if len(failures) >= MAX_FAILURES_PER_ACCOUNT:
        return Throttle(until=failures[-MAX_FAILURES_PER_ACCOUNT] + WINDOW)
    ip, _agent = _client()
    if ip:
        failures = _failures_since((LoginEvent.ip == ip) & counted, now - WINDOW)
        if len(failures) >= MAX_FAILURES_PER_IP:
            return Throttle(until=failures[-MAX_FAILURES_PER_IP] + WINDOW)
    return None


def recent_logins(user: User, limit: int = 20) -> list[LoginEvent]:
    return list(
        db.session.scalars(
            select(LoginEvent)
            .where(LoginEvent.user_id == user.id)
            .order_by(LoginEvent.at.desc())
            .limit(limit)
        )
    )


def institution_logins(institution_id: int, limit: int = 100) -> list[LoginEvent]:
    """Logins of the institution's staff (what its administrator sees)."""
    from app.identity.models import Membership

    staff = select(Membership.user_id).where(Membership.institution_id == institution_id)
    return list(
        db.session.scalars(
            select(LoginEvent)
            .where(LoginEvent.user_id.in_(staff))
            .order_by(LoginEvent.at.desc())
            .limit(limit)
        )
    )

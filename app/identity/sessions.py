"""Browser sessions that end on the server.

The session cookie is signed but lives in the browser, so clearing it at logout does not stop a copy of it. Each
login therefore gets a random session id and its time in the (signed) cookie: logout records the id as ended
(`ended_sessions`), and a password change or a disabled account moves `users.sessions_valid_after`, which ends
every session started before. The user loader refuses all of these."""

import secrets

from flask import has_request_context, session
from flask_login import user_logged_in, user_logged_out
from sqlalchemy import event

from app.dates import as_utc, now_utc
from app.extensions import db
from app.identity.models import EndedSession, User

SID = "_sid"
LOGIN_AT = "_login_at"


def _started(_app, user, **_extra) -> None:
    session[SID] = secrets.token_urlsafe(32)
    session[LOGIN_AT] = now_utc().timestamp()


def _ended(_app, user, **_extra) -> None:
    sid = session.pop(SID, None)
    session.pop(LOGIN_AT, None)
    if sid and user is not None and getattr(user, "id", None) is not None:
        db.session.merge(EndedSession(sid=sid, user_id=user.id))
        db.session.commit()


def session_is_live(user: User) -> bool:
    """The current request's session may act as `user`."""
    if not has_request_context():
        return True
    sid, login_at = session.get(SID), session.get(LOGIN_AT)
    if not sid or login_at is None:
        return False  # a cookie from before server-side sessions, or forged without the key: sign in again
    if user.sessions_valid_after is not None and login_at < as_utc(user.sessions_valid_after).timestamp():
        return False
    return db.session.get(EndedSession, sid) is None


def _account_disabled(target: User, value, oldvalue, _initiator) -> None:
    if value is False and oldvalue is not False:
        target.sessions_valid_after = now_utc()


_installed = False


def install_session_hooks(app) -> None:
    global _installed
    user_logged_in.connect(_started, app)
    user_logged_out.connect(_ended, app)
    if not _installed:
        event.listen(User.is_active_account, "set", _account_disabled)
        _installed = True

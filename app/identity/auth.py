"""Loading the current user: from the session cookie (UI) or from a bearer token (API)."""

from flask import has_request_context, request
from sqlalchemy import select

from app.dates import as_utc, now_utc
from app.extensions import db
from app.identity.models import ApiToken, User


def load_user(user_id: str) -> User | None:
    """The session's user, while the account is active and the session was not ended on the server."""
    from app.identity.sessions import session_is_live

    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_active or not session_is_live(user):
        return None
    return user


_BEARER_KEY = "registratura.bearer_user"


def user_from_bearer(header: str | None) -> User | None:
    """The API accepts bearer tokens only, never the session cookie: a cross-site request can't ride on it.
    Looked up once per request (the account guards and the API's own check both ask)."""
    if not header or not header.startswith("Bearer "):
        return None
    if not has_request_context():
        return _lookup_bearer(header)
    cache = request.environ.setdefault(_BEARER_KEY, {})
    if header not in cache:
        cache[header] = _lookup_bearer(header)
    return cache[header]


def _lookup_bearer(header: str) -> User | None:
    token = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == ApiToken.hash(header[7:].strip()), ApiToken.revoked.is_(False)
        )
    )
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and as_utc(token.expires_at) <= now_utc():
        return None
    return token.user

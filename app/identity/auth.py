"""Loading the current user: from the session cookie (UI) or from a bearer token (API)."""

from flask import has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

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


def user_from_bearer(header: str | None, keep_for_request: bool = False) -> User | None:
    """The API accepts bearer tokens only, never the session cookie: a cross-site request can't ride on it.
    `keep_for_request`: the guards that run before the view (account, auditors) hand their lookup on to the next
    check; the view's own check takes it, so any later call looks the token up again."""
    if not header or not header.startswith("Bearer "):
        return None
    if has_request_context():
        kept = request.environ.pop(_BEARER_KEY, None)
        if kept is not None and kept[0] == header:
            if keep_for_request:
                request.environ[_BEARER_KEY] = kept
            return kept[1]
    user = _lookup_bearer(header)
    if keep_for_request and has_request_context():
        request.environ[_BEARER_KEY] = (header, user)
    return user


def _lookup_bearer(header: str) -> User | None:
    # One statement: the token, its user and the user's memberships with their roles, which every API call reads
    # next (the read-only auditors' guard, the standing that decides which tasks the user may do).
    token = (
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.token_hash == ApiToken.hash(header[7:].strip()), ApiToken.revoked.is_(False))
            .options(joinedload(ApiToken.user).joinedload(User.memberships))
        )
        .unique()
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and as_utc(token.expires_at) <= now_utc():
        return None
    return token.user

"""The API blueprint, its bearer-token guard and its error shape (shared by the view modules)."""

from functools import wraps

from flask import Blueprint, g, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app.api.contract import error
from app.identity.auth import user_from_bearer

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    body, status = error(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name)
    # The exception's own headers (Allow on a 405, Retry-After on a 429), never its content type.
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            body.headers[name] = value
    return body, status


@bp.after_request
def no_store(response):
    # Documents, files and tasks are personal: no browser or proxy cache may keep them. (The UI gets this header
    # from the app only for a logged-in session, which an API call never has.)
    if request.endpoint not in ("api.openapi", "api.institutions"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _authorization_header() -> str | None:
    """The Authorization header with its scheme spelled "Bearer": schemes are case-insensitive (RFC 7235)."""
    header = request.headers.get("Authorization")
    if not header:
        return None
    scheme, _sep, credentials = header.strip().partition(" ")
    return f"Bearer {credentials.strip()}" if scheme.lower() == "bearer" else header


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = _authorization_header()
        user = user_from_bearer(header)
        if user is None:
            response = error(401, "unauthorized", _("Lipsește un token valid (Authorization: Bearer ...)."))
            presented = header is not None and header.startswith("Bearer ") and header[7:].strip()
            # RFC 6750 section 3: say the token was refused when one was sent.
            response[0].headers["WWW-Authenticate"] = (
                'Bearer error="invalid_token"' if presented else "Bearer"
            )
            return response
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper

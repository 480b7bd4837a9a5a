"""API tokens on the account page: issued with a name and an expiry (after a TOTP code for accounts that use or
must use two-factor authentication), shown once, listed and revoked by their owner. Only a hash is stored."""

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.audit import API_TOKEN_ISSUED, record
from app.dates import as_utc, now_utc
from app.extensions import db
from app.identity import totp
from app.identity.models import ApiToken, User

bp = Blueprint("api_tokens", __name__, url_prefix="/cont/tokenuri")

MAX_DAYS = 365
DEFAULT_DAYS = 90
API_TOKEN_REVOKED = "api_token_revoked"  # noqa: S105 - an action name


class TokenError(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def needs_second_factor(user: User) -> bool:
    return user.totp_enabled or totp.totp_required(user)


def issue_token(user: User, name: str, days: str | int, code: str | None, via: str = "cont") -> str:
    """A new token for `user`, valid `days` days; refused without a valid TOTP code where one is needed."""
    errors = {}
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = _(
            "Dați tokenului un nume (cel mult 100 de caractere), de exemplu aplicația care îl folosește."
        )
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_DAYS:
        errors["days"] = _("Valabilitatea este între 1 și %(max)d de zile.", max=MAX_DAYS)
    if needs_second_factor(user):
        if not user.totp_enabled:
            errors["code"] = _("Configurați întâi autentificarea în doi pași.")
        elif not totp.check_second_factor(user, code or ""):
            errors["code"] = _("Codul de autentificare nu este corect.")
    if errors:
        raise TokenError(errors)
    expires_at = now_utc() + timedelta(days=days)
    value = ApiToken.issue(user, name=name, expires_at=expires_at)
    record(API_TOKEN_ISSUED, actor=user, target=name, data={"via": via, "days": days})
    return value


def tokens_of(user: User) -> list[ApiToken]:
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ).all()


def token_state(token: ApiToken) -> str:
    if token.revoked:
        return "revoked"
    if token.expires_at is not None and as_utc(token.expires_at) <= now_utc():
        return "expired"
    return "active"


def _page(errors=None, values=None, new_token=None, status=200):
    return render_template(
        "identity/api_tokens.html",
        tokens=tokens_of(current_user),
        token_state=token_state,
        errors=errors or {},
        values=values or {"days": DEFAULT_DAYS},
        new_token=new_token,
        needs_code=needs_second_factor(current_user),
        max_days=MAX_DAYS,
    ), status


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    if request.method == "GET":
        return _page()
    values = {k: request.form.get(k, "").strip() for k in ("name", "days")}
    try:
        value = issue_token(current_user, values["name"], values["days"], request.form.get("code"))
    except TokenError as exc:
        db.session.rollback()
        return _page(errors=exc.errors, values=values, status=400)
    db.session.commit()
    return _page(new_token=value)


@bp.route("/<int:token_id>/revocare", methods=["POST"])
@login_required
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if not token.revoked:
        token.revoked = True
        token.revoked_at = now_utc()
        record(API_TOKEN_REVOKED, actor=current_user, target=token.name)
        db.session.commit()
    flash(_("Tokenul „%(name)s” a fost revocat.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))

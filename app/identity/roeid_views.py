"""The ROeID login pages: start (to the provider), the callback, and the confirmation before linking an account that
already exists for the same CNP. Logout at the provider is in identity.views.logout (roeid.end_session_url)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app.audit import LOGIN, record
from app.extensions import db, limiter
from app.identity import roeid
from app.identity.throttling import Reason, log_attempt
from app.identity.views import _safe_next

bp = Blueprint("roeid", __name__)


def _login(user, id_token: str | None, next_url: str | None):
    login_user(user)
    if id_token:
        session[roeid.SESSION_ID_TOKEN] = id_token
    log_attempt(user.username, user, True, Reason.OK)
    record(LOGIN, actor=user, data={"method": "roeid"})
    db.session.commit()
    return redirect(_safe_next(next_url) or url_for("portal.home"))


def _refused(error: roeid.RoeidError, subject: str | None = None, user=None):
    db.session.rollback()
    roeid.refuse(error, user=user, subject=subject)
    db.session.commit()
    return render_template("identity/roeid_error.html", error=str(error)), 400


@bp.route("/autentificare/roeid")
@limiter.limit("20 per minute")
def start():
    if not roeid.enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("portal.home"))
    try:
        return redirect(roeid.start_login(_safe_next(request.args.get("next"))))
    except roeid.RoeidError as exc:
        return _refused(exc)


@bp.route("/autentificare/roeid/raspuns")
@limiter.limit("20 per minute")
def callback():
    if not roeid.enabled():
        abort(404)
    next_url = (session.get("roeid_flow") or {}).get("next")
    person = None
    try:
        claims, id_token = roeid.finish_login(request.args)
        person = roeid.person_from_claims(claims)
        user, candidate = roeid.account_for(person)
    except roeid.RoeidError as exc:
        return _refused(exc, subject=person.subject if person else None)
    if current_user.is_authenticated:
        from flask_login import logout_user

        logout_user()
    if user is not None:
        return _login(user, id_token, next_url)
    if candidate is not None:
        roeid.remember_link(candidate, person, next_url)
        session[roeid.SESSION_ID_TOKEN + "_pending"] = id_token
        return redirect(url_for("roeid.link"))
    try:
        user = roeid.create_account(person)
    except roeid.RoeidError as exc:
        return _refused(exc, subject=person.subject)
    flash(
        _(
            "Contul a fost creat din datele transmise de ROeID. Verificați-le mai jos și completați ce lipsește."
        ),
        "success",
    )
    _login(user, id_token, None)
    return redirect(url_for("identity.account"))


@bp.route("/autentificare/roeid/legare", methods=["GET", "POST"])
def link():
    """An account with the same CNP exists: the person confirms that it is theirs before it is linked."""
    pending = roeid.pending_link()
    if pending is None:
        flash(_("Legarea contului a expirat. Porniți din nou autentificarea ROeID."), "warning")
        return redirect(url_for("identity.login"))
    user = db.session.get(roeid.User, pending["user"])
    if user is None:
        roeid.cancel_link()
        return redirect(url_for("identity.login"))
    if request.method == "POST":
        id_token = session.pop(roeid.SESSION_ID_TOKEN + "_pending", None)
        if request.form.get("actiune") != "leaga":
            roeid.cancel_link()
            flash(_("Contul nu a fost legat de ROeID. Vă puteți autentifica cu parola."), "info")
            return redirect(url_for("identity.login"))
        try:
            user = roeid.confirm_link(pending)
        except roeid.RoeidError as exc:
            return _refused(exc, subject=pending["subject"])
        flash(
            _("Contul a fost legat de identitatea ROeID. Data viitoare intrați direct cu ROeID."), "success"
        )
        return _login(user, id_token, pending.get("next"))
    return render_template("identity/roeid_link.html", account=user)

"""Log in, log out, sign up."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.audit import ACCOUNT_CREATED, LOGIN, LOGIN_FAILED, LOGOUT, record
from app.extensions import db, limiter
from app.identity.accounts import SignupError, authenticate, create_citizen

bp = Blueprint("identity", __name__)


def _safe_next(target: str | None) -> str | None:
    # Only same-site relative paths: an attacker's link must not bounce a fresh login to their site.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return None


@bp.route("/autentificare", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("portal.home"))
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")
        user = authenticate(username, request.form.get("password", ""))
        if user is None:
            error = _("Utilizatorul sau parola nu sunt corecte.")
            record(LOGIN_FAILED, target=username.strip()[:80])
            db.session.commit()
        else:
            login_user(user)
            record(LOGIN, actor=user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("portal.home"))
    return render_template("identity/login.html", error=error), (401 if error else 200)


@bp.route("/iesire", methods=["POST"])
@login_required
def logout():
    record(LOGOUT, actor=current_user)
    db.session.commit()
    logout_user()
    flash(_("Ați ieșit din cont."), "info")
    return redirect(url_for("identity.login"))


@bp.route("/cont-nou", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    errors: dict[str, str] = {}
    values = {k: request.form.get(k, "").strip() for k in ("full_name", "email", "phone", "address")}
    if request.method == "POST":
        try:
            user = create_citizen(
                full_name=values["full_name"],
                email=values["email"],
                phone=values["phone"],
                address=values["address"],
                password=request.form.get("password", ""),
                password_confirm=request.form.get("password_confirm", ""),
            )
        except SignupError as exc:
            errors = exc.errors
        else:
            record(ACCOUNT_CREATED, actor=user)
            db.session.commit()
            login_user(user)
            flash(_("Contul a fost creat. Bun venit!"), "success")
            return redirect(url_for("portal.home"))
    return render_template("identity/signup.html", errors=errors, values=values), (400 if errors else 200)

"""Account self-service pages: forgotten password, contact data, privacy notice, my data, closing the account."""

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.extensions import limiter
from app.mail import MailError
from app.portal import account as self_service
from app.unit_of_work import unit_of_work

bp = Blueprint("self_service", __name__)


@bp.route("/parola-uitata", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    sent = False
    if request.method == "POST":
        with unit_of_work():
            self_service.request_reset(request.form.get("email", ""))
        sent = True  # the same page whether the address has an account or not
    return render_template("identity/forgot_password.html", sent=sent)


@bp.route("/parola-noua/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def reset_password(token: str):
    errors: dict[str, str] = {}
    try:
        self_service.user_for_reset(token)
    except self_service.SelfServiceError as exc:
        with unit_of_work():  # the refused link is logged
            self_service.refuse_reset(exc)
        return render_template("identity/reset_password.html", error=str(exc)), 400
    if request.method == "POST":
        with unit_of_work(self_service.SelfServiceError) as work:
            self_service.reset_password(
                token, request.form.get("password", ""), request.form.get("password_confirm", "")
            )
        if work.error:
            errors = work.error.errors
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(_("Parola a fost schimbată. Autentificați-vă cu parola nouă."), "success")
            return redirect(url_for("identity.login"))
    return render_template("identity/reset_password.html", error=None, errors=errors), (
        400 if errors else 200
    )


@bp.route("/confidentialitate")
def privacy():
    return render_template("identity/privacy.html")


@bp.route("/cont/date", methods=["GET", "POST"])
@login_required
def contact():
    errors: dict[str, str] = {}
    values = {
        "phone": current_user.phone or "",
        "address": current_user.address or "",
        "email": current_user.email,
    }
    status = 200
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in ("phone", "address", "email")}
        with unit_of_work(self_service.SelfServiceError, MailError) as work:
            changed = self_service.update_contact(current_user, values["phone"], values["address"])
            email_requested = False
            if values["email"] and values["email"].lower() != current_user.email.lower():
                self_service.request_email_change(current_user, values["email"])
                email_requested = True
        if work.failed(self_service.SelfServiceError):
            errors, status = work.error.errors, 400
        elif work.failed(MailError):
            errors = {
                "email": _("E-mailul de confirmare nu a putut fi trimis. Încercați din nou mai târziu.")
            }
            status = 400
        else:
            if changed:
                flash(_("Datele de contact au fost actualizate."), "success")
            if email_requested:
                flash(
                    _(
                        "V-am trimis o legătură de confirmare la %(email)s. Până o deschideți, contul folosește "
                        "adresa actuală.",
                        email=values["email"],
                    ),
                    "info",
                )
            return redirect(url_for("self_service.contact"))
    return render_template("identity/contact.html", errors=errors, values=values), status


@bp.route("/cont/email/<token>")
def confirm_email_change(token: str):
    with unit_of_work(self_service.SelfServiceError) as work:
        self_service.confirm_email_change(token)
    if work.error:
        return render_template("identity/verify_result.html", error=str(work.error)), 400
    flash(_("Adresa de e-mail a contului a fost schimbată."), "success")
    return redirect(
        url_for("self_service.contact") if current_user.is_authenticated else url_for("identity.login")
    )


@bp.route("/cont/datele-mele")
@login_required
def my_data():
    return render_template("identity/my_data.html")


@bp.route("/cont/datele-mele.json")
@login_required
def my_data_json():
    with unit_of_work():  # the export is logged
        body = self_service.personal_data_json(current_user)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="datele-mele.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/cont/datele-mele.pdf")
@login_required
def my_data_pdf():
    with unit_of_work():  # the export is logged
        body = self_service.personal_data_pdf(current_user)
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="datele-mele.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/cont/inchidere", methods=["GET", "POST"])
@login_required
def close_account():
    error = None
    if request.method == "POST":
        if request.form.get("confirmare") != "da":
            error = _("Bifați confirmarea pentru a închide contul.")
        else:
            with unit_of_work(self_service.SelfServiceError) as work:
                self_service.close_account(current_user)
            if work.error:
                error = str(work.error)
            else:
                logout_user()
                session.clear()
                flash(_("Contul a fost închis. Datele personale au fost șterse din cont."), "info")
                return redirect(url_for("portal.home"))
    return render_template("identity/close_account.html", error=error), (400 if error else 200)

"""Log in (with throttling and the TOTP step), log out, sign up, e-mail verification, the account page (CNP shown
masked, revealed on request and logged), companies represented, two-factor enrolment, delegations."""

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.audit import ACCOUNT_CREATED, LOGIN, LOGIN_FAILED, LOGOUT, record
from app.dates import now_utc
from app.extensions import db, limiter
from app.identity import delegation as delegations
from app.identity import totp
from app.identity.accounts import AccountExists, SignupError, create_citizen, find_account
from app.identity.auth import user_from_bearer
from app.identity.companies import companies_represented
from app.identity.models import Delegation, Representation, User
from app.identity.persons import access_log, may_reveal_cnp, reveal_cnp
from app.identity.signup_notice import tell_owner_of_signup_attempt
from app.identity.throttling import REASON_LABELS, Reason, log_attempt, recent_logins, throttled
from app.identity.verification import VerificationError, send_verification, verify_token
from app.mail import MailError
from app.unit_of_work import unit_of_work

bp = Blueprint("identity", __name__)

TOTP_PENDING_SECONDS = 300
# What a staff member who must enrol TOTP may still open; and what an unverified citizen may not do.
_TOTP_EXEMPT = {"identity.totp_setup", "identity.logout", "static", "vendor"}
# The submission form itself keeps an unverified person's text as a draft (portal.views.submit_document).
_NEEDS_VERIFIED_EMAIL: set[str] = set()
_NEEDS_VERIFIED_EMAIL_API = {"api.submit_document"}


def _safe_next(target: str | None) -> str | None:
    # Only same-site relative paths: an attacker's link must not bounce a fresh login to their site.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return None


@bp.before_app_request
def account_guards():
    """Staff of an institution that requires TOTP enrol before anything else; unverified self-enrolled citizens
    browse freely but confirm their e-mail before submitting (in the portal and through the API)."""
    if request.endpoint in _NEEDS_VERIFIED_EMAIL_API and request.method == "POST":
        api_user = user_from_bearer(request.headers.get("Authorization"), keep_for_request=True)
        if api_user is not None and not api_user.email_verified:
            message = _("Confirmați întâi adresa de e-mail a contului: deschideți legătura primită.")
            return jsonify({"error": {"code": "email_not_verified", "message": message}}), 403
    if not current_user.is_authenticated or request.endpoint is None:
        return None
    if current_user.is_staff and not current_user.totp_enabled and request.endpoint not in _TOTP_EXEMPT:
        if totp.totp_required(current_user):
            flash(
                _(
                    "Instituția dumneavoastră cere autentificarea în doi pași. Configurați-o pentru a continua."
                ),
                "warning",
            )
            return redirect(url_for("identity.totp_setup"))
    if (
        request.method == "POST"
        and request.endpoint in _NEEDS_VERIFIED_EMAIL
        and request.form.get("actiune")
        != "ciorna"  # saving a draft sends nothing: allowed before verification
        and not current_user.email_verified
    ):
        flash(
            _("Confirmați întâi adresa de e-mail: deschideți legătura primită sau cereți una nouă."),
            "warning",
        )
        return redirect(url_for("identity.account"))
    return None


def _finish_login(user: User, login_name: str):
    login_user(user)
    with unit_of_work():
        log_attempt(login_name, user, True, Reason.OK)
        record(LOGIN, actor=user)


@bp.route("/autentificare", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("portal.home"))
    error, status = None, 200
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        user = find_account(username)
        blocked = throttled(username, user)
        if blocked is not None:
            with unit_of_work():  # a refused login is logged too
                log_attempt(username, user, False, Reason.THROTTLED)
                record(LOGIN_FAILED, target=username[:80], data={"reason": Reason.THROTTLED})
            error = _(
                "Prea multe încercări eșuate. Din motive de siguranță, autentificarea este oprită; "
                "reîncercați peste %(n)d minute.",
                n=blocked.minutes,
            )
            status = 429
        elif user is None or not password or not user.is_active or not user.check_password(password):
            reason = (
                Reason.UNKNOWN
                if user is None
                else Reason.INACTIVE
                if not user.is_active
                else Reason.BAD_PASSWORD
            )
            with unit_of_work():
                log_attempt(username, user, False, reason)
                record(LOGIN_FAILED, target=username[:80], data={"reason": reason})
            error, status = _("Utilizatorul sau parola nu sunt corecte."), 401
        elif user.totp_enabled:
            session["totp_pending"] = {"user": user.id, "login": username, "at": int(time.time())}
            session["totp_next"] = _safe_next(request.args.get("next"))
            return redirect(url_for("identity.login_code"))
        else:
            _finish_login(user, username)
            return redirect(_safe_next(request.args.get("next")) or url_for("portal.home"))
    return render_template("identity/login.html", error=error), status


@bp.route("/autentificare/cod", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login_code():
    """Second step for accounts with TOTP: the password was right; now the authenticator's code."""
    pending = session.get("totp_pending")
    if not pending or time.time() - pending.get("at", 0) > TOTP_PENDING_SECONDS:
        session.pop("totp_pending", None)
        if request.method == "POST" or pending:
            flash(
                _("Sesiunea de autentificare a expirat. Introduceți din nou utilizatorul și parola."),
                "warning",
            )
        return redirect(url_for("identity.login"))
    user = db.session.get(User, pending["user"])
    if user is None or not user.is_active or not user.totp_enabled:
        session.pop("totp_pending", None)
        return redirect(url_for("identity.login"))
    error, status = None, 200
    if request.method == "POST":
        blocked = throttled(pending["login"], user)
        if blocked is not None:
            session.pop("totp_pending", None)
            with unit_of_work():
                log_attempt(pending["login"], user, False, Reason.THROTTLED)
            flash(
                _("Prea multe încercări eșuate; reîncercați peste %(n)d minute.", n=blocked.minutes), "error"
            )
            return redirect(url_for("identity.login"))
        if totp.check_second_factor(user, request.form.get("code", "")):
            session.pop("totp_pending", None)
            _finish_login(user, pending["login"])
            return redirect(session.pop("totp_next", None) or url_for("portal.home"))
        with unit_of_work():
            log_attempt(pending["login"], user, False, Reason.BAD_TOTP)
            record(LOGIN_FAILED, target=user.username, data={"reason": Reason.BAD_TOTP})
        error, status = (
            _("Codul nu este corect sau a expirat. Introduceți codul afișat acum în aplicație."),
            401,
        )
    return render_template("identity/login_code.html", error=error), status


@bp.route("/iesire", methods=["POST"])
@login_required
def logout():
    from app.identity.roeid import SESSION_ID_TOKEN, end_session_url

    with unit_of_work():
        record(LOGOUT, actor=current_user)
    logout_user()
    flash(_("Ați ieșit din cont."), "info")
    # Signed in with ROeID: end the session there too (RP-initiated logout), then back to the login page.
    return redirect(end_session_url(session.pop(SESSION_ID_TOKEN, None)) or url_for("identity.login"))


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
                cnp=request.form.get("cnp", ""),
            )
            if request.form.get("confidentialitate") != "da":
                db.session.rollback()
                raise SignupError(
                    {
                        "confidentialitate": _(
                            "Citiți și acceptați nota de informare privind datele personale."
                        )
                    }
                )
            user.privacy_accepted_at = now_utc()
        except SignupError as exc:
            errors = exc.errors
        except AccountExists as exc:
            db.session.rollback()
            tell_owner_of_signup_attempt(exc.owner, exc.by)
            return _signup_answer()
        else:
            record(ACCOUNT_CREATED, actor=user)
            db.session.commit()
            try:
                send_verification(user)
            except MailError:
                # the answer stays the same as for an existing account; the person asks for the link again by
                # signing in (the account page offers it)
                current_app.logger.warning("the verification e-mail of account %s could not be sent", user.id)
            return _signup_answer()
    # The CNP typed is never echoed back into the page (it would sit in the browser's history of the form).
    return render_template("identity/signup.html", errors=errors, values=values), (400 if errors else 200)


def _signup_answer():
    """One answer whether the e-mail or CNP was new or already had an account: no one is signed in, everyone is
    asked to open the e-mail (a new account's activation link, or the owner's notice of the attempt)."""
    flash(
        _(
            "Verificați-vă e-mailul: v-am trimis o legătură pentru activarea contului. După activare, intrați în "
            "cont cu adresa de e-mail și parola alese."
        ),
        "success",
    )
    return redirect(url_for("identity.login"))


# Packages above identity add what waits for a person until their e-mail is confirmed (the portal: drafts).
WAITING_AFTER_VERIFICATION: list = []


@bp.route("/confirmare-email/<token>")
def verify_email(token: str):
    """Public: the link may be opened on another device, signed in or not. The token carries no personal data."""
    with unit_of_work(VerificationError) as work:
        user = verify_token(token)
    if work.error:
        return render_template("identity/verify_result.html", error=str(work.error)), 400
    # What was typed before confirming is offered again, to its owner (the portal keeps it as drafts).
    drafts = (
        [draft for find in WAITING_AFTER_VERIFICATION for draft in find(user)]
        if current_user.is_authenticated and current_user.id == user.id
        else []
    )
    return render_template("identity/verify_result.html", error=None, user=user, drafts=drafts)


@bp.route("/cont/confirmare-email", methods=["POST"])
@login_required
def resend_verification():
    if current_user.email_verified:
        flash(_("Adresa de e-mail este deja confirmată."), "info")
    else:
        try:
            send_verification(current_user)
            flash(
                _("V-am trimis din nou legătura de confirmare la %(email)s.", email=current_user.email),
                "success",
            )
        except MailError:
            flash(_("E-mailul nu a putut fi trimis acum. Încercați din nou peste câteva minute."), "error")
    return redirect(url_for("identity.account"))


def _account_page(
    revealed_cnp: str | None = None, company_errors=None, company_values=None, status: int = 200
):
    mine, deputising = delegations.delegations_of(current_user)
    representations = db.session.scalars(
        select(Representation).where(Representation.user_id == current_user.id)
    ).all()
    return render_template(
        "identity/account.html",
        revealed_cnp=revealed_cnp,
        representations=representations,
        company_errors=company_errors or {},
        company_values=company_values or {},
        logins=recent_logins(current_user),
        reason_labels=REASON_LABELS,
        cnp_views=access_log(current_user),
        delegations_mine=mine,
        delegations_deputising=deputising,
        totp_required=totp.totp_required(current_user),
    ), status


@bp.route("/cont")
@login_required
def account():
    return _account_page()


@bp.route("/cont/cnp", methods=["POST"])
@login_required
def reveal_own_cnp():
    """Showing one's own CNP in full is an explicit action, logged like any other view of it."""
    with unit_of_work():  # the reveal is logged
        cnp = reveal_cnp(current_user, current_user, _("titularul și-a consultat datele"))
        if cnp is None:
            abort(404)
    return _account_page(revealed_cnp=cnp)


@bp.route("/cont/firme", methods=["POST"])
@login_required
def add_company():
    """A request to represent a company, with its mandate or trade-register extract; a clerk decides on it."""
    from app.identity.mandates import MANDATE_FILE_REFUSED, MandateError, request_representation

    values = {k: request.form.get(k, "").strip() for k in ("cui", "name", "address", "capacity")}
    try:
        representation = request_representation(
            current_user,
            values["cui"],
            values["name"],
            values["address"],
            values["capacity"],
            request.files.get("mandate"),
            confirmed_name=request.form.get("registered_name") if request.form.get("confirm_name") else None,
        )
    except MandateError as exc:
        db.session.rollback()
        if exc.refused_file:  # logged; nothing else is written
            record(
                MANDATE_FILE_REFUSED,
                actor=current_user,
                target=values["cui"][:20],
                data={"file": exc.refused_file},
            )
            db.session.commit()
        values["registered_name"] = exc.registered_name or ""
        return _account_page(company_errors=exc.errors, company_values=values, status=400)
    db.session.commit()
    flash(
        _(
            "Cererea de a reprezenta firma %(name)s a fost trimisă. Veți putea depune în numele ei după ce un "
            "funcționar verifică documentul.",
            name=representation.company.name,
        ),
        "success",
    )
    return redirect(url_for("identity.account") + "#firme")


@bp.route("/persoane/<int:user_id>", methods=["GET", "POST"])
@login_required
def person(user_id: int):
    """A person's identification for staff who handle their documents: CNP masked; full only on request, with the
    reason, logged. Others get 404 (as for a missing person)."""
    subject = db.session.get(User, user_id)
    if subject is None or subject.id == current_user.id or not may_reveal_cnp(current_user, subject):
        abort(404)
    revealed, error = None, None
    if request.method == "POST":
        reason = request.form.get("reason", "").strip()
        if len(reason) < 5:
            error = _(
                "Scrieți motivul pentru care aveți nevoie de CNP-ul complet (de exemplu: numărul documentului)."
            )
        else:
            with unit_of_work():  # the reveal is logged
                revealed = reveal_cnp(current_user, subject, reason)
    return render_template(
        "identity/person.html",
        subject=subject,
        revealed=revealed,
        error=error,
        companies=companies_represented(subject),
    ), (400 if error else 200)


# --- two-factor authentication ---------------------------------------------------------------------------------


@bp.route("/cont/doi-pasi", methods=["GET", "POST"])
@login_required
def totp_setup():
    """Enrolment: a new secret is kept in the session until the first code from the app confirms it."""
    if not current_user.is_staff:
        abort(404)
    error, codes = None, None
    if request.method == "POST":
        secret = session.get("totp_secret_pending")
        with unit_of_work():
            codes = totp.enrol(current_user, secret, request.form.get("code", "")) if secret else None
        if codes is None:
            error = _("Codul nu corespunde. Verificați ora telefonului și introduceți codul afișat acum.")
        else:
            session.pop("totp_secret_pending", None)
            return render_template("identity/totp_codes.html", codes=codes)
    if request.method == "GET" or not session.get("totp_secret_pending"):
        session["totp_secret_pending"] = totp.new_secret()
    secret = session["totp_secret_pending"]
    uri = totp.provisioning_uri(current_user, secret)
    return render_template(
        "identity/totp_setup.html",
        secret=secret,
        qr=totp.qr_data_uri(uri),
        error=error,
        required=totp.totp_required(current_user),
    ), (400 if error else 200)


@bp.route("/cont/doi-pasi/dezactivare", methods=["POST"])
@login_required
def totp_disable():
    if not current_user.totp_enabled:
        return redirect(url_for("identity.account"))
    if totp.totp_required(current_user):
        flash(_("Instituția dumneavoastră cere autentificarea în doi pași: nu o puteți dezactiva."), "error")
    elif not totp.check_second_factor(current_user, request.form.get("code", "")):
        flash(_("Codul nu este corect: autentificarea în doi pași rămâne activă."), "error")
    else:
        with unit_of_work():
            totp.disable(current_user, current_user)
        flash(_("Autentificarea în doi pași a fost dezactivată."), "info")
    return redirect(url_for("identity.account"))


# --- delegations -----------------------------------------------------------------------------------------------


def _delegation_page(errors=None, values=None, status=200):
    manageable = delegations.manageable_institutions(current_user)
    staff = {iid: [(u.id, u.full_name) for u in delegations.institution_staff(iid)] for iid in manageable}
    mine, deputising = delegations.delegations_of(current_user)
    return render_template(
        "identity/delegations.html",
        mine=mine,
        deputising=deputising,
        managed=delegations.institution_delegations(manageable),
        staff=staff,
        institutions={m.institution_id: m.institution for m in current_user.memberships},
        errors=errors or {},
        values=values or {},
        today=delegations.today_local(),
    ), status


@bp.route("/delegari", methods=["GET", "POST"])
@login_required
def delegation_list():
    if not current_user.is_staff:
        abort(404)
    if request.method == "POST":
        values = {
            k: request.form.get(k, "").strip()
            for k in ("institution_id", "principal_id", "deputy_id", "start_date", "end_date", "reason")
        }
        institution_id = int(values["institution_id"]) if values["institution_id"].isdigit() else 0
        if institution_id not in delegations.manageable_institutions(current_user):
            abort(403)
        principal = (
            db.session.get(User, int(values["principal_id"])) if values["principal_id"].isdigit() else None
        )
        deputy = db.session.get(User, int(values["deputy_id"])) if values["deputy_id"].isdigit() else None
        with unit_of_work(delegations.DelegationError) as work:
            delegations.create_delegation(
                current_user,
                principal,
                deputy,
                institution_id,
                values["start_date"],
                values["end_date"],
                values["reason"],
            )
        if work.error:
            return _delegation_page(work.error.errors, values, 400)
        flash(
            _(
                "Înlocuirea a fost stabilită: %(deputy)s primește sarcinile lui %(principal)s în perioada aleasă.",
                deputy=deputy.full_name,
                principal=principal.full_name,
            ),
            "success",
        )
        return redirect(url_for("identity.delegation_list"))
    return _delegation_page()


@bp.route("/delegari/<int:delegation_id>/anulare", methods=["POST"])
@login_required
def delegation_cancel(delegation_id: int):
    item = db.session.get(Delegation, delegation_id)
    if item is None or item.cancelled_at is not None:
        abort(404)
    if not delegations.can_manage(current_user, item.principal, item.institution_id):
        abort(403)
    with unit_of_work():
        delegations.cancel_delegation(current_user, item)
    flash(_("Înlocuirea a fost anulată."), "info")
    return redirect(url_for("identity.delegation_list"))

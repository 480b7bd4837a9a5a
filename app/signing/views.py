"""Thin views: the document being signed, administrators' key uploads, citizens' e-mail confirmation; and the
template helpers that show validation reports in plain Romanian."""

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.extensions import db
from app.identity.models import Institution, User
from app.registry.access import staff_can_view
from app.registry.models import Document
from app.signing.citizen import ConfirmationRefused, confirm, latest_confirmation, send_code
from app.signing.keys import SigningRefused, active_credential, import_pkcs12
from app.signing.models import SignatureReport, SignatureRequest
from app.signing.validation import STATUS_LABELS, plain_lines
from app.storage import current_store
from app.unit_of_work import unit_of_work

bp = Blueprint("signing", __name__)

MAX_KEY_FILE = 64 * 1024


@bp.route("/semnare/<public_id>/document.pdf")
@login_required
def document_being_signed(public_id: str):
    """The current version of a PDF being signed, for the staff who may see its document (opens in the browser)."""
    signing = db.session.scalar(select(SignatureRequest).where(SignatureRequest.public_id == public_id))
    if signing is None or not current_user.is_staff or not staff_can_view(current_user, signing.document):
        abort(404)
    return send_file(
        BytesIO(current_store().get(signing.current_sha256)),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=signing.filename,
    )


# --- administrators: signing keys ----------------------------------------------------------------------------------


def _admin_only():
    if not current_user.is_authenticated or not current_user.has_role("admin"):
        abort(404)


@bp.route("/administrare/chei", methods=["GET", "POST"])
@login_required
def keys():
    _admin_only()
    staff = db.session.scalars(select(User).where(User.is_staff.is_(True)).order_by(User.full_name)).all()
    institutions = db.session.scalars(select(Institution).order_by(Institution.name)).all()
    errors: list[str] = []
    if request.method == "POST":
        owner = request.form.get("owner", "")
        upload = request.files.get("fisier")
        data = upload.read(MAX_KEY_FILE + 1) if upload and upload.filename else b""
        passphrase = request.form.get("parola") or None
        ask = request.form.get("cere_parola") == "1"
        user = institution = None
        if owner.startswith("u:"):
            user = next((u for u in staff if str(u.id) == owner[2:]), None)
        elif owner.startswith("i:"):
            institution = next((i for i in institutions if str(i.id) == owner[2:]), None)
        if user is None and institution is None:
            errors.append("Alegeți persoana sau instituția căreia îi aparține cheia.")
        if not data or len(data) > MAX_KEY_FILE:
            errors.append("Alegeți fișierul PKCS#12 (.p12 / .pfx) al certificatului, de cel mult 64 KB.")
        if ask and institution is not None:
            errors.append("Sigiliul instituției semnează automat: parola lui trebuie păstrată (criptată).")
        if not errors:
            with unit_of_work(SigningRefused) as work:
                credential = import_pkcs12(
                    data,
                    passphrase,
                    user=user,
                    institution=institution,
                    store_passphrase=not ask,
                    created_by=current_user,
                )
                subject = credential.subject
            if work.error:
                errors.append(str(work.error))
            else:
                flash(_("Certificatul „%(subject)s” a fost încărcat.", subject=subject), "success")
                return redirect(url_for("signing.keys"))
    rows = [(u, active_credential(user=u)) for u in staff]
    seals = [(i, active_credential(institution=i)) for i in institutions]
    return render_template("signing/keys.html", rows=rows, seals=seals, errors=errors), (
        400 if errors else 200
    )


# --- citizens: confirming a submission by e-mail ---------------------------------------------------------------------


def _own_document(public_id: str) -> Document:
    document = db.session.scalar(select(Document).where(Document.public_id == public_id))
    if document is None or document.submitter_id != current_user.id:
        abort(404)
    return document


@bp.route("/documentele-mele/<public_id>/confirmare/cod", methods=["POST"])
@login_required
def send_confirmation_code(public_id: str):
    document = _own_document(public_id)
    with unit_of_work(ConfirmationRefused) as work:
        send_code(document, current_user)
    if work.error:
        flash(str(work.error), "error")
    else:
        flash(_("V-am trimis un cod de confirmare pe e-mail. Introduceți-l mai jos."), "success")
    return redirect(url_for("portal.document", public_id=public_id) + "#confirmare")


@bp.route("/documentele-mele/<public_id>/confirmare", methods=["POST"])
@login_required
def confirm_submission(public_id: str):
    document = _own_document(public_id)
    try:
        confirm(document, current_user, request.form.get("cod", ""))
    except (ConfirmationRefused, SigningRefused) as exc:
        if getattr(exc, "keep", False):
            db.session.commit()  # only the count of wrong codes changes
        else:
            db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            _("Depunerea este confirmată. Confirmarea cu sigiliul electronic al instituției este mai jos."),
            "success",
        )
    return redirect(url_for("portal.document", public_id=public_id) + "#confirmare")


# --- reports in templates -------------------------------------------------------------------------------------------


def signature_reports(document: Document, kinds: list[str] | None = None) -> list[SignatureReport]:
    """The latest report of each signed file of the document (optionally of some kinds of files only)."""
    reports = db.session.scalars(
        select(SignatureReport)
        .where(SignatureReport.document_id == document.id)
        .order_by(SignatureReport.checked_at.desc(), SignatureReport.id.desc())
    ).all()
    seen, latest = set(), []
    for report in reports:
        if report.attachment_id in seen:
            continue
        seen.add(report.attachment_id)
        if kinds is None or report.attachment.kind in kinds:
            latest.append(report)
    return sorted(latest, key=lambda r: r.attachment_id)


def register_template_helpers(app) -> None:
    app.jinja_env.globals["signature_reports"] = signature_reports
    app.jinja_env.globals["signature_lines"] = plain_lines
    app.jinja_env.globals["submission_confirmation"] = latest_confirmation
    app.jinja_env.filters["report_status_label"] = lambda status: STATUS_LABELS.get(status, status)

"""Registry desk pages: paper intake with its receipt, internal documents, and (for citizens) attaching a paper
document to their portal account with the receipt's number and access code."""

import uuid
from io import BytesIO

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import record
from app.extensions import db
from app.identity.models import Institution
from app.intake.paper import (
    IntakeInvalid,
    IntakeRefused,
    Sender,
    form_without_files,
    intake_institutions,
    may_register_into,
    register_paper,
)
from app.intake.receipts import qr_svg, receipt_for, render_receipt_pdf
from app.intake.submission import parse_posted, submission_form
from app.registry.access_codes import document_for_code, issue_access_code
from app.registry.catalogue import enabled_types
from app.registry.models import Document
from app.unit_of_work import unit_of_work
from app.workflow.models import HumanTask, TaskStatus
from app.workflow.runtime import candidate_clause

bp = Blueprint("intake", __name__)

RECEIPT_REISSUED = "receipt_reissued"
RECEIPT_PRINTED = "receipt_printed"


@bp.app_context_processor
def intake_helpers():
    # For the staff document page: {% include "registry/receipt_link.html" %} offers to reissue the receipt.
    def can_reissue_receipt(document: Document) -> bool:
        return (
            document.registration_number is not None
            and document.channel == "hartie"
            and may_register_into(current_user, document.institution)
        )

    return {"can_reissue_receipt": can_reissue_receipt}


def _tracking_url(document: Document, code: str) -> str:
    # The portal's public tracking page opens the document with its number and access code.
    return url_for("portal.track", numar=document.registration_label, cod=code, _external=True)


def desk_choice(institutions: list[Institution], internal: bool):
    """The institution and type chosen (query string on GET, form on POST), among those the person may use."""
    source = request.form if request.method == "POST" else request.args
    institution = next((i for i in institutions if i.id == source.get("institutie", type=int)), None)
    if institution is None and len(institutions) == 1:
        institution = institutions[0]
    types = (
        [t for _i, t in enabled_types(institution, citizen_can_submit=not internal)] if institution else []
    )
    doc_type = next((t for t in types if t.code == source.get("tip")), None)
    return institution, types, doc_type


def unknown_type_message(institution: Institution | None, doc_type) -> str | None:
    """A type asked for that this institution does not use here: said plainly instead of silently ignored."""
    source = request.form if request.method == "POST" else request.args
    if institution is not None and source.get("tip") and doc_type is None:
        return _(
            "Tipul de document ales nu este activat la %(institution)s sau nu se înregistrează pe această pagină.",
            institution=institution.name,
        )
    return None


def refuse_foreign_institution(institutions: list[Institution]) -> None:
    """A posted institution the person does not work for is refused plainly (and nothing is written)."""
    posted = request.form.get("institutie", type=int)
    if posted and posted not in {i.id for i in institutions}:
        other = db.session.get(Institution, posted)
        name = other.name if other else _("această instituție")
        raise IntakeRefused(
            _(
                "Nu aveți dreptul să înregistrați documente la %(institution)s: puteți înregistra doar în "
                "registrul instituției dumneavoastră.",
                institution=name,
            )
        )


@bp.route("/registratura/hartie", methods=["GET", "POST"])
@login_required
def paper():
    institutions = intake_institutions(current_user)
    if not current_user.is_staff or not institutions:
        abort(403)
    errors: dict[str, list[str]] = {}
    refusal = None
    data: dict = {}
    sender = Sender(name="")
    try:
        refuse_foreign_institution(institutions)
    except IntakeRefused as exc:
        refusal = str(exc)
    institution, types, doc_type = desk_choice(institutions, internal=False)
    refusal = refusal or unknown_type_message(institution, doc_type)
    form = form_without_files(submission_form(doc_type).form) if doc_type else None
    if request.method == "POST" and refusal is None and doc_type is not None:
        key = request.form.get("submission_key", "")[:64] or None
        previous = db.session.scalar(select(Document).where(Document.submission_key == key)) if key else None
        if previous is not None:  # a second click: the document exists; its receipt can be reissued
            if not may_register_into(current_user, previous.institution):
                abort(404)
            flash(
                _("Documentul fusese deja înregistrat. Reeditați recipisa dacă nu a fost tipărită."), "info"
            )
            return redirect(url_for("intake.receipt_page", public_id=previous.public_id))
        sender = Sender.from_form(request.form)
        data = parse_posted(doc_type, request.form)
        page_count = request.form.get("numar_pagini", type=int)
        with unit_of_work(IntakeInvalid, IntakeRefused, IntegrityError) as work:
            document, code = register_paper(
                current_user, institution, doc_type, sender, data, request.files.getlist("scan"), page_count
            )
            document.submission_key = key
        if work.failed(IntakeInvalid):
            errors = work.error.errors
        elif work.failed(IntakeRefused):
            refusal = str(work.error)
        elif work.failed(IntegrityError):
            refusal = _(
                "Documentul a fost trimis de două ori; verificați lista documentelor înregistrate azi."
            )
        else:
            return _receipt_response(document, code, fresh=True)
    status = 403 if refusal else 400 if errors else 200
    return render_template(
        "registry/intake.html",
        institutions=institutions,
        institution=institution,
        types=types,
        doc_type=doc_type,
        form=form,
        data=data,
        errors=errors,
        refusal=refusal,
        sender=sender,
        submission_key=uuid.uuid4().hex,
    ), status


def _receipt_response(document: Document, code: str, fresh: bool = False):
    url = _tracking_url(document, code)
    # The desk usually goes on with the route's next step (registration, sending to a department): one click away.
    next_task = db.session.scalar(
        select(HumanTask)
        .where(
            HumanTask.document_id == document.id,
            HumanTask.status == TaskStatus.READY,
            candidate_clause(current_user),
        )
        .order_by(HumanTask.id)
        .limit(1)
    )
    return render_template(
        "registry/receipt.html",
        document=document,
        code=code,
        tracking_url=url,
        qr=qr_svg(url),
        fresh=fresh,
        next_task=next_task,
    )


def _desk_document(public_id: str) -> Document:
    document = db.session.scalar(select(Document).where(Document.public_id == public_id))
    if (
        document is None
        or not current_user.is_staff
        or not may_register_into(current_user, document.institution)
    ):
        abort(404)
    return document


@bp.route("/registratura/documente/<public_id>/recipisa", methods=["GET", "POST"])
@login_required
def receipt_page(public_id: str):
    """GET: the page to reissue a receipt; POST: a new access code (the old one stops working) and its receipt."""
    document = _desk_document(public_id)
    if document.registration_number is None:
        abort(404)
    if request.method == "GET":
        return render_template("registry/receipt_reissue.html", document=document)
    with unit_of_work():
        code = issue_access_code(document)
        record(RECEIPT_REISSUED, actor=current_user, document=document, target=document.registration_label)
    return _receipt_response(document, code)


@bp.route("/registratura/documente/<public_id>/recipisa.pdf", methods=["POST"])
@login_required
def receipt_pdf(public_id: str):
    """The receipt as PDF for the code the receipt page holds (posted back, checked against the stored hash; the
    code itself is never stored, so no other page can print it)."""
    document = _desk_document(public_id)
    code = request.form.get("cod", "")
    if (
        document_for_code(document.registration_label, code, institution_id=document.institution_id)
        != document
    ):
        abort(404)
    with unit_of_work():  # the receipt carries the sender's data: who printed it is logged
        record(RECEIPT_PRINTED, actor=current_user, document=document, target=document.registration_label)
    pdf = render_receipt_pdf(
        receipt_for(document, code.upper(), _tracking_url(document, code.upper()), current_user.full_name),
        current_app.config["FONT_DIR"],
    )
    return send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"recipisa-{document.registration_number}-{document.registration_year}.pdf",
    )

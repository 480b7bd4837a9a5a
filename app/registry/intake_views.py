"""Registry desk pages: paper intake with its receipt, internal documents, and (for citizens) attaching a paper
document to their portal account with the receipt's number and access code."""

import re
import uuid
from io import BytesIO

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import record
from app.extensions import db, limiter
from app.identity.models import Institution
from app.portal.submission import parse_posted, submission_form
from app.registry.access_codes import document_for_code, issue_access_code
from app.registry.catalogue import InstitutionDocumentType, enable, enabled_types
from app.registry.intake import (
    IntakeInvalid,
    IntakeRefused,
    Sender,
    form_without_files,
    intake_institutions,
    internal_institutions,
    may_register_into,
    register_paper,
    start_internal,
)
from app.registry.models import Document, DocumentType
from app.registry.receipts import qr_svg, receipt_for, render_receipt_pdf
from app.workflow.models import HistoryEntry, HumanTask, TaskStatus
from app.workflow.runtime import candidate_clause

bp = Blueprint("intake", __name__)

RECEIPT_REISSUED = "receipt_reissued"
DOCUMENT_ATTACHED = "document_attached_to_account"
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


def _choice(institutions: list[Institution], internal: bool):
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


def _unknown_type(institution: Institution | None, doc_type) -> str | None:
    """A type asked for that this institution does not use here: said plainly instead of silently ignored."""
    source = request.form if request.method == "POST" else request.args
    if institution is not None and source.get("tip") and doc_type is None:
        return _(
            "Tipul de document ales nu este activat la %(institution)s sau nu se înregistrează pe această pagină.",
            institution=institution.name,
        )
    return None


def _refuse_foreign_institution(institutions: list[Institution]) -> None:
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
        _refuse_foreign_institution(institutions)
    except IntakeRefused as exc:
        refusal = str(exc)
    institution, types, doc_type = _choice(institutions, internal=False)
    refusal = refusal or _unknown_type(institution, doc_type)
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
        try:
            document, code = register_paper(
                current_user, institution, doc_type, sender, data, request.files.getlist("scan"), page_count
            )
            document.submission_key = key
            db.session.commit()
        except IntakeInvalid as exc:
            db.session.rollback()
            errors = exc.errors
        except IntakeRefused as exc:
            db.session.rollback()
            refusal = str(exc)
        except IntegrityError:
            db.session.rollback()
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
    code = issue_access_code(document)
    record(RECEIPT_REISSUED, actor=current_user, document=document, target=document.registration_label)
    db.session.commit()
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
    record(RECEIPT_PRINTED, actor=current_user, document=document, target=document.registration_label)
    db.session.commit()  # the receipt carries the sender's data: who printed it is logged
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


@bp.route("/registratura/intern", methods=["GET", "POST"])
@login_required
def internal():
    """Staff start an internal document (notă internă): a type citizens cannot submit; they are its author."""
    institutions = internal_institutions(current_user)
    if not current_user.is_staff or not institutions:
        abort(403)
    errors: dict[str, list[str]] = {}
    refusal = None
    data: dict = {}
    try:
        _refuse_foreign_institution(institutions)
    except IntakeRefused as exc:
        refusal = str(exc)
    institution, types, doc_type = _choice(institutions, internal=True)
    refusal = refusal or _unknown_type(institution, doc_type)
    form = form_without_files(submission_form(doc_type).form) if doc_type else None
    if request.method == "POST" and refusal is None and doc_type is not None:
        data = parse_posted(doc_type, request.form)
        try:
            document = start_internal(
                current_user, institution, doc_type, data, request.files.getlist("anexe")
            )
            db.session.commit()
        except IntakeInvalid as exc:
            db.session.rollback()
            errors = exc.errors
        except IntakeRefused as exc:
            db.session.rollback()
            refusal = str(exc)
        else:
            flash(_("Documentul intern a fost pornit pe traseul său."), "success")
            return redirect(url_for("registry.document", public_id=document.public_id))
    status = 403 if refusal else 400 if errors else 200
    return render_template(
        "registry/intake_internal.html",
        institutions=institutions,
        institution=institution,
        types=types,
        doc_type=doc_type,
        form=form,
        data=data,
        errors=errors,
        refusal=refusal,
    ), status


@bp.route("/contul-meu/atasare", methods=["GET", "POST"])
@login_required
@limiter.limit("20/minute", methods=["POST"])
def attach():
    """A citizen attaches a document registered at the desk to their account with the receipt's number and
    access code; the document then appears under "Documentele mele"."""
    if current_user.is_staff:
        abort(403)
    error = None
    number = (request.form.get("numar") or "").strip()[:40]
    if request.method == "POST":
        document = document_for_code(number, request.form.get("cod", "")[:40])
        if document is None or (document.submitter_id not in (None, current_user.id)):
            # One answer for a wrong number, a wrong code and someone else's document: nothing is revealed.
            error = _(
                "Nu am găsit un document cu acest număr și acest cod de acces. Verificați datele de pe recipisă."
            )
        else:
            if document.submitter_id is None:
                document.submitter_id = current_user.id
                db.session.add(
                    HistoryEntry(
                        document_id=document.id,
                        actor_id=current_user.id,
                        event="attached_to_account",
                        element_name="Atașat la contul solicitantului",  # stored: the source language
                        data={"account": current_user.username},
                    )
                )
                record(
                    DOCUMENT_ATTACHED,
                    actor=current_user,
                    document=document,
                    target=document.registration_label,
                )
                db.session.commit()
            flash(
                _(
                    "Documentul nr. %(label)s este acum în contul dumneavoastră.",
                    label=document.registration_label,
                ),
                "success",
            )
            return redirect(url_for("portal.document", public_id=document.public_id))
    return render_template("registry/intake_attach.html", error=error, number=number), (404 if error else 200)


# --- types an institution receives ------------------------------------------------------------------------------

TYPES_CHANGED = "document_types_changed"
MANAGING_ROLES = {"admin", "secretar_general"}
_FILE_CODE = re.compile(r"^[\w .,/()-]{0,40}$")


def _managed_institutions() -> list[Institution]:
    ids = {m.institution_id for m in current_user.memberships if m.role.code in MANAGING_ROLES}
    if not ids:
        return []
    return list(
        db.session.scalars(select(Institution).where(Institution.id.in_(ids)).order_by(Institution.name))
    )


@bp.route("/registratura/tipuri-documente", methods=["GET", "POST"])
@login_required
def document_types():
    """The institution's administrator or secretary general chooses the types it receives and their file codes
    (nomenclator arhivistic)."""
    institutions = _managed_institutions()
    if not current_user.is_staff or not institutions:
        abort(403)
    source = request.form if request.method == "POST" else request.args
    chosen = source.get("institutie", type=int)
    institution = next((i for i in institutions if i.id == chosen), institutions[0] if not chosen else None)
    if institution is None:  # asked for an institution the person does not manage
        abort(403)
    all_types = list(
        db.session.scalars(
            select(DocumentType).where(DocumentType.active.is_(True)).order_by(DocumentType.name_ro)
        )
    )
    rows = {
        r.document_type_id: r
        for r in db.session.scalars(
            select(InstitutionDocumentType).where(InstitutionDocumentType.institution_id == institution.id)
        )
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        wanted = {}
        for doc_type in all_types:
            code = (request.form.get(f"cod_{doc_type.id}") or "").strip()
            if not _FILE_CODE.match(code):
                errors[f"cod_{doc_type.id}"] = _(
                    "Indicativul are cel mult 40 de caractere: litere, cifre, spații și . , / ( ) -"
                )
            wanted[doc_type] = (request.form.get(f"activ_{doc_type.id}") == "1", code)
        if not errors:
            changes = {}
            for doc_type, (enabled, code) in wanted.items():
                row = rows.get(doc_type.id)
                if row is None and not enabled and not code:
                    continue
                if row is None or row.enabled != enabled or row.file_code != code:
                    changes[doc_type.code] = {"activ": enabled, "indicativ": code}
                    row = row or enable(institution, doc_type, enabled=enabled)
                    row.enabled, row.file_code = enabled, code
            if changes:
                record(TYPES_CHANGED, actor=current_user, institution_id=institution.id, data=changes)
            db.session.commit()
            flash(_("Tipurile de documente primite au fost salvate."), "success")
            return redirect(url_for("intake.document_types", institutie=institution.id))
    return render_template(
        "registry/intake_types.html",
        institutions=institutions,
        institution=institution,
        types=all_types,
        rows=rows,
        errors=errors,
        posted=request.form if request.method == "POST" else None,
    ), (400 if errors else 200)

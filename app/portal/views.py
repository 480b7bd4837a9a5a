"""Citizen portal: catalogue, submission, my documents, one document's tracking page."""

import uuid

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.communication.models import CompletionRequest
from app.extensions import db, limiter
from app.forms import parse_submission
from app.identity.mandates import (
    approved_companies,
    approved_representation,
    may_see_document,
    refuse_submission,
)
from app.identity.roles import SUBMITTER_LANE
from app.intake.submission import (
    SubmissionInvalid,
    existing_submission,
    register_on_submission,
    submission_form,
    submit,
)
from app.portal.limits import oversize_errors, upload_limits
from app.portal.lookup import find_document, normalize_number, record_failure, too_many_failures
from app.portal.models import SubmissionDraft
from app.portal.receipts import code_for, receipt_pdf, receipt_qr, remember_code
from app.portal.resubmission import recent_duplicate
from app.portal.tracking import (
    citizen_timeline,
    current_steps,
    days_in_institution,
    holder_function,
    public_timeline,
)
from app.registry.access import visible_documents_page
from app.registry.catalogue import enabled_types
from app.registry.models import Document, DocumentType
from app.unit_of_work import unit_of_work
from app.workflow.manifest import manifest_for
from app.workflow.models import HumanTask, TaskStatus
from app.workflow.texts import step_name

bp = Blueprint("portal", __name__)
# Staff and citizens' pages show how long a document has been with the institution.
bp.add_app_template_global(days_in_institution, "days_in_institution")


@bp.route("/")
def home():
    """The catalogue: every enabled type of every institution, or one institution's (?institutie=code)."""
    if current_user.is_authenticated and current_user.is_staff:
        return redirect(url_for("inbox.tasks"))
    pairs = enabled_types(citizen_can_submit=True)
    institutions = list({i.id: i for i, _t in pairs}.values())
    chosen = next((i for i in institutions if i.code == request.args.get("institutie")), None)
    offered: dict[int, dict] = {}
    for institution, doc_type in pairs:
        if chosen is not None and institution.id != chosen.id:
            continue
        entry = offered.setdefault(doc_type.id, {"type": doc_type, "institutions": []})
        entry["institutions"].append(institution)
    manifests = {
        e["type"].id: manifest_for(e["type"].code, current_app.config["PROCESSES_DIR"]) or {}
        for e in offered.values()
    }
    return render_template(
        "portal/home.html",
        offered=sorted(offered.values(), key=lambda e: e["type"].name_ro),
        manifests=manifests,
        institutions=institutions,
        chosen=chosen,
    )


def _citizen_only():
    if current_user.is_staff:
        abort(403)


def _own_draft(public_id: str | None) -> SubmissionDraft | None:
    if not public_id:
        return None
    draft = db.session.scalar(select(SubmissionDraft).where(SubmissionDraft.public_id == public_id))
    if draft is None or draft.user_id != current_user.id:
        abort(404)
    return draft


@bp.route("/depune/<code>", methods=["GET", "POST"])
@login_required
def submit_document(code: str):
    _citizen_only()
    doc_type = db.session.scalar(
        select(DocumentType).where(
            DocumentType.code == code,
            DocumentType.active.is_(True),
            DocumentType.citizen_can_submit.is_(True),
        )
    )
    if doc_type is None:
        abort(404)
    institutions = [i for i, _t in enabled_types(citizen_can_submit=True) if _t.id == doc_type.id]
    if not institutions:
        abort(404)
    form = submission_form(doc_type).form
    draft = _own_draft(request.values.get("ciorna"))
    if draft is not None and draft.document_type_id != doc_type.id:
        abort(404)
    data = dict(draft.data) if draft else {}
    extra = dict(data.pop("_portal", {})) if draft else {}
    if draft is None:
        extra["phone"] = current_user.phone or ""
        extra["institution"] = next(
            (i.id for i in institutions if i.code == request.args.get("institutie")), None
        )
    errors: dict = {}
    if request.method == "POST":
        data = parse_submission(form, request.form)
        extra = {
            "institution": request.form.get("institution", type=int),
            "phone": (request.form.get("telefon") or "").strip()[:30],
            "answer_by": request.form.get("raspuns_prin", "electronic"),
        }
        company_choice = request.form.get("pentru", "")
        extra["company"] = int(company_choice) if company_choice.isdigit() else None
        unverified = not current_user.email_verified and request.form.get("actiune") != "ciorna"
        if request.form.get("actiune") == "ciorna" or unverified:
            # A draft keeps what was typed, valid or not; files are chosen again when sending.
            if draft is None:
                draft = SubmissionDraft(
                    public_id=uuid.uuid4().hex, user_id=current_user.id, document_type_id=doc_type.id
                )
                db.session.add(draft)
            draft.institution_id = (
                extra["institution"] if extra["institution"] in {i.id for i in institutions} else None
            )
            draft.data = {**{k: v for k, v in data.items() if k not in form.file_fields()}, "_portal": extra}
            db.session.commit()
            if unverified:
                # Nothing typed is lost: the text waits as a draft, offered again once the address is confirmed.
                flash(
                    _(
                        "Confirmați întâi adresa de e-mail: deschideți legătura primită sau cereți una nouă. "
                        "Textul scris a fost păstrat ca ciornă și vă va fi oferit după confirmare (fișierele se "
                        "atașează din nou)."
                    ),
                    "warning",
                )
                return redirect(url_for("identity.account"))
            flash(
                _(
                    "Ciorna a fost salvată. O găsiți în „Documentele mele”; fișierele se atașează la trimitere."
                ),
                "success",
            )
            return redirect(url_for("portal.my_documents"))
        # The form's key is a 32-character hex token; anything else is not ours and is ignored.
        key = request.form.get("submission_key", "")
        key = key if len(key) <= 64 else None
        previous = existing_submission(key)
        if previous is not None:  # double submit: show the document the first click created
            if previous.submitter_id != current_user.id:
                abort(403)
            return redirect(url_for("portal.document", public_id=previous.public_id))
        institution = next((i for i in institutions if i.id == extra["institution"]), None)
        company = None
        if extra["company"] is not None:
            # Checked again here, under a lock: a representative removed while typing is refused, nothing kept.
            representation = approved_representation(current_user, extra["company"], lock=True)
            if representation is None:
                db.session.rollback()
                refuse_submission(current_user, extra["company"])
                db.session.commit()
                errors[""] = [
                    _(
                        "Nu mai sunteți reprezentant aprobat al firmei alese: documentul nu a fost depus. "
                        "Alegeți „în nume propriu” sau verificați împuternicirea în pagina contului."
                    )
                ]
            else:
                company = representation.company
        limits = oversize_errors(request.files, form.file_fields())
        duplicate = None
        if institution is not None and not errors:
            duplicate = recent_duplicate(
                current_user,
                institution.id,
                doc_type.id,
                extra["company"],
                str(data.get(doc_type.subject_field, ""))[:300] or doc_type.name_ro,
                data.get(doc_type.content_field) if doc_type.content_field else None,
            )
        if errors:
            pass
        elif duplicate is not None:
            flash(
                _(
                    "Acest document a fost deja depus și înregistrat cu nr. %(nr)s: nu l-am înregistrat a doua oară.",
                    nr=duplicate.registration_label,
                ),
                "info",
            )
            return redirect(url_for("portal.document", public_id=duplicate.public_id))
        elif limits:
            errors = limits
        elif institution is None:
            errors[""] = [_("Alegeți instituția căreia îi adresați documentul.")]
        else:
            files = {name: request.files.getlist(name) for name in form.file_fields()}
            with unit_of_work(SubmissionInvalid, IntegrityError) as work:
                document = submit(
                    current_user,
                    institution,
                    doc_type,
                    data,
                    files,
                    submission_key=key,
                    phone=extra["phone"] or None,
                    answer_by=extra["answer_by"],
                    company=company,
                    enabled=True,  # chosen among the institutions that receive the type
                )
                code = register_on_submission(document, current_user)
                if draft is not None:
                    db.session.delete(draft)
            if work.failed(SubmissionInvalid):
                errors = work.error.errors
            elif work.failed(IntegrityError):
                # A second click overlapped the first and lost the race on the unique key: show the first.
                previous = existing_submission(key)
                if previous is None or previous.submitter_id != current_user.id:
                    raise work.error
                return redirect(url_for("portal.document", public_id=previous.public_id))
            else:
                if code:
                    remember_code(document, code)
                flash(
                    _(
                        "Documentul a fost depus și înregistrat cu nr. %(nr)s. Îl puteți urmări pe această pagină.",
                        nr=document.registration_label,
                    ),
                    "success",
                )
                return redirect(url_for("portal.document", public_id=document.public_id))
    return render_template(
        "portal/submit.html",
        doc_type=doc_type,
        form=form,
        data=data,
        errors=errors,
        extra=extra,
        draft=draft,
        institutions=institutions,
        manifest=manifest_for(doc_type.code, current_app.config["PROCESSES_DIR"]) or {},
        submission_key=uuid.uuid4().hex,
        companies=approved_companies(current_user),
        limits=upload_limits(),
    ), (400 if errors else 200)


@bp.route("/ciorne/<public_id>/sterge", methods=["POST"])
@login_required
def delete_draft(public_id: str):
    with unit_of_work():
        db.session.delete(_own_draft(public_id))
    flash(_("Ciorna a fost ștearsă."), "success")
    return redirect(url_for("portal.my_documents"))


@bp.route("/documentele-mele")
@login_required
def my_documents():
    # Own documents and those of the companies represented, a page at a time.
    listing = visible_documents_page(current_user, request.args.get("pagina", 1, type=int))
    documents = listing.documents
    drafts = db.session.scalars(
        select(SubmissionDraft)
        .where(SubmissionDraft.user_id == current_user.id)
        .order_by(SubmissionDraft.updated_at.desc())
    ).all()
    waiting = {
        r.document_id
        for r in db.session.scalars(
            select(CompletionRequest).where(
                CompletionRequest.document_id.in_([d.id for d in documents] or [0]),
                CompletionRequest.status == CompletionRequest.OPEN,
            )
        )
    }
    return render_template(
        "portal/my_documents.html", documents=documents, listing=listing, drafts=drafts, waiting=waiting
    )


def _own_document(public_id: str) -> Document:
    document = db.session.scalar(select(Document).where(Document.public_id == public_id))
    # The same answer for "missing" and "not yours": nothing is revealed about other people's documents.
    if document is None or not may_see_document(current_user, document):
        abort(404)
    return document


@bp.route("/documentele-mele/<public_id>")
@login_required
def document(public_id: str):
    document = _own_document(public_id)
    code = code_for(document)
    return render_template(
        "portal/document.html",
        document=document,
        steps=current_steps(document),
        timeline=citizen_timeline(document),
        access_code=code,
        receipt_qr=receipt_qr(document, code) if code else None,
    )


@bp.route("/documentele-mele/<public_id>/recipisa.pdf")
@login_required
def receipt(public_id: str):
    """The receipt of an online submission, while this browser still holds the code it was shown."""
    document = _own_document(public_id)
    code = code_for(document)
    if code is None or document.registration_number is None:
        abort(404)
    return Response(
        receipt_pdf(document, code),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="recipisa-{document.registration_number}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/documentele-mele/<public_id>/stare")
@login_required
def document_status(public_id: str):
    """Fragment polled by htmx: the page follows the document without a reload."""
    document = _own_document(public_id)
    return render_template(
        "portal/_status.html",
        document=document,
        steps=current_steps(document),
        timeline=citizen_timeline(document),
    )


# --- tracking without an account -------------------------------------------------------------------------

_TRACKED = "urmarite"  # session: the documents this browser proved it may follow (number + code or phone)


def _allow_tracking(document: Document) -> None:
    allowed = [p for p in session.get(_TRACKED, []) if p != document.public_id]
    session[_TRACKED] = (allowed + [document.public_id])[-10:]


def _tracked_document(public_id: str) -> Document:
    document = db.session.scalar(select(Document).where(Document.public_id == public_id))
    allowed = public_id in session.get(_TRACKED, []) or (
        document is not None and may_see_document(current_user, document)
    )
    if document is None or not allowed:
        abort(404)
    return document


@bp.route("/urmarire", methods=["GET", "POST"])
@limiter.limit("30/minute")
def track():
    """Number + access code (the receipt's QR opens this with `numar` and `cod`) or number + phone. A wrong code,
    a wrong phone and an unknown number get the same answer."""
    source = request.form if request.method == "POST" else request.args
    number = normalize_number(source.get("numar", ""))
    code = (source.get("cod") or "").strip()[:40]
    phone = (source.get("telefon") or "").strip()[:30]
    error, status = None, 200
    if number or code or phone:
        ip = request.remote_addr or "necunoscut"
        if not number or not (code or phone):
            error, status = (
                _("Introduceți numărul de înregistrare și codul de acces sau numărul de telefon."),
                400,
            )
        elif too_many_failures(ip, number):
            error, status = (
                _(
                    "Prea multe încercări greșite. Din motive de siguranță, încercați din nou peste 15 minute."
                ),
                429,
            )
        else:
            document = find_document(number, code or None, phone or None)
            if document is None or document.registration_number is None:
                record_failure(ip, number)
                db.session.commit()
                error, status = (
                    _(
                        "Nu am găsit un document cu aceste date. Verificați numărul de înregistrare și codul de "
                        "acces (sau telefonul) de pe recipisă ori din e-mail."
                    ),
                    404,
                )
            else:
                _allow_tracking(document)
                return redirect(url_for("portal.tracked", public_id=document.public_id))
    return render_template(
        "portal/track.html",
        error=error,
        number=number,
        by_phone=bool(phone) or source.get("mod") == "telefon",
    ), status


def _public_context(document: Document) -> dict:
    steps = current_steps(document)
    holders = []
    for task in db.session.scalars(
        select(HumanTask).where(HumanTask.document_id == document.id, HumanTask.status == TaskStatus.READY)
    ):
        holder = task.holder if task.holder is not None and task.holder.is_staff else None
        holders.append(
            {
                "step": step_name(task),
                "department": document.department.name if document.department else None,
                "name": holder.full_name if holder else None,
                "function": holder_function(holder, document) if holder else None,
                "since_days": next((s.since_days for s in steps if s.name == step_name(task)), 0),
                "citizen": task.lane == SUBMITTER_LANE,
            }
        )
    return {"document": document, "holders": holders, "timeline": public_timeline(document)}


@bp.route("/urmarire/<public_id>")
def tracked(public_id: str):
    document = _tracked_document(public_id)
    return render_template("portal/tracked.html", **_public_context(document))


@bp.route("/urmarire/<public_id>/stare")
def tracked_status(public_id: str):
    """The fragment the tracking page polls (htmx), under the same authorization as the page."""
    document = _tracked_document(public_id)
    return render_template("portal/_public_status.html", **_public_context(document))

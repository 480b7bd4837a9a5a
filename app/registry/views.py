"""Staff register pages and file downloads (for staff and for the document's submitter)."""

from datetime import date
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.audit import DOCUMENT_VIEWED, FILE_DOWNLOADED, record
from app.dates import now_utc, to_local
from app.extensions import db
from app.identity.models import Department, Institution
from app.operations.bad_input import int_arg
from app.registry import annulment_notice
from app.registry.access import DOCUMENT_ROLES, can_view, staff_can_view, staff_documents_query
from app.registry.entries import (
    annul,
    annulment_of,
    complete_entry,
    first_of_matter,
    link,
    linked_documents,
)
from app.registry.history import history_with_rows
from app.registry.models import (
    Attachment,
    Document,
    DocumentAnnulment,
    DocumentStatus,
    Register,
    RegisterDay,
    RegistryError,
)
from app.registry.numbering import may_register
from app.registry.search import EXPORT_LIMIT, PAGE_SIZE, export_csv, parse_filter, register_query
from app.storage import current_store
from app.unit_of_work import unit_of_work
from app.workflow.models import HumanTask, TaskStatus, WorkflowInstance

bp = Blueprint("registry", __name__)


def _staff_document(public_id: str) -> Document:
    document = db.session.scalar(select(Document).where(Document.public_id == public_id))
    if document is None or not current_user.is_staff or not staff_can_view(current_user, document):
        abort(404)
    return document


@bp.route("/documente/")
@login_required
def documents():
    if not current_user.is_staff:
        abort(403)
    query = staff_documents_query(current_user)
    text = request.args.get("q", "").strip()
    if text:
        like = f"%{text}%"
        query = query.where(Document.subject.ilike(like) | Document.sender_name.ilike(like))
    rows = db.session.scalars(
        query.order_by(
            Document.registration_year.desc().nulls_first(),
            Document.registration_number.desc().nulls_first(),
            Document.id.desc(),
        ).limit(200)
    ).all()
    return render_template("registry/documents.html", documents=rows, q=text)


@bp.route("/documente/<public_id>")
@login_required
def document(public_id: str):
    document = _staff_document(public_id)
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    open_tasks = db.session.scalars(
        select(HumanTask).where(HumanTask.document_id == document.id, HumanTask.status == TaskStatus.READY)
    ).all()
    with unit_of_work():  # the view is personal-data access: logged before the page is shown
        record(
            DOCUMENT_VIEWED, actor=current_user, document=document, target=document.registration_label or None
        )
    return render_template(
        "registry/document.html",
        document=document,
        instance=instance,
        open_tasks=open_tasks,
        history=history_with_rows(document),
        annulment=annulment_of(document),
        first_of_matter=first_of_matter(document) if document.linked_document_id else None,
        linked=linked_documents(document),
        may_register=may_register(current_user, document.institution_id),
    )


@bp.route("/documente/<public_id>/traseu.bpmn")
@login_required
def document_bpmn(public_id: str):
    """The exact process version the document runs on, for the diagram viewer (labels in the reader's language)."""
    from app.workflow.texts import localized_xml

    document = _staff_document(public_id)
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    if instance is None:
        abort(404)
    return (
        localized_xml(instance.process_version.bpmn_xml),
        200,
        {"Content-Type": "application/xml; charset=utf-8"},
    )


@bp.route("/fisiere/<public_id>")
@login_required
def download(public_id: str):
    attachment = db.session.scalar(select(Attachment).where(Attachment.public_id == public_id))
    if attachment is None or not can_view(current_user, attachment.document):
        abort(404)
    data = current_store().get(attachment.sha256)
    with unit_of_work():
        record(
            FILE_DOWNLOADED,
            actor=current_user,
            document=attachment.document,
            target=attachment.filename,
            data={"attachment": attachment.public_id, "sha256": attachment.sha256},
        )
    return send_file(
        BytesIO(data), mimetype=attachment.content_type, as_attachment=True, download_name=attachment.filename
    )


# --- the register (/registratura) --------------------------------------------------------------------------------


def _register_staff() -> None:
    if not current_user.is_staff or not any(m.role.code in DOCUMENT_ROLES for m in current_user.memberships):
        abort(403)


def _whole_institution_ids() -> list[int]:
    """Institutions whose whole register the user sees (a department-limited role sees its department's entries
    in the list, not the other departments' in the frozen day's PDF)."""
    return sorted(
        {
            m.institution_id
            for m in current_user.memberships
            if m.role.code in DOCUMENT_ROLES and m.department_id is None
        }
    )


def _annulments(documents: list[Document]) -> dict[int, DocumentAnnulment]:
    if not documents:
        return {}
    return {
        a.document_id: a
        for a in db.session.scalars(
            select(DocumentAnnulment).where(DocumentAnnulment.document_id.in_([d.id for d in documents]))
        )
    }


@bp.route("/registratura/")
@login_required
def register_list():
    _register_staff()
    criteria = parse_filter(request.args)
    page = int_arg("pagina", 1, minimum=1, maximum=10**9)
    query = register_query(current_user, criteria)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    # Knowing how many match lets the page be read the cheaper way (registry.search.FEW_MATCHES).
    query = register_query(current_user, criteria, matches=total)
    rows = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    institution_ids = sorted(
        {m.institution_id for m in current_user.memberships if m.role.code in DOCUMENT_ROLES}
    )
    scoped = {m.department_id for m in current_user.memberships if m.role.code in DOCUMENT_ROLES}
    departments = db.session.scalars(
        select(Department).where(Department.institution_id.in_(institution_ids)).order_by(Department.name)
    ).all()
    if None not in scoped:  # limited to departments: offer only those
        departments = [d for d in departments if d.id in scoped]
    whole = _whole_institution_ids()
    frozen_days = db.session.scalars(
        select(RegisterDay)
        .where(RegisterDay.institution_id.in_(whole))
        .order_by(RegisterDay.day.desc(), RegisterDay.institution_id)
        .limit(31)
    ).all()
    return render_template(
        "registry/register.html",
        documents=rows,
        annulments=_annulments(rows),
        criteria=criteria,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        total=total,
        departments=departments,
        registers=db.session.scalars(
            select(Register).where(Register.institution_id.in_(institution_ids)).order_by(Register.name)
        ).all(),
        statuses=(
            DocumentStatus.REGISTERED,
            DocumentStatus.IN_PROGRESS,
            DocumentStatus.RESOLVED,
            DocumentStatus.CLOSED_NO_ACTION,
            DocumentStatus.ANNULLED,
        ),
        frozen_days=frozen_days,
    )


@bp.route("/registratura/export.csv")
@login_required
def register_export():
    _register_staff()
    criteria = parse_filter(request.args)
    rows = db.session.scalars(register_query(current_user, criteria).limit(EXPORT_LIMIT)).all()
    with unit_of_work():  # the export is personal-data access: logged before it leaves
        record(
            "registry_export",
            actor=current_user,
            target=f"{len(rows)} înregistrări",
            data={"filter": {k: str(v) for k, v in criteria.args().items()}},
        )
    return send_file(
        BytesIO(export_csv(rows, _annulments(rows))),
        mimetype="text/csv; charset=utf-8",
        as_attachment=True,
        download_name=f"registru-{to_local(now_utc()).date().isoformat()}.csv",
    )


@bp.route("/registratura/<institution_code>/zile/<day>.pdf")
@login_required
def frozen_day_pdf(institution_code: str, day: str):
    _register_staff()
    institution = db.session.scalar(select(Institution).where(Institution.code == institution_code))
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if institution is None or institution.id not in _whole_institution_ids():
        abort(404)
    frozen = db.session.scalar(
        select(RegisterDay).where(RegisterDay.institution_id == institution.id, RegisterDay.day == wanted)
    )
    if frozen is None:
        abort(404)
    data = current_store().get(frozen.pdf_sha256)
    with unit_of_work():
        record(
            FILE_DOWNLOADED,
            actor=current_user,
            institution_id=institution.id,
            target=f"registru-{day}.pdf",
            data={"sha256": frozen.pdf_sha256},
        )
    return send_file(
        BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"registru-{institution.code}-{day}.pdf",
    )


@bp.route("/registratura/<public_id>/anulare", methods=["POST"])
@login_required
def annul_entry(public_id: str):
    document = _staff_document(public_id)
    reason = request.form.get("motiv", "")
    with unit_of_work(RegistryError) as work:
        reason = annulment_notice.check(document, reason, current_user._get_current_object())
        if request.form.get("confirmare") != "da":  # confirmed on a page that says who will be told
            return render_template(
                "registry/annul_confirm.html",
                document=document,
                reason=reason,
                told=annulment_notice.who_is_told(document),
            )
        annul(document, reason, current_user._get_current_object())
        annulment_notice.tell_citizen(document, reason)
    if work.error:
        flash(str(work.error), "error")
        return redirect(url_for("registry.document", public_id=public_id))
    flash(_("Înregistrarea nr. %(label)s a fost anulată.", label=document.registration_label), "success")
    return redirect(url_for("registry.document", public_id=public_id))


def _find_entry(institution_id: int, text: str) -> Document | None:
    """Find an entry by "123" (the latest year's), "123/2026" or "123/21.11.2026"."""
    criteria = parse_filter({"numar": text})
    if not criteria.number:
        return None
    query = select(Document).where(
        Document.institution_id == institution_id, Document.registration_number == criteria.number
    )
    if criteria.year:
        query = query.where(Document.registration_year == criteria.year)
    return db.session.scalar(query.order_by(Document.registration_year.desc()).limit(1))


@bp.route("/registratura/<public_id>/conexare", methods=["POST"])
@login_required
def link_entry(public_id: str):
    document = _staff_document(public_id)
    number = request.form.get("numar", "").strip()
    other = _find_entry(document.institution_id, number) if number else None
    with unit_of_work(RegistryError) as work:
        if other is None:
            raise RegistryError(
                _(
                    "Nu există în registru documentul nr. „%(number)s” (scrieți de exemplu 123/2026).",
                    number=number,
                )
            )
        first = link(document, other, current_user._get_current_object())
    if work.error:
        flash(str(work.error), "error")
        return redirect(url_for("registry.document", public_id=public_id))
    flash(
        _("Documentul a fost conexat la nr. %(label)s.", label=first.registration_label),
        "success",
    )
    return redirect(url_for("registry.document", public_id=public_id))


@bp.route("/registratura/<public_id>/completare", methods=["POST"])
@login_required
def complete_entry_form(public_id: str):
    document = _staff_document(public_id)
    with unit_of_work(RegistryError) as work:
        changes = complete_entry(document, request.form.to_dict(), current_user._get_current_object())
    if work.error:
        flash(str(work.error), "error")
        return redirect(url_for("registry.document", public_id=public_id))
    flash(
        _("Datele din registru au fost completate.") if changes else _("Nicio modificare."),
        "success" if changes else "info",
    )
    return redirect(url_for("registry.document", public_id=public_id))

"""Staff register pages and file downloads (for staff and for the document's submitter)."""

from io import BytesIO

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user, login_required
from sqlalchemy import select

from app.audit import DOCUMENT_VIEWED, FILE_DOWNLOADED, record
from app.correspondence.issuing import file_store
from app.extensions import db
from app.registry.access import can_view, staff_can_view, staff_documents_query
from app.registry.history import history_with_rows
from app.registry.models import Attachment, Document
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
    record(DOCUMENT_VIEWED, actor=current_user, document=document, target=document.registration_label or None)
    db.session.commit()  # the view is personal-data access: logged before the page is shown
    return render_template(
        "registry/document.html",
        document=document,
        instance=instance,
        open_tasks=open_tasks,
        history=history_with_rows(document),
    )


@bp.route("/documente/<public_id>/traseu.bpmn")
@login_required
def document_bpmn(public_id: str):
    """The exact process version the document runs on, for the diagram viewer."""
    document = _staff_document(public_id)
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    if instance is None:
        abort(404)
    return instance.process_version.bpmn_xml, 200, {"Content-Type": "application/xml; charset=utf-8"}


@bp.route("/fisiere/<public_id>")
@login_required
def download(public_id: str):
    attachment = db.session.scalar(select(Attachment).where(Attachment.public_id == public_id))
    if attachment is None or not can_view(current_user, attachment.document):
        abort(404)
    data = file_store().get(attachment.sha256)
    record(
        FILE_DOWNLOADED,
        actor=current_user,
        document=attachment.document,
        target=attachment.filename,
        data={"attachment": attachment.public_id, "sha256": attachment.sha256},
    )
    db.session.commit()
    return send_file(
        BytesIO(data), mimetype=attachment.content_type, as_attachment=True, download_name=attachment.filename
    )

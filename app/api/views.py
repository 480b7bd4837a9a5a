"""JSON API /api/v1: the same operations and permission checks as the UI, with bearer tokens. Each view declares
its contract once (`@operation`): the request it reads, the answers it gives."""

from io import BytesIO

from flask import abort, g, jsonify, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.api.base import bp, token_required
from app.api.contract import error, operation
from app.api.openapi import openapi_document
from app.api.schemas import (
    MAX_IDEMPOTENCY_KEY,
    CompleteTaskBody,
    DocumentSchema,
    DocumentTypeSchema,
    PageQuery,
    SignTaskBody,
    SubmitDocumentForm,
    TaskSchema,
)
from app.correspondence.signed_answer import sign_task
from app.extensions import db
from app.forms import parse_submission
from app.intake.submission import (
    SubmissionInvalid,
    existing_submission,
    register_on_submission,
    submission_form,
    submission_target,
    submit,
)
from app.registry.access import can_view
from app.registry.models import Attachment, Document, DocumentType
from app.signing.keys import SigningRefused
from app.storage import current_store
from app.unit_of_work import unit_of_work
from app.workflow.models import HumanTask
from app.workflow.runtime import (
    FormInvalid,
    NotCandidate,
    RouteError,
    TaskUnavailable,
    claim_task,
    complete_task,
    is_candidate,
    lock_task,
    one_standing,
    release_task,
    task_page,
)

TOTAL_COUNT = {"X-Total-Count": "How many there are in all (the page is limit/offset)"}


# One instance: building a schema copies its fields and nested schemas, which cost more than the dump itself.
_DOCUMENT_SCHEMA = DocumentSchema()


def document_json(document: Document) -> dict:
    return _DOCUMENT_SCHEMA.dump(document)


def task_json(task: HumanTask) -> dict:
    return TaskSchema().dump(task)


@bp.route("/openapi.json")
@operation(
    "This description", {200: ({"type": "object"}, "OpenAPI 3.1 document")}, public=True, tags=("meta",)
)
def openapi():
    return jsonify(openapi_document())


@bp.route("/document-types")
@token_required
@operation(
    "The document types you may submit (staff: every active type), each with its submission form",
    {200: (DocumentTypeSchema(many=True), "Document types")},
    tags=("documents",),
)
def document_types():
    types = db.session.scalars(select(DocumentType).where(DocumentType.active.is_(True))).all()
    visible = [t for t in types if t.citizen_can_submit or g.api_user.is_staff]
    return jsonify(DocumentTypeSchema(many=True).dump(visible))


@bp.route("/documents", methods=["POST"])
@token_required
@operation(
    "Submit a document (multipart: document_type, institution, the form's fields, files)",
    {201: (DocumentSchema, "Submitted"), 200: (DocumentSchema, "Already submitted with this key")},
    form=SubmitDocumentForm,
    errors=(400, 403, 409, 422),
    error_text={
        403: "Staff accounts do not submit through the portal",
        409: "The Idempotency-Key was used by another account",
    },
    request_headers={
        "Idempotency-Key": (
            {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY},
            "Repeat a submission safely: the same key returns the first document",
        )
    },
    tags=("documents",),
)
def submit_document():
    user = g.api_user
    if user.is_staff:
        return error(403, "forbidden", _("Personalul nu depune documente prin portal."))
    key = (request.headers.get("Idempotency-Key") or "").strip() or None
    target = submission_target(g.api_input["document_type"], g.api_input["institution"], key)
    doc_type, institution = target.doc_type, target.institution
    if doc_type is None or not doc_type.active or not doc_type.citizen_can_submit:
        return error(
            400,
            "invalid",
            _("Tipul de document nu există."),
            fields={"document_type": [_("Valoare necunoscută.")]},
        )
    if institution is None:
        return error(
            400, "invalid", _("Instituția nu există."), fields={"institution": [_("Valoare necunoscută.")]}
        )
    if key is not None and len(key) > MAX_IDEMPOTENCY_KEY:
        return error(
            400,
            "invalid",
            _("Datele trimise nu sunt valide."),
            fields={"Idempotency-Key": [_("Introduceți cel mult %(n)d caractere.", n=MAX_IDEMPOTENCY_KEY)]},
        )
    if target.previous is not None:
        return _replayed(target.previous)
    sub = submission_form(doc_type, institution.id, target.version)
    data = parse_submission(sub.form, request.form)
    files = {name: request.files.getlist(name) for name in sub.form.file_fields()}
    # The answer is built from the rows just written: nothing of them is read again after the commit.
    with unit_of_work(SubmissionInvalid, IntegrityError, keep_loaded=True) as work:
        document = submit(
            user,
            institution,
            doc_type,
            data,
            files,
            submission_key=key,
            channel="api",
            sub=sub,
            enabled=target.enabled,
        )
        register_on_submission(document, user, target.register)  # numbered at once, like the portal's
    if work.failed(SubmissionInvalid):
        return error(422, "invalid", _("Datele trimise nu sunt valide."), fields=work.error.errors)
    if work.failed(IntegrityError):
        # A retry overlapped the first request with the same key, and the first one committed meanwhile.
        previous = existing_submission(key)
        if previous is None:
            raise work.error
        return _replayed(previous)
    return jsonify(document_json(document)), 201


def _replayed(previous: Document):
    """The answer to a repeated Idempotency-Key: the first document, if it is the caller's."""
    if previous.submitter_id != g.api_user.id:
        return error(409, "conflict", _("Cheia de idempotență a fost deja folosită."))
    return jsonify(document_json(previous)), 200


def visible_document(public_id: str) -> Document:
    document = db.session.scalar(select(Document).where(Document.public_id == public_id))
    if document is None or not can_view(g.api_user, document):
        abort(404)
    return document


@bp.route("/documents/<public_id>")
@token_required
@operation(
    "A document: number, status, current step and holder, history, files",
    {200: (DocumentSchema, "The document")},
    errors=(404,),
    tags=("documents",),
)
def get_document(public_id: str):
    return jsonify(document_json(visible_document(public_id)))


@bp.route("/files/<public_id>")
@token_required
@operation(
    "Download one of a document's files",
    {200: (None, "The file, as an attachment")},
    binary=("application/pdf", "image/jpeg", "image/png"),
    errors=(404,),
    tags=("documents",),
)
def download(public_id: str):
    attachment = db.session.scalar(select(Attachment).where(Attachment.public_id == public_id))
    if attachment is None or not can_view(g.api_user, attachment.document):
        abort(404)
    return send_file(
        BytesIO(current_store().get(attachment.sha256)),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
    )


@bp.route("/tasks")
@token_required
@operation(
    "My tasks and my group's tasks, most urgent first, each with its form (paged)",
    {200: (TaskSchema(many=True), "Tasks")},
    query=PageQuery,
    errors=(400,),
    headers={200: TOTAL_COUNT},
    tags=("tasks",),
)
def my_tasks():
    limit, offset = g.api_input["limit"], g.api_input["offset"]
    total, tasks = task_page(g.api_user, limit, offset)
    response = jsonify(TaskSchema(many=True).dump(tasks))
    response.headers["X-Total-Count"] = str(total)
    return response


def task_or_404(task_id: int) -> HumanTask:
    task = db.session.get(HumanTask, task_id)
    if task is None or not is_candidate(g.api_user, task):
        abort(404)
    return task


def _locked_task_or_404(task_id: int) -> HumanTask:
    """The task, locked and read once for the whole action (the action's own `lock_task` finds it held); 404 when
    it does not exist or the caller may not see it, before any other refusal."""
    try:
        task = lock_task(task_id)
    except TaskUnavailable:
        abort(404)
    if not is_candidate(g.api_user, task):
        abort(404)
    return task


def _task_call(task_id: int, action, *args):
    with one_standing():  # the check here and the action's own read the user's standing once
        with unit_of_work(FormInvalid, TaskUnavailable, NotCandidate, SigningRefused, RouteError) as work:
            _locked_task_or_404(task_id)
            task = action(task_id, g.api_user, *args)
            # Answered before the commit: afterwards every attribute of the task, its document, its instance
            # (the engine state) and its version would be read again.
            answer = task_json(task)
    if work.failed(FormInvalid):
        return error(422, "invalid", _("Datele trimise nu sunt valide."), fields=work.error.errors)
    if work.failed(TaskUnavailable):
        return error(409, "conflict", str(work.error))
    if work.failed(NotCandidate):
        abort(404)
    if work.failed(SigningRefused):
        return error(422, "signing_refused", str(work.error))
    if work.failed(RouteError):
        return error(500, "route_error", str(work.error))
    return jsonify(answer)


@bp.route("/tasks/<int:task_id>/claim", methods=["POST"])
@token_required
@operation("Claim a group task", {200: (TaskSchema, "Claimed")}, errors=(404, 409), tags=("tasks",))
def claim(task_id: int):
    return _task_call(task_id, claim_task)


@bp.route("/tasks/<int:task_id>/release", methods=["POST"])
@token_required
@operation(
    "Give a claimed task back to the group",
    {200: (TaskSchema, "Released")},
    errors=(404, 409),
    tags=("tasks",),
)
def release(task_id: int):
    return _task_call(task_id, release_task)


@bp.route("/tasks/<int:task_id>/complete", methods=["POST"])
@token_required
@operation(
    "Complete a task with its form data",
    {200: (TaskSchema, "Completed")},
    json=CompleteTaskBody,
    errors=(400, 404, 409, 422, 500),
    hint=_l('Trimiteți un obiect JSON de forma {"data": {...}}.'),
    tags=("tasks",),
)
def complete(task_id: int):
    return _task_call(task_id, complete_task, g.api_input["data"])


@bp.route("/tasks/<int:task_id>/sign", methods=["POST"])
@token_required
@operation(
    "Sign the document of a signing step (PAdES) with the caller's key, and complete it",
    {200: (TaskSchema, "Signed and completed")},
    description="Refused (422, code signing_refused) when the caller is not the signer the route expects now, "
    "has no key, gives a wrong passphrase, or the certificate is expired, revoked or untrusted; nothing is "
    "changed then.",
    json=SignTaskBody,
    json_required=False,
    errors=(400, 404, 409, 422, 500),
    hint=_l('Trimiteți un obiect JSON de forma {"passphrase": "..."}.'),
    tags=("tasks",),
)
def sign(task_id: int):
    return _task_call(task_id, sign_task, g.api_input.get("passphrase") or None)

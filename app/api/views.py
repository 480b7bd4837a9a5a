"""JSON API /api/v1: the same operations and permission checks as the UI, with bearer tokens."""

from functools import wraps
from io import BytesIO

from flask import Blueprint, abort, g, jsonify, request, send_file
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.api.openapi import openapi_document
from app.correspondence.signed_answer import sign_task, signing_role
from app.dates import rfc3339
from app.extensions import db
from app.forms import FormDefinition, parse_submission
from app.forms.model import OPTIONS_KEY
from app.identity.auth import user_from_bearer
from app.identity.models import Institution
from app.intake.submission import (
    SubmissionInvalid,
    existing_submission,
    register_on_submission,
    submission_form,
    submit,
)
from app.labels import step_name
from app.operations.bad_input import int_arg
from app.portal.tracking import citizen_timeline, current_steps
from app.registry.access import can_view
from app.registry.history import history_entries
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
    form_options,
    is_candidate,
    release_task,
    task_form,
    tasks_for,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Document.submission_key is a String(64) column.
MAX_IDEMPOTENCY_KEY = 64


def error(status: int, code: str, message: str, **extra):
    return jsonify({"error": {"code": code, "message": message, **extra}}), status


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    return error(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name)


@bp.after_request
def no_store(response):
    # Documents, files and tasks are personal: no browser or proxy cache may keep them. (The UI gets this header
    # from the app only for a logged-in session, which an API call never has.)
    if request.endpoint != "api.openapi":
        response.headers["Cache-Control"] = "no-store"
    return response


def _authorization_header() -> str | None:
    """The Authorization header with its scheme spelled "Bearer": schemes are case-insensitive (RFC 7235)."""
    header = request.headers.get("Authorization")
    if not header:
        return None
    scheme, _sep, credentials = header.strip().partition(" ")
    return f"Bearer {credentials.strip()}" if scheme.lower() == "bearer" else header


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = _authorization_header()
        user = user_from_bearer(header)
        if user is None:
            response = error(401, "unauthorized", _("Lipsește un token valid (Authorization: Bearer ...)."))
            presented = header is not None and header.startswith("Bearer ") and header[7:].strip()
            # RFC 6750 section 3: say the token was refused when one was sent.
            response[0].headers["WWW-Authenticate"] = (
                'Bearer error="invalid_token"' if presented else "Bearer"
            )
            return response
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper


def document_json(document: Document, detail: bool = False) -> dict:
    body = {
        "id": document.public_id,
        "registration_number": document.registration_number,
        "registration_label": document.registration_label or None,
        "registered_at": rfc3339(document.registered_at) if document.registered_at else None,
        "document_type": document.document_type.code,
        "institution": document.institution.code,
        "department": document.department.code if document.department else None,
        "subject": document.subject,
        "status": document.status,
        "overdue": document.overdue,
        "deadline": rfc3339(document.deadline_at) if document.deadline_at else None,
        "current_steps": [
            {"name": s.name, "department": s.department, "holder": s.holder, "since_days": s.since_days}
            for s in current_steps(document)
        ],
    }
    if detail:
        body["files"] = [
            {
                "id": a.public_id,
                "kind": a.kind,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in document.attachments
        ]
        staff = g.api_user.is_staff
        # A citizen sees the timeline the portal shows: no gateways, claims or internal reminders.
        entries = history_entries(document) if staff else citizen_timeline(document)
        body["history"] = [
            {
                "at": rfc3339(e.at),
                "event": e.event,
                "element": e.bpmn_id,
                "name": str(step_name(e)),
                "actor": e.actor.full_name if e.actor else None,
                "message": e.message,
                "data": e.data if staff else None,
            }
            for e in entries
        ]
    return body


def option_sources(form: FormDefinition) -> set[str]:
    """The runtime option lists ("x-options") a form's fields name."""
    sources = set()
    for prop in form.properties.values():
        for target in (prop, prop.get("items") if isinstance(prop, dict) else None):
            if isinstance(target, dict) and isinstance(target.get(OPTIONS_KEY), str):
                sources.add(target[OPTIONS_KEY])
    return sources


def form_json(form: FormDefinition | None, document: Document) -> dict | None:
    """The form's schemas, plus the values its "x-options" fields accept for this document: without them a
    client could not know which department codes or officials' usernames the server will take."""
    if form is None:
        return None
    sources = option_sources(form)
    options = {k: v for k, v in form_options(document).items() if k in sources} if sources else {}
    return {
        "schema": form.schema,
        "ui_schema": form.ui_schema,
        "options": {
            source: [{"value": value, "label": label} for value, label in options.get(source, [])]
            for source in sorted(sources)
        },
    }


def task_json(task: HumanTask) -> dict:
    return {
        "id": task.id,
        "name": task.name,
        "element": task.bpmn_id,
        "document": task.document.public_id,
        "document_subject": task.document.subject,
        "registration_label": task.document.registration_label or None,
        "status": task.status,
        "role": task.role_code,
        "assignee": task.assignee.username if task.assignee else None,
        "claimed_by": task.claimed_by.username if task.claimed_by else None,
        "due": rfc3339(task.due_at) if task.due_at else None,
        "signature_role": signing_role(task) if task.status == "ready" else None,
        "form": form_json(task_form(task), task.document),
    }


@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.route("/document-types")
@token_required
def document_types():
    types = db.session.scalars(select(DocumentType).where(DocumentType.active.is_(True))).all()
    return jsonify(
        [
            {
                "code": t.code,
                "name": {"ro": t.name_ro, "en": t.name_en},
                "description": t.description_ro,
                "legal_basis": t.legal_basis,
                "deadline_days": t.deadline_days,
                "working_days": t.deadline_working_days,
                "form": submission_form(t).form.schema,
            }
            for t in types
            if t.citizen_can_submit or g.api_user.is_staff
        ]
    )


@bp.route("/documents", methods=["POST"])
@token_required
def submit_document():
    user = g.api_user
    if user.is_staff:
        return error(403, "forbidden", _("Personalul nu depune documente prin portal."))
    doc_type = db.session.scalar(
        select(DocumentType).where(DocumentType.code == request.form.get("document_type", ""))
    )
    if doc_type is None or not doc_type.active or not doc_type.citizen_can_submit:
        return error(
            400,
            "invalid",
            _("Tipul de document nu există."),
            fields={"document_type": [_("Valoare necunoscută.")]},
        )
    institution = db.session.scalar(
        select(Institution).where(Institution.code == request.form.get("institution", ""))
    )
    if institution is None:
        return error(
            400, "invalid", _("Instituția nu există."), fields={"institution": [_("Valoare necunoscută.")]}
        )
    key = (request.headers.get("Idempotency-Key") or "").strip() or None
    if key is not None and len(key) > MAX_IDEMPOTENCY_KEY:
        return error(
            400,
            "invalid",
            _("Datele trimise nu sunt valide."),
            fields={"Idempotency-Key": [_("Introduceți cel mult %(n)d caractere.", n=MAX_IDEMPOTENCY_KEY)]},
        )
    previous = existing_submission(key)
    if previous is not None:
        return _replayed(previous)
    form = submission_form(doc_type).form
    data = parse_submission(form, request.form)
    files = {name: request.files.getlist(name) for name in form.file_fields()}
    with unit_of_work(SubmissionInvalid, IntegrityError) as work:
        document = submit(user, institution, doc_type, data, files, submission_key=key, channel="api")
        register_on_submission(document, user)  # numbered at once, like the portal's submissions
    if work.failed(SubmissionInvalid):
        return error(422, "invalid", _("Datele trimise nu sunt valide."), fields=work.error.errors)
    if work.failed(IntegrityError):
        # A retry overlapped the first request with the same key, and the first one committed meanwhile.
        previous = existing_submission(key)
        if previous is None:
            raise work.error
        return _replayed(previous)
    return jsonify(document_json(document, detail=True)), 201


def _replayed(previous: Document):
    """The answer to a repeated Idempotency-Key: the first document, if it is the caller's."""
    if previous.submitter_id != g.api_user.id:
        return error(409, "conflict", _("Cheia de idempotență a fost deja folosită."))
    return jsonify(document_json(previous, detail=True)), 200


def _visible_document(public_id: str) -> Document:
    document = db.session.scalar(select(Document).where(Document.public_id == public_id))
    if document is None or not can_view(g.api_user, document):
        abort(404)
    return document


@bp.route("/documents/<public_id>")
@token_required
def get_document(public_id: str):
    return jsonify(document_json(_visible_document(public_id), detail=True))


@bp.route("/files/<public_id>")
@token_required
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
def my_tasks():
    """Paged (limit at most 200, default 50), most urgent first; X-Total-Count gives the whole count."""
    limit = int_arg("limit", 50, minimum=1, maximum=200)
    offset = int_arg("offset", 0, minimum=0, maximum=10**9)
    query = tasks_for(g.api_user)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    tasks = db.session.scalars(query.limit(limit).offset(offset)).all()
    response = jsonify([task_json(t) for t in tasks])
    response.headers["X-Total-Count"] = str(total)
    return response


def _task_or_404(task_id: int) -> HumanTask:
    task = db.session.get(HumanTask, task_id)
    if task is None or not is_candidate(g.api_user, task):
        abort(404)
    return task


def _task_call(task_id: int, action, *args):
    _task_or_404(task_id)
    with unit_of_work(FormInvalid, TaskUnavailable, NotCandidate, SigningRefused, RouteError) as work:
        task = action(task_id, g.api_user, *args)
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
    return jsonify(task_json(task))


@bp.route("/tasks/<int:task_id>/claim", methods=["POST"])
@token_required
def claim(task_id: int):
    return _task_call(task_id, claim_task)


@bp.route("/tasks/<int:task_id>/release", methods=["POST"])
@token_required
def release(task_id: int):
    return _task_call(task_id, release_task)


@bp.route("/tasks/<int:task_id>/complete", methods=["POST"])
@token_required
def complete(task_id: int):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("data", {}), dict):
        return error(400, "invalid", _('Trimiteți un obiect JSON de forma {"data": {...}}.'))
    return _task_call(task_id, complete_task, body.get("data", {}))


@bp.route("/tasks/<int:task_id>/sign", methods=["POST"])
@token_required
def sign(task_id: int):
    body = request.get_json(silent=True) or {}
    passphrase = body.get("passphrase") if isinstance(body, dict) else None
    if passphrase is not None and not isinstance(passphrase, str):
        return error(400, "invalid", _('Trimiteți un obiect JSON de forma {"passphrase": "..."}.'))
    return _task_call(task_id, sign_task, passphrase or None)

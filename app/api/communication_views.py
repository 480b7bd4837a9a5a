"""Two-way communication through the API, with the portal's and the inbox's own functions: completion requests
(staff ask on a task, the citizen reads the request and answers with files and a note) and the staff comment
thread (staff who may see the document; never a citizen, as on the web pages)."""

from datetime import datetime, time

from flask import abort, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from app.api.base import bp, token_required
from app.api.contract import error, operation
from app.api.schemas import (
    CommentBody,
    CommentSchema,
    CompletionAnswerForm,
    CompletionRequestBody,
    CompletionRequestSchema,
    DocumentSchema,
)
from app.api.views import task_or_404, visible_document
from app.communication.comments import add_comment, comments_for
from app.communication.models import CompletionRequest
from app.communication.requests import (
    CommunicationError,
    answer_completion,
    request_completion,
    requests_for,
)
from app.dates import as_utc, local_zone
from app.extensions import db
from app.registry.access import staff_can_view
from app.unit_of_work import unit_of_work


@bp.route("/documents/<public_id>/completion-requests")
@token_required
@operation(
    "The institution's requests for more information on a document, oldest first",
    {200: (CompletionRequestSchema(many=True), "Completion requests (open, answered, cancelled)")},
    description="The submitter sees what the institution asks for and answers an open request with POST "
    ".../completion-requests/{request_id}/answer; staff who may see the document see them too.",
    errors=(404,),
    tags=("completion requests",),
)
def completion_requests(public_id: str):
    document = visible_document(public_id)
    return jsonify(CompletionRequestSchema(many=True).dump(requests_for(document)))


@bp.route("/documents/<public_id>/completion-requests/<request_id>/answer", methods=["POST"])
@token_required
@operation(
    "Answer an open completion request with files (PDF, JPEG, PNG) and a note (the submitter only)",
    {200: (DocumentSchema, "Answered: the document, its new files of kind `completare`")},
    form=CompletionAnswerForm,
    errors=(400, 404, 409),
    error_text={409: "The request is no longer open: nothing was saved"},
    tags=("completion requests",),
)
def answer_completion_request(public_id: str, request_id: str):
    completion = db.session.scalar(select(CompletionRequest).where(CompletionRequest.public_id == request_id))
    # "Missing" and "not yours" look the same, as on the portal.
    if (
        completion is None
        or completion.document.public_id != public_id
        or completion.document.submitter_id != g.api_user.id
    ):
        abort(404)
    if not completion.is_open:
        return error(409, "conflict", _("Cererea de completare nu mai este deschisă."))
    with unit_of_work(CommunicationError) as work:
        answer_completion(completion, g.api_user, request.files.getlist("files"), g.api_input.get("note", ""))
    if work.failed(CommunicationError):
        return error(400, "invalid", str(work.error), fields={"files": [str(work.error)]})
    return jsonify(DocumentSchema().dump(completion.document))


def _due(day) -> datetime | None:
    """The end of the chosen day in the institution's time zone (as the task page's form does)."""
    return as_utc(datetime.combine(day, time(23, 59, 59), tzinfo=local_zone())) if day else None


@bp.route("/tasks/<int:task_id>/completion-requests", methods=["POST"])
@token_required
@operation(
    "Ask the submitter for what is missing, while holding the task (staff)",
    {201: (CompletionRequestSchema, "Sent: the citizen is told and sees it in the portal and the API")},
    description="The task stays open; it can be completed whenever the official has what they need. Refused "
    "(400) when the task is no longer active, a request is already open, the document has no submitter account "
    "or the due day is past.",
    json=CompletionRequestBody,
    errors=(400, 404),
    tags=("completion requests",),
)
def ask_for_completion(task_id: int):
    task = task_or_404(task_id)
    if not g.api_user.is_staff:
        abort(404)
    with unit_of_work(CommunicationError) as work:
        created = request_completion(task, g.api_user, g.api_input["message"], _due(g.api_input.get("due")))
    if work.failed(CommunicationError):
        return error(400, "invalid", str(work.error))
    return jsonify(CompletionRequestSchema().dump(created)), 201


def _staff_document(public_id: str):
    document = visible_document(public_id)
    # The comment thread is the staff's: a citizen, even the submitter, is told it does not exist.
    if not g.api_user.is_staff or not staff_can_view(g.api_user, document):
        abort(404)
    return document


@bp.route("/documents/<public_id>/comments")
@token_required
@operation(
    "The staff's comment thread on a document, oldest first (staff who may see it)",
    {200: (CommentSchema(many=True), "Comments")},
    errors=(404,),
    tags=("comments",),
)
def comments(public_id: str):
    return jsonify(CommentSchema(many=True).dump(comments_for(_staff_document(public_id))))


@bp.route("/documents/<public_id>/comments", methods=["POST"])
@token_required
@operation(
    "Add a comment; @username notifies a colleague who may see the document",
    {201: (CommentSchema, "Added")},
    json=CommentBody,
    errors=(400, 404),
    tags=("comments",),
)
def post_comment(public_id: str):
    document = _staff_document(public_id)
    with unit_of_work(CommunicationError) as work:
        comment = add_comment(document, g.api_user, g.api_input["text"])
    if work.failed(CommunicationError):
        return error(400, "invalid", str(work.error))
    return jsonify(CommentSchema().dump(comment)), 201

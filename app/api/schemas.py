"""The API's request and response shapes, declared once (marshmallow). The OpenAPI document (openapi.py), the
validation of what clients send (contract.py) and the JSON the views return are all derived from these classes.
Enumerations are read from the code's own constants, so a new status or file kind shows up here by itself."""

from datetime import date

from flask import g
from flask_babel import gettext as _
from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from app.archive.disposal import REPORT_KIND
from app.communication.models import CompletionRequest
from app.communication.requests import COMPLETION_KIND, MAX_MESSAGE
from app.correspondence.cloud_signing import SIGNED_SUBMISSION
from app.correspondence.outgoing import LETTER_KIND
from app.correspondence.signed_answer import signing_role
from app.dates import rfc3339
from app.identity.models import InstitutionKind
from app.intake.submission import submission_form
from app.portal.tracking import citizen_timeline, current_steps
from app.registry.history import history_entries
from app.registry.models import Attachment, Direction, DocumentStatus
from app.signing.citizen import CONFIRMATION
from app.workflow.models import HumanTask, TaskStatus
from app.workflow.runtime import form_options, option_sources, task_form
from app.workflow.texts import step_name

# Every Attachment.kind the packages write (the owners keep the constants; this list only gathers them).
ATTACHMENT_KINDS = (
    Attachment.SUBMISSION,
    Attachment.ANSWER,
    COMPLETION_KIND,
    CONFIRMATION,
    LETTER_KIND,
    REPORT_KIND,
    SIGNED_SUBMISSION,
)
DOCUMENT_STATUSES = tuple(
    value for name, value in vars(DocumentStatus).items() if name.isupper() and isinstance(value, str)
)
TASK_STATUSES = (TaskStatus.READY, TaskStatus.COMPLETED, TaskStatus.CANCELLED)
REQUEST_STATUSES = (CompletionRequest.OPEN, CompletionRequest.ANSWERED, CompletionRequest.CANCELLED)
INSTITUTION_KINDS = tuple(
    value for name, value in vars(InstitutionKind).items() if name.isupper() and isinstance(value, str)
)
MAX_IDEMPOTENCY_KEY = 64  # Document.submission_key is a String(64) column


class Instant(fields.DateTime):
    """An instant as RFC 3339 with its offset ("2026-11-21T08:30:00+00:00"); stored naive values are UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        return rfc3339(value)


def _nullable(field_class, **kwargs):
    return field_class(allow_none=True, **kwargs)


# --- responses -----------------------------------------------------------------------------------------------


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Messages per field that was refused"},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBody, required=True)


class LocalizedName(Schema):
    ro = fields.String(required=True)
    en = fields.String(required=True)


class FileSchema(Schema):
    id = fields.String(
        attribute="public_id", metadata={"description": "Download with GET /files/{public_id}"}
    )
    kind = fields.String(validate=validate.OneOf(ATTACHMENT_KINDS))
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()


class CurrentStepSchema(Schema):
    name = fields.String()
    department = _nullable(fields.String)
    holder = _nullable(fields.String)
    since_days = fields.Integer()


def _caller_is_staff() -> bool:
    return bool(getattr(g, "api_user", None) is not None and g.api_user.is_staff)


class HistoryEntrySchema(Schema):
    at = Instant()
    event = fields.String(metadata={"examples": ["task_completed", "automatic", "task_claimed"]})
    element = _nullable(fields.String, attribute="bpmn_id", metadata={"description": "BPMN element id"})
    name = fields.Function(lambda e: step_name(e), metadata={"type": "string"})
    actor = fields.Function(
        lambda e: e.actor.full_name if e.actor else None,
        metadata={"type": ["string", "null"]},
    )
    message = _nullable(fields.String)
    data = fields.Function(
        lambda e: e.data if _caller_is_staff() else None,
        metadata={
            "type": ["object", "null"],
            "description": "The step's submitted data (staff only; null for citizens)",
        },
    )


class DocumentSchema(Schema):
    id = fields.String(attribute="public_id")
    registration_number = _nullable(fields.Integer)
    registration_label = fields.Function(
        lambda d: d.registration_label or None,
        metadata={"type": ["string", "null"], "examples": ["123/21.11.2026"]},
    )
    registered_at = _nullable(Instant)
    document_type = fields.Function(lambda d: d.document_type.code, metadata={"type": "string"})
    institution = fields.Function(lambda d: d.institution.code, metadata={"type": "string"})
    department = fields.Function(
        lambda d: d.department.code if d.department else None, metadata={"type": ["string", "null"]}
    )
    subject = fields.String()
    status = fields.String(validate=validate.OneOf(DOCUMENT_STATUSES))
    overdue = fields.Boolean()
    deadline = _nullable(Instant, attribute="deadline_at")
    current_steps = fields.List(fields.Nested(CurrentStepSchema))
    files = fields.List(fields.Nested(FileSchema), attribute="attachments")
    history = fields.List(
        fields.Nested(HistoryEntrySchema),
        metadata={"description": "Staff see every step; citizens the timeline the portal shows"},
    )

    def get_attribute(self, obj, attr, default):
        if attr == "current_steps":
            return current_steps(obj)
        if attr == "history":
            # A citizen sees the timeline the portal shows: no gateways, claims or internal reminders.
            return history_entries(obj) if _caller_is_staff() else citizen_timeline(obj)
        return super().get_attribute(obj, attr, default)


class OptionSchema(Schema):
    value = fields.String()
    label = fields.String()


class TaskFormSchema(Schema):
    schema = fields.Dict(metadata={"description": "JSON Schema of the form"})
    ui_schema = fields.Dict()
    options = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(OptionSchema)),
        metadata={
            "description": 'For each runtime option list a field names with "x-options", the values it accepts'
        },
    )


def task_form_json(task: HumanTask) -> dict | None:
    """The form's schemas, plus the values its "x-options" fields accept for this document: without them a
    client could not know which department codes or officials' usernames the server will take."""
    form = task_form(task)
    if form is None:
        return None
    sources = option_sources(form)
    options = form_options(task.document, sources) if sources else {}
    return {
        "schema": form.schema,
        "ui_schema": form.ui_schema,
        "options": {
            source: [{"value": value, "label": label} for value, label in options.get(source, [])]
            for source in sorted(sources)
        },
    }


class TaskSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    element = fields.String(attribute="bpmn_id")
    document = fields.Function(lambda t: t.document.public_id, metadata={"type": "string"})
    document_subject = fields.Function(lambda t: t.document.subject, metadata={"type": "string"})
    registration_label = fields.Function(
        lambda t: t.document.registration_label or None, metadata={"type": ["string", "null"]}
    )
    status = fields.String(validate=validate.OneOf(TASK_STATUSES))
    role = _nullable(fields.String, attribute="role_code")
    assignee = fields.Function(
        lambda t: t.assignee.username if t.assignee else None, metadata={"type": ["string", "null"]}
    )
    claimed_by = fields.Function(
        lambda t: t.claimed_by.username if t.claimed_by else None, metadata={"type": ["string", "null"]}
    )
    due = _nullable(Instant, attribute="due_at")
    signature_role = fields.Function(
        lambda t: signing_role(t) if t.status == TaskStatus.READY else None,
        metadata={
            "type": ["string", "null"],
            "description": "Set on a signing step: complete it with POST /tasks/{task_id}/sign",
        },
    )
    form = fields.Nested(
        TaskFormSchema,
        allow_none=True,
        metadata={
            "description": "The task's form: JSON Schema, UI schema, and the values of its option lists; "
            "null once the task is completed or cancelled"
        },
    )

    def get_attribute(self, obj, attr, default):
        if attr == "form":
            # A task done or cancelled has no form left to fill: its options are not recomputed for the answer.
            return task_form_json(obj) if obj.status == TaskStatus.READY else None
        return super().get_attribute(obj, attr, default)


class DocumentTypeSchema(Schema):
    code = fields.String()
    name = fields.Function(
        lambda t: {"ro": t.name_ro, "en": t.name_en},
        metadata={"allOf": [{"$ref": "#/components/schemas/LocalizedName"}]},
    )
    description = fields.String(attribute="description_ro")
    legal_basis = fields.String()
    deadline_days = _nullable(fields.Integer)
    working_days = fields.Boolean(attribute="deadline_working_days")
    form = fields.Function(
        lambda t: _submission_schema(t),
        metadata={"type": "object", "description": "JSON Schema of the submission"},
    )


def _submission_schema(doc_type) -> dict:
    return submission_form(doc_type).form.schema


class ReceivedTypeSchema(Schema):
    code = fields.String()
    name = fields.Function(
        lambda t: {"ro": t.name_ro, "en": t.name_en},
        metadata={"allOf": [{"$ref": "#/components/schemas/LocalizedName"}]},
    )
    deadline_days = _nullable(fields.Integer)
    working_days = fields.Boolean(attribute="deadline_working_days")


class InstitutionSchema(Schema):
    code = fields.String(metadata={"description": "Send it as `institution` with POST /documents"})
    name = fields.String()
    kind = fields.String(validate=validate.OneOf(INSTITUTION_KINDS))
    parent = _nullable(
        fields.String, metadata={"description": "The council a town hall or subordinate belongs to"}
    )
    document_types = fields.List(
        fields.Nested(ReceivedTypeSchema),
        metadata={
            "description": "The types this institution receives from citizens (see GET /document-types)"
        },
    )


class RegisterEntrySchema(Schema):
    id = fields.String(attribute="public_id")
    registration_number = fields.Integer()
    registration_label = fields.String()
    registered_at = _nullable(Instant)
    direction = fields.String(validate=validate.OneOf(Direction.ALL))
    sender = _nullable(fields.String, attribute="sender_name")
    recipient = _nullable(fields.String)
    subject = fields.String()
    status = fields.String(validate=validate.OneOf(DOCUMENT_STATUSES))
    document_type = fields.Function(lambda d: d.document_type.code, metadata={"type": "string"})
    institution = fields.Function(lambda d: d.institution.code, metadata={"type": "string"})
    department = fields.Function(
        lambda d: d.department.code if d.department else None, metadata={"type": ["string", "null"]}
    )
    deadline = _nullable(Instant, attribute="deadline_at")


class CompletionRequestSchema(Schema):
    id = fields.String(attribute="public_id")
    document = fields.Function(lambda r: r.document.public_id, metadata={"type": "string"})
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES))
    message = fields.String(metadata={"description": "What the institution asks for"})
    due = _nullable(Instant, attribute="due_at")
    requested_at = Instant(attribute="created_at")
    requested_by = fields.Function(lambda r: r.requested_by.full_name, metadata={"type": "string"})
    answered_at = _nullable(Instant)
    answer_note = _nullable(fields.String)


class CommentSchema(Schema):
    id = fields.Integer()
    author = fields.Function(lambda c: c.author.full_name, metadata={"type": "string"})
    text = fields.String(attribute="body")
    mentions = fields.List(fields.String(), metadata={"description": "Colleagues notified (@username)"})
    created_at = Instant()


# --- requests ------------------------------------------------------------------------------------------------


class PageQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200), metadata={"default": 50})
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 10**9), metadata={"default": 0})


def _plausible_day(day: date) -> None:
    # The register's day bounds are computed in local time: year 1 or 9999 would overflow them.
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(_("Data nu este validă (aaaa-ll-zz)."))


FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


class RegisterQuery(PageQuery):
    number = fields.String(
        validate=validate.Length(max=40),
        metadata={"description": "123, 123/2026 or the label 123/21.11.2026"},
    )
    date_from = fields.Date(
        data_key="from",
        validate=_plausible_day,
        metadata={"description": "Registered on or after (YYYY-MM-DD)"},
    )
    date_to = fields.Date(
        data_key="to",
        validate=_plausible_day,
        metadata={"description": "Registered on or before (YYYY-MM-DD)"},
    )
    sender = fields.String(validate=validate.Length(max=200), metadata={"description": "Sender or recipient"})
    subject = fields.String(validate=validate.Length(max=200))
    status = fields.String(validate=validate.OneOf(DOCUMENT_STATUSES))
    direction = fields.String(validate=validate.OneOf(Direction.ALL))

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(_("Intervalul de date este inversat: „de la” este după „până la”."))

    class Meta:
        unknown = EXCLUDE


class SubmitDocumentForm(Schema):
    """multipart/form-data: these two, then the type's form fields and files (see GET /document-types)."""

    document_type = fields.String(required=True, validate=[validate.Length(min=1), validate.Length(max=60)])
    institution = fields.String(
        required=True,
        validate=[validate.Length(min=1), validate.Length(max=40)],
        metadata={"description": "See GET /institutions"},
    )

    class Meta:
        unknown = INCLUDE


class CompleteTaskBody(Schema):
    data = fields.Dict(load_default=dict, metadata={"description": "The task form's values"})

    class Meta:
        unknown = EXCLUDE


class SignTaskBody(Schema):
    passphrase = fields.String(
        allow_none=True, metadata={"description": "The key's passphrase or PIN, when it is not stored"}
    )

    class Meta:
        unknown = EXCLUDE


class CompletionRequestBody(Schema):
    message = fields.String(
        required=True, validate=[validate.Length(min=10), validate.Length(max=MAX_MESSAGE)]
    )
    due = fields.Date(
        allow_none=True, metadata={"description": "Answer by this day (YYYY-MM-DD, local time)"}
    )


class CompletionAnswerForm(Schema):
    """multipart/form-data: one or more `files` (PDF, JPEG, PNG) and an optional note."""

    note = fields.String(validate=validate.Length(max=MAX_MESSAGE))
    files = fields.Raw(
        metadata={"type": "array", "items": {"type": "string", "format": "binary"}}, load_only=True
    )

    class Meta:
        unknown = EXCLUDE


class CommentBody(Schema):
    text = fields.String(required=True, validate=[validate.Length(min=1), validate.Length(max=MAX_MESSAGE)])


SCHEMAS = (
    ErrorSchema,
    LocalizedName,
    FileSchema,
    CurrentStepSchema,
    HistoryEntrySchema,
    DocumentSchema,
    OptionSchema,
    TaskFormSchema,
    TaskSchema,
    DocumentTypeSchema,
    ReceivedTypeSchema,
    InstitutionSchema,
    RegisterEntrySchema,
    CompletionRequestSchema,
    CommentSchema,
)

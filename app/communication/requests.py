"""Completion requests: an official holding a task asks the citizen for what is missing; the citizen uploads it
from the portal; the request closes, the files join the document (kind "completare"), the history records both
moves and the official's inbox shows the task as answered. The task itself stays open and can be completed at any
time: the route continues as soon as the official has what they need."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import record
from app.communication.models import CompletionRequest
from app.dates import now_utc
from app.extensions import db
from app.identity.models import User
from app.intake.submission import check_uploads, store_attachment
from app.notifications import events as citizen_events
from app.notifications.models import Notification
from app.registry.models import Document
from app.workflow.models import HistoryEntry, HumanTask, TaskStatus

COMPLETION_KIND = "completare"
COMPLETION_REQUESTED = "completion_requested"
COMPLETION_ANSWERED = "completion_answered"
COMPLETION_CANCELLED = "completion_cancelled"
MAX_MESSAGE = 4000


class CommunicationError(ValueError):
    """A refused action, with a message for the person (nothing was changed)."""


def open_requests(document: Document) -> list[CompletionRequest]:
    return list(
        db.session.scalars(
            select(CompletionRequest)
            .where(
                CompletionRequest.document_id == document.id,
                CompletionRequest.status == CompletionRequest.OPEN,
            )
            .order_by(CompletionRequest.id)
        )
    )


def requests_for(document: Document) -> list[CompletionRequest]:
    return list(
        db.session.scalars(
            select(CompletionRequest)
            .where(CompletionRequest.document_id == document.id)
            .order_by(CompletionRequest.id)
        )
    )


def request_completion(task: HumanTask, user: User, message: str, due_at: datetime | None = None):
    """Called by a candidate of the task (the view checks); the caller commits."""
    message = (message or "").strip()
    if task.status != TaskStatus.READY:
        raise CommunicationError(_("Sarcina nu mai este activă."))
    if len(message) < 10:
        raise CommunicationError(
            _("Descrieți ce trebuie să completeze solicitantul (cel puțin 10 caractere).")
        )
    if len(message) > MAX_MESSAGE:
        raise CommunicationError(_("Mesajul este prea lung (cel mult 4000 de caractere)."))
    if due_at is not None and due_at.date() < now_utc().date():
        raise CommunicationError(_("Termenul de răspuns nu poate fi în trecut."))
    document = task.document
    if document.submitter is None or document.submitter.is_staff:
        raise CommunicationError(
            _("Documentul nu are un cont de solicitant: cereți completarea printr-o scrisoare oficială.")
        )
    if open_requests(document):
        raise CommunicationError(_("Există deja o cerere de completare deschisă pentru acest document."))
    request = CompletionRequest(
        document_id=document.id, task_id=task.id, requested_by_id=user.id, message=message, due_at=due_at
    )
    db.session.add(request)
    db.session.add(
        HistoryEntry(
            document_id=document.id,
            instance_id=task.instance_id,
            actor_id=user.id,
            event=COMPLETION_REQUESTED,
            bpmn_id=task.bpmn_id,
            message=message,
        )
    )
    db.session.flush()
    record(
        COMPLETION_REQUESTED,
        actor=user,
        document=document,
        bpmn_id=task.bpmn_id,
        target=task.name,
        data={
            "request": request.public_id,
            "message": message,
            "due": due_at.isoformat() if due_at else None,
        },
    )
    citizen_events.completion_requested(document, message, due_at)
    return request


def answer_completion(request: CompletionRequest, user: User, uploads, note: str = ""):
    """The citizen's answer: at least one file, each checked by content. Refused (nothing stored) when the
    request is no longer open. The caller commits."""
    document = request.document
    if document.submitter_id != user.id:
        raise LookupError("not the submitter")
    if not request.is_open:
        raise CommunicationError(
            _(
                "Cererea de completare a fost deja închisă; fișierele nu au fost salvate. Dacă doriți să "
                "trimiteți ceva nou, depuneți un document nou care să facă referire la numărul acestuia."
            )
        )
    accepted, errors = check_uploads(uploads)
    if errors:
        raise CommunicationError(" ".join(errors))
    if not accepted:
        raise CommunicationError(_("Atașați cel puțin un fișier (PDF, JPEG sau PNG)."))
    note = (note or "").strip()[:MAX_MESSAGE]
    attachments = [store_attachment(document, COMPLETION_KIND, checked, user) for checked in accepted]
    request.status = CompletionRequest.ANSWERED
    request.answered_at = now_utc()
    request.answered_by_id = user.id
    request.answer_note = note or None
    names = ", ".join(a.filename for a in attachments)
    db.session.add(
        HistoryEntry(
            document_id=document.id,
            actor_id=user.id,
            event=COMPLETION_ANSWERED,
            message=f"Completare depusă: {names}." + (f" {note}" if note else ""),
            data={"fisiere": [a.public_id for a in attachments]},
        )
    )
    record(
        COMPLETION_ANSWERED,
        actor=user,
        document=document,
        target=names[:300],
        data={"request": request.public_id, "files": [a.sha256 for a in attachments]},
    )
    label = document.registration_label or document.subject
    for official in _officials_to_tell(request):
        db.session.add(
            Notification(
                user_id=official.id,
                document_id=document.id,
                message=_("Solicitantul a trimis completarea cerută pentru documentul nr. %(nr)s.", nr=label),
            )
        )
    return attachments


def _officials_to_tell(request: CompletionRequest) -> list[User]:
    users = {request.requested_by_id: request.requested_by}
    task = request.task
    if task is not None and task.status == TaskStatus.READY and task.holder is not None:
        users[task.holder.id] = task.holder
    return list(users.values())


def cancel_request(request: CompletionRequest, user: User, reason: str) -> None:
    if not request.is_open:
        raise CommunicationError(_("Cererea de completare nu mai este deschisă."))
    request.status = CompletionRequest.CANCELLED
    request.answered_at = now_utc()
    db.session.add(
        HistoryEntry(
            document_id=request.document_id,
            actor_id=user.id if user is not None else None,
            event=COMPLETION_CANCELLED,
            message=reason,
        )
    )
    record(COMPLETION_CANCELLED, actor=user, document=request.document, data={"request": request.public_id})


def close_for_completed_task(task: HumanTask, user: User) -> None:
    """A task completed while its request was still open: the official went on without the answer."""
    for request in db.session.scalars(
        select(CompletionRequest).where(
            CompletionRequest.task_id == task.id, CompletionRequest.status == CompletionRequest.OPEN
        )
    ):
        cancel_request(request, user, "Cererea de completare a fost închisă: pasul a fost finalizat fără ea.")


def task_completion_state(task_ids: list[int]) -> dict[int, str]:
    """For the inbox: task id -> "deschisa" (waiting for the citizen) or "raspunsa" (answered), latest request."""
    if not task_ids:
        return {}
    states: dict[int, str] = {}
    for request in db.session.scalars(
        select(CompletionRequest)
        .where(
            CompletionRequest.task_id.in_(task_ids), CompletionRequest.status != CompletionRequest.CANCELLED
        )
        .order_by(CompletionRequest.id)
    ):
        states[request.task_id] = request.status
    return states

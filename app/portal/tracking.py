"""What a citizen sees of a document's route: where it is now, and the steps so far."""

from dataclasses import dataclass

from sqlalchemy import select

from app.dates import as_utc, now_utc
from app.extensions import db
from app.registry.models import Document
from app.workflow.models import HistoryEntry, HumanTask, TaskStatus

# Engine plumbing that means nothing to a citizen.
_HIDDEN_TYPES = {
    "ExclusiveGateway",
    "ParallelGateway",
    "InclusiveGateway",
    "IntermediateCatchEvent",
    "StartEvent",
    "EventBasedGateway",
}
_HIDDEN_EVENTS = {"task_claimed", "task_released", "reminder"}


@dataclass
class CurrentStep:
    name: str
    department: str | None
    holder: str | None
    since_days: int


def current_steps(document: Document) -> list[CurrentStep]:
    tasks = db.session.scalars(
        select(HumanTask).where(HumanTask.document_id == document.id, HumanTask.status == TaskStatus.READY)
    ).all()
    return [
        CurrentStep(
            name=t.name,
            department=document.department.name if document.department else None,
            holder=t.holder.full_name if t.holder else None,
            since_days=(now_utc() - as_utc(t.created_at)).days,
        )
        for t in tasks
    ]


def citizen_timeline(document: Document) -> list[HistoryEntry]:
    entries = db.session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.document_id == document.id)
        .order_by(HistoryEntry.at, HistoryEntry.id)
    ).all()
    return [e for e in entries if e.element_type not in _HIDDEN_TYPES and e.event not in _HIDDEN_EVENTS]


def days_in_institution(document: Document) -> int | None:
    if document.registered_at is None:
        return None
    end = document.closed_at or now_utc()
    return (as_utc(end) - as_utc(document.registered_at)).days

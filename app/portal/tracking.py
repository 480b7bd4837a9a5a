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
# incidents and operators' actions are internal (the citizen sees "delayed"; a cancellation stays visible)
_HIDDEN_EVENTS = {"task_claimed", "task_released", "reminder", "incident", "operation"}


@dataclass
class CurrentStep:
    name: str
    department: str | None
    holder: str | None
    since_days: int


def current_steps(document: Document) -> list[CurrentStep]:
    from app.workflow.texts import step_name

    tasks = db.session.scalars(
        select(HumanTask).where(HumanTask.document_id == document.id, HumanTask.status == TaskStatus.READY)
    ).all()
    return [
        CurrentStep(
            name=step_name(t),
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


# --- public tracking (no account): officials are public servants and are named; the citizen never is ---------


@dataclass
class PublicStep:
    name: str
    who: str
    at: object
    took: str | None  # how long the document waited before this step, "3 zile" / "2 ore"


def holder_function(user, document: Document) -> str | None:
    """The official's function title in the document's institution ("Referent", "Șef serviciu")."""
    for membership in getattr(user, "memberships", []) or []:
        if membership.institution_id == document.institution_id and membership.function_title:
            return membership.function_title
    return None


def _duration(seconds: float) -> str:
    from flask_babel import ngettext

    if seconds >= 86400:
        days = int(seconds // 86400)
        return ngettext("%(num)d zi", "%(num)d zile", days)
    if seconds >= 3600:
        hours = int(seconds // 3600)
        return ngettext("%(num)d oră", "%(num)d ore", hours)
    if seconds < 60:
        from flask_babel import gettext

        return gettext("sub un minut")
    return ngettext("%(num)d minut", "%(num)d minute", int(seconds // 60))


def public_timeline(document: Document) -> list[PublicStep]:
    from flask_babel import gettext as _

    from app.workflow.texts import step_name

    steps, previous = [], None
    for entry in citizen_timeline(document):
        if entry.actor is not None and entry.actor.is_staff:
            who = entry.actor.full_name
        elif entry.actor is not None:
            who = _("Solicitant")
        else:
            who = _("automat")
        at = as_utc(entry.at)
        took = _duration((at - previous).total_seconds()) if previous is not None else None
        # The step's name, never its message: a formal message or a completion request may be personal.
        steps.append(PublicStep(step_name(entry), who, at, took))
        previous = at
    return steps


def days_left_to_deadline(document: Document) -> int | None:
    if document.deadline_at is None:
        return None
    return (as_utc(document.deadline_at).date() - now_utc().date()).days

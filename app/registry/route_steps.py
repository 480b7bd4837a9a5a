"""The helpers BPMN scripts call on the document itself: register it, close it, remind and mark it overdue, with
beside each the side-effect-free stand-in scenario tests use. `register_route_steps` (called by the registry's init_app) registers them with the engine
(app/workflow/script_helpers.py); everything they change happens in the transaction of the step that ran them.

Packages above the registry act on these moments through the hooks below (the citizen is told, staff are
notified, a disposal proposal's route ends in the archive), so the registry imports none of them."""

from sqlalchemy import select

from app.dates import add_days, end_of_local_day, now_utc, to_local
from app.extensions import db
from app.identity.models import Department
from app.registry.models import DocumentStatus
from app.registry.numbering import register
from app.workflow.models import HistoryEntry
from app.workflow.runtime import RouteError
from app.workflow.script_helpers import register_helper

# Called in the step's transaction, in registration order (create_app's list of packages).
ON_REGISTERED: list = []  # (document, department_assigned: bool) after register_document
ON_CLOSED: list = []  # (document, actor) after close_document set the document's status
ON_DEADLINE: list = []  # (document, "reminder" | "overdue") before the history row is added


def close(ctx, status: str, reason: str = "") -> None:
    """Close the run's document: "solutionat" (answered) or "clasat" (closed without action, as the law allows)."""
    if status not in DocumentStatus.CLOSED:
        raise RouteError(f"close_document: status must be one of {DocumentStatus.CLOSED}")
    document = ctx.document
    document.status = status
    document.resolution = reason
    document.closed_at = now_utc()
    for hook in ON_CLOSED:
        hook(document, ctx.actor)


def _register_document(ctx):
    document = ctx.document

    def register_document(department_code: str | None = None) -> str:
        """Give the document its registration number; optionally route it to a department (by code)."""
        if department_code:
            department = db.session.scalar(
                select(Department).where(
                    Department.institution_id == document.institution_id, Department.code == department_code
                )
            )
            if department is None:
                raise RouteError(f"unknown department {department_code}")
            document.department_id = department.id
        label = register(document)
        db.session.flush()
        for hook in ON_REGISTERED:
            hook(document, bool(department_code))
        return label

    return register_document


def _close_document(ctx):
    def close_document(status: str, reason: str = "") -> None:
        """Close the document: "solutionat" (answered) or "clasat" (closed without action, as the law allows)."""
        close(ctx, status, reason)

    return close_document


def _deadline_moment(ctx, kind: str, message: str) -> None:
    for hook in ON_DEADLINE:
        hook(ctx.document, kind)
    db.session.add(
        HistoryEntry(document_id=ctx.document.id, instance_id=ctx.instance.id, event=kind, message=message)
    )


def _remind(ctx):
    def remind() -> None:
        """Tell whoever holds the document, and the heads of its department, that the deadline is near."""
        _deadline_moment(ctx, "reminder", "Reamintire: termenul legal se apropie.")

    return remind


def _mark_overdue(ctx):
    def mark_overdue() -> None:
        """Mark the document overdue and tell whoever holds it."""
        ctx.document.overdue = True
        _deadline_moment(ctx, "overdue", "Termenul legal a fost depășit.")

    return mark_overdue


# --- stand-ins: the scenario runner's in-memory document (app/workflow/scenarios.py), nothing written -----------


def _register_document_stand_in(run):
    document = run.document

    def register_document(department_code=None):
        if department_code:
            if run.departments and department_code not in run.departments:
                raise ValueError(f"unknown department {department_code}")
            document.department = department_code
        if document.registration_number is None:
            document.registration_number = 1
            document.registered_at = run.clock
            document.status = DocumentStatus.REGISTERED
            if run.deadline.get("days"):
                due = add_days(
                    to_local(run.clock).date(), run.deadline["days"], bool(run.deadline.get("working_days"))
                )
                document.deadline_at = end_of_local_day(due)
        return document.registration_label

    return register_document


def close_stand_in(run, status, reason=""):
    if status not in DocumentStatus.CLOSED:
        raise ValueError(f"close_document: status must be one of {DocumentStatus.CLOSED}")
    run.document.status = status
    run.document.resolution = reason


def _close_document_stand_in(run):
    return lambda status, reason="": close_stand_in(run, status, reason)


def _remind_stand_in(run):
    def remind():
        run.document.reminders += 1

    return remind


def _mark_overdue_stand_in(run):
    def mark_overdue():
        run.document.overdue = True

    return mark_overdue


# --- replay stand-ins: return what the real run recorded, write nothing (app/auditors/replay.py) ----------------


def _register_document_replay(replay):
    document, copy = replay.document, replay.copy

    def register_document(department_code: str | None = None) -> str:
        replay.calls.append(("register_document", (department_code,)))
        copy.registered_at = document.registered_at
        copy.deadline_at = replay.registration_deadline() or document.deadline_at
        copy.registration_label = document.registration_label
        if department_code:
            copy.department_code = department_code
        return document.registration_label

    return register_document


def _close_document_replay(replay):
    def close_document(status: str, reason: str = "") -> None:
        replay.calls.append(("close_document", (status, reason)))
        replay.closed_as = status

    return close_document


def _noted_replay(name: str):
    def bind(replay):
        return lambda: replay.calls.append((name, ()))

    return bind


def mark_in_progress(document) -> None:
    """The route waits for people: a registered document is now being worked on."""
    if document.status == DocumentStatus.REGISTERED:
        document.status = DocumentStatus.IN_PROGRESS


def register_route_steps() -> None:
    """Offer these helpers to scripts, mark documents in progress when people have work, keep document types."""
    from app.registry.catalogue import upsert_document_type
    from app.workflow.deploy import MANIFEST_DEPLOYED
    from app.workflow.runtime import TASKS_READY

    register_helper(
        "register_document", _register_document, _register_document_stand_in, _register_document_replay
    )
    register_helper("close_document", _close_document, _close_document_stand_in, _close_document_replay)
    register_helper(
        "remind",
        _remind,
        _remind_stand_in,
        _noted_replay("remind"),
    )
    register_helper(
        "mark_overdue",
        _mark_overdue,
        _mark_overdue_stand_in,
        _noted_replay("mark_overdue"),
    )
    if mark_in_progress not in TASKS_READY:
        TASKS_READY.append(mark_in_progress)
    if upsert_document_type not in MANIFEST_DEPLOYED:
        MANIFEST_DEPLOYED.append(upsert_document_type)


def close_cancelled(document, note: str) -> None:
    """An operator cancelled the document's route (with a reason): it closes without action, the note visible."""
    document.status = DocumentStatus.CLOSED_NO_ACTION
    document.resolution = note
    document.closed_at = now_utc()

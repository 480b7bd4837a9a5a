"""What the running routes record in the audit log. The runtime calls these with the objects it already holds, so
its own code keeps one line per action; everything lands in the action's transaction."""

from datetime import datetime

from app.audit.log import (
    ASSIGNMENT,
    DOCUMENT_CHANGED,
    PROCESS_DEPLOYED,
    REGISTRATION,
    ROUTE_ADVANCED,
    ROUTE_STARTED,
    SIGNATURE,
    TASK_CLAIMED,
    TASK_COMPLETED,
    TASK_RELEASED,
    record,
)
from app.identity.roles import SUBMITTER_LANE

# Document fields whose changes the log keeps (the registry's own columns; the route's data is in its steps).
TRACKED_FIELDS = (
    "status",
    "department_id",
    "registration_number",
    "registration_year",
    "registered_at",
    "deadline_at",
    "overdue",
    "resolution",
    "closed_at",
    "subject",
    "sender_name",
    "sender_email",
    "sender_address",
)
_REGISTRATION_FIELDS = {"registration_number", "registration_year", "registered_at"}


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def snapshot(document) -> dict:
    if document is None:
        return {}
    return {name: _plain(getattr(document, name)) for name in TRACKED_FIELDS}


def route_started(document, actor, version) -> None:
    record(
        ROUTE_STARTED,
        actor=actor,
        document=document,
        target=f"{version.process_id} v{version.version}",
        data={
            "process_id": version.process_id,
            "version": version.version,
            "content_hash": version.content_hash,
        },
    )


def on_behalf_of(task, user, principal_id: int | None = None) -> str | None:
    """A deputy's step names the absent colleague (app/identity delegation); a step in the submitter's lane done by
    someone else (the registry clerk entering a paper document) names the sender."""
    if principal_id is not None:
        from app.extensions import db
        from app.identity.models import User

        principal = db.session.get(User, principal_id)
        return f"{principal.full_name} ({principal.username})" if principal else None
    document = task.document
    if task.lane == SUBMITTER_LANE and document.submitter_id != user.id:
        return document.sender_name
    return None


def task_completed(task, user, data: dict, principal_id: int | None = None) -> None:
    record(
        TASK_COMPLETED,
        actor=user,
        document=task.document,
        bpmn_id=task.bpmn_id,
        target=task.name,
        on_behalf_of=on_behalf_of(task, user, principal_id),
        data={"task_id": task.id, "task_guid": task.task_guid, "submitted": data},
    )
    signature = data.get("semnatura")
    if isinstance(signature, dict):
        # A signing step (app/signing) completes with the signature it made: the signed file's sha256, the field.
        record(
            SIGNATURE,
            actor=user,
            document=task.document,
            bpmn_id=task.bpmn_id,
            target=task.name,
            data={"level": "PAdES", **signature},
        )


def task_claimed(task, user, claimed: bool) -> None:
    record(
        TASK_CLAIMED if claimed else TASK_RELEASED,
        actor=user,
        document=task.document,
        bpmn_id=task.bpmn_id,
        target=task.name,
        data={"task_id": task.id},
    )


def run_finished(ctx) -> None:
    """After one engine run (start, task, timer): the automatic steps, the new tasks and who may do them, the
    registration and any change of the document's own fields."""
    document = ctx.document
    automatic = [h.bpmn_id for h in ctx.history if h.bpmn_id]
    if automatic:
        record(ROUTE_ADVANCED, document=document, data={"elements": automatic})
    for task in ctx.new_tasks:
        record(
            ASSIGNMENT,
            document=document,
            bpmn_id=task.bpmn_id,
            target=task.name,
            data={
                "lane": task.lane,
                "role": task.role_code,
                "department_id": task.department_id,
                "assignee_id": task.assignee_id,
                "assignee": task.assignee.username if task.assignee else None,
            },
        )
    after = snapshot(document)
    before = ctx.audit_snapshot
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if before.get("registration_number") is None and after.get("registration_number") is not None:
        record(
            REGISTRATION,
            actor=ctx.actor,
            document=document,
            target=document.registration_label,
            data={
                "number": document.registration_number,
                "year": document.registration_year,
                "label": document.registration_label,
                "deadline_at": after.get("deadline_at"),
            },
        )
        changes = {k: v for k, v in changes.items() if k not in _REGISTRATION_FIELDS}
    if changes:
        record(DOCUMENT_CHANGED, actor=ctx.actor, document=document, data={"changes": changes})
    ctx.history.clear()
    ctx.new_tasks.clear()
    ctx.audit_snapshot = after


def deployment_recorded(version, how: str) -> None:
    """A process version became the current one: `how` is "new" or "reactivated" (an earlier content again)."""
    from flask import has_request_context
    from flask_login import current_user

    actor = current_user if has_request_context() and current_user.is_authenticated else None
    data = {
        "process_id": version.process_id,
        "version": version.version,
        "content_hash": version.content_hash,
        "source_file": version.source_file,
        "how": how,
        "institution_id": version.institution_id,
    }
    if actor is None:
        import getpass

        data["via"] = "command line or start-up"
        data["os_user"] = getpass.getuser()
    record(
        PROCESS_DEPLOYED,
        actor=actor,
        institution_id=version.institution_id,
        target=f"{version.process_id} v{version.version}",
        data=data,
    )

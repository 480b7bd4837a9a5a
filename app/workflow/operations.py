"""What an operator (an analyst or administrator of the document's institution) may do to a running route: retry
after an incident, change a variable, move the route to another element, suspend and resume, cancel with a reason.

Every action needs a reason, and lands in the document's history (event `operation`, hidden from the citizen except
a cancellation, which closes the document with a visible note) and in the audit log (`route_operation`), in the
caller's transaction. Replay (app/audit/replay.py) reads these history entries and does the same to its copy of the
route, so a document an operator touched still verifies. The views are in app/operations."""

from __future__ import annotations

import json
import re
import uuid

from flask_babel import gettext as _
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from app.audit.log import record
from app.dates import now_utc
from app.extensions import db
from app.workflow import engine
from app.workflow.incidents import open_incident_of, resolve, run_or_incident
from app.workflow.models import HistoryEntry, HumanTask, InstanceStatus, TaskStatus, WorkflowInstance

ROUTE_OPERATION = "route_operation"
# (document, note) when an operator cancels its route: the registry closes the document, the note visible.
ON_CANCELLED: list = []
# Elements a token can rest on: activities and intermediate catch events (never gateways, start or end events,
# boundary events, flows).
TOKEN_HOLDERS = ("UserTask", "ScriptTask", "ManualTask", "IntermediateCatchEvent", "NoneTask", "Task")
VARIABLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,59}$")
# Tasks that hold the route's data now: where a changed variable must go.
_CURRENT = TaskState.READY | TaskState.WAITING | TaskState.ERROR | TaskState.STARTED


class OperationRefused(Exception):
    """The action cannot be done; the message says why, in the interface language."""


def _load(instance: WorkflowInstance):
    from app.workflow.runtime import RunContext, _script_engine, _specs

    db.session.execute(
        select(WorkflowInstance.id).where(WorkflowInstance.id == instance.id).with_for_update()
    )
    db.session.refresh(instance)
    ctx = RunContext(instance.document, None, instance)
    workflow = engine.load_workflow(instance.state, _specs(instance.process_version), _script_engine(ctx))
    return ctx, workflow


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise OperationRefused(_("Scrieți motivul acțiunii: rămâne în istoricul documentului."))
    return reason[:1000]


def _recorded(
    instance, actor, action: str, reason: str, message: str, event: str = "operation", **details
) -> HistoryEntry:
    """History first (its time orders it before the steps the action runs), then the audit entry."""
    entry = HistoryEntry(
        document_id=instance.document_id,
        instance_id=instance.id,
        at=now_utc(),
        actor_id=actor.id if actor is not None else None,
        event=event,
        bpmn_id=details.get("element"),
        message=message,
        data={"action": action, "reason": reason, **details},
    )
    db.session.add(entry)
    db.session.flush()
    record(
        ROUTE_OPERATION,
        actor=actor,
        document=instance.document,
        bpmn_id=details.get("element"),
        target=f"{action} instance {instance.id}",
        data={"action": action, "reason": reason, **details},
    )
    return entry


def _run_and_save(ctx, workflow, actor, what: str, kind: str = "script") -> None:
    from app.workflow.runtime import _completed_ids, _record_engine_steps, _save

    ctx.actor = actor
    before = _completed_ids(workflow)

    def step():
        workflow.refresh_timers()
        workflow.do_engine_steps()

    run_or_incident(ctx, workflow, step, what, kind)
    _record_engine_steps(ctx, workflow, before)
    _save(ctx, workflow)


def _ensure_active(instance: WorkflowInstance) -> None:
    if instance.status in (InstanceStatus.COMPLETE, InstanceStatus.CANCELLED):
        raise OperationRefused(_("Traseul acestui document s-a încheiat: nu mai poate fi modificat."))


def retry(instance: WorkflowInstance, actor, reason: str) -> bool:
    """Run the failed element again (after a fix: a new version, a changed variable). True when the route went
    on; False when it failed again (the incident keeps both errors)."""
    reason = _reason(reason)
    incident = open_incident_of(instance.id)
    if instance.status != InstanceStatus.ERROR or incident is None:
        raise OperationRefused(_("Documentul nu are niciun incident deschis."))
    ctx, workflow = _load(instance)
    _recorded(
        instance,
        actor,
        "retry",
        reason,
        _(
            "Pasul „%(step)s” a fost reluat de operator. Motiv: %(reason)s",
            step=incident.element_name,
            reason=reason,
        ),
        element=incident.element_id,
    )
    for task in workflow.get_tasks(state=TaskState.ERROR):
        workflow.reset_from_task_id(task.id)
    instance.status = InstanceStatus.RUNNING
    instance.error = None
    _run_and_save(ctx, workflow, actor, _("Reluare"), incident.kind)
    db.session.flush()
    if instance.status == InstanceStatus.ERROR:
        return False
    resolve(incident, actor, f"retry: {reason}")
    return True


def parse_value(text: str):
    """The value an operator typed: JSON when it reads as JSON (numbers, true/false, lists, quoted text), else the
    text itself."""
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return text


def set_variable(instance: WorkflowInstance, actor, name: str, value, reason: str) -> None:
    reason = _reason(reason)
    _ensure_active(instance)
    if not isinstance(name, str) or not VARIABLE_NAME.match(name):
        raise OperationRefused(_("Numele variabilei: litere, cifre și _, începând cu o literă."))
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        raise OperationRefused(
            _("Valoarea trebuie să fie text, număr, da/nu, listă sau dicționar.")
        ) from None
    ctx, workflow = _load(instance)
    current = [t for t in workflow.get_tasks(state=_CURRENT) if getattr(t.task_spec, "bpmn_id", None)]
    if not current:
        raise OperationRefused(_("Traseul nu așteaptă la niciun pas: nu are unde primi variabila."))
    old = current[0].data.get(name)
    for task in current:
        task.data[name] = value
        if task.state == TaskState.ERROR and task.parent is not None:
            task.parent.data[name] = value  # a retry starts the failed element again from its parent's data
    _recorded(
        instance,
        actor,
        "set_variable",
        reason,
        _("Variabila „%(name)s” a fost schimbată de operator. Motiv: %(reason)s", name=name, reason=reason),
        variable=name,
        old=old,
        new=value,
    )
    instance.state = engine.dump_workflow(workflow)


def _element_types(instance: WorkflowInstance) -> dict[str, tuple[str, str]]:
    """bpmn id -> (element type, name) of the instance's version (top-level process)."""
    from app.workflow.runtime import _specs

    spec = _specs(instance.process_version).spec
    return {
        ts.bpmn_id: (type(ts).__name__, ts.bpmn_name or ts.bpmn_id)
        for ts in spec.task_specs.values()
        if getattr(ts, "bpmn_id", None)
    }


def _is_token_holder(element_type: str, task_spec) -> bool:
    if element_type == "IntermediateCatchEvent":
        return isinstance(getattr(task_spec, "event_definition", None), TimerEventDefinition)
    return element_type in TOKEN_HOLDERS


def movable_elements(instance: WorkflowInstance) -> list[tuple[str, str]]:
    """(bpmn id, name) of the elements a token can be moved to, for the console's choice."""
    from app.workflow.runtime import _specs

    spec = _specs(instance.process_version).spec
    return sorted(
        (ts.bpmn_id, ts.bpmn_name or ts.bpmn_id)
        for ts in spec.task_specs.values()
        if getattr(ts, "bpmn_id", None) and _is_token_holder(type(ts).__name__, ts)
    )


def move(instance: WorkflowInstance, actor, element_id: str, reason: str) -> None:
    """Put the route's token on `element_id`: back to an element it passed (that element runs again), or forward
    to one ahead on the same branch (the steps between are skipped, not run)."""
    reason = _reason(reason)
    _ensure_active(instance)
    from app.workflow.runtime import _specs

    spec = _specs(instance.process_version).spec
    target_spec = next(
        (ts for ts in spec.task_specs.values() if getattr(ts, "bpmn_id", None) == element_id), None
    )
    if target_spec is None:
        raise OperationRefused(
            _(
                "Elementul „%(id)s” nu există în versiunea %(v)d a traseului.",
                id=element_id,
                v=instance.process_version.version,
            )
        )
    kind = type(target_spec).__name__
    if not _is_token_holder(kind, target_spec):
        raise OperationRefused(
            _(
                "Elementul „%(id)s” (%(kind)s) nu poate ține documentul: alegeți o activitate sau un termen.",
                id=element_id,
                kind=kind,
            )
        )
    ctx, workflow = _load(instance)
    details = apply_move(workflow, element_id)
    if details["direction"] == "back":
        # The engine runs the element again under the same task id: the finished inbox row of its earlier run keeps
        # its history but gives the id up, so the new run gets a row of its own.
        for row in db.session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.task_guid == str(details["task"])
            )
        ):
            row.task_guid = str(uuid.uuid4())
        db.session.flush()
        details = {"direction": "back"}
    _recorded(
        instance,
        actor,
        "move",
        reason,
        _(
            "Documentul a fost mutat de operator la pasul „%(step)s”. Motiv: %(reason)s",
            step=target_spec.bpmn_name or element_id,
            reason=reason,
        ),
        element=element_id,
        **details,
    )
    incident = open_incident_of(instance.id)
    if incident is not None:
        resolve(incident, actor, f"move to {element_id}: {reason}")
    instance.status = InstanceStatus.RUNNING
    instance.error = None
    _run_and_save(ctx, workflow, actor, _("Mutare"))


def apply_move(workflow, element_id: str) -> dict:
    """Move the token in the engine (replay calls this too, with the same element): back to the latest task of the
    element the route passed (reset: it runs again), or forward along the branch (the steps between are completed
    without running). Returns what was done; raises OperationRefused when neither is possible."""
    tasks = [t for t in workflow.get_tasks() if getattr(t.task_spec, "bpmn_id", None) == element_id]
    passed = [t for t in tasks if t.state & (TaskState.COMPLETED | TaskState.ERROR | TaskState.READY)]
    ahead = [t for t in tasks if t.state & (TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE)]
    if passed:
        target = max(passed, key=lambda t: t.last_state_change)
        workflow.reset_from_task_id(target.id)
        return {"direction": "back", "task": target.id}
    if not ahead:
        raise OperationRefused(
            _("Documentul nu a trecut prin „%(id)s” și nici nu urmează să ajungă acolo.", id=element_id)
        )
    target = ahead[0]
    path = []
    node = target.parent
    while node is not None and not node.state & (TaskState.READY | TaskState.ERROR | TaskState.WAITING):
        path.append(node)
        node = node.parent
    if node is None:
        raise OperationRefused(
            _("Pasul „%(id)s” nu urmează pe ramura pe care se află documentul.", id=element_id)
        )
    skipped = [node, *reversed(path)]
    gateways = [t for t in skipped if "Gateway" in type(t.task_spec).__name__]
    if gateways:
        raise OperationRefused(
            _(
                "Între pasul curent și „%(id)s” este o decizie (%(gw)s): mutați documentul înaintea ei sau "
                "corectați traseul printr-o versiune nouă.",
                id=element_id,
                gw=gateways[0].task_spec.bpmn_id,
            )
        )
    skip_to(workflow, node, target)
    return {"direction": "forward", "skipped": [t.task_spec.bpmn_id for t in skipped if t.task_spec.bpmn_id]}


def skip_to(workflow, current, target) -> None:
    """Complete the tasks from `current` down to `target`'s parent without running them."""
    node = current
    while node is not target:
        if node.state == TaskState.ERROR:
            node._set_state(TaskState.READY)
        node.complete()
        node = next((c for c in node.children if c is target or target.is_descendant_of(c)), None)
        if node is None:
            break


def suspend(instance: WorkflowInstance, actor, reason: str) -> None:
    reason = _reason(reason)
    _ensure_active(instance)
    if instance.status == InstanceStatus.SUSPENDED:
        raise OperationRefused(_("Traseul este deja suspendat."))
    _recorded(
        instance,
        actor,
        "suspend",
        reason,
        _("Traseul a fost suspendat de operator. Motiv: %(reason)s", reason=reason),
        previous=instance.status,
    )
    instance.status = InstanceStatus.SUSPENDED


def resume(instance: WorkflowInstance, actor, reason: str) -> None:
    reason = _reason(reason)
    if instance.status != InstanceStatus.SUSPENDED:
        raise OperationRefused(_("Traseul nu este suspendat."))
    _recorded(
        instance,
        actor,
        "resume",
        reason,
        _("Traseul a fost reluat de operator. Motiv: %(reason)s", reason=reason),
    )
    instance.status = InstanceStatus.ERROR if open_incident_of(instance.id) else InstanceStatus.RUNNING


def cancel(instance: WorkflowInstance, actor, reason: str) -> None:
    """Stop the route for good; the document closes (clasat) with the reason as a note everyone sees."""
    reason = _reason(reason)
    _ensure_active(instance)
    message = _("Traseul documentului a fost anulat. Motiv: %(reason)s", reason=reason)
    _recorded(
        instance, actor, "cancel", reason, message, event="route_cancelled"
    )  # the citizen sees this one
    instance.status = InstanceStatus.CANCELLED
    instance.next_timer_at = None
    for task in db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.READY)
    ):
        task.status = TaskStatus.CANCELLED
    document = instance.document
    if not document.is_closed:
        for close in ON_CANCELLED:  # the registry closes the document with the visible note
            close(document, message)
    incident = open_incident_of(instance.id)
    if incident is not None:
        resolve(incident, actor, f"cancel: {reason}")


def task_by_guid(workflow, guid: str):
    return workflow.get_task_from_id(uuid.UUID(guid))

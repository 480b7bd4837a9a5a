"""Moving running documents to the current version of their route, where SpiffWorkflow's spec diff allows it.

`plan(process_id)` says, per running instance on an older version, whether it can move and, if not, why; it
also makes a trial migration (migrate, save, load again with the new version) so that "yes" is proven, not
guessed. `migrate(process_id)` applies the plan to the instances that can move, each in its own savepoint, with a
history entry on the document.

How (SpiffWorkflow 3.2, `SpiffWorkflow.bpmn.util.diff`): `diff_workflow` aligns the old version's task specs with
the new one's (by BPMN id, then by structure) and lists the instance's tasks whose element was removed or changed;
`migrate_workflow` points every task at its new spec and resets the waiting user tasks, which the engine then
predicts again from the new diagram. Refused:

* the document waits at an element the new version removes (there is nowhere to put it);
* the document already passed an element the new version removes (the engine state would name an element the
  new version does not know);
* a subprocess it runs was removed or no longer matches;
* the trial migration fails for any other reason (reported with the engine's message).

Timers: a timer the document waits on keeps its due time, unless the timer's own definition changed: then it is
evaluated again from the moment of migration (reported per instance)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from app.audit.log import record
from app.extensions import db
from app.workflow import engine
from app.workflow.models import (
    HistoryEntry,
    HumanTask,
    InstanceStatus,
    ProcessVersion,
    TaskStatus,
    WorkflowInstance,
)
from app.workflow.ownership import current_for

# Audit action of a document moved to another version of its route (replay reads it to switch diagrams).
ROUTE_MIGRATED = "route_migrated"


@dataclass
class InstancePlan:
    instance_id: int
    document_id: int
    document_label: str
    from_version: int
    to_version: int
    reasons: list[str] = field(default_factory=list)  # why it cannot move; empty = it can
    notes: list[str] = field(default_factory=list)  # what moving changes (timers restarted, steps redone)
    migrated: bool = False

    @property
    def can_migrate(self) -> bool:
        return not self.reasons


def _label(task) -> str:
    spec = task.task_spec
    return f"{spec.bpmn_id} ({spec.bpmn_name})" if spec.bpmn_name else str(spec.bpmn_id)


def _running_on_old_versions(
    process_id: str, institution_id: int | None = None, lock: bool = False, templates_only: bool = False
):
    """(instance, target version) for every running document not on its institution's current version; only one
    institution's documents when `institution_id` is given (an analyst moves only their own)."""
    query = (
        select(WorkflowInstance)
        .join(ProcessVersion, ProcessVersion.id == WorkflowInstance.process_version_id)
        .where(
            ProcessVersion.process_id == process_id,
            # a document stopped by an incident moves too: a new version is how a broken script gets fixed
            WorkflowInstance.status.in_([InstanceStatus.RUNNING, InstanceStatus.ERROR]),
        )
        .order_by(WorkflowInstance.id)
    )
    if institution_id is not None:
        query = query.where(WorkflowInstance.document.has(institution_id=institution_id))
    if lock:
        query = query.with_for_update(of=WorkflowInstance, skip_locked=True)
    targets: dict = {}
    pairs = []
    for instance in db.session.scalars(query).all():
        owner = instance.document.institution_id
        if owner not in targets:
            targets[owner] = current_for(process_id, owner)
        target = targets[owner]
        if templates_only and (target is None or target.institution_id is not None):
            continue  # the platform administrator moves only documents that run on the templates
        if target is not None and target.id != instance.process_version_id:
            pairs.append((instance, target))
    return pairs


def current_version_of(process_id: str, institution_id: int | None = None) -> ProcessVersion | None:
    """The institution's current version (its own, else the template); the template's when None."""
    return current_for(process_id, institution_id)


def _specs(version: ProcessVersion) -> engine.ProcessSpecs:
    return engine.specs_for(version.id, version.content_hash, version.process_id, version.bpmn_xml)


def _try(instance: WorkflowInstance, current: ProcessVersion, script_engine) -> tuple[InstancePlan, object]:
    """The plan for one instance and, when it can move, the migrated (not yet saved) workflow."""
    document = instance.document
    plan = InstancePlan(
        instance.id,
        document.id,
        document.registration_label or document.public_id[:8],
        instance.process_version.version,
        current.version,
    )
    old_specs, new_specs = _specs(instance.process_version), _specs(current)
    try:
        workflow = engine.load_workflow(instance.state, old_specs, script_engine)
    except Exception as exc:  # a state the engine cannot read: nothing to migrate safely
        plan.reasons.append(f"the engine cannot read this document's state ({type(exc).__name__}: {exc})")
        return plan, None
    top, sub_diffs = diff_workflow(
        engine.SERIALIZER.registry, workflow, new_specs.spec, new_specs.subprocess_specs
    )
    unfinished = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
    for task in top.removed:
        if getattr(task.task_spec, "bpmn_id", None) is None:
            continue
        if task.state & unfinished:
            plan.reasons.append(f"it waits at {_label(task)}, which version {current.version} removes")
        elif task.state & TaskState.COMPLETED:
            plan.reasons.append(f"it already passed {_label(task)}, which version {current.version} removes")
    # The saved state keeps only the live part of the route (engine.prune_past): the elements passed before it are
    # known from the history, which keeps every step.
    in_state = {getattr(t.task_spec, "bpmn_id", None) for t in workflow.tasks.values()}
    new_ids = {getattr(spec, "bpmn_id", None) for spec in new_specs.spec.task_specs.values()}
    old_by_id = {
        spec.bpmn_id: spec for spec in old_specs.spec.task_specs.values() if getattr(spec, "bpmn_id", None)
    }
    passed = db.session.scalars(
        select(HistoryEntry.bpmn_id)
        .where(HistoryEntry.instance_id == instance.id, HistoryEntry.bpmn_id.is_not(None))
        .distinct()
    )
    for bpmn_id in sorted(set(passed) - in_state - new_ids):
        spec = old_by_id.get(bpmn_id)
        if spec is not None:
            label = f"{spec.bpmn_id} ({spec.bpmn_name})" if spec.bpmn_name else str(spec.bpmn_id)
            plan.reasons.append(f"it already passed {label}, which version {current.version} removes")
    for sp_id, sub_diff in sub_diffs.items():
        if sub_diff is None:
            name = workflow.subprocesses[sp_id].spec.name
            plan.reasons.append(f"it runs subprocess {name}, which version {current.version} removes")
        elif sub_diff.removed:
            names = ", ".join(sorted({_label(t) for t in sub_diff.removed if t.task_spec.bpmn_id}))
            plan.reasons.append(f"a subprocess it runs lost elements it uses: {names}")
    if plan.reasons:
        return plan, None
    changed_waiting = [t for t in top.changed if t.state & TaskState.WAITING]
    for task in changed_waiting:
        plan.notes.append(f"timer/event {_label(task)} changed: it is evaluated again from now")
    for task in top.changed:
        if task.state & TaskState.READY and task.task_spec.bpmn_id:
            plan.notes.append(
                f"the waiting step {_label(task)} changed: it continues with its new definition"
            )
    try:
        _apply(workflow, new_specs, top, sub_diffs)
        # Proof: the migrated state must load with the new version alone.
        engine.load_workflow(engine.dump_workflow(workflow), new_specs, script_engine)
    except Exception as exc:
        plan.reasons.append(f"the engine cannot move it ({type(exc).__name__}: {str(exc).splitlines()[0]})")
        return plan, None
    return plan, workflow


def _apply(workflow, new_specs: engine.ProcessSpecs, top, sub_diffs) -> None:
    changed_waiting = [t for t in top.changed if t.state & TaskState.WAITING]
    migrate_workflow(top, workflow, new_specs.spec, reset_mask=TaskState.READY)
    for task in changed_waiting:
        if task.id in workflow.tasks:
            task.reset_branch(None)
    for sp_id, sub_diff in sub_diffs.items():
        subprocess = workflow.subprocesses[sp_id]
        migrate_workflow(sub_diff, subprocess, new_specs.subprocess_specs[subprocess.spec.name])


def apply_migration(workflow, new_version: ProcessVersion) -> None:
    """Point an engine workflow at `new_version` the way `migrate` does (replay repeats a recorded migration)."""
    new_specs = _specs(new_version)
    top, sub_diffs = diff_workflow(
        engine.SERIALIZER.registry, workflow, new_specs.spec, new_specs.subprocess_specs
    )
    _apply(workflow, new_specs, top, sub_diffs)


def plan(
    process_id: str, institution_id: int | None = None, templates_only: bool = False
) -> list[InstancePlan]:
    """Per running document on an older version: can it move to the current version, and if not, why."""
    from app.workflow.runtime import RunContext, _script_engine

    if current_version_of(process_id, institution_id) is None:
        raise LookupError(f"process {process_id} is not deployed")
    plans = []
    for instance, current in _running_on_old_versions(
        process_id, institution_id, templates_only=templates_only
    ):
        outcome, _workflow = _try(
            instance, current, _script_engine(RunContext(instance.document, None, instance))
        )
        plans.append(outcome)
    return plans


def migrate(
    process_id: str,
    actor=None,
    dry_run: bool = False,
    institution_id: int | None = None,
    templates_only: bool = False,
) -> list[InstancePlan]:
    """Move every running document that can move; the others stay on their version (see each plan's reasons).
    Works in the caller's transaction (the caller commits); each instance in its own savepoint."""
    from app.workflow import runtime

    if dry_run:
        return plan(process_id, institution_id, templates_only)
    if current_version_of(process_id, institution_id) is None:
        raise LookupError(f"process {process_id} is not deployed")
    plans = []
    for instance, current in _running_on_old_versions(
        process_id, institution_id, lock=True, templates_only=templates_only
    ):
        ctx = runtime.RunContext(instance.document, actor, instance)
        outcome, workflow = _try(instance, current, runtime._script_engine(ctx))
        plans.append(outcome)
        if workflow is None:
            continue
        with db.session.begin_nested():
            old = instance.process_version
            old_version = old.version
            instance.process_version_id = current.id
            instance.process_version = current
            db.session.add(
                HistoryEntry(
                    document_id=instance.document_id,
                    instance_id=instance.id,
                    actor_id=actor.id if actor is not None else None,
                    event="route_migrated",
                    message=f"Traseul documentului a trecut de la versiunea {old_version} "
                    f"la versiunea {current.version}.",
                    data={
                        "de_la": old_version,
                        "la": current.version,
                        "de_la_id": old.id,
                        "la_id": current.id,
                        "note": outcome.notes,
                    },
                )
            )
            record(
                ROUTE_MIGRATED,
                actor=actor,
                document=instance.document,
                target=f"{process_id} v{old_version} -> v{current.version}",
                data={
                    "process_id": process_id,
                    "from_version": old_version,
                    "to_version": current.version,
                    "from_hash": old.content_hash,
                    "to_hash": current.content_hash,
                    "notes": outcome.notes,
                },
            )
            before = runtime._completed_ids(workflow)
            runtime._run_engine(workflow.do_engine_steps, "migration")
            runtime._record_engine_steps(ctx, workflow, before)
            runtime._save(ctx, workflow)
            _refresh_task_rows(instance, workflow)
            db.session.flush()
        outcome.migrated = True
    return plans


def _refresh_task_rows(instance: WorkflowInstance, workflow) -> None:
    """Open task rows take the new definition of their step (name, form, instructions)."""
    for row in db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.READY)
    ):
        task = workflow.get_task_from_id(uuid.UUID(row.task_guid))
        if task is None:
            continue
        spec = task.task_spec
        properties = spec.extensions.get("properties", {}) or {}
        row.name = spec.bpmn_name or spec.bpmn_id
        row.form_file = properties.get("formJsonSchemaFilename")
        row.ui_form_file = properties.get("formUiSchemaFilename")
        row.instructions = spec.extensions.get("instructionsForEndUser")

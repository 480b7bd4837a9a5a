"""Replay: run a document's pinned process version again, from the start, with the inputs its history recorded,
and compare the path and the final data with what happened.

Nothing is written. The script helpers are replaced by stand-ins without side effects: `register_document` returns
the number the document got, `issue_answer` the answer it got, `close_document`, `remind` and `mark_overdue` only
note that they were called. The inputs are the data of each completed user task, in order; a timer that fired is
fired again at the same point of the path. Each input is also compared with the sealed audit entry of the same
completion, so history data edited in the database shows even when the path stays the same."""

import json
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from app.audit.chain import json_safe
from app.audit.log import REGISTRATION, TASK_COMPLETED
from app.audit.models import AuditEntry
from app.dates import as_utc, now_utc
from app.extensions import db
from app.registry.models import Document
from app.workflow import engine
from app.workflow.models import HistoryEntry, WorkflowInstance
from app.workflow.sandbox import make_script_engine
from app.workflow.script_helpers import replay_stand_ins

PATH_EVENTS = ("task_completed", "automatic")
# What operators and migrations did to the route (app/workflow/operations.py, migration.py): replay does the same
# at the same point of the path. Incidents only say that a run failed there (replay expects the same failure).
ROUTE_EVENTS = ("route_migrated", "operation", "route_cancelled")


@dataclass
class StandIns:
    """Side-effect-free replacements for the vetted helpers, bound to one document. Each package registers the
    replay stand-in beside its helper (app/workflow/script_helpers.py, `replay=`); this object is their state.

    Helpers that change something get a stand-in returning what the real run recorded; the read-only route helpers
    (dates, deadlines, registry lookups, app/workflow/builtin_helpers.py) run for real against a detached copy of
    the document, at the recorded moment of each step. A helper with no stand-in refuses to run, so replay can
    never have a side effect: the divergence then names it."""

    document: Document
    calls: list[tuple[str, tuple]] = field(default_factory=list)
    closed_as: str | None = None
    moment: datetime | None = None  # when the step being replayed happened
    actor: str | None = None  # username of whoever did it
    copy: SimpleNamespace = field(default_factory=SimpleNamespace)

    def __post_init__(self):
        d = self.document
        self.copy = SimpleNamespace(
            id=d.id,
            institution_id=d.institution_id,
            registered_at=None,
            deadline_at=None,
            registration_label="",
            subject=d.subject,
            sender_name=d.sender_name,
            department_code=None,
        )

    def answer_id(self) -> str | None:
        answer = self.document.answer()
        return answer.public_id if answer else None

    def registration_deadline(self) -> datetime | None:
        entry = db.session.scalar(
            select(AuditEntry)
            .where(AuditEntry.document_id == self.document.id, AuditEntry.action == REGISTRATION)
            .order_by(AuditEntry.seq)
            .limit(1)
        )
        value = (entry.data or {}).get("deadline_at") if entry else None
        return datetime.fromisoformat(value) if isinstance(value, str) else None

    def helpers(self) -> dict:
        helpers = replay_stand_ins(self)  # each registered beside its helper, by the package owning it
        route = _route_helpers(self)
        for name, function in route.items():
            helpers.setdefault(name, function)
        for name in _production_helper_names(self.document):
            if name not in helpers:
                helpers[name] = _refusing(name)
        return helpers


def _refusing(name: str):
    def refuse(*_args, **_kwargs):
        raise RuntimeError(
            f"the helper {name} has no side-effect-free stand-in for replay (app/auditors/replay.py)"
        )

    return refuse


def _production_helper_names(document: Document) -> list[str]:
    """The names scripts can call in production: binding them has no effect (they only run when called)."""
    from app.workflow.script_helpers import helper_names

    return sorted(helper_names())


def _route_helpers(stand_ins: "StandIns") -> dict:
    try:
        from app.workflow.builtin_helpers import DatabaseEnv, bind_route_helpers
    except ImportError:
        return {}

    class ReplayEnv(DatabaseEnv):
        """Reads what production reads (the document type, staff of a department), writes nothing, and tells the
        time of the step being replayed."""

        def __init__(self):
            self.ctx = None
            self.document = stand_ins.copy
            self.real = stand_ins.document

        def now(self) -> datetime:
            return as_utc(stand_ins.moment) if stand_ins.moment else now_utc()

        def working_days_default(self) -> bool:
            return bool(self.real.document_type.deadline_working_days)

        def type_code(self) -> str:
            return self.real.document_type.code

        def department_code(self) -> str | None:
            return stand_ins.copy.department_code

        def deadline_moved(self, old, new, reason, message) -> None:
            stand_ins.calls.append(("deadline_moved", (str(old), str(new), reason)))

    return bind_route_helpers(ReplayEnv())


@dataclass
class ReplayResult:
    verified: bool
    process: str
    recorded_path: list[str]
    replayed_path: list[str]
    divergence: str | None = None
    # Index (0-based) in the recorded path of the first step that differs; None when the path matches.
    divergence_step: int | None = None
    data_differences: dict = field(default_factory=dict)
    input_mismatches: list[str] = field(default_factory=list)
    helper_calls: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)  # the versions the route ran on, in order

    def as_dict(self) -> dict:
        return {
            "verified": self.verified,
            "process": self.process,
            "recorded_path": self.recorded_path,
            "replayed_path": self.replayed_path,
            "divergence": self.divergence,
            "divergence_step": self.divergence_step,
            "data_differences": self.data_differences,
            "input_mismatches": self.input_mismatches,
            "helper_calls": self.helper_calls,
            "versions": self.versions,
        }

    def summary(self) -> str:
        if self.verified:
            return f"replay verified: {len(self.replayed_path)} steps, same path and same final data"
        return f"replay diverges: {self.divergence}"


def recorded_path(document: Document) -> list[HistoryEntry]:
    return list(
        db.session.scalars(
            select(HistoryEntry)
            .where(
                HistoryEntry.document_id == document.id,
                HistoryEntry.bpmn_id.is_not(None),
                HistoryEntry.event.in_(PATH_EVENTS),
            )
            .order_by(HistoryEntry.at, HistoryEntry.id)
        )
    )


def route_data(workflow) -> dict:
    """The route's data now: the whole workflow's when it ended, else that of the tasks still open."""
    if workflow.is_completed():
        data = dict(workflow.data)
    else:
        data = {}
        open_tasks = [
            t
            for t in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
            if getattr(t.task_spec, "bpmn_id", None) is not None
        ]
        for task in sorted(open_tasks, key=lambda t: t.last_state_change):
            data.update(task.data)
    data.pop("data_objects", None)
    return json_safe(data)


def _differences(recorded: dict, replayed: dict) -> dict:
    keys = sorted(set(recorded) | set(replayed))
    return {
        k: {"recorded": recorded.get(k), "replayed": replayed.get(k)}
        for k in keys
        if recorded.get(k) != replayed.get(k)
    }


def _completed_since(workflow, before: set, first=None) -> list:
    done = [
        t
        for t in workflow.get_tasks(state=TaskState.COMPLETED)
        if t.id not in before and getattr(t.task_spec, "bpmn_id", None) is not None and t is not first
    ]
    ordered = sorted(done, key=lambda t: t.last_state_change)
    return ([first] if first is not None else []) + ordered


def _sealed_inputs(document: Document) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.document_id == document.id, AuditEntry.action == TASK_COMPLETED)
            .order_by(AuditEntry.seq)
        )
    )


def _check_inputs(path: list[HistoryEntry], sealed: list[AuditEntry]) -> list[str]:
    """Each recorded input against the hash-chained audit entry written in the same transaction."""
    inputs = [h for h in path if h.event == "task_completed"]
    problems = []
    if sealed and len(sealed) != len(inputs):
        problems.append(
            f"the history has {len(inputs)} completed steps, the audit log {len(sealed)} (rows added or removed)"
        )
    for entry, audit in zip(inputs, sealed, strict=False):
        submitted = (audit.data or {}).get("submitted")
        if audit.bpmn_id != entry.bpmn_id or json_safe(entry.data or {}) != json_safe(submitted or {}):
            problems.append(
                f"history step {entry.id} ({entry.bpmn_id}, {entry.at:%d.%m.%Y %H:%M}) differs from audit entry "
                f"#{audit.seq}: {json.dumps(_differences(submitted or {}, entry.data or {}), ensure_ascii=False)}"
            )
    return problems


def _route_events(document: Document) -> list[HistoryEntry]:
    return list(
        db.session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.document_id == document.id, HistoryEntry.event.in_(ROUTE_EVENTS))
            .order_by(HistoryEntry.at, HistoryEntry.id)
        )
    )


def _incident_count(document: Document) -> int:
    return len(
        db.session.scalars(
            select(HistoryEntry.id).where(
                HistoryEntry.document_id == document.id, HistoryEntry.event == "incident"
            )
        ).all()
    )


def _version_of(process_id: str, data: dict, id_key: str, number_key: str):
    from app.workflow.models import ProcessVersion

    if data.get(id_key):
        found = db.session.get(ProcessVersion, data[id_key])
        if found is not None:
            return found
    return db.session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.process_id == process_id, ProcessVersion.version == data.get(number_key)
        )
    )


def _specs_of(version):
    return engine.specs_for(version.id, version.content_hash, version.process_id, version.bpmn_xml)


def replay_document(document: Document) -> ReplayResult:
    from app.workflow.migration import apply_migration
    from app.workflow.operations import apply_move

    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    if instance is None:
        return ReplayResult(False, "", [], [], divergence="the document has no route")
    final_version = instance.process_version
    events = _route_events(document)
    migrations = [e for e in events if e.event == "route_migrated"]
    # Each step runs on the version it ran on: from the version the document started on, switching where the
    # history records a migration.
    version = (
        _version_of(final_version.process_id, migrations[0].data or {}, "de_la_id", "de_la")
        if migrations
        else None
    ) or final_version
    specs = _specs_of(version)
    stand_ins = StandIns(document)
    script_engine = make_script_engine(stand_ins.helpers())
    path = recorded_path(document)
    recorded = [h.bpmn_id for h in path]
    result = ReplayResult(False, f"{version.process_id} v{version.version}", recorded, [])
    result.versions = [f"{version.process_id} v{version.version}"]
    result.input_mismatches = _check_inputs(path, _sealed_inputs(document))
    failures_allowed = _incident_count(document)

    def guarded(step) -> None:
        """Run engine code; a failure is expected where the history records an incident (and only as often)."""
        nonlocal failures_allowed
        try:
            step()
        except Exception:
            if failures_allowed <= 0:
                raise
            failures_allowed -= 1

    def apply(event: HistoryEntry) -> list[str]:
        """Do what the operator or migration did; the elements it completed."""
        data = event.data or {}
        stand_ins.moment = event.at
        before = {t.id for t in workflow.get_tasks(state=TaskState.COMPLETED)}
        if event.event == "route_migrated":
            target = _version_of(final_version.process_id, data, "la_id", "la")
            apply_migration(workflow, target)
            result.versions.append(f"{target.process_id} v{target.version}")
        elif data.get("action") == "retry":
            for task in workflow.get_tasks(state=TaskState.ERROR):
                workflow.reset_from_task_id(task.id)
        elif data.get("action") == "set_variable":
            for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.ERROR):
                if getattr(task.task_spec, "bpmn_id", None):
                    task.data[data["variable"]] = data.get("new")
                    if task.state == TaskState.ERROR and task.parent is not None:
                        task.parent.data[data["variable"]] = data.get("new")
            return []
        elif data.get("action") == "move":
            apply_move(workflow, data["element"])
        else:  # suspend, resume, cancel: the engine state does not change
            return []
        guarded(workflow.do_engine_steps)
        return [t.task_spec.bpmn_id for t in _completed_since(workflow, before)]

    def diverge(step: int, message: str) -> ReplayResult:
        result.divergence_step = step
        result.divergence = message
        result.helper_calls = [f"{name}{args!r}" for name, args in stand_ins.calls]
        return result

    replayed: list[str] = []
    pending = list(events)
    try:
        stand_ins.moment = path[0].at if path else None
        workflow = engine.new_workflow(specs, script_engine)
        guarded(workflow.do_engine_steps)
        replayed += [t.task_spec.bpmn_id for t in _completed_since(workflow, set())]
        for index, entry in enumerate(path):
            while pending and (pending[0].at, pending[0].id) < (entry.at, entry.id):
                replayed += apply(pending.pop(0))
            if index == len(replayed):
                before = {t.id for t in workflow.get_tasks(state=TaskState.COMPLETED)}
                stand_ins.moment = entry.at
                stand_ins.actor = entry.actor.username if entry.actor else None
                if entry.event == "task_completed":
                    ready = [
                        t
                        for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                        if t.task_spec.bpmn_id == entry.bpmn_id
                    ]
                    if not ready:
                        waiting = sorted(
                            t.task_spec.bpmn_id
                            for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                        )
                        result.replayed_path = replayed
                        return diverge(
                            index,
                            f"step {index + 1}: the history records “{entry.element_name or entry.bpmn_id}” "
                            f"({entry.bpmn_id}), but the replayed route waits at {', '.join(waiting) or 'nothing'}",
                        )
                    task = ready[0]
                    task.data.update(entry.data or {})

                    def run_step(task=task):
                        task.run()
                        workflow.do_engine_steps()

                    guarded(run_step)
                    replayed += [t.task_spec.bpmn_id for t in _completed_since(workflow, before, first=task)]
                else:
                    timers = [
                        t
                        for t in workflow.get_tasks(state=TaskState.WAITING)
                        if t.task_spec.bpmn_id == entry.bpmn_id
                        and isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)
                    ]
                    if not timers:
                        result.replayed_path = replayed
                        return diverge(
                            index,
                            f"step {index + 1}: the history records the automatic step {entry.bpmn_id}, which "
                            "the replayed route does not reach",
                        )
                    for timer in timers[:1]:
                        timer._set_internal_data(event_fired=True)
                        timer.task_spec._update(timer)
                    guarded(workflow.do_engine_steps)
                    replayed += [t.task_spec.bpmn_id for t in _completed_since(workflow, before)]
            if replayed[index] != entry.bpmn_id:
                result.replayed_path = replayed
                return diverge(
                    index,
                    f"step {index + 1}: the history records {entry.bpmn_id}, the replay reached "
                    f"{replayed[index]}",
                )
        while pending:
            replayed += apply(pending.pop(0))
    except Exception as exc:  # a script failing in replay is a divergence, never a crash of the audit page
        result.replayed_path = replayed
        return diverge(len(replayed), f"the replayed route failed after {len(replayed)} steps: {exc}")

    result.replayed_path = replayed
    if len(replayed) > len(path):
        return diverge(
            len(path),
            f"the replay went further than the history: {', '.join(replayed[len(path) :])} "
            "(history rows missing at the end?)",
        )
    stored = engine.load_workflow(instance.state, _specs_of(final_version), script_engine)
    result.data_differences = _differences(route_data(stored), route_data(workflow))
    result.helper_calls = [f"{name}{args!r}" for name, args in stand_ins.calls]
    if result.data_differences:
        result.divergence = "the final data differs: " + ", ".join(result.data_differences)
        result.divergence_step = len(path)
        return result
    stored_ready = sorted(t.task_spec.bpmn_id for t in stored.get_tasks(state=TaskState.READY, manual=True))
    replay_ready = sorted(t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True))
    if stored_ready != replay_ready or stored.is_completed() != workflow.is_completed():
        result.divergence = (
            f"the route now waits at {', '.join(stored_ready) or 'nothing'}, "
            f"the replay at {', '.join(replay_ready) or 'nothing'}"
        )
        result.divergence_step = len(path)
        return result
    if document.is_closed and stand_ins.closed_as != document.status:
        result.divergence = (
            f"the document is {document.status}, the replay closed it as {stand_ins.closed_as}"
        )
        result.divergence_step = len(path)
        return result
    if result.input_mismatches:
        result.divergence = "recorded inputs differ from the audit log: " + "; ".join(result.input_mismatches)
        return result
    result.verified = True
    return result

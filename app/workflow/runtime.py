"""Running documents' routes: start, complete, claim, release, wake timers.

Every function works inside the caller's database transaction: the engine state, the task projection, the
history and the domain change of one user action are committed together or not at all."""

import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, wraps
from typing import Any

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, insert, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.dates import as_utc, format_datetime, now_utc
from app.extensions import db
from app.forms import FormDefinition, validate_submission
from app.forms.model import OPTIONS_KEY
from app.identity.delegation import active_principals
from app.identity.models import Department, Institution, Membership, Role, User
from app.identity.roles import SUBMITTER_LANE
from app.workflow import candidates, engine, rework
from app.workflow import trail as audit
from app.workflow.deploy import form_definition
from app.workflow.incidents import run_or_incident
from app.workflow.models import (
    HistoryEntry,
    HumanTask,
    InstanceStatus,
    ProcessVersion,
    TaskStatus,
    WorkflowInstance,
)
from app.workflow.sandbox import ScriptLimitExceeded, ScriptRejected, make_script_engine
from app.workflow.script_helpers import bind_helpers


class RouteError(Exception):
    """The route itself failed (a script error, a broken diagram): nothing is saved."""


class TaskUnavailable(Exception):
    """Completed, cancelled or claimed by someone else in the meantime."""


class NotCandidate(Exception):
    pass


class FormInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(str(errors))


# Checks other packages register to refuse completing a task (each raises, e.g. FormInvalid, to refuse).
COMPLETION_CHECKS: list = []
# Called with the run's document when the route waits for people (the registry marks it in progress).
TASKS_READY: list = []


@dataclass
class RunContext:
    """What the vetted script helpers may touch during one engine run.

    The engine knows the document by its business key and scope only (id, institution, department, deadline,
    submitter, type): the registry's row, which the engine reads and never imports."""

    document: Any
    actor: User | None
    instance: WorkflowInstance | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    new_tasks: list[HumanTask] = field(default_factory=list)
    audit_snapshot: dict = field(default_factory=dict)

    def __post_init__(self):
        self.audit_snapshot = audit.snapshot(self.document)


def _script_engine(ctx: RunContext):
    from app.workflow.incidents import guard_scripts

    return guard_scripts(make_script_engine(bind_helpers(ctx)))


def current_version(process_id: str, institution_id: int | None = None) -> ProcessVersion:
    """The institution's own current version of the route, else the platform template's (app/workflow/ownership)."""
    from app.workflow.ownership import current_for

    version = current_for(process_id, institution_id)
    if version is None:
        raise RouteError(f"process {process_id} is not deployed")
    return version


def _specs(version: ProcessVersion) -> engine.ProcessSpecs:
    return engine.version_specs(version)


# --- who may do a task -------------------------------------------------------------------------------------


def candidate_clause(user: User):
    """SQL condition: tasks this user may see and do: their own, and those of colleagues they stand in for
    today in that colleague's institution (app/identity/delegation.py), built from their memberships
    (app/workflow/candidates.py) so the partial indexes on ready tasks answer it."""
    return candidates.candidate_clause(user.id)


Scope = tuple[str, int, int | None]  # (role code, institution id, department id or None = institution-wide)


@dataclass(frozen=True)
class Standing:
    """What decides which tasks a user may do, read once: their role scopes, and each colleague they stand in for
    today with that colleague's scopes in the delegation's institution."""

    user_id: int
    scopes: tuple[Scope, ...]

    @cached_property
    def principals(self) -> tuple[tuple[int, int, tuple[Scope, ...]], ...]:
        """Read on first need: a user's own open task (the usual case) is settled by their own scopes."""
        return tuple(
            (principal_id, institution_id, tuple(candidates.role_scopes(principal_id, institution_id)))
            for principal_id, institution_id in active_principals(self.user_id)
        )


# Within one action (a completion and the checks before it) the standing is read once; outside, every call reads
# it afresh, so a delegation made a moment ago counts at once.
_standing_scope: ContextVar[dict | None] = ContextVar("standing_scope", default=None)


@contextmanager
def one_standing():
    """Read each user's standing at most once inside the block: the check before a completion, the completion's
    own checks and the deputy lookup used to query memberships and delegations four times."""
    if _standing_scope.get() is not None:
        yield
        return
    token = _standing_scope.set({})
    try:
        yield
    finally:
        _standing_scope.reset(token)


def _reads_standing_once(action):
    @wraps(action)
    def wrapper(*args, **kwargs):
        with one_standing():
            return action(*args, **kwargs)

    return wrapper


def _loaded_scopes(user: User | None) -> tuple[Scope, ...] | None:
    """The user's role scopes from memberships already loaded with the user (an API token's lookup loads them),
    else None (read them)."""
    if hasattr(user, "_get_current_object"):
        user = user._get_current_object()  # current_user
    state = sa_inspect(user, raiseerr=False) if user is not None else None
    if state is None or "memberships" in state.unloaded:
        return None
    return tuple((m.role.code, m.institution_id, m.department_id) for m in user.memberships)


def standing(user_id: int, user: User | None = None) -> Standing:
    """`user`: the user object when the caller has it, so memberships loaded with it are not read again."""
    cache = _standing_scope.get()
    found = cache.get(user_id) if cache is not None else None
    if found is None:
        scopes = _loaded_scopes(user)
        found = Standing(user_id, scopes if scopes is not None else tuple(candidates.role_scopes(user_id)))
        if cache is not None:
            cache[user_id] = found
    return found


def _own(task: HumanTask, user_id: int, scopes, institution_id: int | None = None) -> bool:
    """The task is the user's own: assigned to them, claimed by them, or unassigned and their role's in place.
    The same rule as candidates.own_clause, on a loaded row."""
    if institution_id is not None and task.institution_id != institution_id:
        return False
    if task.assignee_id == user_id or task.claimed_by_id == user_id:
        return True
    if task.assignee_id is not None:
        return False
    return any(
        role == task.role_code
        and institution == task.institution_id
        and (department is None or task.department_id is None or task.department_id == department)
        for role, institution, department in scopes
    )


def _may_do(who: Standing, task: HumanTask) -> bool:
    return _own(task, who.user_id, who.scopes) or any(
        _own(task, principal_id, scopes, institution_id)
        for principal_id, institution_id, scopes in who.principals
    )


def acting_for(user: User, task: HumanTask) -> int | None:
    """The absent colleague's id when `user` may do `task` only as their deputy (or the colleague had claimed it);
    None when it is their own."""
    if task.claimed_by_id in (None, user.id) and user.id in (task.assignee_id, task.claimed_by_id):
        return None  # theirs by name, claimed by nobody else: their standing changes nothing (not read)
    who = standing(user.id, user)
    if task.claimed_by_id is None and _own(task, user.id, who.scopes):
        return None  # no colleague claimed it, and it is the user's own: no delegation to read
    for principal_id, institution_id, _scopes in who.principals:
        if task.claimed_by_id == principal_id and task.institution_id == institution_id:
            return principal_id
    if _own(task, user.id, who.scopes):
        return None
    for principal_id, institution_id, scopes in who.principals:
        if _own(task, principal_id, scopes, institution_id):
            return principal_id
    return None


def is_candidate(user: User, task: HumanTask) -> bool:
    if not user.is_authenticated:
        return False
    if user.id in (task.assignee_id, task.claimed_by_id):
        return True  # theirs by name (`_own`), whatever their roles and stand-ins: the standing is not read
    return _may_do(standing(user.id, user), task)


def _list_loads() -> tuple:
    """What a list shows of each task, loaded with it: document, people, the instance's process version (the
    instance only as its key, never its engine state: 11 KB a row, which no list shows)."""
    return (
        joinedload(HumanTask.document),
        joinedload(HumanTask.assignee),
        joinedload(HumanTask.claimed_by),
        joinedload(HumanTask.instance)
        .load_only(WorkflowInstance.id, WorkflowInstance.process_version_id, WorkflowInstance.lock_version)
        .selectinload(WorkflowInstance.process_version),
    )


def tasks_for(user: User, status: str = TaskStatus.READY):
    """The user's tasks, most urgent first (id last, so pages do not overlap), each with `_list_loads`."""
    return (
        select(HumanTask)
        .where(HumanTask.status == status, candidate_clause(user))
        .options(*_list_loads())
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id)
    )


def task_page(user: User, limit: int, offset: int) -> tuple[int, list[HumanTask]]:
    """(how many ready tasks the user may do, one page of them, most urgent first). Counted and paged over the
    candidate rows of the covering partial indexes (`candidates.candidate_rows`), then only the page's tasks are
    loaded, with `_list_loads`."""
    rows = candidates.candidate_rows(
        [HumanTask.id, HumanTask.due_at, HumanTask.created_at], user.id, status=TaskStatus.READY
    ).subquery()
    total = db.session.scalar(select(func.count()).select_from(rows)) or 0
    ids = list(
        db.session.scalars(
            select(rows.c.id)
            .order_by(rows.c.due_at.is_(None), rows.c.due_at, rows.c.created_at, rows.c.id)
            .limit(limit)
            .offset(offset)
        )
    )
    if not ids:
        return total, []
    position = {task_id: i for i, task_id in enumerate(ids)}
    tasks = db.session.scalars(
        select(HumanTask).where(HumanTask.id.in_(ids)).options(*_list_loads())
    ).unique()
    return total, sorted(tasks, key=lambda t: position[t.id])


# --- forms ----------------------------------------------------------------------------------------------------


def task_form(task: HumanTask) -> FormDefinition | None:
    return form_definition(task.instance.process_version, task.form_file, task.ui_form_file)


OPTION_SOURCES = ("departments", "department_officials", "institutions")


def form_options(document, sources=None) -> dict[str, list[tuple[str, str]]]:
    """Choices the forms' x-options name: departments of the institution, officials of the department, the other
    institutions of the platform; only the `sources` asked for (all by default). Each is read once per request
    and institution or department: a list of 50 tasks would otherwise ask the same queries 50 times."""
    wanted = OPTION_SOURCES if sources is None else [name for name in OPTION_SOURCES if name in sources]
    memo = g.setdefault("form_options", {}) if has_request_context() else {}
    result = {}
    for name in wanted:
        key = (name, document.department_id if name == "department_officials" else document.institution_id)
        if key not in memo:
            memo[key] = _OPTION_READERS[name](document)
        result[name] = list(memo[key])
    return result


def _departments(document) -> list[tuple[str, str]]:
    institution = document.institution
    if "departments" not in sa_inspect(institution).unloaded:
        return [(d.code, d.name) for d in institution.departments]
    # plain rows: the form needs codes and names, not objects
    return [
        (code, name)
        for code, name in db.session.execute(
            select(Department.code, Department.name)
            .where(Department.institution_id == institution.id)
            .order_by(Department.name)
        )
    ]


def _department_officials(document) -> list[tuple[str, str]]:
    if document.department_id is None:
        return []
    rows = db.session.execute(
        select(User.username, User.full_name)
        .join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id)
        .where(Role.code == "referent", Membership.department_id == document.department_id)
        .order_by(User.full_name)
    ).all()
    return [(username, name) for username, name in dict.fromkeys(rows)]


def _other_institutions(document) -> list[tuple[str, str]]:
    """Other institutions on the platform: where a document can be sent or forwarded."""
    return [
        (code, name)
        for code, name in db.session.execute(
            select(Institution.code, Institution.name)
            .where(Institution.id != document.institution_id)
            .order_by(Institution.name)
        )
    ]


_OPTION_READERS = {
    "departments": _departments,
    "department_officials": _department_officials,
    "institutions": _other_institutions,
}


def option_sources(form: FormDefinition) -> set[str]:
    """The runtime option lists ("x-options") a form's fields name."""
    sources = set()
    for prop in form.properties.values():
        for target in (prop, prop.get("items") if isinstance(prop, dict) else None):
            if isinstance(target, dict) and isinstance(target.get(OPTIONS_KEY), str):
                sources.add(target[OPTIONS_KEY])
    return sources


def task_data(task: HumanTask) -> dict:
    """The route's current data for a task (to prefill its form, e.g. a returned draft)."""
    workflow = engine.load_workflow(
        task.instance.state,
        _specs(task.instance.process_version),
        _script_engine(RunContext(task.document, None)),
    )
    spiff_task = workflow.get_task_from_id(uuid.UUID(task.task_guid))
    return dict(spiff_task.data) if spiff_task else {}


# --- running ----------------------------------------------------------------------------------------------------


def _completed_ids(workflow) -> set:
    return {t.id for t in workflow.get_tasks(state=TaskState.COMPLETED)}


def _bpmn_parent(task):
    parent = task.parent
    while parent is not None and getattr(parent.task_spec, "bpmn_id", None) is None:
        parent = parent.parent
    return parent.task_spec.bpmn_id if parent is not None else None


def _element_type(task_spec) -> str:
    return type(task_spec).__name__


def _record_engine_steps(ctx: RunContext, workflow, before: set, skip_id=None) -> None:
    """Append a history row for every BPMN element the engine completed since `before`, in execution order."""
    done = [
        t
        for t in workflow.get_tasks(state=TaskState.COMPLETED)
        if t.id not in before and t.id != skip_id and getattr(t.task_spec, "bpmn_id", None) is not None
    ]
    rows = [
        {
            "document_id": ctx.document.id,
            "instance_id": ctx.instance.id if ctx.instance else None,
            "actor_id": None,
            "event": "automatic",
            "bpmn_id": task.task_spec.bpmn_id,
            "element_name": task.task_spec.bpmn_name,
            "element_type": _element_type(task.task_spec),
            "previous_bpmn_id": _bpmn_parent(task),
        }
        for task in sorted(done, key=lambda t: t.last_state_change)
    ]
    if not rows:
        return
    if any(isinstance(pending, HistoryEntry) for pending in db.session.new):
        db.session.flush()  # rows the run added come first, as they happened
    # Plain rows in one INSERT, written now: no ORM object per step (`ctx.history` keeps unsaved ones for the audit)
    db.session.execute(insert(HistoryEntry.__table__), rows)
    ctx.history.extend(HistoryEntry(**row) for row in rows)


def _next_timer(workflow) -> datetime | None:
    moments = []
    for event in workflow.waiting_events():
        value = event.value
        if isinstance(value, dict):
            value = value.get("next")
        if isinstance(value, str):
            try:
                moments.append(as_utc(datetime.fromisoformat(value)))
            except ValueError:
                moments.append(now_utc())
    return min(moments, default=None)


def _resolve_assignee(document, spiff_task, lane: str | None) -> User | None:
    if lane == SUBMITTER_LANE:
        return document.submitter
    properties = spiff_task.task_spec.extensions.get("properties", {}) or {}
    variable = properties.get("assignee")
    if variable:
        username = spiff_task.data.get(variable)
        if isinstance(username, str):
            return db.session.scalar(select(User).where(User.username == username))
    return None


# An instance started in this engine session (start_and_complete) carries its task rows under this attribute:
# all of them, so the projection has nothing to read back.
FRESH_ROWS = "_fresh_task_rows"


def _sync_human_tasks(ctx: RunContext, workflow) -> None:
    """Project READY user tasks into human_tasks; tasks the route no longer waits for are cancelled."""
    instance, document = ctx.instance, ctx.document
    ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    fresh = getattr(instance, FRESH_ROWS, None)
    known, done = {}, set()
    if fresh is not None:
        # A route started in this engine session (start_and_complete): every row is in memory, none to read.
        for row in fresh:
            if row.status == TaskStatus.READY:
                known[row.task_guid] = row.id
            elif row.status == TaskStatus.COMPLETED:
                done.add(row.bpmn_id)
    else:
        # One read of the instance's open and done tasks, as plain rows: the open ones to project, the done ones
        # for the rework mark (a step the route comes back to). Read without flushing first: the run's history
        # and engine state are written with the new tasks in one flush. A task changed in this transaction and
        # not flushed yet (the one just completed) counts as it is in memory.
        in_session = db.session.identity_map
        with db.session.no_autoflush:
            rows = db.session.execute(
                select(HumanTask.id, HumanTask.task_guid, HumanTask.bpmn_id, HumanTask.status).where(
                    HumanTask.instance_id == instance.id,
                    HumanTask.status.in_((TaskStatus.READY, TaskStatus.COMPLETED)),
                )
            ).all()
            pending = [
                (None, t.task_guid, t.bpmn_id, t.status or TaskStatus.READY)
                for t in db.session.new
                if isinstance(t, HumanTask) and t.instance_id == instance.id
            ]
            for task_id, guid, bpmn_id, status in [*rows, *pending]:
                loaded = in_session.get(identity_key(HumanTask, task_id)) if task_id is not None else None
                if loaded is not None:
                    status = loaded.status
                if status == TaskStatus.READY:
                    known[guid] = task_id
                elif status == TaskStatus.COMPLETED:
                    done.add(bpmn_id)
    for guid, task_id in known.items():
        if guid not in ready:
            row = db.session.get(HumanTask, task_id) if task_id is not None else None
            row = row or next(t for t in db.session.new if isinstance(t, HumanTask) and t.task_guid == guid)
            row.status = TaskStatus.CANCELLED
    for guid, spiff_task in ready.items():
        if guid in known:
            continue
        spec = spiff_task.task_spec
        lane = getattr(spec, "lane", None)
        properties = spec.extensions.get("properties", {}) or {}
        assignee = _resolve_assignee(document, spiff_task, lane)
        role_code = None if lane == SUBMITTER_LANE else lane
        if lane == SUBMITTER_LANE and assignee is None:
            role_code = "registrator"  # paper submissions: the registry clerk acts for the sender
        row = HumanTask(
            instance_id=instance.id,
            document_id=document.id,
            task_guid=guid,
            bpmn_id=spec.bpmn_id,
            name=spec.bpmn_name or spec.bpmn_id,
            lane=lane,
            role_code=role_code,
            institution_id=document.institution_id,
            department_id=document.department_id,
            assignee_id=assignee.id if assignee else None,
            assignee=assignee,
            form_file=properties.get("formJsonSchemaFilename"),
            ui_form_file=properties.get("formUiSchemaFilename"),
            instructions=spec.extensions.get("instructionsForEndUser"),
            due_at=document.deadline_at,
        )
        row.returned, row.return_note = rework.rework_of(instance.id, spec.bpmn_id, spec.bpmn_id in done)
        if fresh is not None:
            fresh.append(row)
        db.session.add(row)
        ctx.new_tasks.append(row)
    if ready:
        for hook in TASKS_READY:
            hook(document)


def _save(ctx: RunContext, workflow) -> None:
    instance = ctx.instance
    instance.state = engine.save_state(workflow)
    instance.next_timer_at = _next_timer(workflow)
    if workflow.is_completed():
        instance.status = InstanceStatus.COMPLETE
        instance.next_timer_at = None
    _sync_human_tasks(ctx, workflow)
    audit.run_finished(ctx)


def _run_engine(step, what: str):
    """Run engine code; any failure of the route becomes a RouteError so the caller rolls back."""
    try:
        step()
    except (ScriptRejected, ScriptLimitExceeded) as exc:
        raise RouteError(f"{what}: {exc}") from exc
    except SpiffWorkflowException as exc:
        raise RouteError(f"{what}: {exc}") from exc


def _new_instance(document, actor: User | None, version: ProcessVersion | None):
    """(run context, new workflow, its instance row with an id, the version it runs)."""
    if version is None:
        version = current_version(document.document_type.process_id, document.institution_id)
    ctx = RunContext(document, actor)
    workflow = engine.new_workflow(_specs(version), _script_engine(ctx))
    instance = WorkflowInstance(document_id=document.id, process_version_id=version.id, state="")
    db.session.add(instance)
    db.session.flush()
    return ctx, workflow, instance, version


def start_route(document, actor: User | None, version: ProcessVersion | None = None) -> WorkflowInstance:
    """`version`: the route's current version when the caller has just looked it up (the submission form's)."""
    ctx, workflow, instance, version = _new_instance(document, actor, version)
    ctx.instance = instance
    audit.route_started(document, actor, version)
    before: set = set()
    run_or_incident(ctx, workflow, workflow.do_engine_steps, _("Pornirea traseului"), "script")
    _record_engine_steps(ctx, workflow, before)
    _save(ctx, workflow)
    db.session.flush()
    return instance


@_reads_standing_once
def start_and_complete(
    document,
    actor: User,
    bpmn_id: str,
    data: dict,
    extra_data: dict | None = None,
    version: ProcessVersion | None = None,
    assign_actor: bool = False,
) -> HumanTask:
    """Start the route and complete its first user task `bpmn_id` (the submitter's form) in the same engine
    session: a submission. The history, audit, projection and checks of start_route followed by complete_task,
    without what only a later action needs: the state between the two steps (overwritten at once), re-reading
    the task and locking an instance no other transaction can see yet. `assign_actor`: the actor does the step
    for the sender (paper at the desk). Returns the completed task."""
    ctx, workflow, instance, version = _new_instance(document, actor, version)
    setattr(instance, FRESH_ROWS, [])
    try:
        return _start_and_complete(
            ctx, workflow, instance, version, actor, bpmn_id, data, extra_data, assign_actor
        )
    finally:
        # Later actions read the rows: once this transaction commits, others may move the route.
        delattr(instance, FRESH_ROWS)


def _start_and_complete(ctx, workflow, instance, version, actor, bpmn_id, data, extra_data, assign_actor):
    ctx.instance = instance
    audit.route_started(ctx.document, actor, version)
    incident = run_or_incident(ctx, workflow, workflow.do_engine_steps, _("Pornirea traseului"), "script")
    _record_engine_steps(ctx, workflow, set())
    if incident is not None:
        _save(ctx, workflow)  # a broken start: its state and incident, exactly as start_route leaves them
        first = next((t for t in _ready_tasks(instance.id) if t.bpmn_id == bpmn_id), None)
        workflow = None
    else:
        # _save without the state: the completion below writes it.
        _sync_human_tasks(ctx, workflow)
        first = next((t for t in ctx.new_tasks if t.bpmn_id == bpmn_id), None)
        audit.run_finished(ctx)
    if first is None:
        raise LookupError("the route did not stop at its submission step")
    if assign_actor:
        first.assignee_id, first.assignee = actor.id, actor
    db.session.flush()  # the task's id, which its completion records
    return _complete(first, actor, data, extra_data, workflow)


def _ready_tasks(instance_id: int) -> list[HumanTask]:
    return list(
        db.session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.READY
            )
        )
    )


_LOCKED_TASKS = "workflow_locked_tasks"


def lock_task(task_id: int) -> HumanTask:
    """Lock the task's instance row (PostgreSQL: SELECT .. FOR UPDATE), then re-read the task: a second person
    completing the same task waits here and then sees it completed. The re-read brings the instance, its version
    and the document in the same statement: the step needs them all. Asked again in the same transaction (the
    API's check, then the action), the task is already locked and current: it is taken from the session."""
    transaction = db.session().get_transaction()
    held = db.session.info.get(_LOCKED_TASKS)
    if held is not None and held[0] is transaction and task_id in held[1]:
        return held[1][task_id]
    task = _lock_and_read(task_id)
    transaction = db.session().get_transaction()  # begun by the read when none was
    if held is None or held[0] is not transaction:
        held = db.session.info[_LOCKED_TASKS] = (transaction, {})
    held[1][task_id] = task  # a strong reference: the session's identity map holds objects weakly
    return task


def _lock_and_read(task_id: int) -> HumanTask:
    locked = db.session.execute(
        select(WorkflowInstance.id)
        .join(HumanTask, HumanTask.instance_id == WorkflowInstance.id)
        .where(HumanTask.id == task_id)
        .with_for_update(of=WorkflowInstance)
    ).first()
    if locked is None:
        raise TaskUnavailable(_("Sarcina nu există."))
    # the registry's document class, which the engine does not import
    document_class = HumanTask.document.property.mapper.class_
    return db.session.scalars(
        select(HumanTask)
        .where(HumanTask.id == task_id)
        .options(
            # the version without its diagram, forms and tables (tens of KB): parsed once per version
            # (`_specs`, `deploy.form_definition`), they are read only on the first use
            joinedload(HumanTask.instance)
            .joinedload(WorkflowInstance.process_version)
            .defer(ProcessVersion.bpmn_xml)
            .defer(ProcessVersion.forms)
            .defer(ProcessVersion.decisions)
            .defer(ProcessVersion.manifest)
            .defer(ProcessVersion.scenarios),
            # the institution too: the form's options, the messages' signature and the audit all name it
            joinedload(HumanTask.document).joinedload(document_class.institution),
        )
        .execution_options(populate_existing=True)
    ).one()


def _ensure_open(task: HumanTask, user: User) -> None:
    if task.status == TaskStatus.COMPLETED:
        who = task.completed_by.full_name if task.completed_by else _("altcineva")
        raise TaskUnavailable(
            _(
                "Sarcina a fost deja finalizată de %(who)s la %(when)s.",
                who=who,
                when=format_datetime(task.completed_at),
            )
        )
    if task.status != TaskStatus.READY:
        raise TaskUnavailable(_("Sarcina nu mai este activă: traseul documentului a mers mai departe."))
    if task.instance.status == InstanceStatus.SUSPENDED:
        raise TaskUnavailable(_("Traseul documentului este suspendat: sarcina așteaptă reluarea lui."))
    if not is_candidate(user, task):
        raise NotCandidate()
    if task.claimed_by_id not in (None, user.id, acting_for(user, task)):
        raise TaskUnavailable(_("Sarcina a fost preluată de %(who)s.", who=task.claimed_by.full_name))


@_reads_standing_once
def complete_task(task_id: int, user: User, data: dict, extra_data: dict | None = None) -> HumanTask:
    """Validate `data` against the task's form, complete the task and run the route to its next wait state.

    `extra_data` is route data the application adds beside the form (attachment references, for example)."""
    return _complete(lock_task(task_id), user, data, extra_data)


def _complete(
    task: HumanTask, user: User, data: dict, extra_data: dict | None = None, workflow=None
) -> HumanTask:
    """complete_task on a task already locked (or created in this transaction); `workflow`: the route as the
    caller holds it in memory, else loaded from the instance's state."""
    _ensure_open(task, user)
    principal_id = acting_for(user, task)
    for check in COMPLETION_CHECKS:
        check(task)  # raises to refuse (a signing step completes only by signing: app/signing)
    form = task_form(task)
    if form is not None:
        # Schema defaults fill fields a client left out, so conditions never meet an undefined name.
        defaults = {k: p["default"] for k, p in form.schema.get("properties", {}).items() if "default" in p}
        data = {**defaults, **data}
        errors = validate_submission(form, data, form_options(task.document, option_sources(form)))
        if errors:
            raise FormInvalid(errors)
    instance = task.instance
    ctx = RunContext(task.document, user, instance)
    if workflow is None:
        workflow = engine.load_workflow(instance.state, _specs(instance.process_version), _script_engine(ctx))
    else:
        workflow.script_engine = _script_engine(ctx)  # this run's helpers see this run's context
    spiff_task = workflow.get_task_from_id(uuid.UUID(task.task_guid))
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise TaskUnavailable(_("Sarcina nu mai este activă: traseul documentului a mers mai departe."))
    before = _completed_ids(workflow)
    previous = _bpmn_parent(spiff_task)
    spiff_task.data.update(data)
    if extra_data:
        spiff_task.data.update(extra_data)

    def step():
        spiff_task.run()
        workflow.do_engine_steps()

    now = now_utc()
    # The step's own rows go out at once as plain statements, in this order: the engine run's savepoint (one per
    # script) then has nothing to flush first, and no history object is tracked that nothing reads back.
    done = {
        "status": TaskStatus.COMPLETED,
        "completed_at": now,
        "completed_by_id": user.id,
        "claimed_by_id": user.id if task.claimed_by_id is None else task.claimed_by_id,
    }
    tasks = HumanTask.__table__
    db.session.execute(update(tasks).where(tasks.c.id == task.id).values(**done))
    for name, value in done.items():
        set_committed_value(task, name, value)
    db.session.expire(task, ["claimed_by", "completed_by"])  # read again through the new ids when asked
    db.session.execute(
        insert(HistoryEntry.__table__).values(
            document_id=task.document_id,
            instance_id=instance.id,
            at=now,
            actor_id=user.id,
            event="task_completed",
            bpmn_id=task.bpmn_id,
            element_name=task.name,
            element_type="UserTask",
            previous_bpmn_id=previous,
            data={**data, **(extra_data or {})},
            on_behalf_of_id=principal_id,
        )
    )
    audit.task_completed(task, user, {**data, **(extra_data or {})}, principal_id)
    signing = (spiff_task.task_spec.extensions.get("properties", {}) or {}).get("signatureRole")
    run_or_incident(ctx, workflow, step, task.name, "signing" if signing else "script", person_step=True)
    _record_engine_steps(ctx, workflow, before, skip_id=spiff_task.id)
    _save(ctx, workflow)
    db.session.flush()
    return task


@_reads_standing_once
def claim_task(task_id: int, user: User) -> HumanTask:
    task = lock_task(task_id)
    _ensure_open(task, user)
    if task.claimed_by_id is None:
        task.claimed_by_id = user.id
        db.session.add(
            HistoryEntry(
                document_id=task.document_id,
                instance_id=task.instance_id,
                actor_id=user.id,
                event="task_claimed",
                bpmn_id=task.bpmn_id,
                element_name=task.name,
                on_behalf_of_id=acting_for(user, task),
            )
        )
        audit.task_claimed(task, user, claimed=True)
    return task


@_reads_standing_once
def release_task(task_id: int, user: User) -> HumanTask:
    task = lock_task(task_id)
    _ensure_open(task, user)
    if task.claimed_by_id == user.id and task.assignee_id is None:
        task.claimed_by_id = None
        db.session.add(
            HistoryEntry(
                document_id=task.document_id,
                instance_id=task.instance_id,
                actor_id=user.id,
                event="task_released",
                bpmn_id=task.bpmn_id,
                element_name=task.name,
            )
        )
        audit.task_claimed(task, user, claimed=False)
    return task


def wake_instance(instance_id: int) -> bool:
    """Fire the due timers of one instance. Returns False when another runner holds it."""
    locked = db.session.execute(
        select(WorkflowInstance.id)
        .where(WorkflowInstance.id == instance_id, WorkflowInstance.status == InstanceStatus.RUNNING)
        .with_for_update(skip_locked=True)
    ).first()
    if locked is None:
        return False
    instance = db.session.get(WorkflowInstance, instance_id)
    db.session.refresh(instance)
    ctx = RunContext(instance.document, None, instance)
    workflow = engine.load_workflow(instance.state, _specs(instance.process_version), _script_engine(ctx))
    before = _completed_ids(workflow)

    def step():
        workflow.refresh_timers()
        workflow.do_engine_steps()

    run_or_incident(ctx, workflow, step, _("Termen"), "timer")
    _record_engine_steps(ctx, workflow, before)
    _save(ctx, workflow)
    return True


def due_instance_ids(limit: int = 100) -> list[int]:
    return list(
        db.session.scalars(
            select(WorkflowInstance.id)
            .where(
                WorkflowInstance.status == InstanceStatus.RUNNING, WorkflowInstance.next_timer_at <= now_utc()
            )
            .order_by(WorkflowInstance.next_timer_at)
            .limit(limit)
        )
    )


def _waiting_element(instance: WorkflowInstance) -> str | None:
    """The BPMN element(s) the instance waits at, for the incident; None when the state itself cannot be read."""
    try:
        workflow = engine.load_workflow(instance.state, _specs(instance.process_version), None)
        from SpiffWorkflow.util.task import TaskState

        return (
            ", ".join(
                sorted(
                    {
                        t.task_spec.bpmn_id or t.task_spec.name
                        for t in workflow.get_tasks(state=TaskState.WAITING)
                    }
                )
            )
            or None
        )
    except Exception:  # noqa: BLE001 - the incident is written anyway
        return None


def wake_due_instances(limit: int = 100) -> int:
    """One transaction per instance: whatever one route raises is rolled back, recorded on that instance (status
    error, an incident with the element and the error) and the tick goes on with the others."""
    from app.operations.incidents import record_incident

    woken = 0
    for instance_id in due_instance_ids(limit):
        try:
            if wake_instance(instance_id):
                woken += 1
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - isolation is the point: one broken instance must not stop timers
            db.session.rollback()
            error = str(exc) if isinstance(exc, RouteError) else f"{type(exc).__name__}: {exc}"
            element = document_id = None
            try:
                instance = db.session.get(WorkflowInstance, instance_id)
                document_id = instance.document_id
                element = _waiting_element(instance)
                instance.status = InstanceStatus.ERROR
                instance.error = error
                db.session.commit()
            except Exception:  # noqa: BLE001 - the incident below still tells the operator
                db.session.rollback()
                current_app.logger.exception("instance %s could not be marked as failed", instance_id)
            try:
                record_incident(
                    "timer", error, instance_id=instance_id, document_id=document_id, element=element
                )
            except Exception:  # noqa: BLE001 - the log line is the last resort
                current_app.logger.exception("timer of instance %s failed: %s", instance_id, error)
    return woken

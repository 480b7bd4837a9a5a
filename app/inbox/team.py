"""Heads of unit: who holds what in their department, and moving a task to another official mid-route.

A reassignment changes who holds the task (the assignee the route named, or the claim on a role's task), and, for
a task the route assigned from a variable (the petition's `referent`), that variable too: the later steps (the
answer's signing plan) then follow the new official. Signing steps are never moved: their signer is fixed by the
signing plan, an absence is covered by a deputy (app/identity/delegation.py)."""

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select

from app.audit import record
from app.dates import local_zone, now_utc, to_local
from app.extensions import db
from app.identity.models import Department, Membership, User
from app.identity.roles import SUBMITTER_LANE
from app.registry.models import Document
from app.workflow import engine
from app.workflow.models import HistoryEntry, HumanTask, TaskStatus
from app.workflow.runtime import lock_task

TASK_REASSIGNED = "task_reassigned"
HEAD_ROLES = ("sef_serviciu", "secretar_general")
MAX_REASON = 500


class ReassignError(ValueError):
    """Refused with a message for the head; nothing was changed."""


def head_departments(user: User, institution_id: int | None = None) -> dict[int, set[int] | None]:
    """institution id -> the department ids the user heads, or None when they head the whole institution."""
    scopes: dict[int, set[int] | None] = {}
    for m in user.memberships:
        if m.role.code not in HEAD_ROLES or (
            institution_id is not None and m.institution_id != institution_id
        ):
            continue
        if m.department_id is None or m.role.code != "sef_serviciu":
            scopes[m.institution_id] = None
        elif scopes.get(m.institution_id, set()) is not None:
            scopes.setdefault(m.institution_id, set()).add(m.department_id)
    return scopes


def heads_task(user: User, task: HumanTask) -> bool:
    scopes = head_departments(user, task.institution_id)
    if task.institution_id not in scopes:
        return False
    departments = scopes[task.institution_id]
    return departments is None or task.department_id in departments


def _route_variable(task: HumanTask) -> str | None:
    from app.correspondence.signed_answer import signing_role, task_properties

    if signing_role(task):
        raise ReassignError(
            _(
                "Un pas de semnare nu se reasignează: semnatarul este stabilit de planul de semnare. "
                "Pentru o absență stabiliți un înlocuitor."
            )
        )
    return task_properties(task).get("assignee") or None


def department_officials(institution_id: int, department_id: int | None) -> list[User]:
    """Active staff with a membership in the department (or, for a task without department, the institution)."""
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.institution_id == institution_id, User.is_active_account.is_(True))
        .order_by(User.full_name)
    )
    if department_id is not None:
        query = query.where(Membership.department_id == department_id)
    return list(db.session.scalars(query).unique())


def reassign_task(task_id: int, head: User, official: User | None, reason: str) -> HumanTask:
    """Check everything, then move the task (the caller commits). Raises ReassignError, changing nothing."""
    reason = (reason or "").strip()
    task = lock_task(task_id)
    if task.status != TaskStatus.READY:
        raise ReassignError(_("Sarcina nu mai este activă: traseul documentului a mers mai departe."))
    if not heads_task(head, task):
        raise ReassignError(_("Nu conduceți compartimentul acestei sarcini."))
    if task.lane == SUBMITTER_LANE:
        raise ReassignError(_("Pasul solicitantului nu se reasignează."))
    variable = _route_variable(task)
    if official is None or official.id not in {
        u.id for u in department_officials(task.institution_id, task.department_id)
    }:
        raise ReassignError(_("Alegeți un funcționar al compartimentului care răspunde de document."))
    previous = task.holder
    if previous is not None and previous.id == official.id:
        raise ReassignError(_("Sarcina este deja la %(name)s.", name=official.full_name))
    if len(reason) < 5:
        raise ReassignError(_("Scrieți motivul reasignării (cel puțin 5 caractere)."))
    if len(reason) > MAX_REASON:
        raise ReassignError(_("Motivul are cel mult %(n)d de caractere.", n=MAX_REASON))

    if variable:
        # The route named the holder from its data: change the data, so the later steps follow the new official.
        instance = task.instance
        from app.workflow.runtime import RunContext, _script_engine, _specs

        workflow = engine.load_workflow(
            instance.state, _specs(instance.process_version), _script_engine(RunContext(task.document, head))
        )
        spiff_task = workflow.get_task_from_id(uuid.UUID(task.task_guid))
        if spiff_task is None:
            raise ReassignError(_("Sarcina nu mai este activă: traseul documentului a mers mai departe."))
        spiff_task.data[variable] = official.username
        instance.state = engine.dump_workflow(workflow)
        task.assignee_id = official.id
        task.claimed_by_id = None
    elif task.assignee_id is not None:
        task.assignee_id = official.id
        task.claimed_by_id = None
    else:
        task.claimed_by_id = official.id
    detail = {
        "task_id": task.id,
        "de_la": previous.username if previous else None,
        "catre": official.username,
        "motiv": reason,
    }
    db.session.add(
        HistoryEntry(
            document_id=task.document_id,
            instance_id=task.instance_id,
            actor_id=head.id,
            event=TASK_REASSIGNED,
            bpmn_id=task.bpmn_id,
            element_name=task.name,
            data=detail,
            message=_(
                "Sarcina „%(task)s” a fost reasignată de la %(from)s la %(to)s. Motiv: %(reason)s",
                task=task.name,
                **{"from": previous.full_name if previous else _("grup"), "to": official.full_name},
                reason=reason,
            ),
        )
    )
    record(
        TASK_REASSIGNED,
        actor=head,
        document=task.document,
        bpmn_id=task.bpmn_id,
        target=task.name,
        data=detail,
    )
    db.session.flush()
    return task


# --- the team view -----------------------------------------------------------------------------------------------


@dataclass
class TeamRow:
    official: User
    open: int
    due_this_week: int
    overdue: int


def week_end(now: datetime) -> datetime:
    """The end of the current Romanian calendar week (Sunday 24:00)."""
    local = to_local(now)
    sunday = local.date() + timedelta(days=6 - local.weekday())
    return datetime.combine(sunday + timedelta(days=1), time(0), tzinfo=local_zone())


def team_overview(head: User, institution_id: int) -> tuple[list[TeamRow], dict[str, int], list[Department]]:
    """Per official of the departments the head leads: open tasks, due this week, overdue; and the tasks nobody
    holds yet (the group's)."""
    scopes = head_departments(head, institution_id)
    if institution_id not in scopes:
        return [], {"open": 0, "due_this_week": 0, "overdue": 0}, []
    departments = scopes[institution_id]
    now = now_utc()
    end = week_end(now)
    in_scope = [HumanTask.status == TaskStatus.READY, HumanTask.institution_id == institution_id]
    if departments is not None:
        in_scope.append(HumanTask.department_id.in_(departments))
    overdue = or_(Document.overdue.is_(True), HumanTask.due_at < now)
    due_week = and_(HumanTask.due_at >= now, HumanTask.due_at < end, Document.overdue.is_(False))
    holder = func.coalesce(HumanTask.claimed_by_id, HumanTask.assignee_id)
    rows = db.session.execute(
        select(
            holder.label("holder"),
            func.count(HumanTask.id),
            func.count(HumanTask.id).filter(due_week),
            func.count(HumanTask.id).filter(overdue),
        )
        .join(Document, Document.id == HumanTask.document_id)
        .where(*in_scope)
        .group_by(holder)
    ).all()
    by_holder = {r[0]: r[1:] for r in rows}
    department_list = list(
        db.session.scalars(
            select(Department)
            .where(Department.institution_id == institution_id)
            .where(Department.id.in_(departments) if departments is not None else True)
            .order_by(Department.name)
        )
    )
    officials: dict[int, User] = {}
    for department in department_list:
        for user in department_officials(institution_id, department.id):
            officials.setdefault(user.id, user)
    for user_id in by_holder:  # someone outside the departments holding one of their tasks
        if user_id is not None and user_id not in officials:
            officials[user_id] = db.session.get(User, user_id)
    team = [
        TeamRow(u, *by_holder.get(u.id, (0, 0, 0)))
        for u in sorted(officials.values(), key=lambda u: u.full_name)
    ]
    group = by_holder.get(None, (0, 0, 0))
    return team, {"open": group[0], "due_this_week": group[1], "overdue": group[2]}, department_list


def official_tasks(head: User, institution_id: int, official_id: int | None) -> list[HumanTask]:
    """The open tasks one official holds (None: nobody yet) in the head's departments, most urgent first."""
    scopes = head_departments(head, institution_id)
    if institution_id not in scopes:
        return []
    departments = scopes[institution_id]
    holder = func.coalesce(HumanTask.claimed_by_id, HumanTask.assignee_id)
    query = select(HumanTask).where(
        HumanTask.status == TaskStatus.READY,
        HumanTask.institution_id == institution_id,
        holder.is_(None) if official_id is None else holder == official_id,
    )
    if departments is not None:
        query = query.where(HumanTask.department_id.in_(departments))
    return list(
        db.session.scalars(
            query.order_by(
                case((HumanTask.due_at.is_(None), 1), else_=0), HumanTask.due_at, HumanTask.id
            ).limit(200)
        )
    )

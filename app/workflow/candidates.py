"""Who may do which open task, as a SQL condition built from the user's memberships.

The memberships (and today's delegations) are read first, a handful of rows; the condition on `human_tasks` is then
made of literal values (assignee, claimer, role + institution + department), which the partial indexes on ready
tasks answer directly. A correlated EXISTS over memberships per task row (the former form) had to visit every open
task of the institution: 1.1-1.9 s for a list of 896 open tasks."""

from sqlalchemy import and_, or_, select, union

from app.extensions import db
from app.identity.delegation import active_principals
from app.identity.models import Membership, Role
from app.workflow.models import HumanTask


def role_scopes(user_id: int, institution_id: int | None = None) -> list[tuple[str, int, int | None]]:
    """(role code, institution id, department id or None = institution-wide) of every membership of the user."""
    query = select(Role.code, Membership.institution_id, Membership.department_id).join(
        Role, Role.id == Membership.role_id
    )
    query = query.where(Membership.user_id == user_id)
    if institution_id is not None:
        query = query.where(Membership.institution_id == institution_id)
    return [tuple(row) for row in db.session.execute(query).all()]


def _scope_clauses(role_code: str, institution_id: int, department_id: int | None) -> list:
    """One flat branch per index range: the planner combines them with a BitmapOr over the partial indexes (an OR
    nested inside an AND made it scan every ready task instead)."""
    base = (
        HumanTask.assignee_id.is_(None),
        HumanTask.role_code == role_code,
        HumanTask.institution_id == institution_id,
    )
    if department_id is None:
        return [and_(*base)]
    return [
        and_(*base, HumanTask.department_id == department_id),
        and_(*base, HumanTask.department_id.is_(None)),
    ]


def own_branches(user_id: int, institution_id: int | None = None) -> list:
    """Tasks the user may do in their own right, as flat conditions: assigned to them, claimed by them, or their
    role's in place. `institution_id` limits it to one institution (a deputy acts for a colleague only in the
    delegation's)."""
    branches = [HumanTask.assignee_id == user_id, HumanTask.claimed_by_id == user_id]
    for scope in dict.fromkeys(role_scopes(user_id, institution_id)):
        branches.extend(_scope_clauses(*scope))
    if institution_id is not None:
        branches = [and_(HumanTask.institution_id == institution_id, branch) for branch in branches]
    return branches


def own_clause(user_id: int, institution_id: int | None = None):
    return or_(*own_branches(user_id, institution_id))


def principals(user_id: int) -> list[tuple[int, int]]:
    """(colleague id, institution id) of everyone the user stands in for today."""
    return active_principals(user_id)


def candidate_branches(user_id: int, stand_in_for: list[tuple[int, int]] | None = None) -> list:
    """`candidate_clause` as its flat branches (OR-ed, they are the clause)."""
    branches = own_branches(user_id)
    for principal_id, institution_id in principals(user_id) if stand_in_for is None else stand_in_for:
        branches.extend(own_branches(principal_id, institution_id))
    return branches


def candidate_rows(columns: list, user_id: int, stand_in_for=None, status: str = "ready", where=()):
    """The candidate tasks' `columns` as a UNION of one SELECT per branch. Each SELECT is a plain AND that its
    partial index answers exactly; the same branches OR-ed in one WHERE leave the choice to the planner, which at a
    million tasks preferred reading every ready task of the platform through the status index and filtering
    (17,000 rows read for 3,000 kept)."""
    return union(
        *(
            select(*columns).where(HumanTask.status == status, branch, *where)
            for branch in candidate_branches(user_id, stand_in_for)
        )
    )


def candidate_clause(user_id: int, stand_in_for: list[tuple[int, int]] | None = None):
    """Tasks the user may see and do: their own and those of colleagues they stand in for today (`principals`,
    read here unless the caller already has them)."""
    clauses = [own_clause(user_id)]
    for principal_id, institution_id in principals(user_id) if stand_in_for is None else stand_in_for:
        clauses.append(own_clause(principal_id, institution_id))
    return or_(*clauses)

"""Who sees which figures: a head of unit their own departments, the secretary general their whole institution.
Nobody sees another institution's figures."""

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.identity.models import Department, Institution, User
from app.inbox.team import head_departments


@dataclass(frozen=True)
class Scope:
    institution: Institution
    department_ids: frozenset[int] | None  # None: the whole institution

    @property
    def whole_institution(self) -> bool:
        return self.department_ids is None

    def departments(self) -> list[Department]:
        query = select(Department).where(Department.institution_id == self.institution.id)
        if self.department_ids is not None:
            query = query.where(Department.id.in_(self.department_ids))
        return list(db.session.scalars(query.order_by(Department.name)))


def scopes_of(user: User) -> list[Scope]:
    """Every institution the user heads (or is secretary general of), with the departments they see."""
    found = []
    for institution_id, departments in head_departments(user).items():
        institution = db.session.get(Institution, institution_id)
        if institution is not None:
            found.append(Scope(institution, None if departments is None else frozenset(departments)))
    return sorted(found, key=lambda s: s.institution.name)


def scope_for(user: User, institution_id: int | None) -> Scope | None:
    """The user's scope in the institution asked for (the first one when none is asked); None: not theirs."""
    scopes = scopes_of(user)
    if institution_id is None:
        return scopes[0] if scopes else None
    return next((s for s in scopes if s.institution.id == institution_id), None)


def secretary_general_scope(user: User, institution_id: int | None) -> Scope | None:
    """Statutory reports speak for the whole institution: only its secretary general draws them."""
    scope = scope_for(user, institution_id)
    if scope is None or not scope.whole_institution:
        return None
    return scope

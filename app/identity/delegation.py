"""Delegation: while an official is away, a deputy of the same institution receives their tasks and acts on their
behalf. The runtime asks `active_principals` whose tasks a user may also do today; the step's history then names
both (actor = deputy, on_behalf_of = the absent official).

A deputy signs the absent official's signing steps with their own key, in the absent official's place in the
signing plan; the stamp says "p." (app/signing/deputy.py)."""

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import record
from app.dates import now_utc, to_local
from app.extensions import db
from app.identity.models import Delegation, Membership, User

DELEGATION_SET = "delegation_set"
DELEGATION_CANCELLED = "delegation_cancelled"


class DelegationError(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(str(errors))


def today_local() -> date:
    """Delegations are set in Romanian calendar days."""
    return to_local(now_utc()).date()


def active_principals(user_id: int, on: date | None = None) -> list[tuple[int, int]]:
    """(principal id, institution id) of everyone `user_id` stands in for on `on` (default: today)."""
    on = on or today_local()
    rows = db.session.execute(
        select(Delegation.principal_id, Delegation.institution_id).where(
            Delegation.deputy_id == user_id,
            Delegation.cancelled_at.is_(None),
            Delegation.start_date <= on,
            Delegation.end_date >= on,
        )
    ).all()
    return [(r.principal_id, r.institution_id) for r in rows]


def staff_institution_ids(user: User) -> set[int]:
    return {m.institution_id for m in user.memberships}


def can_manage(manager: User, principal: User, institution_id: int) -> bool:
    """An institution's administrator for any of its staff; a head of unit for the staff of their department."""
    for m in manager.memberships:
        if m.institution_id != institution_id:
            continue
        if m.role.code == "admin":
            return True
        if m.role.code == "sef_serviciu":
            if m.department_id is None:
                return True
            if any(
                pm.institution_id == institution_id and pm.department_id == m.department_id
                for pm in principal.memberships
            ):
                return True
    return False


def manageable_institutions(manager: User) -> set[int]:
    return {m.institution_id for m in manager.memberships if m.role.code in ("admin", "sef_serviciu")}


def _parse_date(value: str) -> date | None:
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except (ValueError, AttributeError):
        pass
    try:
        return datetime.strptime(value.strip(), "%d.%m.%Y").date()
    except (ValueError, AttributeError):
        return None


def create_delegation(
    manager: User,
    principal: User | None,
    deputy: User | None,
    institution_id: int,
    start: str | date,
    end: str | date,
    reason: str,
) -> Delegation:
    """Check everything, then add the delegation (the caller commits). Raises DelegationError, adding nothing."""
    errors: dict[str, str] = {}
    start_date = start if isinstance(start, date) else _parse_date(start)
    end_date = end if isinstance(end, date) else _parse_date(end)
    reason = (reason or "").strip()
    if principal is None or institution_id not in staff_institution_ids(principal):
        errors["principal_id"] = _("Alegeți persoana absentă dintre angajații instituției.")
    elif not can_manage(manager, principal, institution_id):
        errors["principal_id"] = _("Nu puteți stabili înlocuitori pentru această persoană.")
    if deputy is None or not deputy.is_active or institution_id not in staff_institution_ids(deputy):
        errors["deputy_id"] = _("Înlocuitorul trebuie să fie angajat al aceleiași instituții.")
    elif principal is not None and deputy.id == principal.id:
        errors["deputy_id"] = _("O persoană nu se poate înlocui pe sine.")
    if start_date is None:
        errors["start_date"] = _("Data de început nu este validă.")
    if end_date is None:
        errors["end_date"] = _("Data de sfârșit nu este validă.")
    elif start_date is not None and end_date < start_date:
        errors["end_date"] = _("Data de sfârșit este înaintea datei de început.")
    if not reason:
        errors["reason"] = _("Scrieți motivul absenței (de exemplu: concediu de odihnă).")
    if not errors:
        overlapping = db.session.scalar(
            select(Delegation).where(
                Delegation.principal_id == principal.id,
                Delegation.cancelled_at.is_(None),
                Delegation.start_date <= end_date,
                Delegation.end_date >= start_date,
            )
        )
        if overlapping is not None:
            from app.dates import format_date

            errors["start_date"] = _(
                "Perioada se suprapune cu înlocuirea deja stabilită pentru %(who)s între %(start)s și %(end)s.",
                who=principal.full_name,
                start=format_date(overlapping.start_date),
                end=format_date(overlapping.end_date),
            )
    if errors:
        raise DelegationError(errors)
    delegation = Delegation(
        principal_id=principal.id,
        deputy_id=deputy.id,
        institution_id=institution_id,
        start_date=start_date,
        end_date=end_date,
        reason=reason[:300],
        created_by_id=manager.id,
    )
    db.session.add(delegation)
    db.session.flush()
    record(
        DELEGATION_SET,
        actor=manager,
        target=principal.username,
        data={
            "principal": principal.username,
            "deputy": deputy.username,
            "start": start_date.isoformat(),
            "end": end_date.isoformat(),
            "reason": delegation.reason,
        },
    )
    return delegation


def cancel_delegation(manager: User, delegation: Delegation) -> None:
    delegation.cancelled_at = now_utc()
    record(
        DELEGATION_CANCELLED,
        actor=manager,
        target=delegation.principal.username,
        data={"delegation": delegation.id, "deputy": delegation.deputy.username},
    )


def delegations_of(user: User) -> tuple[list[Delegation], list[Delegation]]:
    """(where the user is the absent one, where the user is the deputy), newest first."""
    base = select(Delegation).where(Delegation.cancelled_at.is_(None)).order_by(Delegation.start_date.desc())
    mine = list(db.session.scalars(base.where(Delegation.principal_id == user.id)))
    deputising = list(db.session.scalars(base.where(Delegation.deputy_id == user.id)))
    return mine, deputising


def institution_delegations(institution_ids: set[int]) -> list[Delegation]:
    if not institution_ids:
        return []
    return list(
        db.session.scalars(
            select(Delegation)
            .where(Delegation.institution_id.in_(institution_ids), Delegation.cancelled_at.is_(None))
            .order_by(Delegation.start_date.desc())
        )
    )


def institution_staff(institution_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.institution_id == institution_id, User.is_active_account.is_(True))
            .order_by(User.full_name)
            .distinct()
        )
    )

"""Registration numbers: one sequence per institution per year, restarting on 1 January, without gaps.

The counter row is incremented with a single INSERT .. ON CONFLICT DO UPDATE .. RETURNING inside the registering
transaction. PostgreSQL holds the row lock until commit, so concurrent registrations queue on it (no duplicates),
and a transaction that rolls back takes its increment with it (no gaps)."""

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite

from app.dates import add_days, as_utc, end_of_local_day, format_date, format_datetime, now_utc, to_local
from app.extensions import db
from app.identity.models import Department, User
from app.registry.models import (
    Direction,
    Document,
    DocumentStatus,
    Register,
    RegisterDay,
    RegistryError,
)

# Who registers documents by hand (the route's registration step is checked by its lane instead).
REGISTERING_ROLES = {"registrator", "secretar_general"}


def dialect_insert(model):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


# Spelled out: SQLAlchemy cannot cache the compiled form of an ON CONFLICT DO UPDATE construct, and compiling it
# anew each time cost more than the statement itself, inside the window every registration waits for. The same
# text runs on PostgreSQL and SQLite (3.35+).
_NEXT_NUMBER = text(
    "INSERT INTO registration_counters (institution_id, year, last_number) VALUES (:institution_id, :year, 1) "
    "ON CONFLICT (institution_id, year) DO UPDATE SET last_number = registration_counters.last_number + 1 "
    "RETURNING last_number"
)


def next_registration_number(institution_id: int, year: int) -> int:
    return db.session.execute(_NEXT_NUMBER, {"institution_id": institution_id, "year": year}).scalar_one()


_TAKE_NUMBER = text("SELECT take_registration_number(:institution_id, :year, :day)")


def number_unless_frozen(institution_id: int, day: date) -> int | None:
    """The next number of the day's year, or None with nothing taken when the day's register is frozen.

    PostgreSQL: one round trip (the function of migration 0022 locks the counter row, waiting for a freeze in
    flight, then checks the day). SQLite has one writer at a time: the day cannot be frozen meanwhile."""
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.execute(
            _TAKE_NUMBER, {"institution_id": institution_id, "year": day.year, "day": day}
        ).scalar_one()
    if frozen_day(institution_id, day) is not None:
        return None
    return next_registration_number(institution_id, day.year)


def general_register(institution_id: int) -> Register:
    """The institution's general register, created on first use (concurrent first uses create one row)."""
    found = db.session.scalar(
        select(Register).where(Register.institution_id == institution_id, Register.code == Register.GENERAL)
    )
    if found is not None:
        return found
    db.session.execute(
        dialect_insert(Register)
        .values(
            institution_id=institution_id,
            code=Register.GENERAL,
            name="Registrul general de intrare-ieșire",
            created_at=now_utc(),
        )
        .on_conflict_do_nothing(index_elements=["institution_id", "code"])
    )
    return db.session.scalar(
        select(Register).where(Register.institution_id == institution_id, Register.code == Register.GENERAL)
    )


def add_departmental_register(institution_id: int, department_id: int, code: str, name: str) -> Register:
    """A department's own register; it shares the institution's number sequence (the general register records
    every entry under its one number)."""
    department = db.session.get(Department, department_id)
    if department is None or department.institution_id != institution_id:
        raise RegistryError(_("Compartimentul nu aparține acestei instituții."))
    code = (code or "").strip().lower()
    if not code or code == Register.GENERAL:
        raise RegistryError(_("Alegeți un cod pentru registru, altul decât „general”."))
    exists = db.session.scalar(
        select(Register.id).where(Register.institution_id == institution_id, Register.code == code)
    )
    if exists is not None:
        raise RegistryError(_("Instituția are deja un registru cu codul „%(code)s”.", code=code))
    register_ = Register(
        institution_id=institution_id,
        code=code,
        name=name.strip() or department.name,
        department_id=department.id,
    )
    db.session.add(register_)
    db.session.flush()
    return register_


def registers_of(institution_id: int) -> list[Register]:
    """The institution's registers, the general one first (created if missing)."""
    general = general_register(institution_id)
    others = db.session.scalars(
        select(Register)
        .where(Register.institution_id == institution_id, Register.id != general.id)
        .order_by(Register.name)
    ).all()
    return [general, *others]


def may_register(user: User, institution_id: int) -> bool:
    return any(
        m.role.code in REGISTERING_ROLES and m.institution_id == institution_id for m in user.memberships
    )


def frozen_day(institution_id: int, day: date) -> RegisterDay | None:
    return db.session.scalar(
        select(RegisterDay).where(RegisterDay.institution_id == institution_id, RegisterDay.day == day)
    )


def _refuse_frozen(institution_id: int, day: date) -> None:
    frozen = frozen_day(institution_id, day)
    if frozen is not None:
        raise RegistryError(
            _(
                "Registrul zilei %(day)s a fost închis la %(at)s: nu se mai pot înregistra documente cu această "
                "dată. Înregistrați documentul cu data de azi.",
                day=format_date(day),
                at=format_datetime(frozen.frozen_at),
            )
        )


def register(
    document: Document,
    when: datetime | None = None,
    *,
    into: Register | None = None,
    clerk: User | None = None,
) -> str:
    """Give the document its number (once) and its legal deadline; returns the displayed label.

    `into` is the register (default: the institution's general one; every register shares the institution's
    counter); `clerk` is checked when a person registers by hand. `when` back-dates an entry (import of the
    emergency register) and is refused for a frozen day, also one frozen while this registration waited for the
    counter. A refusal raises RegistryError before anything is changed."""
    if document.registration_number is not None:
        return document.registration_label
    if clerk is not None and not may_register(clerk, document.institution_id):
        raise RegistryError(
            _(
                "Nu aveți dreptul să înregistrați documente în registrul instituției %(name)s.",
                name=document.institution.name,
            )
        )
    if document.direction not in Direction.ALL:
        raise RegistryError(
            _("Direcție necunoscută: %(value)s (intrare, ieșire sau intern).", value=document.direction)
        )
    chosen = into or document.register or general_register(document.institution_id)
    if chosen.institution_id != document.institution_id:
        raise RegistryError(
            _(
                "Registrul „%(name)s” aparține altei instituții: documentul nu se poate înregistra în el.",
                name=chosen.name,
            )
        )
    when = as_utc(when or now_utc())
    local = to_local(when)
    doc_type = document.document_type
    deadline = None
    if doc_type.deadline_days:
        due = add_days(local.date(), doc_type.deadline_days, doc_type.deadline_working_days)
        deadline = end_of_local_day(due)
    # The counter row stays locked until commit (every registration of the institution waits): taken last.
    number = number_unless_frozen(document.institution_id, local.date())
    if number is None:
        _refuse_frozen(document.institution_id, local.date())  # says when the day was frozen
        raise RuntimeError(f"the register of {local.date()} is frozen, yet its day row is gone")
    document.register = chosen
    document.register_id = chosen.id
    document.registration_year = local.year
    document.registration_number = number
    document.registered_at = when
    document.status = DocumentStatus.REGISTERED
    if deadline is not None:
        document.deadline_at = deadline
    return document.registration_label

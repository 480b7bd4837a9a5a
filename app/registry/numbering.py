"""Registration numbers: one sequence per institution per year, restarting on 1 January, without gaps.

The counter row is incremented with a single INSERT .. ON CONFLICT DO UPDATE .. RETURNING inside the registering
transaction. PostgreSQL holds the row lock until commit, so concurrent registrations queue on it (no duplicates),
and a transaction that rolls back takes its increment with it (no gaps)."""

from datetime import date, datetime, time, timedelta

import holidays
from sqlalchemy.dialects import postgresql, sqlite

from app.dates import as_utc, local_zone, now_utc, to_local
from app.extensions import db
from app.registry.models import Document, DocumentStatus, RegistrationCounter


def next_registration_number(institution_id: int, year: int) -> int:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(RegistrationCounter)
        .values(institution_id=institution_id, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=["institution_id", "year"],
            set_={"last_number": RegistrationCounter.last_number + 1},
        )
        .returning(RegistrationCounter.last_number)
    )
    return db.session.execute(stmt).scalar_one()


def add_days(start: date, days: int, working_days: bool) -> date:
    """Calendar days, or working days skipping weekends and Romanian public holidays."""
    if not working_days:
        return start + timedelta(days=days)
    ro_holidays = holidays.country_holidays("RO", years=range(start.year, start.year + 2))
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in ro_holidays:
            left -= 1
    return current


def end_of_local_day(day: date) -> datetime:
    return as_utc(datetime.combine(day, time(23, 59, 59), tzinfo=local_zone()))


def register(document: Document, when: datetime | None = None) -> str:
    """Give the document its number (once) and its legal deadline; returns the displayed label."""
    if document.registration_number is not None:
        return document.registration_label
    when = when or now_utc()
    local = to_local(when)
    document.registration_year = local.year
    document.registration_number = next_registration_number(document.institution_id, local.year)
    document.registered_at = when
    document.status = DocumentStatus.REGISTERED
    doc_type = document.document_type
    if doc_type.deadline_days:
        due = add_days(local.date(), doc_type.deadline_days, doc_type.deadline_working_days)
        document.deadline_at = end_of_local_day(due)
    return document.registration_label

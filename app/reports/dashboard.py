"""The figures of the heads' dashboard, each a small table (the chart is drawn from the same rows):
documents received and answered per month, open and overdue per department and per official, median days to
answer per document type, deadlines of the coming two weeks. Incoming documents only (direction "intrare"):
what the institution must answer. Annulled entries count nowhere."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.dates import as_utc, local_zone, now_utc, to_local
from app.extensions import db
from app.identity.models import Department, User
from app.registry.models import Direction, Document, DocumentStatus, DocumentType
from app.reports.scope import Scope
from app.workflow.models import HumanTask, TaskStatus

MONTHS = 12
DEADLINE_DAYS = 14
MONTH_NAMES = {
    "ro": ("ian.", "feb.", "mar.", "apr.", "mai", "iun.", "iul.", "aug.", "sep.", "oct.", "nov.", "dec."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def _english() -> bool:
    return str(get_locale() or "ro") == "en"


@dataclass
class Figure:
    """One chart and its table: `columns` heads the table, `rows` are (label, value, value...)."""

    key: str
    title: str
    kind: str  # chart.js type: bar, line
    columns: list[str]
    rows: list[tuple] = field(default_factory=list)
    note: str = ""


def _in_scope(query, scope: Scope):
    query = query.where(
        Document.institution_id == scope.institution.id,
        Document.direction == Direction.INCOMING,
        Document.registration_number.is_not(None),
        Document.status != DocumentStatus.ANNULLED,
    )
    if scope.department_ids is not None:
        query = query.where(Document.department_id.in_(scope.department_ids))
    return query


def _month_starts(today: date) -> list[date]:
    months, year, month = [], today.year, today.month
    for _i in range(MONTHS):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone()).astimezone(now_utc().tzinfo)


def received_and_answered(scope: Scope, now: datetime) -> Figure:
    """Per local calendar month over the last twelve: registered, and closed (answered or filed)."""
    months = _month_starts(to_local(now).date())
    start = _local_midnight_utc(months[0])
    received: dict[date, int] = dict.fromkeys(months, 0)
    answered: dict[date, int] = dict.fromkeys(months, 0)
    # Two columns of the year's documents, counted here: the same code on PostgreSQL and the SQLite demo.
    rows = db.session.execute(
        _in_scope(select(Document.registered_at, Document.closed_at), scope).where(
            or_(Document.registered_at >= start, Document.closed_at >= start)
        )
    )
    for registered_at, closed_at in rows:
        for moment, counter in ((registered_at, received), (closed_at, answered)):
            if moment is not None and as_utc(moment) >= start:
                local = to_local(moment).date()
                key = date(local.year, local.month, 1)
                if key in counter:
                    counter[key] += 1
    return Figure(
        "luni",
        _("Documente primite și rezolvate pe lună"),
        "bar",
        [_("Luna"), _("Primite"), _("Rezolvate")],
        [
            (f"{MONTH_NAMES['en' if _english() else 'ro'][m.month - 1]} {m.year}", received[m], answered[m])
            for m in months
        ],
    )


def open_per_department(scope: Scope, now: datetime) -> Figure:
    overdue = func.sum(func.coalesce((Document.deadline_at < now).cast(db.Integer), 0))
    query = _in_scope(
        select(Department.name, func.count(Document.id), overdue)
        .select_from(Document)
        .outerjoin(Department, Department.id == Document.department_id),
        scope,
    ).where(Document.status.not_in(DocumentStatus.CLOSED))
    rows = db.session.execute(query.group_by(Department.name).order_by(Department.name))
    return Figure(
        "compartimente",
        _("Documente deschise și depășite pe compartiment"),
        "bar",
        [_("Compartiment"), _("Deschise"), _("Cu termen depășit")],
        [(name or _("Nerepartizate"), count, int(late or 0)) for name, count, late in rows],
    )


def open_per_official(scope: Scope, now: datetime) -> Figure:
    """Open steps held by a person (assigned or claimed), with the document's deadline passed."""
    holder = func.coalesce(HumanTask.claimed_by_id, HumanTask.assignee_id)
    overdue = func.sum(func.coalesce((Document.deadline_at < now).cast(db.Integer), 0))
    query = (
        select(User.full_name, func.count(HumanTask.id), overdue)
        .select_from(HumanTask)
        .join(Document, Document.id == HumanTask.document_id)
        .join(User, User.id == holder)
        .where(HumanTask.status == TaskStatus.READY, HumanTask.institution_id == scope.institution.id)
    )
    if scope.department_ids is not None:
        query = query.where(HumanTask.department_id.in_(scope.department_ids))
    rows = db.session.execute(query.group_by(User.full_name).order_by(User.full_name))
    return Figure(
        "functionari",
        _("Sarcini deschise și depășite pe funcționar"),
        "bar",
        [_("Funcționar"), _("Deschise"), _("Cu termen depășit")],
        [(name, count, int(late or 0)) for name, count, late in rows],
    )


def median_days_per_type(scope: Scope, now: datetime) -> Figure:
    """Calendar days from registration to closing, over documents closed in the last twelve months."""
    start = now - timedelta(days=365)
    rows = db.session.execute(
        _in_scope(
            select(
                DocumentType.name_ro, DocumentType.name_en, Document.registered_at, Document.closed_at
            ).join(DocumentType, DocumentType.id == Document.document_type_id),
            scope,
        ).where(Document.closed_at >= start, Document.status.in_(DocumentStatus.CLOSED))
    )
    days: dict[str, list[float]] = {}
    english = _english()
    for name_ro, name_en, registered_at, closed_at in rows:
        if registered_at is None or closed_at is None:
            continue
        name = name_en if english else name_ro
        elapsed = (as_utc(closed_at) - as_utc(registered_at)).total_seconds() / 86400
        days.setdefault(name, []).append(max(elapsed, 0.0))
    return Figure(
        "mediana",
        _("Mediana zilelor până la rezolvare, pe tip de document"),
        "bar",
        [_("Tip de document"), _("Mediana (zile)"), _("Documente")],
        [(name, round(median(values), 1), len(values)) for name, values in sorted(days.items())],
        note=_("Documentele rezolvate în ultimele 12 luni."),
    )


def coming_deadlines(scope: Scope, now: datetime) -> tuple[Figure, list[Document]]:
    """Open documents whose deadline falls in the coming two weeks: a count per day and the list."""
    today = to_local(now).date()
    end = _local_midnight_utc(today + timedelta(days=DEADLINE_DAYS + 1))
    documents = list(
        db.session.scalars(
            _in_scope(select(Document), scope)
            .where(
                Document.status.not_in(DocumentStatus.CLOSED),
                Document.deadline_at >= now,
                Document.deadline_at < end,
            )
            .order_by(Document.deadline_at, Document.id)
            .limit(200)
        )
    )
    per_day = dict.fromkeys((today + timedelta(days=i) for i in range(DEADLINE_DAYS + 1)), 0)
    for document in documents:
        day = to_local(document.deadline_at).date()
        if day in per_day:
            per_day[day] += 1
    figure = Figure(
        "termene",
        _("Termene în următoarele două săptămâni"),
        "line",
        [_("Ziua"), _("Documente cu termen")],
        [(day.strftime("%d.%m.%Y"), count) for day, count in per_day.items()],
    )
    return figure, documents


def dashboard(scope: Scope, now: datetime | None = None) -> dict:
    now = now or now_utc()
    deadlines, due_documents = coming_deadlines(scope, now)
    return {
        "figures": [
            received_and_answered(scope, now),
            open_per_department(scope, now),
            open_per_official(scope, now),
            median_days_per_type(scope, now),
            deadlines,
        ],
        "due_documents": due_documents,
    }

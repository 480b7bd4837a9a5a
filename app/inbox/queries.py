"""The inbox's lists: views with their counts, sorting, search and server-side paging over open tasks.

Everything is one or two SQL statements over `human_tasks` joined to `documents`: the candidate condition comes
from the user's memberships (app/workflow/candidates.py, answered by the partial indexes on ready tasks), the page
loads the task rows with their document and type only, never the engine state (`workflow_instances.state`)."""

import re
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, lazyload

from app.communication.models import CompletionRequest
from app.dates import now_utc
from app.extensions import db
from app.registry import text_search
from app.registry.models import Document, DocumentType
from app.workflow.candidates import candidate_clause, principals
from app.workflow.models import HumanTask, TaskStatus

PAGE_SIZE = 25
DUE_SOON_DAYS = 5
MAX_QUERY = 200

VIEW_LABELS = {
    "toate": _l("Toate"),
    "ale-mele": _l("Ale mele"),
    "grup": _l("Ale grupului"),
    "scadente": _l("Scadente în 5 zile"),
    "depasite": _l("Termen depășit"),
    "returnate": _l("Returnate mie"),
    "cetatean": _l("Așteaptă cetățeanul"),
}
SORT_LABELS = {"termen": _l("Termen"), "sosire": _l("Data sosirii"), "tip": _l("Tip document")}
NUMBER = re.compile(r"^\s*(\d{1,9})\s*(?:/\s*(?:\d{1,2}\.\d{1,2}\.)?(\d{4}))?\s*$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class InboxQueryError(ValueError):
    """A search the inbox refuses (too long, control characters): shown to the user, nothing is queried."""


@dataclass
class InboxPage:
    view: str
    sort: str
    query: str
    page: int
    tasks: list[HumanTask]
    total: int
    counts: dict[str, int]
    page_size: int = PAGE_SIZE
    error: str | None = None
    waiting: set[int] = field(default_factory=set)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _holder_ids(user_id: int) -> list[int]:
    return [user_id, *(principal_id for principal_id, _ in principals(user_id))]


def _waiting_for_citizen():
    return exists(
        select(CompletionRequest.id).where(
            CompletionRequest.task_id == HumanTask.id, CompletionRequest.status == CompletionRequest.OPEN
        )
    )


def view_conditions(user_id: int) -> dict:
    now = now_utc()
    soon = now + timedelta(days=DUE_SOON_DAYS)
    holders = _holder_ids(user_id)
    overdue = or_(Document.overdue.is_(True), HumanTask.due_at < now)
    return {
        "toate": None,
        "ale-mele": or_(HumanTask.assignee_id.in_(holders), HumanTask.claimed_by_id.in_(holders)),
        "grup": and_(HumanTask.assignee_id.is_(None), HumanTask.claimed_by_id.is_(None)),
        "scadente": and_(HumanTask.due_at >= now, HumanTask.due_at < soon, Document.overdue.is_(False)),
        "depasite": overdue,
        "returnate": HumanTask.returned.is_(True),
        "cetatean": _waiting_for_citizen(),
    }


def search_condition(query: str):
    """Number (`123`, `123/2026`), or a piece of the subject or the sender's name."""
    query = (query or "").strip()
    if not query:
        return None
    if len(query) > MAX_QUERY:
        raise InboxQueryError(_l("Căutarea are cel mult %(n)d de caractere.", n=MAX_QUERY))
    if CONTROL.search(query):
        raise InboxQueryError(_l("Căutarea conține caractere nepermise."))
    number = NUMBER.match(query)
    if number:
        clause = Document.registration_number == int(number.group(1))
        if number.group(2):
            clause = and_(clause, Document.registration_year == int(number.group(2)))
        return clause
    # Every word in the subject or the sender's name, without regard to case or diacritics.
    return text_search.matches(query, Document.subject, Document.sender_name)


def _order(sort: str):
    if sort == "sosire":
        return [HumanTask.created_at.desc(), HumanTask.id.desc()]
    if sort == "tip":
        return [DocumentType.code, HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id]
    return [HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id]


def inbox_page(
    user_id: int, view: str = "toate", sort: str = "termen", query: str = "", page: int = 1
) -> InboxPage:
    view = view if view in VIEW_LABELS else "toate"
    sort = sort if sort in SORT_LABELS else "termen"
    page = page if isinstance(page, int) and page >= 1 else 1
    try:
        search = search_condition(query)
    except InboxQueryError as exc:
        return InboxPage(view, sort, query, 1, [], 0, {}, error=str(exc))
    base = [HumanTask.status == TaskStatus.READY, candidate_clause(user_id)]
    if search is not None:
        base.append(search)
    conditions = view_conditions(user_id)
    counted = [
        func.count(HumanTask.id).filter(cond).label(name)
        if cond is not None
        else func.count(HumanTask.id).label(name)
        for name, cond in conditions.items()
    ]
    row = db.session.execute(
        select(*counted)
        .select_from(HumanTask)
        .join(Document, Document.id == HumanTask.document_id)
        .where(*base)
    ).one()
    counts = dict(zip(conditions, (int(v or 0) for v in row), strict=True))
    where = list(base)
    if conditions[view] is not None:
        where.append(conditions[view])
    total = counts[view]
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    statement = (
        select(HumanTask)
        .join(Document, Document.id == HumanTask.document_id)
        .join(DocumentType, DocumentType.id == Document.document_type_id)
        .where(*where)
        .options(
            contains_eager(HumanTask.document).contains_eager(Document.document_type),
            joinedload(HumanTask.claimed_by),
            lazyload(HumanTask.instance),
        )
        .order_by(*_order(sort))
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    tasks = list(db.session.scalars(statement).unique())
    waiting = (
        set(
            db.session.scalars(
                select(CompletionRequest.task_id).where(
                    CompletionRequest.task_id.in_([t.id for t in tasks]),
                    CompletionRequest.status == CompletionRequest.OPEN,
                )
            )
        )
        if tasks
        else set()
    )
    return InboxPage(view, sort, query, page, tasks, total, counts, waiting=waiting)

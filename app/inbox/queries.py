"""The inbox's lists: views with their counts, sorting, search and server-side paging over open tasks.

Everything is one or two SQL statements over `human_tasks` joined to `documents`: the candidate condition comes
from the user's memberships (app/workflow/candidates.py, answered by the partial indexes on ready tasks), the page
loads the task rows with their document and type only, never the engine state (`workflow_instances.state`)."""

import re
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, literal_column, null, or_, select, union_all
from sqlalchemy.orm import contains_eager, joinedload, lazyload

from app.communication.models import CompletionRequest
from app.dates import now_utc
from app.extensions import db
from app.registry import text_search
from app.registry.models import Document, DocumentType
from app.workflow.candidates import candidate_rows, principals
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


def _open_requests():
    return select(CompletionRequest.task_id).where(
        CompletionRequest.status == CompletionRequest.OPEN, CompletionRequest.task_id.is_not(None)
    )


def _overdue_documents():
    # Few rows (open documents past their legal term), answered by a partial index: one hashed lookup per task.
    # `WHERE overdue`, the index's own predicate (`overdue IS TRUE` would not use it).
    return select(Document.id).where(Document.overdue)


def view_conditions(user_id: int, c, stand_in_for: list[tuple[int, int]]) -> dict:
    """Each view as a condition on the candidate tasks `c` (the columns of `candidates`). "Mine" includes the tasks
    of the colleagues the user stands in for (`stand_in_for`, from `principals`)."""
    now = now_utc()
    soon = now + timedelta(days=DUE_SOON_DAYS)
    holders = [user_id, *(principal_id for principal_id, _ in stand_in_for)]
    return {
        "toate": None,
        "ale-mele": or_(c.assignee_id.in_(holders), c.claimed_by_id.in_(holders)),
        "grup": and_(c.assignee_id.is_(None), c.claimed_by_id.is_(None)),
        "scadente": and_(c.due_at >= now, c.due_at < soon, c.document_id.not_in(_overdue_documents())),
        "depasite": or_(c.document_id.in_(_overdue_documents()), c.due_at < now),
        "returnate": c.returned.is_(True),
        "cetatean": c.id.in_(_open_requests()),
    }


def candidates(user_id: int, stand_in_for: list[tuple[int, int]], search=None):
    """The user's ready tasks, light columns only, as a MATERIALIZED common table expression over one indexed SELECT
    per membership branch (app/workflow/candidates.py): planned on its own, before anything else. Left inline,
    PostgreSQL misjudged how many rows it gives and walked every task by primary key, or hashed the whole documents
    table, looking for a page of 25 (up to 0.6 s at a million tasks)."""
    where = [] if search is None else [HumanTask.document_id.in_(select(Document.id).where(search))]
    rows = candidate_rows(
        [
            HumanTask.id,
            HumanTask.document_id,
            HumanTask.due_at,
            HumanTask.created_at,
            HumanTask.assignee_id,
            HumanTask.claimed_by_id,
            HumanTask.returned,
        ],
        user_id,
        stand_in_for,
        TaskStatus.READY,
        where,
    )
    return rows.cte("candidates").prefix_with("MATERIALIZED")


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
    # Every word in the subject or the sender's name, without regard to case or diacritics (folded once, stored).
    return text_search.in_fields(query, Document.search_text, text_search.SUBJECT, text_search.SENDER)


def _order(sort: str, c):
    if sort == "sosire":
        return [c.created_at.desc(), c.id.desc()]
    if sort == "tip":
        return [DocumentType.code, c.due_at.is_(None), c.due_at, c.id]
    return [c.due_at.is_(None), c.due_at, c.created_at, c.id]


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
    stand_in_for = principals(user_id)
    c = candidates(user_id, stand_in_for, search).c
    conditions = view_conditions(user_id, c, stand_in_for)
    # Every view's count and the page's ids in one statement, so the candidates are found once (with a text search
    # that is most of the page's database time): one row of counts (id NULL), then the page's ids in order.
    ids_query = select(c.id)
    if sort == "tip":
        ids_query = ids_query.join(Document, Document.id == c.document_id).join(
            DocumentType, DocumentType.id == Document.document_type_id
        )
    if conditions[view] is not None:
        ids_query = ids_query.where(conditions[view])
    order = _order(sort, c)

    def page_ids(number: int):
        return (
            ids_query.add_columns(func.row_number().over(order_by=order).label("position"))
            .order_by(*order)
            .offset((number - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
            .subquery("page")
        )

    counted = [
        func.count(c.id).filter(cond).label(name) if cond is not None else func.count(c.id).label(name)
        for name, cond in conditions.items()
    ]
    nothing = [null().label(name) for name in conditions]
    listed = page_ids(page)
    rows = db.session.execute(
        union_all(
            select(*counted, null().label("id"), literal_column("0").label("position")),
            select(*nothing, listed.c.id, listed.c.position),
        ).order_by("position")
    ).all()
    counts = dict(zip(conditions, (int(v or 0) for v in rows[0][: len(conditions)]), strict=True))
    ids = [row.id for row in rows[1:]]
    total = counts[view]
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:  # a page past the end (a stale link) shows the last one
        page = pages
        ids = list(db.session.scalars(select(page_ids(page).c.id).order_by("position")))
    # The page's rows with their document and type in one statement, in the order the ids came.
    position = {task_id: i for i, task_id in enumerate(ids)}
    tasks = sorted(
        db.session.scalars(
            select(HumanTask)
            .join(Document, Document.id == HumanTask.document_id)
            .join(DocumentType, DocumentType.id == Document.document_type_id)
            .where(HumanTask.id.in_(ids or [0]))
            .options(
                contains_eager(HumanTask.document).contains_eager(Document.document_type),
                joinedload(HumanTask.claimed_by),
                lazyload(HumanTask.instance),
            )
        ).unique(),
        key=lambda t: position[t.id],
    )
    waiting = (
        set(db.session.scalars(_open_requests().where(CompletionRequest.task_id.in_(ids)))) if ids else set()
    )
    return InboxPage(view, sort, query, page, tasks, total, counts, waiting=waiting)

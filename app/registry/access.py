"""Who may see a document: its submitter, and staff whose role covers its institution and department."""

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.identity.mandates import approved_companies, may_see_document
from app.identity.models import User
from app.registry.models import Attachment, Document
from app.workflow.models import HumanTask, Incident

# Roles that work with documents. Administrators and process analysts manage the platform, not its files:
# they do not read citizens' documents.
DOCUMENT_ROLES = {"registrator", "referent", "sef_serviciu", "secretar_general", "auditor"}


def staff_can_view(user: User, document: Document) -> bool:
    if not user.is_staff:
        return False
    for m in user.memberships:
        if m.role.code not in DOCUMENT_ROLES or m.institution_id != document.institution_id:
            continue
        if m.department_id is None or m.department_id == document.department_id:
            return True
    # Someone who was given a task on it (an assignee from another department) keeps sight of it.
    return bool(
        db.session.scalar(
            select(HumanTask.id)
            .where(
                HumanTask.document_id == document.id,
                (HumanTask.assignee_id == user.id) | (HumanTask.completed_by_id == user.id),
            )
            .limit(1)
        )
    )


def can_view(user: User, document: Document) -> bool:
    if not user.is_authenticated:
        return False
    if document.submitter_id == user.id:
        return True
    if document.company_id is not None and not user.is_staff:
        return may_see_document(user, document)  # the company's approved representatives
    return staff_can_view(user, document)


def staff_documents_query(user: User):
    """Documents a staff member may list (same rules as staff_can_view, in SQL)."""
    scopes = [(m.institution_id, m.department_id) for m in user.memberships if m.role.code in DOCUMENT_ROLES]
    if not scopes:
        return select(Document).where(Document.id.is_(None))
    clauses = []
    for institution_id, department_id in scopes:
        if department_id is None:
            clauses.append(Document.institution_id == institution_id)
        else:
            clauses.append(
                (Document.institution_id == institution_id) & (Document.department_id == department_id)
            )
    return select(Document).where(or_(*clauses))


def staff_sees_a_document_of(viewer, person) -> bool:
    """Staff may see a person whose submitted documents include one they may see (their institution only)."""
    documents = db.session.scalars(select(Document).where(Document.submitter_id == person.id))
    return any(staff_can_view(viewer, d) for d in documents)


def _visible_condition(user: User):
    company_ids = [c.id for c in approved_companies(user)]
    condition = Document.submitter_id == user.id
    if company_ids:
        condition = or_(condition, Document.company_id.in_(company_ids))
    return condition


def documents_visible_to(user: User) -> list:
    """The person's own documents and those of the companies they represent (approved), newest first."""
    return list(
        db.session.scalars(
            select(Document).where(_visible_condition(user)).order_by(Document.created_at.desc())
        )
    )


@dataclass
class DocumentsPage:
    documents: list
    total: int
    page: int
    pages: int
    answered: set = field(default_factory=set)  # ids of the documents with an answer to download
    delayed: set = field(default_factory=set)  # ids of the documents whose route waits for an operator


def visible_documents_page(user: User, page: int = 1, page_size: int = 25) -> DocumentsPage:
    """One page of `documents_visible_to`, newest first, with what the list shows of each document (type,
    institution, answer, delay) in a fixed number of statements, whatever the page's length."""
    condition = _visible_condition(user)
    total = db.session.scalar(select(func.count(Document.id)).where(condition)) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    documents = list(
        db.session.scalars(
            select(Document)
            .where(condition)
            .options(joinedload(Document.document_type), joinedload(Document.institution))
            .order_by(Document.created_at.desc(), Document.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    ids = [d.id for d in documents] or [0]
    answered = set(
        db.session.scalars(
            select(Attachment.document_id).where(
                Attachment.document_id.in_(ids), Attachment.kind == Attachment.ANSWER
            )
        )
    )
    delayed = set(
        db.session.scalars(
            select(Incident.document_id).where(Incident.document_id.in_(ids), Incident.resolved_at.is_(None))
        )
    )
    return DocumentsPage(documents, total, page, pages, answered, delayed)

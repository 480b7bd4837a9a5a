"""In-app notices for staff about a document's deadline."""

from flask_babel import gettext as _
from sqlalchemy import select

from app.dates import format_date
from app.extensions import db
from app.identity.models import Membership, Role, User
from app.notifications.models import Notification
from app.registry.models import Document
from app.workflow.models import HumanTask, TaskStatus


def document_handlers(document: Document) -> list[User]:
    """Holders of the document's open tasks plus the heads of its department."""
    users: dict[int, User] = {}
    for task in db.session.scalars(
        select(HumanTask).where(HumanTask.document_id == document.id, HumanTask.status == TaskStatus.READY)
    ):
        if task.holder is not None and task.holder.is_staff:
            users[task.holder.id] = task.holder
    if document.department_id is not None:
        heads = db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(Role, Role.id == Membership.role_id)
            .where(Role.code == "sef_serviciu", Membership.department_id == document.department_id)
        )
        for head in heads:
            users[head.id] = head
    return list(users.values())


def notify_document_handlers(document: Document, kind: str) -> list[Notification]:
    label = document.registration_label
    deadline = format_date(document.deadline_at)
    if kind == "overdue":
        message = _("Documentul nr. %(nr)s a depășit termenul legal (%(date)s).", nr=label, date=deadline)
    else:
        message = _("Documentul nr. %(nr)s: termenul legal expiră la %(date)s.", nr=label, date=deadline)
    notices = [
        Notification(user_id=u.id, document_id=document.id, message=message)
        for u in document_handlers(document)
    ]
    db.session.add_all(notices)
    return notices


def notify_incident(document, plain: str) -> None:
    """In-app notices: the institution's analysts, and whoever holds the document (holders and heads)."""
    people: dict[int, User] = {u.id: u for u in document_handlers(document)}
    for analyst in db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id)
        .where(Role.code == "analist", Membership.institution_id == document.institution_id)
    ):
        people[analyst.id] = analyst
    label = document.registration_label or document.subject
    message = _("Incident pe traseul documentului %(nr)s: %(error)s", nr=label, error=plain)[:1000]
    db.session.add_all(
        Notification(user_id=user_id, document_id=document.id, message=message) for user_id in people
    )

"""The staff's comment thread on a document: informal, plain text, @username mentions notify the mentioned
colleague in the inbox, but only colleagues who may see the document (a mention is not a way to share it).
Never shown to the citizen: only staff pages include the thread, and no citizen endpoint or API reads it."""

import re

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import record
from app.communication.models import StaffComment
from app.communication.requests import MAX_MESSAGE, CommunicationError
from app.extensions import db
from app.identity.models import User
from app.notifications.models import Notification
from app.registry.access import staff_can_view
from app.registry.models import Document

STAFF_COMMENT = "staff_comment"
_MENTION = re.compile(r"(?<![\w.])@([A-Za-z0-9][A-Za-z0-9._-]{0,79})")


def comments_for(document: Document) -> list[StaffComment]:
    return list(
        db.session.scalars(
            select(StaffComment).where(StaffComment.document_id == document.id).order_by(StaffComment.id)
        )
    )


def mentioned_users(text: str, document: Document, author: User) -> list[User]:
    names = {name.rstrip("._-") for name in _MENTION.findall(text)}
    if not names:
        return []
    users = db.session.scalars(select(User).where(User.username.in_(names))).all()
    return [u for u in users if u.id != author.id and u.is_staff and staff_can_view(u, document)]


def add_comment(document: Document, author: User, text: str) -> StaffComment:
    text = (text or "").strip()
    if not text:
        raise CommunicationError(_("Scrieți comentariul."))
    if len(text) > MAX_MESSAGE:
        raise CommunicationError(_("Comentariul este prea lung (cel mult 4000 de caractere)."))
    mentioned = mentioned_users(text, document, author)
    comment = StaffComment(
        document_id=document.id, author_id=author.id, body=text, mentions=[u.username for u in mentioned]
    )
    db.session.add(comment)
    label = document.registration_label or document.subject
    for user in mentioned:
        db.session.add(
            Notification(
                user_id=user.id,
                document_id=document.id,
                message=_(
                    "%(name)s v-a menționat într-un comentariu la documentul nr. %(nr)s.",
                    name=author.full_name,
                    nr=label,
                ),
            )
        )
    record(STAFF_COMMENT, actor=author, document=document, data={"mentions": comment.mentions})
    return comment

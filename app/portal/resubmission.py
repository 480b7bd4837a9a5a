"""Back, then Send again: the browser may show the form anew (with a new submission key), so the key alone does not
catch it. A submission identical to one the same person registered minutes ago (same type, institution, company
and typed data) is the same submission: the person is shown the first one instead of a second number."""

from datetime import timedelta

from sqlalchemy import select

from app.dates import now_utc
from app.extensions import db
from app.registry.models import Document

WINDOW = timedelta(minutes=30)


def recent_duplicate(
    user, institution_id: int, doc_type_id: int, company_id: int | None, subject: str, content: str | None
) -> Document | None:
    since = now_utc() - WINDOW
    candidates = db.session.scalars(
        select(Document)
        .where(
            Document.submitter_id == user.id,
            Document.institution_id == institution_id,
            Document.document_type_id == doc_type_id,
            Document.created_at >= since,
        )
        .order_by(Document.created_at.desc())
        .limit(20)
    )
    for document in candidates:
        if (
            document.company_id == company_id
            and (document.subject or "") == (subject or "")
            and (document.content or "") == (content or "")
        ):
            return document
    return None

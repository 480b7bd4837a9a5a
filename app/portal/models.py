"""Portal state of its own: submission drafts and the failed guesses on the public tracking page."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dates import now_utc
from app.extensions import JsonType, db
from app.identity.models import Institution, User
from app.registry.models import DocumentType


class SubmissionDraft(db.Model):
    """A form a citizen saved to finish later. Only the typed data is kept: files are chosen again at submission
    (a phone's camera photo is taken when sending, and unsent files would sit unreferenced in the store)."""

    __tablename__ = "submission_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    document_type_id: Mapped[int] = mapped_column(ForeignKey("document_types.id"))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    data: Mapped[dict] = mapped_column(JsonType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    user: Mapped[User] = relationship()
    document_type: Mapped[DocumentType] = relationship()
    institution: Mapped[Institution | None] = relationship()


class TrackingAttempt(db.Model):
    """A failed look-up on the public tracking page. Counted per IP and per number in a window, in the database,
    so the limit holds across workers and in tests (where Flask-Limiter is off)."""

    __tablename__ = "tracking_attempts"
    __table_args__ = (
        Index("ix_tracking_attempts_ip_at", "ip", "at"),
        Index("ix_tracking_attempts_number_at", "number", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ip: Mapped[str] = mapped_column(String(45))
    number: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(default=now_utc)


def drafts_of(user) -> list[SubmissionDraft]:
    """A person's drafts, newest first."""
    return db.session.scalars(
        select(SubmissionDraft)
        .where(SubmissionDraft.user_id == user.id)
        .order_by(SubmissionDraft.updated_at.desc())
    ).all()

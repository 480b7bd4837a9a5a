"""Outgoing letters and the documents they connect."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dates import now_utc
from app.extensions import JsonType, db
from app.identity.models import Institution, User
from app.registry.models import Document


class OutgoingLetter(db.Model):
    """One letter registered as outgoing (direction "iesire") at the sending institution. Addressed to another
    institution on the platform it is also registered there as incoming, and the two numbers point at each other;
    addressed to a person it has no incoming side. `source_document` is the document it answers or forwards."""

    __tablename__ = "outgoing_letters"
    id: Mapped[int] = mapped_column(primary_key=True)
    outgoing_document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    incoming_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), unique=True)
    source_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    from_institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    to_institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_address: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    outgoing_document: Mapped[Document] = relationship(foreign_keys=[outgoing_document_id])
    incoming_document: Mapped[Document | None] = relationship(foreign_keys=[incoming_document_id])
    source_document: Mapped[Document | None] = relationship(foreign_keys=[source_document_id])
    from_institution: Mapped[Institution] = relationship(foreign_keys=[from_institution_id])
    to_institution: Mapped[Institution | None] = relationship(foreign_keys=[to_institution_id])
    created_by: Mapped[User] = relationship()


class DraftStatus:
    WAITING = "de_aprobat"  # waiting for the head's decision
    RETURNED = "returnata"  # sent back with comments; the author redrafts
    APPROVED = "aprobata"  # the author signs and sends it
    SENT = "trimisa"  # signed, e-sealed, registered: `letter` links the outgoing document


class LetterDraft(db.Model):
    """An outgoing letter before it leaves: drafted by an official, read as the PDF letter and approved (or returned
    with comments) by the head of the department or the secretary general, then signed by its author and e-sealed.
    Only then is it registered (`OutgoingLetter`); a draft takes no number."""

    __tablename__ = "letter_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    source_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    to_institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_address: Mapped[str | None] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    include_source_files: Mapped[bool] = mapped_column(default=False)
    files: Mapped[list | None] = mapped_column(JsonType)  # [{"name", "sha256"}] already checked and stored
    status: Mapped[str] = mapped_column(String(20), default=DraftStatus.WAITING, index=True)
    comments: Mapped[str | None] = mapped_column(Text)  # the head's comments when returning it
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_letters.id"))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc)

    institution: Mapped[Institution] = relationship(foreign_keys=[institution_id])
    to_institution: Mapped[Institution | None] = relationship(foreign_keys=[to_institution_id])
    source_document: Mapped[Document | None] = relationship(foreign_keys=[source_document_id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    letter: Mapped[OutgoingLetter | None] = relationship()

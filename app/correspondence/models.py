"""Outgoing letters and the documents they connect."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dates import now_utc
from app.extensions import db
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

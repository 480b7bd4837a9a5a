"""The register: document types, documents with their registration numbers, and attached files."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dates import format_date, now_utc
from app.extensions import db
from app.identity.models import Department, Institution, User

JsonType = JSON().with_variant(JSONB(), "postgresql")


class DocumentType(db.Model):
    """Loaded from a manifest in processes/: what citizens or staff can submit and which route it takes."""

    __tablename__ = "document_types"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_ro: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_ro: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    process_id: Mapped[str] = mapped_column(String(100))
    legal_basis: Mapped[str] = mapped_column(String(200), default="")
    deadline_days: Mapped[int | None]
    deadline_working_days: Mapped[bool] = mapped_column(default=False)
    citizen_can_submit: Mapped[bool] = mapped_column(default=True)
    subject_field: Mapped[str] = mapped_column(String(60), default="subiect")
    content_field: Mapped[str | None] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(default=True)

    def name(self, locale: str = "ro") -> str:
        return self.name_en if locale == "en" else self.name_ro

    def description(self, locale: str = "ro") -> str:
        return self.description_en if locale == "en" else self.description_ro


class RegistrationCounter(db.Model):
    """One row per institution and year; incremented inside the registering transaction, so a rollback
    gives the number back and the sequence has no gaps."""

    __tablename__ = "registration_counters"
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class DocumentStatus:
    SUBMITTED = "depus"
    REGISTERED = "inregistrat"
    IN_PROGRESS = "in_lucru"
    RESOLVED = "solutionat"
    CLOSED_NO_ACTION = "clasat"
    ERROR = "eroare"
    CLOSED = (RESOLVED, CLOSED_NO_ACTION)


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("institution_id", "registration_year", "registration_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # Opaque id for URLs: numbers would let anyone enumerate documents.
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    document_type_id: Mapped[int] = mapped_column(ForeignKey("document_types.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    direction: Mapped[str] = mapped_column(String(10), default="intrare")
    sender_name: Mapped[str] = mapped_column(String(200))
    sender_email: Mapped[str | None] = mapped_column(String(254))
    sender_address: Mapped[str | None] = mapped_column(String(300))
    # Given at submission: with the registration number it opens the tracking page without an account.
    sender_phone: Mapped[str | None] = mapped_column(String(30))
    # How it arrived: portal, api, hartie (scanned at the desk) or institutie (sent by another institution).
    channel: Mapped[str] = mapped_column(String(20), default="portal")
    # Hash of the access code printed on the receipt / sent by e-mail (the code itself is never stored).
    access_code_hash: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    content: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=DocumentStatus.SUBMITTED, index=True)
    resolution: Mapped[str | None] = mapped_column(Text)
    registration_number: Mapped[int | None]
    registration_year: Mapped[int | None]
    registered_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]
    overdue: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    closed_at: Mapped[datetime | None]
    # Set by the submitting form (or the API's Idempotency-Key): a double submit finds the first document.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    institution: Mapped[Institution] = relationship()
    document_type: Mapped[DocumentType] = relationship()
    department: Mapped[Department | None] = relationship()
    submitter: Mapped[User | None] = relationship()
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="document", order_by="Attachment.id"
    )

    @property
    def registration_label(self) -> str:
        """Displayed as 123/21.11.2026 (number / registration date)."""
        if self.registration_number is None:
            return ""
        return f"{self.registration_number}/{format_date(self.registered_at)}"

    @property
    def is_closed(self) -> bool:
        return self.status in DocumentStatus.CLOSED

    def answer(self) -> "Attachment | None":
        answers = [a for a in self.attachments if a.kind == Attachment.ANSWER]
        return answers[-1] if answers else None


class Attachment(db.Model):
    """A file of a document. The bytes live in the content-addressed store under their sha256."""

    SUBMISSION = "depunere"
    ANSWER = "raspuns"

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    document: Mapped[Document] = relationship(back_populates="attachments")

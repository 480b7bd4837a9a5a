"""The electronic archive (Law 16/1996, Law 135/2007): the file plan, the yearly files (dosare), the frozen
archive records with their items, fixity runs, disposals and the permanent record of what was destroyed.

`archive_records`, `archive_items` and `archive_destructions` are insert-only: a PostgreSQL trigger refuses
UPDATE and DELETE (migration 0008). A disposal never edits a record: it deletes the blobs and inserts a
destruction row, so what was destroyed stays described forever."""

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, func, literal_column, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dates import now_utc
from app.extensions import db
from app.identity.models import Department, Institution, User
from app.registry.models import Document, DocumentType

JsonType = JSON().with_variant(JSONB(), "postgresql")

RETENTION_CHOICES = (1, 3, 5, 10, 30, 50, 100)  # years; None = permanent


def _public_id() -> str:
    return uuid.uuid4().hex


class FileClass(db.Model):
    """One line of the file plan (nomenclator arhivistic): a class of files of a department and its retention."""

    __tablename__ = "archive_file_classes"
    __table_args__ = (UniqueConstraint("institution_id", "department_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    retention_years: Mapped[int | None]  # None = permanent
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    institution: Mapped[Institution] = relationship()
    department: Mapped[Department | None] = relationship()

    @property
    def permanent(self) -> bool:
        return self.retention_years is None


class ClassMapping(db.Model):
    """Which file class a document type's documents go to, per department (NULL = any department)."""

    __tablename__ = "archive_class_mappings"
    __table_args__ = (UniqueConstraint("institution_id", "document_type_id", "department_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    document_type_id: Mapped[int] = mapped_column(ForeignKey("document_types.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    file_class_id: Mapped[int] = mapped_column(ForeignKey("archive_file_classes.id"))

    document_type: Mapped[DocumentType] = relationship()
    file_class: Mapped[FileClass] = relationship()


class FileStatus:
    OPEN = "deschis"
    CLOSED = "inchis"
    DESTROYED = "eliminat"


class ArchiveFile(db.Model):
    """A file (dosar): the records of one class, one department and one year. Created when its first record
    arrives; closed by the archivist (then exportable); its retention runs from the 1st of January after its year."""

    __tablename__ = "archive_files"
    __table_args__ = (UniqueConstraint("file_class_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=_public_id)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    file_class_id: Mapped[int] = mapped_column(ForeignKey("archive_file_classes.id"), index=True)
    year: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=FileStatus.OPEN)
    retention_until: Mapped[date | None]  # None = permanent
    closed_at: Mapped[datetime | None]
    legal_hold_reason: Mapped[str | None] = mapped_column(Text)
    legal_hold_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    institution: Mapped[Institution] = relationship()
    file_class: Mapped[FileClass] = relationship()
    records: Mapped[list["ArchiveRecord"]] = relationship(
        back_populates="archive_file", order_by="ArchiveRecord.id"
    )

    @property
    def label(self) -> str:
        return f"{self.file_class.code}/{self.year}"

    @property
    def on_hold(self) -> bool:
        return self.legal_hold_reason is not None


class ArchiveRecord(db.Model):
    """A closed document frozen into the archive with its record card (Law 135/2007). Insert-only."""

    __tablename__ = "archive_records"
    __table_args__ = (
        # Full-text search with the Romanian configuration (PostgreSQL only; see migration 0008).
        Index(
            "ix_archive_records_fts",
            func.to_tsvector(literal_column("'romanian'"), text("search_text")),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=_public_id)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    archive_file_id: Mapped[int] = mapped_column(ForeignKey("archive_files.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    registration_label: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    card: Mapped[dict] = mapped_column(JsonType)
    # What full-text search reads (subject, content, resolution, card keywords); indexed with the 'romanian'
    # configuration on PostgreSQL (expression index in migration 0008).
    search_text: Mapped[str] = mapped_column(Text, default="")
    archived_at: Mapped[datetime] = mapped_column(default=now_utc)

    document: Mapped[Document] = relationship()
    archive_file: Mapped[ArchiveFile] = relationship(back_populates="records")
    items: Mapped[list["ArchiveItem"]] = relationship(back_populates="record", order_by="ArchiveItem.id")


class ItemKind:
    ORIGINAL = "original"  # a file of the document as it was (submission attachments, the answer)
    LTA = "original_blta"  # a signed PDF upgraded to PAdES B-LTA with validation data
    RENEWED = "blta_reinnoit"  # a later document timestamp over the previous B-LTA file
    VALIDATION = "raport_validare"  # signature validation reports (JSON)
    AUDIT = "extras_audit"  # the document's audit entries (JSON)
    CARD = "fisa_arhivare"  # the record card (JSON)


class ArchiveItem(db.Model):
    """One stored file of a record. Insert-only; a renewed timestamp is a new item naming the one it extends."""

    __tablename__ = "archive_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("archive_records.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("archive_items.id"))
    # For a B-LTA file: when the certificate of its last document timestamp expires (renew before).
    timestamp_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    record: Mapped[ArchiveRecord] = relationship(back_populates="items")


class FixityRun(db.Model):
    """One pass of the fixity check: every archived blob re-hashed; problems listed."""

    __tablename__ = "archive_fixity_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=now_utc)
    finished_at: Mapped[datetime | None]
    checked: Mapped[int] = mapped_column(default=0)
    problems: Mapped[list] = mapped_column(JsonType, default=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class DisposalStatus:
    PROPOSED = "propusa"
    EXECUTED = "executata"
    REJECTED = "respinsa"


class Disposal(db.Model):
    """A disposal proposal, carried by its own document on the `eliminare-arhiva` route."""

    __tablename__ = "archive_disposals"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    file_ids: Mapped[list] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(20), default=DisposalStatus.PROPOSED)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    report_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    document: Mapped[Document] = relationship()
    proposed_by: Mapped[User | None] = relationship()


class Destruction(db.Model):
    """What was destroyed, kept forever (insert-only): the file, every record and blob, and the signed report."""

    __tablename__ = "archive_destructions"
    id: Mapped[int] = mapped_column(primary_key=True)
    disposal_id: Mapped[int] = mapped_column(ForeignKey("archive_disposals.id"), index=True)
    archive_file_id: Mapped[int] = mapped_column(ForeignKey("archive_files.id"), unique=True)
    description: Mapped[dict] = mapped_column(JsonType)
    report_sha256: Mapped[str] = mapped_column(String(64))
    destroyed_at: Mapped[datetime] = mapped_column(default=now_utc)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


Index("ix_archive_files_institution_year", ArchiveFile.institution_id, ArchiveFile.year)

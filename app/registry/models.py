"""The register: document types, documents with their registration numbers, and attached files."""

import uuid
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE

from app.audit.log import FILE_ADDED, record
from app.dates import as_utc, format_date, now_utc
from app.extensions import db
from app.identity.models import Company, Department, Institution, User
from app.registry import text_search


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


class Direction:
    """The register records incoming, outgoing and internal documents (art. 9: one register for all three)."""

    INCOMING = "intrare"
    OUTGOING = "iesire"
    INTERNAL = "intern"
    ALL = (INCOMING, OUTGOING, INTERNAL)


class DocumentStatus:
    SUBMITTED = "depus"
    REGISTERED = "inregistrat"
    IN_PROGRESS = "in_lucru"
    RESOLVED = "solutionat"
    CLOSED_NO_ACTION = "clasat"
    ERROR = "eroare"
    # Set by an annulment (registry.entries.annul): the entry and its number stay visible, never reused.
    ANNULLED = "anulat"
    CLOSED = (RESOLVED, CLOSED_NO_ACTION)


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("institution_id", "registration_year", "registration_number"),
        CheckConstraint("direction IN ('intrare', 'iesire', 'intern')", name="direction"),
        # Search as clerks type (app/registry/text_search.py): one trigram index over the folded subject, sender
        # and recipient (search_text).
        Index(
            "ix_documents_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        # The inbox's "overdue" and "due soon" views look the few overdue documents up once per page.
        Index(
            "ix_documents_overdue",
            "id",
            postgresql_where=text("overdue"),
            sqlite_where=text("overdue"),
        ),
    )
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
    # How the answer goes out (OUG 38/2020: electronic unless paper is asked for): "electronic" or "hartie".
    answer_by: Mapped[str] = mapped_column(String(20), default="electronic", server_default="electronic")
    # The register entry (art. 9 of the 1996 National Archives instructions); the number, date, sender and
    # subject above complete it. The register is the general one unless a departmental register was chosen.
    register_id: Mapped[int | None] = mapped_column(ForeignKey("registers.id"), index=True)
    sender_reference: Mapped[str | None] = mapped_column(String(60))  # the sender's own number ...
    sender_reference_date: Mapped[date | None]  # ... and date
    page_count: Mapped[int | None]
    annex_count: Mapped[int | None]
    # The answer takes this entry's number: it is recorded here (registry.entries.record_dispatch).
    dispatched_at: Mapped[datetime | None]
    recipient: Mapped[str | None] = mapped_column(String(300))
    # Conexare: documents on the same matter point to the first one (registry.entries.link).
    linked_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    file_code: Mapped[str | None] = mapped_column(String(60))  # dosar / indicativ from the file plan
    # Submitted on behalf of this company by an approved representative (all its representatives see it).
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    # Subject, sender and recipient without case or diacritics, one per line, for the register and inbox searches
    # (text_search.document_text). Written at every insert and whenever one of them changes (_fold_search_text);
    # deferred: only queries read it.
    search_text: Mapped[str] = mapped_column(Text, deferred=True)

    institution: Mapped[Institution] = relationship()
    document_type: Mapped[DocumentType] = relationship()
    department: Mapped[Department | None] = relationship()
    submitter: Mapped[User | None] = relationship()
    company: Mapped[Company | None] = relationship()
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="document", order_by="Attachment.id"
    )
    register: Mapped["Register | None"] = relationship()
    linked_document: Mapped["Document | None"] = relationship(
        remote_side=[id], foreign_keys=[linked_document_id]
    )
    annulment: Mapped["DocumentAnnulment | None"] = relationship(back_populates="document", viewonly=True)

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


class RegistryError(Exception):
    """A refused register operation; the message is Romanian and shown to the user as is. Nothing was changed."""


class Register(db.Model):
    """A register of an institution: the general one (created on demand) and optional departmental ones. All
    registers of an institution draw from its one counter, so a number never repeats across registers."""

    GENERAL = "general"

    __tablename__ = "registers"
    __table_args__ = (UniqueConstraint("institution_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    institution: Mapped[Institution] = relationship()
    department: Mapped[Department | None] = relationship()


class DocumentAnnulment(db.Model):
    """The correction of a registration mistake: the entry stays, marked annulled, with who, when and why.
    Append-only (a PostgreSQL trigger refuses UPDATE and DELETE); one per document."""

    __tablename__ = "document_annulments"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    operator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    annulled_at: Mapped[datetime] = mapped_column(default=now_utc)
    document: Mapped[Document] = relationship(back_populates="annulment")
    operator: Mapped[User] = relationship()


class RegisterDay(db.Model):
    """A frozen day of an institution's register: its PDF (content-addressed store) is the record of the day;
    no document can be registered with that date afterwards. Append-only like the history."""

    __tablename__ = "register_days"
    __table_args__ = (UniqueConstraint("institution_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    day: Mapped[date]
    frozen_at: Mapped[datetime] = mapped_column(default=now_utc)
    entry_count: Mapped[int] = mapped_column(default=0)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    institution: Mapped[Institution] = relationship()


# Number, date, sender and subject of a registered entry never change (a mistake is annulled, not edited); the
# institution and register too, since the number belongs to their sequence. The same rule is a PostgreSQL
# trigger (migration 0004); this check gives the clear message at the assignment, before anything is flushed.
IMMUTABLE_AFTER_REGISTRATION = (
    "registration_number",
    "registration_year",
    "registered_at",
    "sender_name",
    "subject",
    "institution_id",
    "register_id",
)
IMMUTABLE_LABELS = {
    "registration_number": _l("numărul de înregistrare"),
    "registration_year": _l("anul înregistrării"),
    "registered_at": _l("data înregistrării"),
    "sender_name": _l("expeditorul"),
    "subject": _l("subiectul"),
    "institution_id": _l("instituția"),
    "register_id": _l("registrul"),
}


def _refuse_change_after_registration(name: str):
    def guard(target: Document, value, oldvalue, _initiator):
        # The first assignment (at creation, or at registration) is free; only a change of a set value is refused.
        if oldvalue is None or not _is_loaded(oldvalue) or value == oldvalue:
            return value
        if name == "registered_at" and value is not None and _same_moment(value, oldvalue):
            return value
        registered = oldvalue if name == "registration_number" else target.registration_number
        if registered is None:
            return value
        raise RegistryError(
            _(
                "Documentul nr. %(label)s este înregistrat: %(field)s nu se mai poate modifica. O greșeală se "
                "corectează prin anularea înregistrării, cu motiv.",
                label=target.registration_label,
                field=IMMUTABLE_LABELS[name],
            )
        )

    return guard


def _is_loaded(value) -> bool:
    return value is not NO_VALUE and value is not NEVER_SET


def _same_moment(a: datetime, b: datetime) -> bool:
    return as_utc(a) == as_utc(b)


for _name in IMMUTABLE_AFTER_REGISTRATION:
    event.listen(
        getattr(Document, _name),
        "set",
        _refuse_change_after_registration(_name),
        active_history=True,
        retval=True,
    )


SEARCHED = ("subject", "sender_name", "recipient")


def _fold_search_text(_mapper, _connection, document: Document) -> None:
    """Every writer of a document (intake, portal and API, outgoing letters, letters between institutions, the
    demo) goes through the ORM, so this is the one place search_text is kept in step with the fields it folds."""
    state = inspect(document)
    if state.has_identity and not any(state.attrs[name].history.has_changes() for name in SEARCHED):
        return
    document.search_text = text_search.document_text(
        document.subject, document.sender_name, document.recipient
    )


event.listen(Document, "before_insert", _fold_search_text)
event.listen(Document, "before_update", _fold_search_text)


def _institution_of(session, connection, document_id: int) -> int | None:
    """The document's institution: from the session when the document is loaded there (a new submission's is),
    else read."""
    from sqlalchemy.orm.util import identity_key

    loaded = session.identity_map.get(identity_key(Document, document_id))
    if loaded is not None and "institution_id" in loaded.__dict__:
        return loaded.institution_id
    return connection.scalar(select(Document.institution_id).where(Document.id == document_id))


def _attachment_added(mapper, connection, attachment: Attachment) -> None:
    """Every file any package attaches to a document (uploads, answers, signed versions) is logged with its hash."""
    from sqlalchemy.orm import object_session

    session = object_session(attachment)
    if session is None:
        return
    record(
        FILE_ADDED,
        document_id=attachment.document_id,
        institution_id=_institution_of(session, connection, attachment.document_id),
        target=attachment.filename,
        data={
            "attachment": attachment.public_id,
            "kind": attachment.kind,
            "sha256": attachment.sha256,
            "size": attachment.size,
            "content_type": attachment.content_type,
            "uploaded_by_id": attachment.uploaded_by_id,
        },
        session=session,
    )


def install_audit_hooks() -> None:
    if not event.contains(Attachment, "after_insert", _attachment_added):
        event.listen(Attachment, "after_insert", _attachment_added)

"""Which document types each institution has enabled, and under which file code (nomenclator arhivistic).

Document types are shared files (processes/), but each institution is its own creator of documents (Law 16/1996):
it decides which types it receives and files them under its own file plan. A type without a row here is not
enabled: an institution joining the platform receives nothing until it says so."""

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.identity.models import Institution
from app.registry.models import DocumentType


class InstitutionDocumentType(db.Model):
    __tablename__ = "institution_document_types"
    __table_args__ = (UniqueConstraint("institution_id", "document_type_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    document_type_id: Mapped[int] = mapped_column(ForeignKey("document_types.id"))
    enabled: Mapped[bool] = mapped_column(default=True)
    # The class in the institution's own file plan, e.g. "II-1"; empty = the manifest's suggestion applies.
    file_code: Mapped[str] = mapped_column(String(40), default="")
    institution: Mapped[Institution] = relationship()
    document_type: Mapped[DocumentType] = relationship()


def _enabled_query():
    return (
        select(Institution, DocumentType)
        .join(InstitutionDocumentType, InstitutionDocumentType.institution_id == Institution.id)
        .join(DocumentType, DocumentType.id == InstitutionDocumentType.document_type_id)
        .where(InstitutionDocumentType.enabled.is_(True), DocumentType.active.is_(True))
        .order_by(Institution.name, DocumentType.name_ro)
    )


def enabled_types(
    institution: Institution | None = None, citizen_can_submit: bool | None = None
) -> list[tuple[Institution, DocumentType]]:
    """(institution, type) pairs enabled and active; one institution's, or every institution's when None.
    `citizen_can_submit` True/False keeps only the types citizens may / may not submit (internal memos)."""
    query = _enabled_query()
    if institution is not None:
        query = query.where(Institution.id == institution.id)
    if citizen_can_submit is not None:
        query = query.where(DocumentType.citizen_can_submit.is_(citizen_can_submit))
    return [(i, t) for i, t in db.session.execute(query).all()]


def is_enabled(institution: Institution, doc_type: DocumentType) -> bool:
    """True when the institution receives this (active) type."""
    return bool(
        db.session.scalar(
            select(InstitutionDocumentType.id)
            .join(DocumentType, DocumentType.id == InstitutionDocumentType.document_type_id)
            .where(
                InstitutionDocumentType.institution_id == institution.id,
                InstitutionDocumentType.document_type_id == doc_type.id,
                InstitutionDocumentType.enabled.is_(True),
                DocumentType.active.is_(True),
            )
        )
    )


def file_code(institution: Institution, doc_type: DocumentType) -> str:
    """The institution's file code for this type ("" when none was set)."""
    return (
        db.session.scalar(
            select(InstitutionDocumentType.file_code).where(
                InstitutionDocumentType.institution_id == institution.id,
                InstitutionDocumentType.document_type_id == doc_type.id,
            )
        )
        or ""
    )


def enable(institution: Institution, doc_type: DocumentType, file_code: str = "", enabled: bool = True):
    """Enable (or disable) a type for an institution; idempotent. The caller commits."""
    row = db.session.scalar(
        select(InstitutionDocumentType).where(
            InstitutionDocumentType.institution_id == institution.id,
            InstitutionDocumentType.document_type_id == doc_type.id,
        )
    )
    if row is None:
        row = InstitutionDocumentType(
            institution_id=institution.id, document_type_id=doc_type.id, file_code=file_code, enabled=enabled
        )
        db.session.add(row)
    else:
        row.enabled = enabled
        if file_code:
            row.file_code = file_code
    db.session.flush()
    return row


def upsert_document_type(manifest: dict) -> DocumentType:
    """A deployed manifest's names, deadline and submission rules, copied into document_types."""
    doc_type = db.session.scalar(db.select(DocumentType).where(DocumentType.code == manifest["code"]))
    if doc_type is None:
        doc_type = DocumentType(code=manifest["code"])
        db.session.add(doc_type)
    names = manifest["name"]
    descriptions = manifest.get("description", {})
    deadline = manifest.get("deadline") or {}
    doc_type.name_ro = names.get("ro", manifest["code"])
    doc_type.name_en = names.get("en", doc_type.name_ro)
    doc_type.description_ro = descriptions.get("ro", "")
    doc_type.description_en = descriptions.get("en", doc_type.description_ro)
    doc_type.process_id = manifest["process_id"]
    doc_type.legal_basis = manifest.get("legal_basis", "")
    doc_type.deadline_days = deadline.get("days")
    doc_type.deadline_working_days = bool(deadline.get("working_days", False))
    doc_type.citizen_can_submit = manifest.get("who_may_submit", "citizen") == "citizen"
    doc_type.subject_field = manifest.get("subject_field", "subiect")
    doc_type.content_field = manifest.get("content_field")
    return doc_type

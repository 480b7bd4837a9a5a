"""Signing keys, answers being signed in sequence, stored validation reports and citizens' e-mail confirmations."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, event, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit.log import SIGNATURE_VALIDATED, record
from app.dates import now_utc
from app.extensions import JsonType, db
from app.identity.models import Institution, User
from app.registry.models import Attachment, Document


class CredentialKind:
    PKCS12 = "pkcs12"  # a key file uploaded by an administrator, encrypted at rest
    PKCS11 = "pkcs11"  # a token or HSM: the key never leaves it
    ALL = (PKCS12, PKCS11)


class SigningCredential(db.Model):
    """A key a person (user_id) or an institution's e-seal (institution_id) signs with.

    For PKCS#12, `secret_blob` holds the file encrypted with SIGNING_KEY_ENCRYPTION_KEY. `passphrase_blob` holds
    the file's passphrase (PKCS#12) or the token's user PIN (PKCS#11), encrypted the same way; NULL means the
    signer types it at every signature and it is never stored."""

    __tablename__ = "signing_credentials"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(200))
    certificate_der: Mapped[bytes] = mapped_column(LargeBinary)
    chain_der: Mapped[list] = mapped_column(JsonType, default=list)  # base64 DER of the issuing CAs
    subject: Mapped[str] = mapped_column(String(400))
    issuer: Mapped[str] = mapped_column(String(400))
    serial: Mapped[str] = mapped_column(String(80))
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the certificate
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    secret_blob: Mapped[bytes | None] = mapped_column(LargeBinary)
    passphrase_blob: Mapped[bytes | None] = mapped_column(LargeBinary)
    token_label: Mapped[str | None] = mapped_column(String(100))
    key_label: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    institution: Mapped[Institution | None] = relationship()

    @property
    def asks_passphrase(self) -> bool:
        return self.passphrase_blob is None


class SignatureRequestStatus:
    SIGNING = "in_semnare"
    SIGNED = "semnat"


class SignatureRequest(db.Model):
    """An outgoing PDF being signed by several people in a fixed order.

    `fields` lists the planned signers in order: [{"field", "user_id", "username", "name", "function", "role",
    "box": [page, x1, y1, x2, y2], "signed_at", "sha256"}]. `current_sha256` is the latest version in the file
    store: the rendered PDF with empty fields, then one incremental update per signature."""

    __tablename__ = "signature_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(200))
    original_sha256: Mapped[str] = mapped_column(String(64))
    current_sha256: Mapped[str] = mapped_column(String(64))
    fields: Mapped[list] = mapped_column(JsonType, default=list)
    status: Mapped[str] = mapped_column(String(20), default=SignatureRequestStatus.SIGNING)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    completed_at: Mapped[datetime | None]
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))

    document: Mapped[Document] = relationship()
    attachment: Mapped[Attachment | None] = relationship()

    def next_field(self) -> dict | None:
        return next((f for f in self.fields if not f.get("signed_at")), None)


class ReportStatus:
    VALID = "valid"
    INDETERMINATE = "nedeterminat"
    INVALID = "invalid"


class SignatureReport(db.Model):
    """The validation of one signed PDF at one moment, kept as evidence and shown on the document pages.

    `signatures` holds one entry per signature or document timestamp (see app.signing.validation)."""

    __tablename__ = "signature_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(10))  # intrare (received) / iesire (issued) / arhiva
    status: Mapped[str] = mapped_column(String(20))
    signatures: Mapped[list] = mapped_column(JsonType, default=list)
    checked_at: Mapped[datetime] = mapped_column(default=now_utc)

    attachment: Mapped[Attachment] = relationship()


class SubmissionConfirmation(db.Model):
    """A one-time code sent by e-mail; entering it confirms the submission, which the institution then e-seals."""

    __tablename__ = "submission_confirmations"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    code_hash: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    confirmed_at: Mapped[datetime | None]
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))

    document: Mapped[Document] = relationship()
    attachment: Mapped[Attachment | None] = relationship()


def _signature_report_added(mapper, connection, report) -> None:
    """Every validation report the signing package stores (files entering and leaving) is logged."""
    from sqlalchemy.orm import object_session

    session = object_session(report)
    if session is None:
        return
    record(
        SIGNATURE_VALIDATED,
        document_id=report.document_id,
        institution_id=connection.scalar(
            select(Document.institution_id).where(Document.id == report.document_id)
        ),
        target=getattr(report, "status", None),
        data={
            k: getattr(report, k)
            for k in ("attachment_id", "sha256", "status", "direction")
            if isinstance(getattr(report, k, None), str | int)
        },
        session=session,
    )


def install_audit_hooks() -> None:
    if not event.contains(SignatureReport, "after_insert", _signature_report_added):
        event.listen(SignatureReport, "after_insert", _signature_report_added)

"""The audit log: one hash-chained, append-only table, and the checkpoints that anchor its head in time.

PostgreSQL refuses UPDATE and DELETE on both tables (triggers, migration 0003). Each entry's `hash` is the sha256
of a canonical JSON of its own fields and of the previous entry's hash (`prev_hash`), so an edited, deleted or
reordered row breaks the chain from that row on (`flask audit verify`)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dates import now_utc
from app.extensions import JsonType, db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Position in the chain: 1, 2, 3, ... without gaps (a gap is a deleted row). Unique, so two writers can never
    # fork the chain even if the advisory lock were bypassed: the second insert of a position fails.
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Kept beside the id so the entry reads (and hashes) the same even if the account is renamed later.
    actor_name: Mapped[str | None] = mapped_column(String(200))
    # Who the actor acted for: a registry clerk entering a paper petition acts for its sender.
    on_behalf_of: Mapped[str | None] = mapped_column(String(200))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    bpmn_id: Mapped[str | None] = mapped_column(String(100))
    target: Mapped[str | None] = mapped_column(String(300))
    data: Mapped[dict | None] = mapped_column(JsonType)
    ip: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # HMAC-SHA256 of `hash` under AUDIT_HMAC_KEY (outside the database): recomputing hashes is not enough.
    mac: Mapped[str | None] = mapped_column(String(64))

    # Named, not imported: every package appends to the log, so the log imports none of them.
    actor: Mapped["User | None"] = relationship("User")  # noqa: F821
    document: Mapped["Document | None"] = relationship("Document")  # noqa: F821


class AuditCheckpoint(db.Model):
    """The chain head (position and hash) at a moment, optionally with an RFC 3161 timestamp token over the hash:
    with the token, rewriting the history before that position (even recomputing every hash) shows."""

    __tablename__ = "audit_checkpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now_utc)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    # DER TimeStampToken (RFC 3161) over sha256(head_hash), when a timestamp authority is configured.
    timestamp_token: Mapped[bytes | None] = mapped_column(LargeBinary)
    timestamp_authority: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    # The token's copy in the content store (sha256), and an HMAC over the previous checkpoint's `mac`, this
    # position, head and token: the checkpoints are one series, none can be deleted or inserted unnoticed.
    token_sha256: Mapped[str | None] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64))


class AuditLegacySeal(db.Model):
    """An HMAC recorded later for an entry or checkpoint written before AUDIT_HMAC_KEY existed (its own `mac` is
    empty and the row cannot be updated), by `flask audit seal-legacy` after the plain chain verified. Append-only
    like the log; the act of sealing is itself an entry of the chain."""

    __tablename__ = "audit_legacy_seals"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "entry" (ref = seq) or "checkpoint" (ref = id)
    ref: Mapped[int] = mapped_column(Integer)
    sealed_at: Mapped[datetime] = mapped_column(default=now_utc)
    mac: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("kind", "ref", name="uq_audit_legacy_seals_kind_ref"),)

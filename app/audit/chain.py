"""The hash chain: canonical form of an entry, appending under a lock, verifying the whole chain.

Appending: `record(...)` (app.audit.log) only queues an entry on the database session; when that session commits,
`write_pending` takes a PostgreSQL transaction-level advisory lock, reads the chain head, and inserts the queued
entries with the next positions and hashes. The lock is held from there to the end of the commit only, so
concurrent writers queue for a few milliseconds instead of for their whole transaction, and the chain never forks
(the unique `seq` would refuse a fork anyway). A rolled-back action takes its queued entries with it."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text

from app.audit.models import AuditCheckpoint, AuditEntry
from app.dates import as_utc
from app.extensions import db

GENESIS_HASH = "0" * 64
ADVISORY_LOCK_KEY = 727_002  # the scheduler uses 727_001
HASHED_FIELDS = (
    "seq",
    "at",
    "action",
    "actor_id",
    "actor_name",
    "on_behalf_of",
    "institution_id",
    "document_id",
    "bpmn_id",
    "target",
    "data",
    "ip",
    "prev_hash",
)


def json_safe(value):
    """What the value reads back as from a JSON column: the hash must be the same before and after storage."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def canonical_time(moment: datetime) -> str:
    # Stored as naive UTC (timestamp without time zone), microsecond precision, as PostgreSQL keeps it.
    return as_utc(moment).replace(tzinfo=None).isoformat(timespec="microseconds")


def canonical_json(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_fields(entry: AuditEntry) -> dict:
    fields = {name: getattr(entry, name) for name in HASHED_FIELDS}
    fields["at"] = canonical_time(entry.at)
    return fields


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical_json(entry_fields(entry))).hexdigest()


def chain_head() -> tuple[int, str]:
    row = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (row.seq, row.hash) if row else (0, GENESIS_HASH)


def lock_chain(session) -> None:
    """Serialize appends until this transaction ends (PostgreSQL). SQLite serializes writers by itself."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})


def append(session, entries: list[AuditEntry]) -> None:
    """Give the entries their positions and hashes after the current head, inside the caller's transaction."""
    lock_chain(session)
    row = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, previous = (row.seq, row.hash) if row else (0, GENESIS_HASH)
    for entry in entries:
        seq += 1
        entry.seq = seq
        entry.prev_hash = previous
        entry.data = json_safe(entry.data)
        entry.hash = compute_hash(entry)
        previous = entry.hash
        session.add(entry)
    session.flush()


# --- verification ----------------------------------------------------------------------------------------------


@dataclass
class Break:
    seq: int
    entry_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"entry #{self.seq}" + (f" (id {self.entry_id})" if self.entry_id is not None else "")
        return f"{where}: {self.reason}"


@dataclass
class ChainReport:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    first_break: Break | None = None
    checkpoints_checked: int = 0
    timestamped_checkpoints: int = 0

    def summary(self) -> str:
        if self.ok:
            return (
                f"OK: {self.checked} entries, head #{self.head_seq} {self.head_hash[:16]}…, "
                f"{self.checkpoints_checked} checkpoint(s) match ({self.timestamped_checkpoints} timestamped)."
            )
        return f"BROKEN at {self.first_break}"


def _entries(batch: int = 2000) -> Iterator:
    """Plain rows (not ORM objects), in batches: the identity map stays small on a long chain."""
    table = AuditEntry.__table__
    last = 0
    while True:
        rows = db.session.execute(
            select(table).where(table.c.seq > last).order_by(table.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def check_entry(entry: AuditEntry, expected_seq: int, previous_hash: str) -> str | None:
    """Why this entry breaks the chain, or None."""
    if entry.seq != expected_seq:
        missing = f"#{expected_seq}" if entry.seq == expected_seq + 1 else f"#{expected_seq}–#{entry.seq - 1}"
        return f"entries {missing} are missing before it (deleted rows)"
    if entry.prev_hash != previous_hash:
        return "its link to the previous entry does not match (rows deleted, inserted or reordered)"
    if compute_hash(entry) != entry.hash:
        return "its content no longer matches its hash (the row was edited)"
    return None


def verify_chain(verify_token=None) -> ChainReport:
    """Check every entry in order, then every checkpoint against the chain. Stops at the first broken entry.

    `verify_token(checkpoint) -> str | None` checks a checkpoint's RFC 3161 token (None = valid)."""
    expected, previous = 1, GENESIS_HASH
    hashes_at: dict[int, str] = {}
    checkpoints = db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)).all()
    wanted = {c.seq for c in checkpoints}
    checked = 0
    for entry in _entries():
        reason = check_entry(entry, expected, previous)
        if reason:
            return ChainReport(False, checked, expected - 1, previous, Break(entry.seq, entry.id, reason))
        if entry.seq in wanted:
            hashes_at[entry.seq] = entry.hash
        previous, expected = entry.hash, entry.seq + 1
        checked += 1
    head_seq = expected - 1
    timestamped = 0
    for checkpoint in checkpoints:
        if checkpoint.seq > head_seq:
            return ChainReport(
                False,
                checked,
                head_seq,
                previous,
                Break(
                    head_seq + 1,
                    None,
                    f"missing: checkpoint {checkpoint.id} of {canonical_time(checkpoint.at)} saw the chain "
                    f"reach #{checkpoint.seq} (the last entries were deleted)",
                ),
            )
        if checkpoint.seq and hashes_at.get(checkpoint.seq) != checkpoint.head_hash:
            return ChainReport(
                False,
                checked,
                head_seq,
                previous,
                Break(
                    checkpoint.seq,
                    None,
                    f"differs from checkpoint {checkpoint.id} of {canonical_time(checkpoint.at)} "
                    "(the chain up to here was rewritten)",
                ),
            )
        if checkpoint.timestamp_token:
            problem = verify_token(checkpoint) if verify_token else None
            if problem:
                return ChainReport(
                    False,
                    checked,
                    head_seq,
                    previous,
                    Break(checkpoint.seq, None, f"timestamp of checkpoint {checkpoint.id}: {problem}"),
                )
            timestamped += 1
    return ChainReport(True, checked, head_seq, previous, None, len(checkpoints), timestamped)


def verify_entries(entries: list[AuditEntry]) -> dict[int, str | None]:
    """Per entry (by seq): None when its own hash holds, else why not. For one document's entries, which are not
    contiguous: each entry's content is checked against its hash, and its link against the row before it."""
    results: dict[int, str | None] = {}
    for entry in entries:
        results[entry.seq] = None if compute_hash(entry) == entry.hash else "content does not match its hash"
    return results

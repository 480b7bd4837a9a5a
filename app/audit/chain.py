"""The hash chain: canonical form of an entry, appending under a lock, verifying the whole chain.

Appending: `record(...)` (app.audit.log) only queues an entry on the database session; when that session commits,
`write_pending` takes a PostgreSQL transaction-level advisory lock, reads the chain head (both in one call,
`audit_chain_head`), and inserts the queued entries with the next positions and hashes. The lock is held from
there to the end of the commit only, so concurrent writers queue for a few milliseconds instead of for their whole
transaction, and the chain never forks (the unique `seq` would refuse a fork anyway). A rolled-back action takes
its queued entries with it.

Authentication: sha256 alone can be recomputed by whoever can write the table. Each entry therefore also carries
`mac`, an HMAC-SHA256 of its hash under AUDIT_HMAC_KEY, a key kept outside the database (environment or key
store); checkpoints carry one too, over the previous checkpoint's, so they form one series from the first entry.
See docs/auditors.md (threat model)."""

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import insert, select, text

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


class AuditKeyMissing(RuntimeError):
    pass


def audit_key() -> bytes:
    key = current_app.config.get("AUDIT_HMAC_KEY")
    if not key:
        raise AuditKeyMissing("AUDIT_HMAC_KEY is not set: audit entries cannot be authenticated")
    return key.encode("utf-8") if isinstance(key, str) else key


def entry_mac(entry_hash: str) -> str:
    return hmac.new(audit_key(), b"entry:" + entry_hash.encode("ascii"), hashlib.sha256).hexdigest()


def legacy_entry_mac(entry_hash: str) -> str:
    """The seal recorded later for an entry written before the key existed (another domain than `entry_mac`)."""
    return hmac.new(audit_key(), b"legacy-entry:" + entry_hash.encode("ascii"), hashlib.sha256).hexdigest()


def legacy_checkpoint_mac(checkpoint_id: int, seq: int, head_hash: str, token_sha256: str | None) -> str:
    message = f"legacy-checkpoint:{checkpoint_id}:{seq}:{head_hash}:{token_sha256 or ''}".encode("ascii")
    return hmac.new(audit_key(), message, hashlib.sha256).hexdigest()


def checkpoint_mac(previous_mac: str, seq: int, head_hash: str, token_sha256: str | None) -> str:
    message = f"checkpoint:{previous_mac}:{seq}:{head_hash}:{token_sha256 or ''}".encode("ascii")
    return hmac.new(audit_key(), message, hashlib.sha256).hexdigest()


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
    if session.get_bind().dialect.name == "postgresql":
        # the lock, then the head read after it is granted, in one call (migration 0021)
        row = session.execute(
            text("SELECT head_seq, head_hash FROM audit_chain_head(:k)"), {"k": ADVISORY_LOCK_KEY}
        ).first()
    else:
        row = session.execute(
            select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
        ).first()
    seq, previous = (row[0], row[1]) if row else (0, GENESIS_HASH)
    rows = []
    for entry in entries:
        seq += 1
        entry.seq = seq
        entry.prev_hash = previous
        entry.data = json_safe(entry.data)
        entry.hash = compute_hash(entry)
        entry.mac = entry_mac(entry.hash)
        previous = entry.hash
        rows.append({name: getattr(entry, name) for name in _INSERTED})
    # Plain rows in one INSERT: nothing reads the entries back as objects in this transaction, and the unit of
    # work would otherwise track each one.
    session.execute(insert(AuditEntry.__table__), rows)


_INSERTED = (*HASHED_FIELDS, "hash", "mac")


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
    # written before AUDIT_HMAC_KEY existed: sealed later by `flask audit seal-legacy`, or not sealed yet
    legacy_sealed: int = 0
    legacy_unsealed: int = 0
    legacy_checkpoints: int = 0

    def legacy_summary(self) -> str:
        if not (self.legacy_sealed or self.legacy_unsealed or self.legacy_checkpoints):
            return ""
        parts = [
            f"{self.legacy_sealed} legacy entries (before the audit key) sealed after their chain verified"
        ]
        if self.legacy_checkpoints:
            parts.append(f"{self.legacy_checkpoints} legacy checkpoint(s) sealed")
        if self.legacy_unsealed:
            parts.append(f"{self.legacy_unsealed} legacy entries NOT sealed (flask audit seal-legacy)")
        return " Legacy: " + "; ".join(parts) + "."

    def summary(self) -> str:
        if self.ok:
            return (
                f"OK: {self.checked} entries, head #{self.head_seq} {self.head_hash[:16]}…, "
                f"{self.checkpoints_checked} checkpoint(s) match ({self.timestamped_checkpoints} timestamped)."
                + self.legacy_summary()
            )
        return f"BROKEN at {self.first_break}" + self.legacy_summary()


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


def plain_problem(entry: AuditEntry, expected_seq: int, previous_hash: str) -> str | None:
    """Why this entry breaks the sha256 chain (position, link, content), or None."""
    if entry.seq != expected_seq:
        missing = f"#{expected_seq}" if entry.seq == expected_seq + 1 else f"#{expected_seq}–#{entry.seq - 1}"
        return f"entries {missing} are missing before it (deleted rows)"
    if entry.prev_hash != previous_hash:
        return "its link to the previous entry does not match (rows deleted, inserted or reordered)"
    if compute_hash(entry) != entry.hash:
        return "its content no longer matches its hash (the row was edited)"
    return None


POSING_AS_LEGACY = (
    "it has no authentication code although entries before it have one (a rewritten entry posing as one "
    "written before the audit key existed)"
)


def check_entry(entry: AuditEntry, expected_seq: int, previous_hash: str) -> str | None:
    """Why this entry breaks the chain, or None."""
    reason = plain_problem(entry, expected_seq, previous_hash)
    if reason:
        return reason
    if not entry.mac:
        return POSING_AS_LEGACY
    if not hmac.compare_digest(entry.mac, entry_mac(entry.hash)):
        return "its authentication code does not match (the chain was rewritten without the audit key)"
    return None


def legacy_seals() -> dict[tuple[str, int], str]:
    from app.audit.models import AuditLegacySeal

    return {(s.kind, s.ref): s.mac for s in db.session.scalars(select(AuditLegacySeal))}


def verify_chain(verify_token=None, token_in_store=None) -> ChainReport:
    """Check every entry in order, then the series of checkpoints: each one authenticated over the one before it
    (none deleted, none inserted), each one matching the chain, and every entry older than the checkpoint
    interval (plus a grace period) covered by a checkpoint, so deleting the checkpoints does not go unnoticed.
    Stops at the first break.

    `verify_token(checkpoint) -> str | None` checks a checkpoint's RFC 3161 token (None = valid);
    `token_in_store(checkpoint) -> str | None` checks that its copy in the content store is there and the same."""
    from datetime import timedelta

    from app.dates import now_utc

    expected, previous = 1, GENESIS_HASH
    hashes_at: dict[int, str] = {}
    checkpoints = db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
    wanted = {c.seq for c in checkpoints}
    interval = timedelta(minutes=current_app.config.get("AUDIT_CHECKPOINT_MINUTES", 60))
    grace = timedelta(minutes=current_app.config.get("AUDIT_CHECKPOINT_GRACE_MINUTES", 60))
    must_be_covered_before = now_utc() - interval - grace
    last_old_seq = 0  # the newest entry old enough that a checkpoint must cover it
    recorded_checkpoints: list[tuple[int, dict]] = []  # the chain's own entries naming checkpoints
    checked = 0
    seals = legacy_seals()
    authenticated = False  # entries without a code are legacy only before the first one with a code
    legacy: dict[str, int] = {"sealed": 0, "unsealed": 0, "first_unsealed": 0, "last_unsealed": 0}

    def legacy_counts() -> dict:
        return {"legacy_sealed": legacy["sealed"], "legacy_unsealed": legacy["unsealed"]}

    for entry in _entries():
        if not entry.mac and not authenticated:
            reason = plain_problem(entry, expected, previous)
            seal = seals.get(("entry", entry.seq))
            if reason is None and seal is not None:
                if hmac.compare_digest(seal, legacy_entry_mac(entry.hash)):
                    legacy["sealed"] += 1
                else:
                    reason = "its legacy seal does not match (the entry or its seal was rewritten)"
            elif reason is None:
                legacy["unsealed"] += 1
                legacy["first_unsealed"] = legacy["first_unsealed"] or entry.seq
                legacy["last_unsealed"] = entry.seq
        else:
            authenticated = authenticated or bool(entry.mac)
            reason = check_entry(entry, expected, previous)
        if reason:
            return ChainReport(
                False, checked, expected - 1, previous, Break(entry.seq, entry.id, reason), **legacy_counts()
            )
        if entry.seq in wanted:
            hashes_at[entry.seq] = entry.hash
        # An entry recording a checkpoint always comes after it; the next checkpoint covers it, if there is one.
        if as_utc(entry.at) < must_be_covered_before and entry.action != "audit_checkpoint":
            last_old_seq = entry.seq
        if entry.action == "audit_checkpoint" and isinstance(entry.data, dict):
            recorded_checkpoints.append((entry.seq, entry.data))
        previous, expected = entry.hash, entry.seq + 1
        checked += 1
    head_seq = expected - 1
    legacy_checkpoints = 0

    def broken(seq, reason):
        return ChainReport(
            False,
            checked,
            head_seq,
            previous,
            Break(seq, None, reason),
            legacy_checkpoints=legacy_checkpoints,
            **legacy_counts(),
        )

    if legacy["unsealed"]:
        return broken(
            legacy["first_unsealed"],
            f"entries #{legacy['first_unsealed']}–#{legacy['last_unsealed']} were written before the audit key "
            "existed and are not sealed yet: run `flask audit seal-legacy`",
        )

    timestamped = 0
    previous_mac, covered = GENESIS_HASH, 0
    authenticated_checkpoint = False
    for checkpoint in checkpoints:
        label = f"checkpoint {checkpoint.id} of {canonical_time(checkpoint.at)}"
        if not checkpoint.mac and not authenticated_checkpoint:
            seal = seals.get(("checkpoint", checkpoint.id))
            if seal is None:
                return broken(
                    checkpoint.seq,
                    f"{label} was written before the audit key existed and is not sealed yet: run "
                    "`flask audit seal-legacy`",
                )
            sealed_mac = legacy_checkpoint_mac(
                checkpoint.id, checkpoint.seq, checkpoint.head_hash, checkpoint.token_sha256
            )
            if not hmac.compare_digest(seal, sealed_mac):
                return broken(checkpoint.seq, f"{label}: its legacy seal does not match (rewritten)")
            legacy_checkpoints += 1
            previous_mac = checkpoint.mac  # the next checkpoint was chained to this empty code when written
            if checkpoint.seq and hashes_at.get(checkpoint.seq) != checkpoint.head_hash:
                return broken(checkpoint.seq, f"differs from {label} (the chain up to here was rewritten)")
            if checkpoint.timestamp_token:
                problem = verify_token(checkpoint) if verify_token else None
                if problem is None and token_in_store is not None and checkpoint.token_sha256:
                    problem = token_in_store(checkpoint)  # no copy was kept before the key either
                if problem:
                    return broken(checkpoint.seq, f"timestamp of {label}: {problem}")
                timestamped += 1
            covered = max(covered, checkpoint.seq)
            continue
        authenticated_checkpoint = True
        expected_mac = checkpoint_mac(
            previous_mac, checkpoint.seq, checkpoint.head_hash, checkpoint.token_sha256
        )
        if not checkpoint.mac or not hmac.compare_digest(checkpoint.mac, expected_mac):
            return broken(
                checkpoint.seq,
                f"{label}: its authentication code does not match (a checkpoint before it was deleted or "
                "inserted, or this one was edited)",
            )
        previous_mac = checkpoint.mac
        if checkpoint.seq > head_seq:
            return broken(
                head_seq + 1,
                f"missing: {label} saw the chain reach #{checkpoint.seq} (the last entries were deleted)",
            )
        if checkpoint.seq and hashes_at.get(checkpoint.seq) != checkpoint.head_hash:
            return broken(checkpoint.seq, f"differs from {label} (the chain up to here was rewritten)")
        if checkpoint.timestamp_token:
            problem = verify_token(checkpoint) if verify_token else None
            if problem is None and token_in_store is not None:
                problem = token_in_store(checkpoint)
            if problem:
                return broken(checkpoint.seq, f"timestamp of {label}: {problem}")
            timestamped += 1
        covered = max(covered, checkpoint.seq)
    macs = {c.id: c.mac for c in checkpoints}
    for seq, data in recorded_checkpoints:
        if macs.get(data.get("checkpoint")) != data.get("mac"):
            return broken(
                seq,
                f"the chain records checkpoint {data.get('checkpoint')} (of #{data.get('seq')}), which is missing "
                "or different (checkpoints were deleted or replaced)",
            )
    if last_old_seq > covered:
        return broken(
            covered + 1,
            f"no checkpoint covers entries #{covered + 1}–#{last_old_seq}, older than the checkpoint interval "
            "(checkpoints were deleted, or the jobs process does not run)",
        )
    return ChainReport(
        True,
        checked,
        head_seq,
        previous,
        None,
        len(checkpoints),
        timestamped,
        legacy_checkpoints=legacy_checkpoints,
        **legacy_counts(),
    )


def verify_entries(entries: list[AuditEntry]) -> dict[int, str | None]:
    """Per entry (by seq): None when its own hash holds, else why not. For one document's entries, which are not
    contiguous: each entry's content is checked against its hash, and its link against the row before it."""
    results: dict[int, str | None] = {}
    for entry in entries:
        results[entry.seq] = None if compute_hash(entry) == entry.hash else "content does not match its hash"
    return results

"""Sealing the audit entries and checkpoints written before AUDIT_HMAC_KEY existed.

Their `mac` is empty and the append-only rows cannot be updated, so their HMACs go into `audit_legacy_seals`, and
only after the plain sha256 chain verifies from the first entry on: sealing must never authenticate a chain that
was already tampered with. Entries without a code count as legacy only before the first entry that has one (a
rewritten entry cannot pose as legacy), and checkpoints likewise. The sealing itself is an entry of the chain."""

import hmac
from dataclasses import dataclass

from sqlalchemy import select

from app.audit.chain import (
    GENESIS_HASH,
    POSING_AS_LEGACY,
    Break,
    _entries,
    audit_key,
    entry_mac,
    legacy_checkpoint_mac,
    legacy_entry_mac,
    legacy_seals,
    lock_chain,
    plain_problem,
)
from app.audit.models import AuditCheckpoint, AuditLegacySeal
from app.dates import now_utc
from app.extensions import db

AUDIT_LEGACY_SEALED = "audit_legacy_sealed"


class SealRefused(Exception):
    def __init__(self, where: Break):
        self.where = where
        super().__init__(f"not sealed: the chain is broken at {where}")


@dataclass
class SealResult:
    entries: int
    first: int | None
    last: int | None
    checkpoints: int

    def summary(self) -> str:
        if not self.entries and not self.checkpoints:
            return "Nothing to seal: every entry and checkpoint already has its authentication code or seal."
        span = f" (#{self.first}–#{self.last})" if self.entries else ""
        return f"Sealed {self.entries} legacy entries{span} and {self.checkpoints} legacy checkpoint(s)."


def seal_legacy(verify_token=None) -> SealResult:
    """Verify the plain chain, then record the HMAC of every legacy entry and checkpoint not sealed yet.

    Raises AuditKeyMissing without the key and SealRefused (writing nothing) at the first break."""
    audit_key()  # no key, no seal: fail before reading anything
    session = db.session()
    lock_chain(session)  # no entry is appended while the chain is read and sealed
    seals = legacy_seals()
    checkpoints = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
    wanted = {c.seq for c in checkpoints}
    hashes_at: dict[int, str] = {}
    to_seal: list[tuple[int, str]] = []
    expected, previous, authenticated = 1, GENESIS_HASH, False
    for entry in _entries():
        reason = plain_problem(entry, expected, previous)
        if reason is None and entry.mac:
            authenticated = True
            if not hmac.compare_digest(entry.mac, entry_mac(entry.hash)):
                reason = (
                    "its authentication code does not match (the chain was rewritten without the audit key)"
                )
        elif reason is None and authenticated:
            reason = POSING_AS_LEGACY
        elif reason is None:
            seal = seals.get(("entry", entry.seq))
            if seal is None:
                to_seal.append((entry.seq, entry.hash))
            elif not hmac.compare_digest(seal, legacy_entry_mac(entry.hash)):
                reason = "its legacy seal does not match (the entry or its seal was rewritten)"
        if reason:
            raise SealRefused(Break(entry.seq, entry.id, reason))
        if entry.seq in wanted:
            hashes_at[entry.seq] = entry.hash
        previous, expected = entry.hash, entry.seq + 1

    checkpoints_to_seal = []
    for checkpoint in checkpoints:
        if checkpoint.mac:
            break  # from the first authenticated checkpoint on, `flask audit verify` checks the series
        label = f"checkpoint {checkpoint.id}"
        if checkpoint.seq and hashes_at.get(checkpoint.seq) != checkpoint.head_hash:
            raise SealRefused(Break(checkpoint.seq, None, f"differs from {label} (the chain was rewritten)"))
        if checkpoint.timestamp_token and verify_token is not None:
            problem = verify_token(checkpoint)
            if problem:
                raise SealRefused(Break(checkpoint.seq, None, f"timestamp of {label}: {problem}"))
        if ("checkpoint", checkpoint.id) not in seals:
            checkpoints_to_seal.append(checkpoint)

    result = SealResult(
        len(to_seal),
        to_seal[0][0] if to_seal else None,
        to_seal[-1][0] if to_seal else None,
        len(checkpoints_to_seal),
    )
    if not to_seal and not checkpoints_to_seal:
        return result
    sealed_at = now_utc()
    for seq, entry_hash in to_seal:
        session.add(
            AuditLegacySeal(kind="entry", ref=seq, sealed_at=sealed_at, mac=legacy_entry_mac(entry_hash))
        )
    for checkpoint in checkpoints_to_seal:
        mac = legacy_checkpoint_mac(
            checkpoint.id, checkpoint.seq, checkpoint.head_hash, checkpoint.token_sha256
        )
        session.add(AuditLegacySeal(kind="checkpoint", ref=checkpoint.id, sealed_at=sealed_at, mac=mac))
    from app.audit.log import record

    record(
        AUDIT_LEGACY_SEALED,
        data={
            "entries": result.entries,
            "first": result.first,
            "last": result.last,
            "last_hash": to_seal[-1][1] if to_seal else None,
            "checkpoints": [c.id for c in checkpoints_to_seal],
        },
    )
    session.flush()
    return result

"""Checkpoints of the chain head, timestamped with RFC 3161 where a timestamp authority is available.

A checkpoint stores (position, hash) of the head. Verification then also catches the deletion of the newest entries
(the chain no longer reaches a checkpoint) and a rewrite before a checkpoint (the hash at that position differs).
A superuser could rewrite both tables consistently; a timestamp token over the head hash, signed by an outside
authority, is what makes that show: the token's message imprint is sha256 of the head hash (hex, ASCII) and the
authority's signature and time cannot be recomputed.

The timestamp authority is looked up in this order:
1. `AUDIT_TIMESTAMPER` in the app config: a callable `(digest: bytes) -> (token_der: bytes, authority: str)`;
2. the signing package's timestamp authority (`app.signing.pki.current_pki().timestamper`, SIGNING_TSA_URL; the
   test PKI's in-process authority in the demo and the tests);
3. none: the checkpoint is stored without a token (still useful against truncation and for external copies).
A token is checked by `AUDIT_TIMESTAMP_VERIFIER` (config, `(token_der, digest) -> problem | None`) if set, else
by comparing its message imprint and validating its signature with pyhanko against the signing trust roots."""

import asyncio
import hashlib
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.audit.chain import GENESIS_HASH, chain_head, checkpoint_mac, lock_chain
from app.audit.models import AuditCheckpoint
from app.dates import as_utc, now_utc
from app.extensions import db


def head_digest(head_hash: str) -> bytes:
    return hashlib.sha256(head_hash.encode("ascii")).digest()


def timestamper():
    hook = current_app.config.get("AUDIT_TIMESTAMPER")
    if hook is not None:
        return hook
    return _signing_timestamper()


# The signing package registers its PKI here (app/signing init_app); the log itself imports no other package.
PKI_PROVIDERS: list = []


def _signing_pki():
    """The signing package's PKI (trust roots, timestamp authority), or None where it is absent or unconfigured."""
    if not PKI_PROVIDERS:
        return None
    try:
        return PKI_PROVIDERS[0]()
    except Exception:  # SigningNotConfigured and the like: checkpoints go on without a token
        return None


def _signing_timestamper():
    pki = _signing_pki()
    authority = getattr(pki, "timestamper", None) if pki is not None else None
    if authority is None:
        return None

    def stamp(digest: bytes) -> tuple[bytes, str]:
        token = asyncio.run(authority.async_timestamp(digest, "sha256"))
        return token.dump(), str(getattr(authority, "url", "RFC 3161"))

    return stamp


def create_checkpoint(note: str | None = None) -> AuditCheckpoint:
    """Checkpoint the current head, inside the caller's transaction (the caller commits).

    The timestamp authority is called before the chain lock is taken: every commit on the platform appends under
    that lock, and none of them should wait for a round trip to the authority. The head read first stays a valid
    position of the chain (it is append-only); the lock is held only to link this checkpoint to the last one."""
    seq, head_hash = chain_head()
    token, authority, token_sha256 = None, None, None
    stamp = timestamper()
    if stamp is not None:
        try:
            token, authority = stamp(head_digest(head_hash))
        except Exception as exc:  # the authority being down must not stop checkpoints
            current_app.logger.error("audit checkpoint: timestamp authority failed: %s", exc)
            note = f"{note + '; ' if note else ''}timestamp authority failed: {exc}"
    if token is not None:
        from app.storage import current_store

        token_sha256 = current_store().put(token)  # a copy outside the database
    lock_chain(db.session())
    previous = latest_checkpoint()
    checkpoint = AuditCheckpoint(
        seq=seq,
        head_hash=head_hash,
        timestamp_token=token,
        timestamp_authority=authority,
        token_sha256=token_sha256,
        note=note,
        mac=checkpoint_mac(
            previous.mac if previous is not None else GENESIS_HASH, seq, head_hash, token_sha256
        ),
    )
    db.session.add(checkpoint)
    db.session.flush()
    # The chain itself records the checkpoint (written at this commit, authenticated like every entry): deleting
    # checkpoint rows, even all of them and letting new ones start a fresh series, leaves entries naming them.
    from app.audit.log import AUDIT_CHECKPOINT, record

    record(AUDIT_CHECKPOINT, data={"checkpoint": checkpoint.id, "seq": seq, "mac": checkpoint.mac})
    return checkpoint


def latest_checkpoint() -> AuditCheckpoint | None:
    return db.session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))


def checkpoint_if_due(every: timedelta) -> AuditCheckpoint | None:
    """A new checkpoint when the chain moved since the last one and that one is older than `every`."""
    last = latest_checkpoint()
    seq, _head = chain_head()
    # The entry recording the last checkpoint is not a reason for another one.
    moved = last is None or seq > last.seq + 1 or (seq == last.seq + 1 and not _only_checkpoint_entry(seq))
    if last is not None and (not moved or now_utc() - as_utc(last.at) < every):
        return None
    if seq == 0:
        return None
    return create_checkpoint(note="periodic")


def _only_checkpoint_entry(seq: int) -> bool:
    from app.audit.log import AUDIT_CHECKPOINT
    from app.audit.models import AuditEntry

    return db.session.scalar(select(AuditEntry.action).where(AuditEntry.seq == seq)) == AUDIT_CHECKPOINT


def token_in_store(checkpoint: AuditCheckpoint) -> str | None:
    """None when the content store holds the same token as the database row."""
    if not checkpoint.token_sha256:
        return "its copy in the content store is not recorded"
    from app.storage import current_store

    try:
        stored = current_store().get(checkpoint.token_sha256)
    except Exception as exc:  # noqa: BLE001 - missing or corrupted copy: reported, not raised
        return f"its copy in the content store cannot be read ({exc})"
    if stored != checkpoint.timestamp_token:
        return "the token in the database differs from its copy in the content store"
    return None


def token_imprint(token_der: bytes) -> bytes | None:
    try:
        from asn1crypto import cms
    except ImportError:
        return None
    info = cms.ContentInfo.load(token_der)
    tst_info = info["content"]["encap_content_info"]["content"].parsed
    return tst_info["message_imprint"]["hashed_message"].native


def verify_token(checkpoint: AuditCheckpoint) -> str | None:
    """None when the checkpoint's token covers its head hash and its signature holds."""
    digest = head_digest(checkpoint.head_hash)
    verifier = current_app.config.get("AUDIT_TIMESTAMP_VERIFIER")
    if verifier is not None:
        return verifier(checkpoint.timestamp_token, digest)
    try:
        imprint = token_imprint(checkpoint.timestamp_token)
    except Exception as exc:
        return f"the token cannot be read ({exc})"
    if imprint is not None and imprint != digest:
        return "the token was issued for a different chain head"
    return _signature_problem(checkpoint.timestamp_token, digest)


def _signature_problem(token_der: bytes, digest: bytes) -> str | None:
    """The token's signature checked with pyhanko against the signing package's trust roots, where both exist."""
    pki = _signing_pki()
    if pki is None:
        return None
    try:
        from asn1crypto import cms
        from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
        from pyhanko_certvalidator import ValidationContext
    except ImportError:
        return None
    signed_data = cms.ContentInfo.load(token_der)["content"]
    try:
        status = asyncio.run(
            validate_tst_signed_data(
                signed_data,
                # Integrity and the chain to the trust roots, offline: the audit check must not depend on the
                # network, and a timestamp stays evidence after its authority's certificate expires.
                ValidationContext(
                    trust_roots=pki.trust_roots, allow_fetching=False, revocation_mode="soft-fail"
                ),
                lambda _algo: digest,
            )
        )
    except Exception as exc:
        return f"the token's signature cannot be checked ({exc})"
    if not (status.get("intact") and status.get("valid")):
        return "the token's signature does not hold"
    return None


def checkpoint_tick(app) -> None:
    """Scheduler job: one checkpoint per AUDIT_CHECKPOINT_MINUTES when the chain moved."""
    with app.app_context():
        try:
            checkpoint_if_due(timedelta(minutes=app.config.get("AUDIT_CHECKPOINT_MINUTES", 60)))
            db.session.commit()
        except Exception:
            db.session.rollback()
            app.logger.exception("audit checkpoint failed")
        finally:
            db.session.remove()


def add_checkpoint_job(scheduler, app) -> None:
    """Beside the timer job, in the same scheduler: a checkpoint every AUDIT_CHECKPOINT_MINUTES (default 60)."""
    from datetime import datetime

    scheduler.add_job(
        checkpoint_tick,
        "interval",
        minutes=app.config.get("AUDIT_CHECKPOINT_MINUTES", 60),
        next_run_time=datetime.now(),  # also at start: a process down for a while catches up at once
        args=[app],
        max_instances=1,
        coalesce=True,
        id="audit-checkpoint",
    )

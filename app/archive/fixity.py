"""The fixity check: every blob the archive references is read back and re-hashed; a missing or altered file is
reported (the run is stored, the audit log records it, the archive pages show it). Blobs of destroyed files are
skipped: their absence is the recorded outcome of a disposal. Timestamp renewal lives here too: both are the
periodic care an electronic archive owes its content."""

import hashlib
import logging
from datetime import timedelta

from sqlalchemy import select

from app.archive.models import ArchiveFile, ArchiveItem, ArchiveRecord, FileStatus, FixityRun, ItemKind
from app.audit import record as audit_record
from app.dates import as_utc, now_utc
from app.extensions import db
from app.storage import current_store

log = logging.getLogger(__name__)

FIXITY = "archive_fixity"
RENEWED = "archive_timestamp_renewed"


def run_fixity(institution_id: int | None = None) -> FixityRun:
    """Re-hash every archived blob once (shared blobs are read once) and store the run."""
    store = current_store()
    query = (
        select(ArchiveItem, ArchiveRecord.registration_label, ArchiveRecord.public_id)
        .join(ArchiveRecord, ArchiveRecord.id == ArchiveItem.record_id)
        .join(ArchiveFile, ArchiveFile.id == ArchiveRecord.archive_file_id)
        .where(ArchiveFile.status != FileStatus.DESTROYED)
        .order_by(ArchiveItem.id)
    )
    if institution_id is not None:
        query = query.where(ArchiveRecord.institution_id == institution_id)
    run = FixityRun(started_at=now_utc(), checked=0, problems=[])
    verdicts: dict[str, str | None] = {}
    problems = []
    for item, label, record_id in db.session.execute(query):
        if item.sha256 not in verdicts:
            verdicts[item.sha256] = _check(store, item.sha256)
            run.checked += 1
        problem = verdicts[item.sha256]
        if problem:
            problems.append(
                {
                    "record": record_id,
                    "registration": label,
                    "file": item.filename,
                    "sha256": item.sha256,
                    "problem": problem,
                }
            )
    run.problems = problems
    run.finished_at = now_utc()
    db.session.add(run)
    audit_record(
        FIXITY,
        institution_id=institution_id,
        target=f"fixity:{run.checked}",
        data={"checked": run.checked, "problems": problems},
    )
    if problems:
        log.error("fixity check: %d problem(s): %s", len(problems), problems)
    return run


def _check(store, sha256: str) -> str | None:
    from app.storage import StorageIntegrityError

    try:
        data = store.get(sha256)
    except FileNotFoundError:
        return "lipsă"
    except StorageIntegrityError:
        return "modificat"
    if hashlib.sha256(data).hexdigest() != sha256:
        return "modificat"
    return None


def renew_timestamps(within_days: int = 90) -> int:
    """A new document timestamp (B-LTA again) for every archived PDF whose last timestamp certificate expires within
    `within_days`; the renewed file is a new item naming the one it extends (records are never edited)."""
    from app.archive.records import timestamp_expiry
    from app.signing.archive import make_archive_ready

    store = current_store()
    horizon = now_utc() + timedelta(days=within_days)
    renewed_ids = select(ArchiveItem.renews_id).where(ArchiveItem.renews_id.is_not(None))
    candidates = db.session.scalars(
        select(ArchiveItem).where(
            ArchiveItem.kind.in_((ItemKind.LTA, ItemKind.RENEWED)),
            ArchiveItem.timestamp_expires_at.is_not(None),
            ArchiveItem.id.not_in(renewed_ids),
        )
    ).all()
    count = 0
    for item in candidates:
        if as_utc(item.timestamp_expires_at) > horizon:
            continue
        data = make_archive_ready(store.get(item.sha256))
        new = ArchiveItem(
            record_id=item.record_id,
            kind=ItemKind.RENEWED,
            filename=item.filename,
            content_type=item.content_type,
            size=len(data),
            sha256=store.put(data),
            renews_id=item.id,
            timestamp_expires_at=timestamp_expiry(data),
        )
        db.session.add(new)
        audit_record(
            RENEWED, document_id=item.record.document_id, target=new.sha256, data={"renews": item.sha256}
        )
        count += 1
    db.session.flush()
    return count

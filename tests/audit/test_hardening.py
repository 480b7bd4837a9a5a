"""The audit log under attack and load: entries queued by the commit's own flush are written in that transaction;
the checkpoint's timestamp is taken outside the chain lock; a chain rewritten by a database superuser (hashes
recomputed, checkpoints deleted or a token swapped) does not verify."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select, text

from app.audit import FILE_ADDED, LOGIN, pending_entries, record
from app.audit.anchoring import create_checkpoint, token_in_store, verify_token
from app.audit.chain import ADVISORY_LOCK_KEY, compute_hash, verify_chain
from app.audit.models import AuditCheckpoint, AuditEntry
from app.extensions import db
from app.registry.models import Attachment
from app.storage import current_store
from tests.audit.helpers import as_superuser, petition_with_loop
from tests.routes import submit_petition, user


def _new_attachment(document) -> Attachment:
    return Attachment(
        document_id=document.id,
        kind="anexa",
        filename="anexa.pdf",
        content_type="application/pdf",
        size=4,
        sha256="a" * 64,
    )


def test_entries_queued_during_the_commits_flush_are_written_in_that_transaction(ctx):
    document = submit_petition()
    db.session.commit()
    # Only the flush of the commit itself queues the entry (the mapper event on Attachment).
    attachment = _new_attachment(document)
    db.session.add(attachment)
    db.session.commit()
    assert pending_entries() == []
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == FILE_ADDED, AuditEntry.target == "anexa.pdf")
    ).all()
    assert entry.data["attachment"] == attachment.public_id
    # The same with another entry queued before: both in this commit, nothing left for the next transaction.
    record(LOGIN, actor=user("registrator"))
    second = _new_attachment(document)
    second.filename = "a-doua.pdf"
    db.session.add(second)
    db.session.commit()
    assert pending_entries() == []
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.target == "a-doua.pdf")) is not None
    assert verify_chain().ok


@pytest.mark.real_commits
def test_the_timestamp_is_taken_outside_the_chain_lock(app, database_url):
    """While the authority is being asked, another connection can still take the chain lock (commits go on)."""
    observed = []
    probe = create_engine(database_url)

    def authority(digest: bytes):
        with probe.connect() as conn:
            observed.append(
                conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}).scalar()
            )
            conn.execute(text("SELECT pg_advisory_unlock_all()"))
        return b"token:" + digest, "TSA de test"

    app.config["AUDIT_TIMESTAMPER"] = authority
    try:
        with app.app_context():
            record(LOGIN, actor=user("registrator"))
            db.session.commit()
            checkpoint = create_checkpoint()
            db.session.commit()
            assert observed == [True]
            assert (
                checkpoint.token_sha256
                and current_store().get(checkpoint.token_sha256) == checkpoint.timestamp_token
            )
            db.session.remove()
    finally:
        app.config.pop("AUDIT_TIMESTAMPER")
        probe.dispose()


def _entries():
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()


def test_a_chain_rewritten_with_plain_sha256_does_not_verify(app, ctx):
    petition_with_loop(finish=False)
    rows = _entries()
    db.session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
    previous = rows[2].hash
    for entry in rows[3:]:
        if entry.seq == 4:
            entry.ip = "10.0.0.66"
        entry.prev_hash = previous
        entry.hash = compute_hash(entry)
        previous = entry.hash
    db.session.flush()
    db.session.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
    db.session.commit()
    report = verify_chain()
    assert not report.ok and report.first_break.seq == 4
    assert "authentication code" in report.first_break.reason
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "entry #4" in result.output


def test_entries_signed_with_another_key_do_not_verify(app, ctx):
    petition_with_loop(finish=False)
    assert verify_chain().ok
    key = app.config["AUDIT_HMAC_KEY"]
    app.config["AUDIT_HMAC_KEY"] = "another-key"
    try:
        report = verify_chain()
        assert not report.ok and report.first_break.seq == 1
    finally:
        app.config["AUDIT_HMAC_KEY"] = key


@pytest.mark.date_sensitive
def test_deleting_every_checkpoint_shows(app, ctx, time_machine):
    time_machine.move_to(datetime.now(UTC), tick=False)
    petition_with_loop(finish=False)
    create_checkpoint()
    db.session.commit()
    record(LOGIN, actor=user("registrator"))
    db.session.commit()
    create_checkpoint()
    db.session.commit()
    time_machine.shift(timedelta(hours=3))
    assert verify_chain().ok
    # Deleting a checkpoint in the middle of the series, or all of them: both show.
    first = db.session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id).limit(1))
    as_superuser("DELETE FROM audit_checkpoints WHERE id = :i", "audit_checkpoints", i=first.id)
    report = verify_chain()
    assert not report.ok and "deleted or inserted" in report.first_break.reason
    as_superuser("DELETE FROM audit_checkpoints", "audit_checkpoints")
    report = verify_chain()
    assert not report.ok and "which is missing or different" in report.first_break.reason
    # Even when a fresh series of checkpoints starts after the deletion.
    create_checkpoint()
    db.session.commit()
    report = verify_chain()
    assert not report.ok and "which is missing or different" in report.first_break.reason
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "checkpoints were deleted" in result.output


@pytest.mark.date_sensitive
def test_recent_entries_need_no_checkpoint_yet(ctx, time_machine):
    time_machine.move_to(datetime.now(UTC), tick=False)
    petition_with_loop(finish=False)
    assert verify_chain().ok
    time_machine.shift(timedelta(hours=3))
    report = verify_chain()
    assert not report.ok and "no checkpoint covers" in report.first_break.reason


def test_a_token_changed_in_the_database_differs_from_its_copy_in_the_content_store(app, ctx):
    petition_with_loop(finish=False)
    app.config["AUDIT_TIMESTAMPER"] = lambda digest: (b"token:" + digest, "TSA de test")
    app.config["AUDIT_TIMESTAMP_VERIFIER"] = lambda token, digest: (
        None
    )  # accepts anything: the copy must catch it
    try:
        checkpoint = create_checkpoint()
        db.session.commit()
        assert verify_chain(verify_token, token_in_store).ok
        as_superuser(
            "UPDATE audit_checkpoints SET timestamp_token = :t WHERE id = :i",
            "audit_checkpoints",
            t=b"token:forged",
            i=checkpoint.id,
        )
        db.session.expire_all()
        report = verify_chain(verify_token, token_in_store)
        assert not report.ok and "copy in the content store" in report.first_break.reason
    finally:
        app.config.pop("AUDIT_TIMESTAMPER")
        app.config.pop("AUDIT_TIMESTAMP_VERIFIER")


@pytest.mark.real_commits  # threads, each with its own connection
def test_concurrent_checkpoints_and_commits_keep_one_series(app):
    """Checkpoints taken while others commit: the series of checkpoints stays linked and verifies."""
    errors = []

    def writer():
        with app.app_context():
            try:
                for _ in range(10):
                    record(LOGIN, actor=user("registrator"))
                    db.session.commit()
                    create_checkpoint()
                    db.session.commit()
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        report = verify_chain()
        assert report.ok, report.summary()
        assert report.checkpoints_checked == 30
        db.session.remove()

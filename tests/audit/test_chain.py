"""The hash chain on PostgreSQL: written with the action, append-only, tamper-evident, never forked."""

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.audit import LOGIN, SIGNATURE, record
from app.audit.anchoring import create_checkpoint, verify_token
from app.audit.chain import GENESIS_HASH, compute_hash, entry_mac, verify_chain
from app.audit.models import AuditCheckpoint, AuditEntry
from app.extensions import db
from app.identity.models import User
from tests.audit.helpers import as_superuser, petition_with_loop
from tests.routes import user

pytestmark = pytest.mark.date_sensitive


def entries():
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()


def test_entries_are_chained_and_verify(ctx):
    petition_with_loop()
    rows = entries()
    assert [e.seq for e in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == GENESIS_HASH
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.hash
    assert all(compute_hash(e) == e.hash for e in rows)
    report = verify_chain()
    assert report.ok and report.checked == len(rows)


def test_an_entry_is_written_with_its_transaction_or_not_at_all(ctx):
    before = db.session.scalar(select(func.count(AuditEntry.id)))
    record(SIGNATURE, actor=user("referent"), data={"level": "PAdES-B-T"})
    db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before
    record(SIGNATURE, actor=user("referent"), data={"level": "PAdES-B-T"})
    db.session.commit()
    last = entries()[-1]
    assert last.action == SIGNATURE and last.actor_name == "Elena Dumitrescu (referent)"
    assert last.data == {"level": "PAdES-B-T"}


def test_postgresql_refuses_update_and_delete(ctx):
    petition_with_loop(finish=False)
    create_checkpoint()
    db.session.commit()
    for statement in (
        "UPDATE audit_entries SET actor_name = 'altcineva' WHERE seq = 3",
        "DELETE FROM audit_entries WHERE seq = 3",
        "UPDATE audit_checkpoints SET head_hash = 'x'",
        "DELETE FROM audit_checkpoints",
    ):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement))
            db.session.commit()
        db.session.rollback()
    assert verify_chain().ok


def cli_verify(app):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_verify_names_an_edited_entry(app, ctx):
    petition_with_loop()
    target = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "task_completed").offset(3).limit(1)
    )
    seq = target.seq
    assert cli_verify(app)[0] == 0
    as_superuser(
        "UPDATE audit_entries SET data = jsonb_set(data, '{submitted,decizie}', '\"aproba\"') WHERE seq = :s",
        "audit_entries",
        s=seq,
    )
    report = verify_chain()
    assert not report.ok
    assert report.first_break.seq == seq and "edited" in report.first_break.reason
    code, output = cli_verify(app)
    assert code == 1
    assert f"entry #{seq}" in output and "edited" in output


def test_verify_names_the_gap_of_a_deleted_entry(app, ctx):
    petition_with_loop()
    as_superuser("DELETE FROM audit_entries WHERE seq = 5", "audit_entries")
    report = verify_chain()
    assert not report.ok and report.first_break.seq == 6
    assert "#5 are missing" in report.first_break.reason
    code, output = cli_verify(app)
    assert code == 1 and "entry #6" in output


def test_verify_catches_reordered_entries(app, ctx):
    petition_with_loop()
    # Swap the positions of entries 7 and 8, as someone rewriting the order of events would.
    as_superuser(
        "UPDATE audit_entries SET seq = -7 WHERE seq = 7; UPDATE audit_entries SET seq = 7 WHERE seq = 8; "
        "UPDATE audit_entries SET seq = 8 WHERE seq = -7",
        "audit_entries",
    )
    report = verify_chain()
    assert not report.ok and report.first_break.seq == 7
    assert "link" in report.first_break.reason or "edited" in report.first_break.reason


def test_a_checkpoint_shows_deleted_newest_entries_and_a_rewritten_chain(app, ctx):
    petition_with_loop()
    head = create_checkpoint()
    db.session.commit()
    assert verify_chain().checkpoints_checked == 1
    as_superuser("DELETE FROM audit_entries WHERE seq >= :s", "audit_entries", s=head.seq - 1)
    report = verify_chain()
    assert not report.ok and "last entries were deleted" in report.first_break.reason
    code, output = cli_verify(app)
    assert code == 1 and f"#{head.seq - 1}" in output


def test_rewriting_the_whole_chain_consistently_still_shows_against_a_checkpoint(ctx):
    petition_with_loop()
    checkpoint = create_checkpoint()
    db.session.commit()
    # A superuser who also got hold of the audit key edits entry 4 and recomputes every hash and authentication
    # code after it: the chain itself verifies again...
    rows = entries()
    db.session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
    previous = rows[2].hash
    for entry in rows[3:]:
        if entry.seq == 4:
            entry.ip = "10.0.0.66"
        entry.prev_hash = previous
        entry.hash = compute_hash(entry)
        entry.mac = entry_mac(entry.hash)
        previous = entry.hash
    db.session.flush()
    db.session.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
    db.session.commit()
    report = verify_chain()
    # ...but not against the checkpoint taken before.
    assert not report.ok and report.first_break.seq == checkpoint.seq
    assert "rewritten" in report.first_break.reason


def test_checkpoints_carry_a_timestamp_token_when_an_authority_is_configured(app, ctx):
    petition_with_loop(finish=False)
    issued = []

    def fake_authority(digest: bytes):
        issued.append(digest)
        return b"token:" + digest, "TSA de test"

    app.config["AUDIT_TIMESTAMPER"] = fake_authority
    app.config["AUDIT_TIMESTAMP_VERIFIER"] = lambda token, digest: (
        None if token == b"token:" + digest else "the token does not cover this head"
    )
    try:
        checkpoint = create_checkpoint()
        db.session.commit()
        assert checkpoint.timestamp_authority == "TSA de test" and len(issued) == 1
        assert verify_token(checkpoint) is None
        report = verify_chain(verify_token)
        assert report.ok and report.timestamped_checkpoints == 1
        as_superuser(
            "UPDATE audit_checkpoints SET timestamp_token = :t WHERE id = :i",
            "audit_checkpoints",
            t=b"token:forged",
            i=checkpoint.id,
        )
        db.session.expire_all()
        report = verify_chain(verify_token)
        assert not report.ok and "timestamp" in report.first_break.reason
    finally:
        app.config.pop("AUDIT_TIMESTAMPER")
        app.config.pop("AUDIT_TIMESTAMP_VERIFIER")


@pytest.mark.real_commits
def test_concurrent_writers_never_fork_the_chain(app):
    threads_count, per_thread = 8, 15
    barrier = threading.Barrier(threads_count)
    errors = []

    def writer(n):
        with app.app_context():
            try:
                someone = db.session.scalar(select(User).where(User.username == "registrator"))
                barrier.wait()
                for i in range(per_thread):
                    record(LOGIN, actor=someone, data={"thread": n, "i": i})
                    db.session.commit()
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == LOGIN)).all()
        assert len(rows) == threads_count * per_thread
        report = verify_chain()
        assert report.ok, report.summary()
        assert report.head_seq == db.session.scalar(select(func.count(AuditEntry.id)))


def test_a_fork_is_refused_by_the_database_even_without_the_lock(app):
    """Two writers that both read the same head (as if the advisory lock were bypassed): the unique position
    makes the second commit fail instead of forking the chain."""
    from app.audit.chain import chain_head

    with app.app_context():
        first, second = db.session(), db.session.session_factory()
        try:
            seq, head = chain_head()
            for session in (first, second):
                entry = AuditEntry(seq=seq + 1, action=LOGIN, prev_hash=head, at=db.func.now())
                entry.hash = f"{id(session):064x}"[-64:]
                session.add(entry)
            first.commit()
            with pytest.raises(IntegrityError):
                second.commit()
        finally:
            second.rollback()
            second.close()
            db.session.remove()


def test_checkpoints_table_is_empty_before_any_checkpoint(ctx):
    assert db.session.scalar(select(func.count(AuditCheckpoint.id))) == 0


def test_checkpoint_is_timestamped_by_the_signing_timestamp_authority(app, ctx):
    """RFC 3161 through the signing package's authority (the test PKI's, in process): the token covers
    sha256(head hash), its signature validates, and a token moved onto another checkpoint is refused."""
    pytest.importorskip("app.signing.pki")
    from app.audit.anchoring import head_digest, token_imprint

    petition_with_loop(finish=False)
    checkpoint = create_checkpoint()
    db.session.commit()
    assert checkpoint.timestamp_token, checkpoint.note
    assert token_imprint(checkpoint.timestamp_token) == head_digest(checkpoint.head_hash)
    assert verify_token(checkpoint) is None
    report = verify_chain(verify_token)
    assert report.ok and report.timestamped_checkpoints == 1
    record(LOGIN, actor=user("registrator"))
    db.session.commit()
    later = create_checkpoint()
    db.session.commit()
    as_superuser(
        "UPDATE audit_checkpoints SET timestamp_token = :t WHERE id = :i",
        "audit_checkpoints",
        t=checkpoint.timestamp_token,
        i=later.id,
    )
    db.session.expire_all()
    report = verify_chain(verify_token)
    assert not report.ok and "different chain head" in report.first_break.reason

"""The audit chain is appended at the transaction's commit, not at a savepoint's (each route script runs in one):
its lock must not be held through the rest of a request."""

from sqlalchemy import func, select

from app.audit.log import pending_entries, record
from app.audit.models import AuditEntry
from app.extensions import db


def test_entries_queued_before_a_savepoint_are_written_by_the_commit_not_by_the_savepoint(ctx):
    before = db.session.scalar(select(func.count(AuditEntry.id)))
    record("task_completed", actor=None, target="inainte de savepoint")
    with db.session.begin_nested():
        record("task_completed", actor=None, target="in savepoint")
    assert [e.target for e in pending_entries()] == ["inainte de savepoint", "in savepoint"]
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before
    db.session.commit()
    assert pending_entries() == []
    written = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(2)).all()
    assert [e.target for e in reversed(written)] == ["inainte de savepoint", "in savepoint"]
    assert written[0].prev_hash == written[1].hash

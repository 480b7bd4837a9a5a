"""Entries written before the audit HMAC key existed: `verify` names them apart; `flask audit seal-legacy` seals
them only after their plain chain verifies, records that it did, and refuses (sealing nothing) on a broken chain,
without the key, or for an entry posing as legacy after authenticated ones."""

from sqlalchemy import func, select, text

from app.audit.chain import compute_hash, verify_chain
from app.audit.models import AuditEntry, AuditLegacySeal
from app.extensions import db
from tests.audit.helpers import petition_with_loop


def _as_before_the_key(up_to_seq: int) -> None:
    """The first entries as a database upgraded from before the key has them: no authentication code."""
    db.session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
    db.session.execute(text("UPDATE audit_entries SET mac = NULL WHERE seq <= :n"), {"n": up_to_seq})
    db.session.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
    db.session.expire_all()


def _seals() -> int:
    return db.session.scalar(select(func.count(AuditLegacySeal.id)))


def _legacy_prefix() -> int:
    petition_with_loop(finish=False)
    db.session.commit()
    head = db.session.scalar(select(func.max(AuditEntry.seq)))
    legacy = head // 2
    _as_before_the_key(legacy)
    return legacy


def test_legacy_entries_are_named_then_sealed_after_verification(app, ctx):
    legacy = _legacy_prefix()
    report = verify_chain()
    assert not report.ok and report.legacy_unsealed == legacy
    assert report.first_break.seq == 1 and "flask audit seal-legacy" in report.first_break.reason
    assert "NOT sealed" in report.summary()

    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "seal-legacy"])
    assert result.exit_code == 0, result.output
    assert f"Sealed {legacy} legacy entries (#1–#{legacy})" in result.output
    assert _seals() == legacy

    report = verify_chain()
    assert report.ok, report.summary()
    assert report.legacy_sealed == legacy and report.legacy_unsealed == 0
    assert f"{legacy} legacy entries (before the audit key) sealed" in report.summary()
    # the sealing is itself an authenticated entry of the chain
    last = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    assert last.action == "audit_legacy_sealed" and last.mac
    assert last.data["entries"] == legacy and last.data["first"] == 1 and last.data["last"] == legacy
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "legacy entries" in verified.output

    again = runner.invoke(args=["audit", "seal-legacy"])
    assert again.exit_code == 0 and "Nothing to seal" in again.output
    assert _seals() == legacy


def test_a_legacy_entry_edited_before_sealing_is_not_sealed(app, ctx):
    legacy = _legacy_prefix()
    db.session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
    db.session.execute(text("UPDATE audit_entries SET ip = '10.0.0.66' WHERE seq = 2"))
    db.session.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
    db.session.expire_all()
    entries = db.session.scalar(select(func.count(AuditEntry.id)))
    result = app.test_cli_runner().invoke(args=["audit", "seal-legacy"])
    assert result.exit_code == 1
    assert "entry #2" in result.output and "content no longer matches" in result.output
    assert _seals() == 0 and db.session.scalar(select(func.count(AuditEntry.id))) == entries
    assert legacy >= 2


def test_a_sealed_legacy_entry_rewritten_later_does_not_verify(app, ctx):
    legacy = _legacy_prefix()
    assert app.test_cli_runner().invoke(args=["audit", "seal-legacy"]).exit_code == 0
    # a superuser rewrites the whole chain with plain sha256 from entry 2 on: the seal of entry 2 no longer fits
    rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    db.session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
    previous = rows[0].hash
    for entry in rows[1:legacy]:
        if entry.seq == 2:
            entry.ip = "10.0.0.66"
        entry.prev_hash = previous
        entry.hash = compute_hash(entry)
        previous = entry.hash
    db.session.flush()
    db.session.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
    report = verify_chain()
    assert not report.ok and report.first_break.seq == 2
    assert "legacy seal does not match" in report.first_break.reason


def test_an_entry_without_code_after_authenticated_ones_is_not_legacy(app, ctx):
    petition_with_loop(finish=False)
    db.session.commit()
    db.session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
    db.session.execute(text("UPDATE audit_entries SET mac = NULL WHERE seq = 5"))
    db.session.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
    db.session.expire_all()
    report = verify_chain()
    assert not report.ok and report.first_break.seq == 5 and "posing" in report.first_break.reason
    result = app.test_cli_runner().invoke(args=["audit", "seal-legacy"])
    assert result.exit_code == 1 and "entry #5" in result.output
    assert _seals() == 0


def test_without_the_key_nothing_is_sealed(app, ctx):
    _legacy_prefix()
    key = app.config["AUDIT_HMAC_KEY"]
    app.config["AUDIT_HMAC_KEY"] = None
    try:
        result = app.test_cli_runner().invoke(args=["audit", "seal-legacy"])
    finally:
        app.config["AUDIT_HMAC_KEY"] = key
    assert result.exit_code == 2 and "AUDIT_HMAC_KEY" in result.output
    assert _seals() == 0

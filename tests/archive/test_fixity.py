"""The fixity check re-hashes every archived file: a file altered or removed on disk is reported (run stored, CLI
exits non-zero, the archive page shows it); nothing in the database changes apart from the report itself."""

import os

from sqlalchemy import func, select

from app.archive.fixity import renew_timestamps, run_fixity
from app.archive.models import ArchiveItem, ArchiveRecord, FixityRun, ItemKind
from app.extensions import db
from app.storage import current_store
from tests.archive.helpers import Web, archived_petition


def _alter_on_disk(sha256: str, data: bytes = b"%PDF-1.7 altered") -> None:
    path = current_store().path(sha256)
    os.chmod(path, 0o640)
    path.write_bytes(data)


def test_fixity_reports_a_file_altered_on_disk(ctx, app):
    record = archived_petition()
    clean = run_fixity()
    db.session.commit()
    assert clean.ok and clean.checked == len({i.sha256 for i in record.items})

    lta = next(i for i in record.items if i.kind == ItemKind.LTA)
    _alter_on_disk(lta.sha256)
    result = run_fixity()
    db.session.commit()
    assert [(p["sha256"], p["problem"]) for p in result.problems] == [(lta.sha256, "modificat")]
    assert result.problems[0]["registration"] == record.registration_label
    # The archive itself is untouched: same records and items, nothing "repaired" silently.
    assert db.session.scalar(select(func.count(ArchiveItem.id))) == len(record.items)

    page = Web(app, "arhivar").get("/arhiva/fixitate").get_data(as_text=True)
    assert lta.sha256 in page and "modificat pe disc" in page

    runner = app.test_cli_runner()
    out = runner.invoke(args=["archive", "fixity"])
    assert out.exit_code == 1 and "PROBLEMĂ" in out.output and lta.sha256 in out.output


def test_fixity_reports_a_missing_file(ctx):
    record = archived_petition()
    card = next(i for i in record.items if i.kind == ItemKind.CARD)
    current_store().path(card.sha256).unlink()
    result = run_fixity()
    assert [(p["file"], p["problem"]) for p in result.problems] == [("fisa-arhivare.json", "lipsă")]


def test_timestamps_are_renewed_before_the_tsa_certificate_expires(ctx):
    record = archived_petition()
    lta = next(i for i in record.items if i.kind == ItemKind.LTA)
    assert lta.timestamp_expires_at is not None
    assert renew_timestamps(within_days=1) == 0  # the TEST TSA certificate is valid for years
    days = (lta.timestamp_expires_at.replace(tzinfo=None) - __import__("datetime").datetime.utcnow()).days + 2
    assert renew_timestamps(within_days=days) == 1
    db.session.commit()
    renewed = db.session.scalar(select(ArchiveItem).where(ArchiveItem.renews_id == lta.id))
    assert renewed.kind == ItemKind.RENEWED and renewed.sha256 != lta.sha256
    assert renew_timestamps(within_days=1) == 0
    # Renewing again only extends the newest copy, never the one already renewed.
    assert renew_timestamps(within_days=days) == 1
    db.session.commit()
    assert (
        db.session.scalar(select(func.count(ArchiveItem.id)).where(ArchiveItem.kind == ItemKind.RENEWED)) == 2
    )
    assert db.session.scalar(select(func.count(ArchiveRecord.id))) == 1
    assert db.session.scalar(select(func.count(FixityRun.id))) == 0


def test_export_stops_on_an_altered_file_and_leaves_nothing(ctx, tmp_path):
    import pytest

    from app.archive.export import export_record
    from app.archive.records import ArchiveError

    record = archived_petition()
    lta = next(i for i in record.items if i.kind == ItemKind.LTA)
    _alter_on_disk(lta.sha256)
    with pytest.raises(ArchiveError, match="modificat pe disc"):
        export_record(record, tmp_path)
    assert list(tmp_path.iterdir()) == []

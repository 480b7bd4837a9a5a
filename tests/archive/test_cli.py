"""`flask archive run / export`: the command line archives closed documents and exports one by its registration
number; an export of a document that is not closed is refused with a clear message and writes nothing."""

from sqlalchemy import func, select

from app.archive.models import ArchiveRecord
from app.extensions import db
from tests.archive.helpers import closed_petition, eark_errors, eark_validate, verify_checksums
from tests.signing.helpers import petition_at_signing


def test_run_then_export_by_registration_number(ctx, app, tmp_path):
    document = closed_petition()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["archive", "run"])
    assert out.exit_code == 0 and "Arhivate: 1" in out.output
    assert runner.invoke(args=["archive", "run"]).output.strip().endswith("Arhivate: 0")
    number = f"{document.registration_number}/{document.registration_year}"
    out = runner.invoke(args=["archive", "export", number, str(tmp_path / "sip")])
    assert out.exit_code == 0, out.output
    package = tmp_path / "sip" / out.output.strip().split("/")[-1]
    report = eark_validate(package)
    assert report["structure"]["status"] == "Well Formed" and eark_errors(report) == []


def test_export_of_an_open_document_is_refused(ctx, app, tmp_path):
    document = petition_at_signing()
    out = app.test_cli_runner().invoke(
        args=[
            "archive",
            "export",
            f"{document.registration_number}/{document.registration_year}",
            str(tmp_path / "x"),
        ]
    )
    assert out.exit_code == 1 and "nu este închis" in out.output
    assert not (tmp_path / "x").exists()
    assert db.session.scalar(select(func.count(ArchiveRecord.id))) == 0


def test_broken_packages_are_caught(ctx, app, tmp_path):
    """The checks are not vacuous. eark-validator 1.1.2 judges structure and METS (schema, SIP rules) but, despite
    `-c`, does not re-hash files: the package's checksums are verified by `verify_checksums` (every METS, root and
    representation level)."""
    document = closed_petition()
    runner = app.test_cli_runner()
    runner.invoke(args=["archive", "run"])
    out = runner.invoke(args=["archive", "export", document.public_id, str(tmp_path)])
    package = next(p for p in tmp_path.iterdir() if p.is_dir())
    assert verify_checksums(package) == [], out.output
    victim = next(package.glob("representations/*/data/*.pdf"))
    victim.write_bytes(victim.read_bytes() + b"\n%altered")
    assert [p.name for p in verify_checksums(package)] == [victim.name]
    (package / "METS.xml").unlink()
    assert eark_validate(package)["structure"]["status"] != "Well Formed"


def test_export_year_needs_every_file_closed(ctx, app, tmp_path):
    from app.archive.records import archive_pending, record_for
    from app.archive.retention import close_file
    from tests.routes import user

    document = closed_petition()
    archive_pending()
    archive_file = record_for(document).archive_file
    archive_file.year = 2019  # test set-up: the file as if it were from an ended year
    db.session.commit()
    runner = app.test_cli_runner()
    out = runner.invoke(
        args=["archive", "export-year", "2019", str(tmp_path / "an"), "--institution", "cj-brasov"]
    )
    assert out.exit_code == 1 and "Dosare neînchise în 2019: II-1/2019" in out.output
    assert not (tmp_path / "an").exists()
    close_file(archive_file, user("arhivar"))
    db.session.commit()
    out = runner.invoke(
        args=["archive", "export-year", "2019", str(tmp_path / "an"), "--institution", "cj-brasov"]
    )
    assert out.exit_code == 0, out.output
    package = tmp_path / "an" / "cj-brasov-2019"
    report = eark_validate(package)
    assert report["structure"]["status"] == "Well Formed" and eark_errors(report) == []
    assert verify_checksums(package) == []

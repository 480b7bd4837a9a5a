"""Archiving at the end of a route: a closed petition becomes an archive record with its record card, its signed
answer upgraded to B-LTA and validated offline, validation reports and an audit extract; the records are insert-only
in PostgreSQL; an E-ARK SIP exported for it validates with eark-validator."""

import json

import pytest
from sqlalchemy import func, select, text

from app.archive.export import export_record
from app.archive.models import ArchiveFile, ArchiveItem, ArchiveRecord, FileStatus, ItemKind
from app.archive.records import ArchiveError, archive_document, archive_pending
from app.extensions import db
from app.storage import current_store
from tests.archive.helpers import (
    VALIDATOR_SIP14_DEFECT,
    archived_petition,
    eark_errors,
    eark_profile_errors,
    eark_validate,
    verify_checksums,
)
from tests.signing.helpers import petition_at_signing

pytestmark = pytest.mark.date_sensitive


def test_closed_petition_is_archived_with_its_record_card(ctx):
    record = archived_petition()
    document = record.document
    kinds = sorted(i.kind for i in record.items)
    assert kinds.count(ItemKind.LTA) == 1 and ItemKind.AUDIT in kinds and ItemKind.CARD in kinds
    card = record.card
    assert card["identificator_unic"] == record.public_id
    assert card["numar_inregistrare"] == document.registration_label
    assert card["clasa_nomenclator"] == "II-1" and card["termen_pastrare"] == "5 ani"
    assert card["detinator"] == "Consiliul Județean Brașov"
    assert card["verificare_semnaturi"] and card["verificare_semnaturi"][0]["stare"] == "valid"
    for key in (
        "emitent",
        "titular_drepturi",
        "istoric",
        "tip_document",
        "nivel_clasificare",
        "formate",
        "cuvinte_cheie",
        "localizare",
        "data_emiterii",
        "data_arhivarii",
    ):
        assert card[key], key
    store = current_store()
    stored_card = json.loads(store.get(next(i for i in record.items if i.kind == ItemKind.CARD).sha256))
    assert stored_card["identificator_unic"] == record.public_id
    archive_file = record.archive_file
    assert archive_file.status == FileStatus.OPEN and archive_file.year == document.registration_year
    assert archive_file.retention_until.year == document.registration_year + 6
    # Idempotent: the job and a direct call both find the existing record.
    assert archive_pending() == (0, [])
    assert archive_document(document).id == record.id
    assert db.session.scalar(select(func.count(ArchiveRecord.id))) == 1


def test_an_open_document_is_not_archived(ctx):
    document = petition_at_signing()
    with pytest.raises(ArchiveError, match="nu este închis"):
        archive_document(document)
    db.session.rollback()
    assert db.session.scalar(select(func.count(ArchiveRecord.id))) == 0
    assert db.session.scalar(select(func.count(ArchiveFile.id))) == 0


def test_archive_records_and_items_are_insert_only(ctx):
    record = archived_petition()
    item_id = record.items[0].id
    for statement in (
        f"UPDATE archive_records SET title = 'x' WHERE id = {record.id}",
        f"DELETE FROM archive_records WHERE id = {record.id}",
        f"UPDATE archive_items SET sha256 = 'x' WHERE id = {item_id}",
        f"DELETE FROM archive_items WHERE id = {item_id}",
    ):
        with pytest.raises(Exception, match="insert-only"):
            db.session.execute(text(statement))
            db.session.flush()
        db.session.rollback()
    assert db.session.get(ArchiveItem, item_id).sha256 == record.items[0].sha256


def test_exported_sip_validates_with_eark_validator(ctx, tmp_path):
    record = archived_petition()
    package = export_record(record, tmp_path)
    assert (package / "METS.xml").is_file()
    assert list((package / "representations").glob("*/data/*-arhiva-blta.pdf"))
    report = eark_validate(package)
    assert report["structure"]["status"] == "Well Formed", report
    assert eark_errors(report) == [], eark_errors(report)
    # The command line reports only the last schematron section: every section of both profiles, here.
    errors = eark_profile_errors(package)
    assert [e for e in errors if VALIDATOR_SIP14_DEFECT not in e] == [], errors
    assert len(errors) <= 1  # at most the validator's SIP14 defect, on the one software agent note
    mets = (package / "METS.xml").read_text()
    assert 'ROLE="ARCHIVIST" TYPE="ORGANIZATION"' in mets and 'csip:NOTETYPE="IDENTIFICATIONCODE"' in mets
    assert verify_checksums(package) == []
    # An export never overwrites an earlier one.
    with pytest.raises(ArchiveError, match="există deja"):
        export_record(record, tmp_path)


def test_the_registry_file_code_chooses_the_class(ctx):
    from tests.archive.helpers import closed_petition

    document = closed_petition()
    document.file_code = "II-3"  # the registrar filed it under "Adeverințe eliberate"
    db.session.commit()
    assert archive_pending() == (1, [])
    record = db.session.scalar(select(ArchiveRecord).where(ArchiveRecord.document_id == document.id))
    assert record.archive_file.file_class.code == "II-3" and record.card["clasa_nomenclator"] == "II-3"


def test_scheduled_jobs_archive_and_check(ctx, app):
    from app.archive.jobs import archive_tick, daily_care
    from app.archive.models import FixityRun
    from tests.archive.helpers import closed_petition

    document = closed_petition()
    archive_tick(app)  # its own application context and session, under the advisory lock
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count(ArchiveRecord.id)).where(ArchiveRecord.document_id == document.id)
        )
        == 1
    )
    daily_care(app)
    run = db.session.scalar(select(FixityRun))
    assert run is not None and run.ok and run.checked > 0

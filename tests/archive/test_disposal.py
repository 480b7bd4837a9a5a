"""Retention and disposal: closing files, legal holds, the expired list, the disposal route (committee approval,
e-sealed destruction report, a permanent record of what was destroyed); and bad input: a file under legal hold or
before its retention ends is refused with a clear message and nothing changes."""

from datetime import date

import pytest
from sqlalchemy import func, select, text

from app.archive.models import ArchiveFile, Destruction, Disposal, DisposalStatus, FileStatus
from app.archive.records import ArchiveError
from app.archive.retention import close_file
from app.extensions import db
from app.registry.models import Attachment, Document
from app.storage import current_store
from app.workflow.runtime import complete_task
from tests.archive.helpers import Web, archived_petition, old_file, propose
from tests.routes import open_task, user

pytestmark = pytest.mark.date_sensitive


def _counts():
    return (
        db.session.scalar(select(func.count(Document.id))),
        db.session.scalar(select(func.count(Disposal.id))),
        db.session.scalar(select(func.count(Destruction.id))),
    )


def test_current_year_file_cannot_be_closed(ctx):
    record = archived_petition()
    with pytest.raises(ArchiveError, match="după încheierea anului"):
        close_file(record.archive_file, user("arhivar"))
    db.session.rollback()
    assert record.archive_file.status == FileStatus.OPEN


def test_disposal_route_destroys_and_keeps_a_permanent_record(ctx, app):
    record = archived_petition()
    archive_file = old_file(record)
    close_file(archive_file, user("arhivar"))
    db.session.commit()
    blobs = {i.sha256 for i in record.items}
    store = current_store()
    assert all(store.exists(b) for b in blobs)

    page = Web(app, "arhivar").get("/arhiva/termene-expirate").get_data(as_text=True)
    assert archive_file.label in page
    response = propose(Web(app, "arhivar"), archive_file.id)
    assert "Propunerea de eliminare a fost trimisă" in response.get_data(as_text=True)
    disposal = db.session.scalar(select(Disposal))
    assert disposal.status == DisposalStatus.PROPOSED and disposal.file_ids == [archive_file.id]
    # The committee (the secretary general) approves in its inbox.
    complete_task(
        open_task(disposal.document, "aprobare_comisie").id, user("secretar"), {"decizie_comisie": "aproba"}
    )
    db.session.commit()
    db.session.expire_all()

    disposal = db.session.get(Disposal, disposal.id)
    assert disposal.status == DisposalStatus.EXECUTED and disposal.document.status == "solutionat"
    assert db.session.get(ArchiveFile, archive_file.id).status == FileStatus.DESTROYED
    destruction = db.session.scalar(select(Destruction))
    assert destruction.description["dosar"] == archive_file.label
    assert [r["numar"] for r in destruction.description["inregistrari"]] == [record.registration_label]
    report = db.session.scalar(
        select(Attachment).where(
            Attachment.document_id == disposal.document_id, Attachment.kind == "proces_verbal"
        )
    )
    assert report.sha256 == disposal.report_sha256 == destruction.report_sha256
    from app.signing.pki import current_pki  # the report is e-sealed by the institution
    from app.signing.validation import validate_pdf

    sealed = validate_pdf(store.get(report.sha256), current_pki(), online=True)
    assert sealed["status"] == "valid" and len(sealed["signatures"]) == 1, sealed
    # The blobs are gone after the commit; the record card stays.
    assert not any(store.exists(b) for b in blobs)
    page = Web(app, "arhivar").get(f"/arhiva/inregistrare/{record.public_id}").get_data(as_text=True)
    assert "a fost eliminat" in page and record.registration_label in page
    # What was destroyed is insert-only, like the records.
    for statement in (
        f"DELETE FROM archive_destructions WHERE id = {destruction.id}",
        f"UPDATE archive_destructions SET report_sha256 = 'x' WHERE id = {destruction.id}",
    ):
        with pytest.raises(Exception, match="insert-only"):
            db.session.execute(text(statement))
            db.session.flush()
        db.session.rollback()


def test_committee_rejection_destroys_nothing(ctx, app):
    record = archived_petition()
    archive_file = old_file(record)
    close_file(archive_file, user("arhivar"))
    db.session.commit()
    propose(Web(app, "arhivar"), archive_file.id)
    disposal = db.session.scalar(select(Disposal))
    complete_task(
        open_task(disposal.document, "aprobare_comisie").id,
        user("secretar"),
        {"decizie_comisie": "respinge", "observatii_comisie": "Valoare istorică."},
    )
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Disposal, disposal.id).status == DisposalStatus.REJECTED
    assert db.session.get(ArchiveFile, archive_file.id).status == FileStatus.CLOSED
    assert all(current_store().exists(i.sha256) for i in record.items)


def test_legal_hold_and_unexpired_retention_refuse_the_proposal(ctx, app):
    record = archived_petition()
    archive_file = old_file(record, expired=False)
    close_file(archive_file, user("arhivar"))
    db.session.commit()
    before = _counts()
    page = propose(Web(app, "arhivar"), archive_file.id).get_data(as_text=True)
    assert "nu poate fi eliminat înainte" in page
    assert _counts() == before

    archive_file.retention_until = date(2025, 1, 1)
    db.session.commit()
    client = Web(app, "arhivar")
    token = client.csrf("/arhiva/")
    client.post(
        f"/arhiva/dosar/{archive_file.public_id}/retinere",
        data={"motiv": "Dosar 123/2026 Tribunalul Brașov", "csrf_token": token},
    )
    db.session.expire_all()
    assert db.session.get(ArchiveFile, archive_file.id).on_hold
    page = propose(client, archive_file.id).get_data(as_text=True)
    assert "este reținut" in page and "Tribunalul Brașov" in page
    assert _counts() == before


def test_hold_placed_after_the_proposal_stops_the_committee_step(ctx, app):
    record = archived_petition()
    archive_file = old_file(record)
    close_file(archive_file, user("arhivar"))
    db.session.commit()
    propose(Web(app, "arhivar"), archive_file.id)
    disposal = db.session.scalar(select(Disposal))
    archive_file.legal_hold_reason = "Control al Curții de Conturi"
    db.session.commit()
    before = _counts()
    from app.workflow.runtime import RouteError

    with pytest.raises(RouteError, match="este reținut"):
        complete_task(
            open_task(disposal.document, "aprobare_comisie").id,
            user("secretar"),
            {"decizie_comisie": "aproba"},
        )
    db.session.rollback()
    db.session.expire_all()
    assert _counts() == before
    assert db.session.get(ArchiveFile, archive_file.id).status == FileStatus.CLOSED
    assert db.session.get(Disposal, disposal.id).status == DisposalStatus.PROPOSED
    assert all(current_store().exists(i.sha256) for i in record.items)

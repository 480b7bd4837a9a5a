"""`flask demo load` walks two petitions through the whole route, so the demo's portal, register, audit and
archive pages have content: answered, signed by both officials, archived with their record cards."""

from sqlalchemy import func, select

from app.archive.models import ArchiveRecord
from app.demo.documents import PETITIONS, walk_demo_petitions
from app.extensions import db
from app.registry.models import Document, DocumentStatus


def test_demo_petitions_are_answered_signed_and_archived_once(ctx):
    assert walk_demo_petitions() == len(PETITIONS)
    documents = db.session.scalars(select(Document).order_by(Document.id)).all()
    assert [d.subject for d in documents] == [p[0] for p in PETITIONS]
    assert all(d.status == DocumentStatus.RESOLVED and d.answer() is not None for d in documents)
    records = db.session.scalars(select(ArchiveRecord).order_by(ArchiveRecord.document_id)).all()
    assert [r.document_id for r in records] == [d.id for d in documents]
    for record, document in zip(records, documents, strict=True):
        card = record.card
        assert card["numar_inregistrare"] == document.registration_label
        assert card["detinator"] == "Consiliul Județean Brașov"
        assert card["termen_pastrare"] and card["verificare_semnaturi"]
    # Loading the demo again adds nothing.
    assert walk_demo_petitions() == 0
    assert db.session.scalar(select(func.count()).select_from(Document)) == len(PETITIONS)

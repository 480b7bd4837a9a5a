"""Registration numbers: per institution per year, restart on 1 January, no gaps or duplicates under concurrency."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.identity.models import Institution, User
from app.registry.models import Document, DocumentType
from app.registry.numbering import add_days, next_registration_number, register

pytestmark = pytest.mark.date_sensitive

BUCHAREST = ZoneInfo("Europe/Bucharest")


def new_document(institution_id: int) -> Document:
    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.code == "petitie"))
    citizen = db.session.scalar(select(User).where(User.username == "cetatean"))
    document = Document(
        institution_id=institution_id,
        document_type_id=doc_type.id,
        submitter_id=citizen.id,
        sender_name=citizen.full_name,
        subject="Test",
    )
    db.session.add(document)
    db.session.flush()
    return document


def test_label_is_number_slash_local_date(ctx):
    institution = db.session.scalar(select(Institution))
    document = new_document(institution.id)
    # 22:30 UTC on 20 November is already 21 November in Bucharest.
    register(document, when=datetime(2026, 11, 20, 22, 30, tzinfo=ZoneInfo("UTC")))
    assert document.registration_label == "1/21.11.2026"
    assert document.registration_year == 2026


def test_numbers_restart_on_first_of_january(ctx):
    institution = db.session.scalar(select(Institution))
    first = new_document(institution.id)
    register(first, when=datetime(2026, 12, 31, 23, 59, tzinfo=BUCHAREST))
    second = new_document(institution.id)
    register(second, when=datetime(2026, 12, 31, 23, 59, 30, tzinfo=BUCHAREST))
    third = new_document(institution.id)
    register(third, when=datetime(2027, 1, 1, 0, 0, 5, tzinfo=BUCHAREST))
    db.session.commit()
    assert (first.registration_number, second.registration_number, third.registration_number) == (1, 2, 1)
    assert third.registration_label == "1/01.01.2027"


def test_numbers_are_per_institution(ctx):
    home = db.session.scalar(select(Institution))
    other = Institution(code="primaria-x", name="Primăria X")
    db.session.add(other)
    db.session.flush()
    assert next_registration_number(home.id, 2026) == 1
    assert next_registration_number(other.id, 2026) == 1
    assert next_registration_number(home.id, 2026) == 2


def test_registering_twice_keeps_the_first_number(ctx):
    institution = db.session.scalar(select(Institution))
    document = new_document(institution.id)
    label = register(document)
    assert register(document) == label
    assert next_registration_number(institution.id, document.registration_year) == 2


def test_rolled_back_registration_leaves_no_gap(ctx):
    institution = db.session.scalar(select(Institution))
    document = new_document(institution.id)
    register(document)
    db.session.rollback()  # e.g. the route failed after the number was taken
    document = new_document(institution.id)
    register(document)
    db.session.commit()
    assert document.registration_number == 1


@pytest.mark.real_commits
def test_concurrent_registrations_get_distinct_consecutive_numbers(app):
    with app.app_context():
        institution_id = db.session.scalar(select(Institution.id))
        ids = []
        for _ in range(16):
            ids.append(new_document(institution_id).id)
        db.session.commit()
        db.session.remove()
    barrier = threading.Barrier(8)
    errors = []

    def worker(chunk):
        try:
            with app.app_context():
                barrier.wait()
                for document_id in chunk:
                    register(db.session.get(Document, document_id))
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(ids[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with app.app_context():
        numbers = sorted(db.session.scalars(select(Document.registration_number)))
    assert numbers == list(range(1, 17))


def test_working_days_skip_weekends_and_romanian_holidays():
    # 28.11.2026 is a Saturday; 30.11 (St Andrew) and 1.12 (National Day) are public holidays.
    assert add_days(datetime(2026, 11, 27).date(), 1, working_days=True) == datetime(2026, 12, 2).date()
    assert add_days(datetime(2026, 11, 27).date(), 30, working_days=False) == datetime(2026, 12, 27).date()

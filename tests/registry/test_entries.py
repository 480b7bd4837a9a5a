"""A registered entry: number, date, sender and subject never change (application and PostgreSQL), nothing is
deleted, a mistake is annulled (visibly, once, by the registrar), documents are linked to the first of their matter,
and the answer is recorded on the entry it answers."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app.audit.models import AuditEntry
from app.dates import now_utc, to_local
from app.extensions import db
from app.registry.entries import annul, link, linked_documents, record_dispatch
from app.registry.models import Document, DocumentAnnulment, DocumentStatus, RegistryError
from app.workflow.models import HistoryEntry, HumanTask, InstanceStatus, TaskStatus, WorkflowInstance
from tests.registry.factory import new_document, other_institution, registered, snapshot
from tests.routes import do, submit_petition, user

pytestmark = pytest.mark.date_sensitive


def test_before_registration_the_subject_may_still_change(ctx):
    document = new_document()
    document.subject = "Subiect corectat la ghișeu"
    document.sender_name = "Ana Popescu-Ionescu"
    db.session.commit()
    assert db.session.get(Document, document.id).subject == "Subiect corectat la ghișeu"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Alt subiect"),
        ("sender_name", "Alt expeditor"),
        ("registration_number", 99),
        ("registered_at", now_utc() - timedelta(days=3)),
    ],
)
def test_application_refuses_to_change_a_registered_entry(ctx, field, value):
    document = registered()
    db.session.commit()
    before = snapshot()
    document = db.session.get(Document, document.id)  # loaded fresh, as a view would
    with pytest.raises(
        RegistryError, match="nu se mai poate modifica. O greșeală se corectează prin anularea"
    ):
        setattr(document, field, value)
    db.session.rollback()
    assert snapshot() == before


def test_postgresql_refuses_to_change_or_delete_a_registered_entry(ctx):
    document = registered()
    draft = new_document(subject="Ciornă")
    db.session.commit()
    for statement in (
        f"UPDATE documents SET subject = 'Alt subiect' WHERE id = {document.id}",
        f"UPDATE documents SET sender_name = 'Alt expeditor' WHERE id = {document.id}",
        f"UPDATE documents SET registration_number = 7 WHERE id = {document.id}",
        f"UPDATE documents SET registered_at = registered_at - interval '1 day' WHERE id = {document.id}",
        f"DELETE FROM documents WHERE id = {document.id}",
    ):
        with pytest.raises(Exception, match="documents: registered entry 1/"):
            db.session.execute(text(statement))
        db.session.rollback()
    # What the register fills in later still changes, and an unregistered draft is free.
    db.session.execute(text(f"UPDATE documents SET file_code = 'II-3' WHERE id = {document.id}"))
    db.session.execute(text(f"UPDATE documents SET subject = 'Ciornă corectată' WHERE id = {draft.id}"))
    db.session.commit()
    assert db.session.get(Document, document.id).subject == "Iluminat public pe strada Lungă"


def test_annulment_keeps_the_entry_visible_and_the_number_used(ctx):
    document = registered()
    db.session.commit()
    annulment = annul(document, "Înregistrat de două ori din greșeală", user("registrator"))
    db.session.commit()
    db.session.expire_all()
    document = db.session.get(Document, document.id)
    assert document.status == DocumentStatus.ANNULLED
    assert document.annulment.reason == "Înregistrat de două ori din greșeală"
    assert annulment.operator.username == "registrator" and annulment.annulled_at is not None
    assert registered().registration_number == 2  # the annulled number is never reused
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registry_annulment"))
    assert audit.document_id == document.id and audit.data == {
        "reason": "Înregistrat de două ori din greșeală"
    }
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("DELETE FROM document_annulments"))
    db.session.rollback()


def test_annulling_twice_is_refused_and_changes_nothing(ctx):
    document = registered()
    annul(document, "Eroare de înregistrare", user("registrator"))
    db.session.commit()
    before = snapshot()
    with pytest.raises(RegistryError, match=r"a fost deja anulată la .* de Ioana Marinescu"):
        annul(db.session.get(Document, document.id), "A doua oară", user("secretar"))
    db.session.rollback()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("username", "reason", "message"),
    [
        ("referent", "Motiv serios", "Doar registratorul sau secretarul general"),
        ("registrator", "  ", "Scrieți motivul anulării"),
    ],
)
def test_annulment_needs_the_registrar_and_a_reason(ctx, username, reason, message):
    document = registered()
    db.session.commit()
    before = snapshot()
    with pytest.raises(RegistryError, match=message):
        annul(document, reason, user(username))
    db.session.rollback()
    assert snapshot() == before


def test_clerk_of_another_institution_cannot_annul(ctx):
    _rasnov, clerk = other_institution()
    document = registered()
    db.session.commit()
    before = snapshot()
    with pytest.raises(RegistryError, match="Doar registratorul"):
        annul(document, "Nu e al meu", clerk)
    db.session.rollback()
    assert snapshot() == before


def test_annulment_stops_the_route(ctx):
    document = submit_petition()
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice", "anonima": False})
    annul(document, "Petiție depusă de două ori", user("secretar"))
    db.session.commit()
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    assert instance.status == InstanceStatus.COMPLETE and instance.next_timer_at is None
    statuses = db.session.scalars(select(HumanTask.status).where(HumanTask.document_id == document.id)).all()
    assert TaskStatus.READY not in statuses and TaskStatus.CANCELLED in statuses
    entry = db.session.scalar(
        select(HistoryEntry).where(HistoryEntry.document_id == document.id, HistoryEntry.event == "anulare")
    )
    assert entry.message == "Înregistrare anulată: Petiție depusă de două ori"


def test_linking_to_the_first_document_of_the_matter(ctx):
    first = registered(subject="Groapă pe strada Lungă")
    second = registered(subject="Groapa tot nu a fost reparată")
    third = registered(subject="A treia sesizare despre groapă")
    clerk = user("registrator")
    assert link(second, first, clerk).id == first.id
    assert link(third, second, clerk).id == first.id  # linked to the first one, not to the one named
    db.session.commit()
    assert [d.registration_number for d in linked_documents(first)] == [2, 3]
    assert third.linked_document.registration_label == first.registration_label


def test_a_matter_linked_later_brings_its_documents_along(ctx):
    first, second, third = registered(), registered(), registered()
    clerk = user("registrator")
    link(third, second, clerk)  # 3 -> 2, then 2 turns out to follow 1
    link(second, first, clerk)
    db.session.commit()
    assert [d.registration_number for d in linked_documents(first)] == [2, 3]


@pytest.mark.parametrize("case", ["newer", "other_institution", "twice", "itself"])
def test_bad_links_are_refused_and_change_nothing(ctx, case):
    first, second = registered(), registered()
    clerk = user("registrator")
    if case == "twice":
        link(second, first, clerk)
    db.session.commit()
    before = snapshot()
    messages = {
        "newer": "Conexarea se face la primul document",
        "other_institution": "aceleiași instituții",
        "twice": "este deja conexat",
        "itself": "este deja conexat",
    }
    with pytest.raises(RegistryError, match=messages[case]):
        if case == "newer":
            link(first, second, clerk)
        elif case == "other_institution":
            rasnov, _ = other_institution()
            link(registered(rasnov), first, clerk)
        elif case == "twice":
            link(second, first, clerk)
        else:
            link(first, first, clerk)
    db.session.rollback()
    assert snapshot() == before


def test_record_dispatch_fills_the_entry_without_a_new_number(ctx):
    assert record_dispatch(new_document()) is False  # never registered: nothing to record it on
    document = registered()
    assert record_dispatch(document, resolution="Răspuns favorabil") is True
    db.session.commit()
    assert document.dispatched_at is not None
    assert (document.recipient, document.resolution) == ("Ana Popescu", "Răspuns favorabil")
    assert (
        db.session.scalar(select(func.count(Document.id)).where(Document.registration_number.is_not(None)))
        == 1
    )
    annulled = registered()
    annul(annulled, "Greșeală de înregistrare", user("registrator"))
    with pytest.raises(RegistryError, match="este anulată"):
        record_dispatch(annulled)


def test_the_answer_issued_by_the_route_is_recorded_on_the_petition_entry(ctx):
    from app.workflow.runtime import RunContext
    from app.workflow.script_helpers import bind_helpers

    document = submit_petition()
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice", "anonima": False})
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    helpers = bind_helpers(RunContext(instance=instance, document=document, actor=user("sef.serviciu")))
    helpers["issue_answer"]("Echipa de întreținere va repara groapa până la 30.11.2026.")
    db.session.commit()
    assert document.status == DocumentStatus.RESOLVED
    assert document.dispatched_at is not None and document.recipient == document.sender_name
    assert document.resolution == "Răspuns transmis petentului."
    assert document.registration_number == 1  # the answer left under the petition's number
    assert db.session.scalar(select(func.count(DocumentAnnulment.id))) == 0


@pytest.mark.real_commits
def test_two_clerks_annulling_at_once_annul_once(app):
    import threading

    with app.app_context():
        document_id = registered().id
        db.session.commit()
        db.session.remove()
    barrier, outcomes = threading.Barrier(2), []

    def clerk(username):
        with app.app_context():
            try:
                document = db.session.get(Document, document_id)
                operator = user(username)
                barrier.wait()
                annul(document, f"Anulat de {username}", operator)
                db.session.commit()
                outcomes.append("ok")
            except RegistryError as exc:
                db.session.rollback()
                outcomes.append(str(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=clerk, args=(name,)) for name in ("registrator", "secretar")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(outcomes) == 2 and outcomes.count("ok") == 1
    assert any("a fost deja anulată" in o for o in outcomes)
    with app.app_context():
        assert db.session.scalar(select(func.count(DocumentAnnulment.id))) == 1
        db.session.remove()


def test_completing_the_art_9_fields_after_registration(ctx):
    from app.registry.entries import complete_entry

    document = registered()
    sent = to_local(document.registered_at).date() - timedelta(days=3)  # the sender's letter is older
    changes = complete_entry(
        document,
        {
            "nr_expeditor": "1452",
            "data_expeditor": sent.strftime("%d.%m.%Y"),
            "file": "3",
            "anexe": "0",
            "dosar": "II-3",
        },
        user("registrator"),
    )
    db.session.commit()
    assert changes == {
        "sender_reference": [None, "1452"],
        "sender_reference_date": [None, sent.isoformat()],
        "page_count": [None, 3],
        "annex_count": [None, 0],
        "file_code": [None, "II-3"],
    }
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registry_entry_completed"))
    assert audit.data["file_code"] == [None, "II-3"]


@pytest.mark.parametrize(
    ("form", "username", "message"),
    [
        ({"file": "trei", "dosar": "II-3"}, "registrator", "Număr de file: scrieți un număr întreg"),
        (
            {"data_expeditor": "32.11.2026"},
            "registrator",
            "Data la expeditor: data „32.11.2026” nu este validă",
        ),
        ({"data_expeditor": "2099-01-01"}, "registrator", "nu poate fi după data înregistrării"),
        ({"dosar": "x" * 61}, "registrator", "Indicativ dosar: cel mult 60 de caractere"),
        ({"dosar": "II-3"}, "referent", "Doar registratorul sau secretarul general"),
    ],
)
def test_bad_completion_changes_nothing(ctx, form, username, message):
    from app.registry.entries import complete_entry

    document = registered()
    db.session.commit()
    before = snapshot()
    with pytest.raises(RegistryError, match=message):
        complete_entry(document, form, user(username))
    db.session.rollback()
    assert snapshot() == before

"""The petition route end to end through the runtime, on PostgreSQL: the same calls the UI and API make."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.dates import now_utc
from app.extensions import db
from app.identity.models import Institution
from app.notifications.models import Notification
from app.registry.models import Attachment, DocumentStatus
from app.workflow.models import HistoryEntry, HumanTask, InstanceStatus, TaskStatus, WorkflowInstance
from app.workflow.runtime import FormInvalid, NotCandidate, TaskUnavailable, complete_task, wake_due_instances
from tests.routes import do, open_task, sign_both, submit_petition, user

pytestmark = pytest.mark.date_sensitive


def test_submission_waits_for_registration(ctx):
    document = submit_petition()
    assert document.status == DocumentStatus.SUBMITTED
    assert document.registration_number is None
    task = open_task(document, "inregistrare")
    assert task.role_code == "registrator" and task.assignee_id is None
    history = db.session.scalars(select(HistoryEntry).where(HistoryEntry.document_id == document.id)).all()
    submitted = [h for h in history if h.bpmn_id == "depunere"]
    assert submitted[0].actor.username == "cetatean"
    assert submitted[0].data["subiect"] == "Groapă în asfalt pe strada Lungă"


def test_full_route_with_return_for_changes(ctx, tmp_path, pdftotext):
    document = submit_petition()
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice", "anonima": False})
    assert document.registration_number == 1
    assert document.registration_label.startswith("1/")
    assert document.department.code == "relatii-publice"
    assert document.deadline_at is not None
    assert document.status == DocumentStatus.IN_PROGRESS

    do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
    draft = open_task(document, "redactare")
    assert draft.assignee.username == "referent"  # assignee set by the route's data

    do(
        document,
        "redactare",
        "referent",
        {"raspuns": "Prima variantă a răspunsului, prea scurtă dar validă."},
    )
    do(
        document,
        "aprobare",
        "sef.serviciu",
        {"decizie": "returneaza", "observatii_sef": "Precizați termenul lucrării."},
    )
    # Back to the same official: the loop.
    assert open_task(document, "redactare").assignee.username == "referent"
    do(
        document,
        "redactare",
        "referent",
        {
            "raspuns": "Echipa de întreținere va astupa groapa până la 30.11.2026. Mulțumim pentru sesizare, ș ț ă î â."
        },
    )
    do(document, "aprobare", "sef.serviciu", {"decizie": "aproba"})
    assert document.status == DocumentStatus.IN_PROGRESS  # approved, now signed by both officials
    sign_both(document)

    db.session.refresh(document)
    assert document.status == DocumentStatus.RESOLVED
    assert document.closed_at is not None
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    assert instance.status == InstanceStatus.COMPLETE
    assert instance.next_timer_at is None  # the terminate end event cancelled the deadline timers
    answer = document.answer()
    assert answer is not None and answer.content_type == "application/pdf"
    from app.storage import current_store

    text = pdftotext(current_store().get(answer.sha256), tmp_path)
    assert "ș ț ă î â" in text
    assert f"Nr. {document.registration_label}" in text
    assert "Elena Dumitrescu" in text and "Mihai Ionescu" in text  # drafter and approver sign

    path = [
        h.bpmn_id
        for h in db.session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.document_id == document.id, HistoryEntry.bpmn_id.is_not(None))
            .order_by(HistoryEntry.at, HistoryEntry.id)
        )
    ]
    assert path[:5] == ["start", "depunere", "inregistrare", "atribuire_numar", "gw_anonima"]
    assert path.count("redactare") == 2 and path.count("aprobare") == 2
    assert path[-6:] == [
        "gw_aprobat",
        "pregatire",
        "semnare_referent",
        "semnare_sef",
        "emitere",
        "sfarsit_solutionata",
    ]
    loop = db.session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.document_id == document.id, HistoryEntry.bpmn_id == "redactare")
        .order_by(HistoryEntry.id)
    ).all()
    assert loop[1].previous_bpmn_id == "gw_aprobat"  # the sequence flow taken back is recoverable


def test_anonymous_petition_is_closed_without_action(ctx):
    document = submit_petition()
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice", "anonima": True})
    assert document.status == DocumentStatus.CLOSED_NO_ACTION
    assert "OG 27/2002" in document.resolution
    assert document.registration_number == 1  # registered, then closed
    assert (
        db.session.scalar(
            select(HumanTask).where(
                HumanTask.document_id == document.id, HumanTask.status == TaskStatus.READY
            )
        )
        is None
    )


def test_invalid_form_data_changes_nothing(ctx):
    document = submit_petition()
    task = open_task(document, "inregistrare")
    with pytest.raises(FormInvalid) as exc:
        complete_task(task.id, user("registrator"), {"departament": "nu-exista"})
    db.session.rollback()
    assert "departament" in exc.value.errors
    db.session.refresh(document)
    assert document.registration_number is None
    assert open_task(document, "inregistrare").id == task.id


def test_task_completed_twice_gives_clear_message(ctx):
    document = submit_petition()
    task = open_task(document, "inregistrare")
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
    with pytest.raises(TaskUnavailable) as exc:
        complete_task(task.id, user("registrator"), {"departament": "urbanism"})
    db.session.rollback()
    assert "deja finalizată de Ioana Marinescu" in str(exc.value)
    db.session.refresh(document)
    assert document.department.code == "relatii-publice"


def test_deadline_timers_remind_five_days_before_and_mark_overdue_after_the_deadline(ctx):
    document = submit_petition()
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
    do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
    start = now_utc()
    assert wake_due_instances() == 0
    with time_machine.travel(start + timedelta(days=26), tick=False):  # day 25 is over
        assert wake_due_instances() == 1
    notices = db.session.scalars(select(Notification).where(Notification.document_id == document.id)).all()
    assert {n.user_id for n in notices} == {user("referent").id, user("sef.serviciu").id}
    db.session.refresh(document)
    assert document.overdue is False
    with time_machine.travel(start + timedelta(days=31), tick=False):  # the 30th day is over
        assert wake_due_instances() == 1
    db.session.refresh(document)
    assert document.overdue is True
    events = [
        h.event
        for h in db.session.scalars(select(HistoryEntry).where(HistoryEntry.document_id == document.id))
    ]
    assert "reminder" in events and "overdue" in events
    # The route itself goes on: the official can still answer.
    assert open_task(document, "redactare") is not None


def test_head_of_institution_extends_the_deadline_by_at_most_15_days(ctx):
    """OG 27/2002 art. 9: the extension is decided once, for at most 15 days, with a reason the petitioner sees;
    the overdue mark then waits for the new deadline."""
    document = submit_petition()
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
    do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
    start = now_utc()
    old_deadline = document.deadline_at
    with time_machine.travel(start + timedelta(days=26), tick=False):
        assert wake_due_instances() == 1
        decision = open_task(document, "decizie_prelungire")
        assert decision.role_code == "secretar_general"
        with pytest.raises(FormInvalid):
            complete_task(
                decision.id, user("secretar"), {"prelungire": True, "zile": 16, "motiv_prelungire": "x"}
            )
        db.session.rollback()
        with pytest.raises(NotCandidate):  # the head of unit is not the head of the institution
            complete_task(
                decision.id, user("sef.serviciu"), {"prelungire": True, "zile": 10, "motiv_prelungire": "x"}
            )
        db.session.rollback()
        db.session.refresh(document)
        assert document.deadline_at == old_deadline
        do(
            document,
            "decizie_prelungire",
            "secretar",
            {"prelungire": True, "zile": 15, "motiv_prelungire": "Verificare pe teren cu poliția locală."},
        )
    db.session.refresh(document)
    assert (document.deadline_at - old_deadline).days == 15
    moved = db.session.scalar(
        select(HistoryEntry).where(
            HistoryEntry.document_id == document.id, HistoryEntry.event == "deadline_changed"
        )
    )
    assert "art. 9 din OG 27/2002" in moved.message or "art. 9 din OG 27/2002" in str(moved.data)
    with time_machine.travel(start + timedelta(days=31), tick=False):  # the old deadline passed: not overdue
        wake_due_instances()
        db.session.refresh(document)
        assert document.overdue is False
    with time_machine.travel(start + timedelta(days=46), tick=False):  # the extended one passed
        assert wake_due_instances() == 1
        db.session.refresh(document)
        assert document.overdue is True
    assert open_task(document, "redactare") is not None


def test_a_petition_for_another_institution_is_forwarded_there_and_the_petitioner_told(ctx):
    """OG 27/2002 art. 6(2): registered as incoming at the competent institution, both numbers linked, the
    petition closed here with a message naming the institution, its number and the reason."""
    from app.correspondence.models import OutgoingLetter
    from app.registry.models import Document

    document = submit_petition(subject="Groapă pe o stradă din Săcele")
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
    task = open_task(document, "repartizare")
    with pytest.raises(FormInvalid) as refused:  # forwarding needs the institution and the reason
        complete_task(task.id, user("sef.serviciu"), {"competenta": "redirectionare"})
    db.session.rollback()
    assert {"institutie_competenta", "motiv_redirectionare"} <= set(refused.value.errors)
    with pytest.raises(FormInvalid):  # only institutions of the platform, never its own
        complete_task(
            task.id,
            user("sef.serviciu"),
            {
                "competenta": "redirectionare",
                "institutie_competenta": "cj-brasov",
                "motiv_redirectionare": "x",
            },
        )
    db.session.rollback()

    do(
        document,
        "repartizare",
        "sef.serviciu",
        {
            "competenta": "redirectionare",
            "institutie_competenta": "pm-sacele",
            "motiv_redirectionare": "Strada este administrată de Primăria Municipiului Săcele.",
        },
    )
    db.session.refresh(document)
    assert document.status == DocumentStatus.RESOLVED and document.is_closed
    letter = db.session.scalar(select(OutgoingLetter).where(OutgoingLetter.source_document_id == document.id))
    incoming = db.session.get(Document, letter.incoming_document_id)
    sacele = db.session.scalar(select(Institution).where(Institution.code == "pm-sacele"))
    assert incoming.institution_id == sacele.id and incoming.registration_number is not None
    assert "Groapă pe o stradă din Săcele" in incoming.subject
    assert {a.sha256 for a in incoming.attachments} >= {
        a.sha256 for a in document.attachments if a.kind == "depunere"
    }
    assert (
        incoming.registration_label in document.resolution
        and "Primăria Municipiului Săcele" in document.resolution
    )
    forwarded = db.session.scalar(
        select(HistoryEntry).where(HistoryEntry.document_id == document.id, HistoryEntry.event == "forwarded")
    )
    assert forwarded.data["institution"] == "pm-sacele" and forwarded.data["late_days"] == 0
    assert (
        db.session.scalar(select(WorkflowInstance.status).where(WorkflowInstance.document_id == document.id))
        == InstanceStatus.COMPLETE
    )
    # At Săcele the letter waits in the registry like any incoming address.
    assert (
        db.session.scalar(
            select(HumanTask).where(
                HumanTask.document_id == incoming.id, HumanTask.status == TaskStatus.READY
            )
        ).institution_id
        == sacele.id
    )


def test_answer_attachment_is_stored_by_content_hash(ctx):
    document = submit_petition()
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
    do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
    do(
        document,
        "redactare",
        "referent",
        {"raspuns": "Răspunsul complet al instituției la petiția dumneavoastră."},
    )
    do(document, "aprobare", "sef.serviciu", {"decizie": "aproba"})
    sign_both(document)
    answer = db.session.scalar(select(Attachment).where(Attachment.document_id == document.id))
    import hashlib

    from app.storage import current_store

    assert hashlib.sha256(current_store().get(answer.sha256)).hexdigest() == answer.sha256

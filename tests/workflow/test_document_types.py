"""The shipped document types end to end through the runtime, on PostgreSQL: public information (Law 544/2001),
letters from other institutions, internal memos with parallel opinions, urban planning certificates."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from app.dates import to_local
from app.extensions import db
from app.identity.models import Department, Institution, Membership, Role, User
from app.intake.submission import submit
from app.notifications.models import Notification
from app.registry.models import Document, DocumentStatus, DocumentType
from app.workflow.models import HistoryEntry, Incident, InstanceStatus, WorkflowInstance
from app.workflow.runtime import complete_task, wake_due_instances
from tests.routes import open_task, open_tasks, user

pytestmark = pytest.mark.date_sensitive

BUCHAREST = ZoneInfo("Europe/Bucharest")
# A Monday; 30 November and 1 December are public holidays in Romania.
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=BUCHAREST)


@pytest.fixture(autouse=True)
def on_a_monday(time_machine):
    """Steps outside an explicit `travel` happen on the Monday the documents are submitted, whatever today is."""
    time_machine.move_to(MONDAY + timedelta(hours=1), tick=True)


def new_document(code: str, data: dict, username: str = "cetatean") -> Document:
    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.code == code))
    document = submit(user(username), db.session.scalar(select(Institution)), doc_type, data, {})
    db.session.commit()
    return document


def do(document: Document, bpmn_id: str, username: str, data: dict) -> None:
    complete_task(open_task(document, bpmn_id).id, user(username), data)
    db.session.commit()


def path(document: Document) -> list[str]:
    return [
        h.bpmn_id
        for h in db.session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.document_id == document.id, HistoryEntry.bpmn_id.is_not(None))
            .order_by(HistoryEntry.id)  # some steps run under time_machine, in the future
        )
    ]


def deadline_day(document: Document) -> str:
    db.session.refresh(document)
    return to_local(document.deadline_at).date().isoformat()


def instance_of(document: Document) -> WorkflowInstance:
    return db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))


# --- Law 544/2001 -----------------------------------------------------------------------------------------------

INFO_REQUEST = {
    "subiect": "Contracte de deszăpezire 2026",
    "informatii_solicitate": "Vă rog să îmi comunicați contractele de deszăpezire încheiate în 2026 și valoarea lor.",
    "format_raspuns": "electronic",
}


def info_request_at_analysis() -> Document:
    with time_machine.travel(MONDAY, tick=False):
        document = new_document("informatii-publice", INFO_REQUEST)
        do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
        do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
    return document


def test_public_information_answered_within_ten_days(ctx):
    document = info_request_at_analysis()
    assert deadline_day(document) == "2026-12-03"  # 10 calendar days
    assert open_task(document, "analiza").assignee.username == "referent"
    do(document, "analiza", "referent", {"decizie": "comunicare"})
    do(document, "redactare", "referent", {"raspuns": "Contractele solicitate sunt anexate acestui răspuns."})
    do(document, "aprobare", "sef.serviciu", {"decizie_sef": "aproba"})
    db.session.refresh(document)
    assert document.status == DocumentStatus.RESOLVED
    assert document.answer() is not None
    assert instance_of(document).status == InstanceStatus.COMPLETE
    assert instance_of(document).next_timer_at is None
    assert "prelungire" not in path(document) and path(document)[-2:] == ["emitere", "sfarsit"]


def test_complex_request_moves_the_deadline_to_thirty_days_and_tells_the_applicant(ctx):
    document = info_request_at_analysis()
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        do(
            document,
            "analiza",
            "referent",
            {"decizie": "complexa", "motiv": "Arhiva pe 2026 este în curs de scanare."},
        )
    assert deadline_day(document) == "2026-12-23"  # 30 days from registration
    [change] = db.session.scalars(
        select(HistoryEntry).where(
            HistoryEntry.document_id == document.id, HistoryEntry.event == "deadline_changed"
        )
    ).all()
    assert "Legea 544/2001" in change.message and "Arhiva pe 2026" in change.message
    assert change.data["motiv"].startswith("Căutare complexă")
    # The citizen's tracking page shows the change and its reason (the notice of art. 7 alin. (1)).
    from app.portal.tracking import citizen_timeline

    assert change in citizen_timeline(document)
    # Open tasks carry the new due date (inbox ordering).
    assert to_local(open_task(document, "redactare").due_at).date().isoformat() == "2026-12-23"
    # The deadline watch restarted: nothing fires at the old day-10 deadline, the reminder comes two days
    # before the new one and the overdue mark at day 30.
    with time_machine.travel(MONDAY + timedelta(days=11), tick=False):
        assert wake_due_instances() == 0
    with time_machine.travel(datetime(2026, 12, 22, 0, 30, tzinfo=BUCHAREST), tick=False):
        assert wake_due_instances() == 1
    db.session.refresh(document)
    assert document.overdue is False
    assert db.session.scalar(select(Notification).where(Notification.document_id == document.id)) is not None
    with time_machine.travel(datetime(2026, 12, 24, 0, 30, tzinfo=BUCHAREST), tick=False):
        assert wake_due_instances() == 1
    db.session.refresh(document)
    assert document.overdue is True
    assert open_tasks(document) == ["redactare"]  # the work goes on


def test_refusal_is_due_within_five_days_and_overdue_is_marked_on_day_five(ctx):
    document = info_request_at_analysis()
    do(document, "analiza", "referent", {"decizie": "refuz"})
    assert deadline_day(document) == "2026-11-28"
    assert to_local(instance_of(document).next_timer_at).date().isoformat() == "2026-11-26"
    with time_machine.travel(datetime(2026, 11, 29, 0, 30, tzinfo=BUCHAREST), tick=False):
        assert wake_due_instances() == 1
    db.session.refresh(document)
    assert document.overdue is True  # not at the old day-8 reminder of the 10-day deadline
    do(
        document,
        "redactare",
        "referent",
        {"raspuns": "Informația solicitată privește date personale și este exceptată (art. 12 lit. d)."},
    )
    do(document, "aprobare", "sef.serviciu", {"decizie_sef": "aproba"})
    db.session.refresh(document)
    assert document.status == DocumentStatus.RESOLVED


def test_complex_request_needs_a_reason(ctx):
    document = info_request_at_analysis()
    from app.workflow.runtime import FormInvalid

    with pytest.raises(FormInvalid) as exc:
        complete_task(open_task(document, "analiza").id, user("referent"), {"decizie": "complexa"})
    db.session.rollback()
    assert "motiv" in exc.value.errors


# --- letters between institutions -------------------------------------------------------------------------------

LETTER = {
    "institutie_expeditoare": "Instituția Prefectului Județul Brașov",
    "numar_expeditor": "4512",
    "data_expeditor": "2026-11-20",
    "subiect": "Situația drumurilor județene",
    "continut": "Vă rugăm să ne comunicați situația drumurilor județene afectate de inundații.",
}


def test_letter_is_answered_and_the_route_uses_the_senders_data(ctx):
    document = new_document("adresa", LETTER)
    assert document.subject == "Situația drumurilor județene"
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice", "cere_raspuns": True})
    assert deadline_day(document) == to_local(document.registered_at + timedelta(days=30)).date().isoformat()
    do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
    do(
        document,
        "redactare",
        "referent",
        {"raspuns": "Drumurile DJ 103 și DJ 112 sunt închise până la 1 decembrie."},
    )
    do(
        document,
        "aprobare",
        "sef.serviciu",
        {"decizie_sef": "returneaza", "observatii_sef": "Adăugați DJ 104."},
    )
    do(document, "redactare", "referent", {"raspuns": "Drumurile DJ 103, DJ 104 și DJ 112 sunt închise."})
    do(document, "aprobare", "sef.serviciu", {"decizie_sef": "aproba"})
    db.session.refresh(document)
    assert document.status == DocumentStatus.RESOLVED and document.answer() is not None
    assert path(document).count("redactare") == 2


def test_letter_that_needs_no_answer_is_closed_as_noted(ctx):
    document = new_document("adresa", LETTER)
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice", "cere_raspuns": False})
    db.session.refresh(document)
    assert document.status == DocumentStatus.RESOLVED
    assert "luată la cunoștință" in document.resolution
    assert instance_of(document).status == InstanceStatus.COMPLETE


# --- internal memo ---------------------------------------------------------------------------------------------


def add_head_of_urbanism() -> User:
    institution = db.session.scalar(select(Institution))
    department = db.session.scalar(select(Department).where(Department.code == "urbanism"))
    head = User(
        username="sef.urbanism", email="sef.urbanism@demo.example", full_name="Dana Pop", is_staff=True
    )
    head.set_password("demo")
    db.session.add(head)
    db.session.flush()
    role = db.session.scalar(select(Role).where(Role.code == "sef_serviciu"))
    db.session.add(
        Membership(
            user_id=head.id, institution_id=institution.id, department_id=department.id, role_id=role.id
        )
    )
    db.session.commit()
    return head


MEMO = {
    "subiect": "Achiziție echipamente IT",
    "continut": "Propun achiziția a zece laptopuri pentru Registratură.",
}
CIRCUIT = {
    "compartiment": "relatii-publice",
    "compartiment_aviz_1": "relatii-publice",
    "compartiment_aviz_2": "urbanism",
}


def test_memo_gets_two_opinions_in_parallel_then_two_approvals_in_order(ctx):
    add_head_of_urbanism()
    document = new_document("nota-interna", MEMO, username="referent")
    assert open_tasks(document) == ["circuit"]
    assert open_task(document, "circuit").assignee.username == "referent"  # the author
    do(document, "circuit", "referent", CIRCUIT)
    db.session.refresh(document)
    assert document.registration_number is not None and document.department.code == "relatii-publice"
    assert open_tasks(document) == ["aviz_1", "aviz_2"]  # both opinions open at once
    assert open_task(document, "aviz_1").assignee.username == "sef.serviciu"
    assert open_task(document, "aviz_2").assignee.username == "sef.urbanism"
    do(
        document,
        "aviz_2",
        "sef.urbanism",
        {"aviz_2": "favorabil_cu_observatii", "observatii_aviz_2": "Și o imprimantă."},
    )
    assert open_tasks(document) == ["aviz_1"]  # the join waits for the other opinion
    do(document, "aviz_1", "sef.serviciu", {"aviz_1": "favorabil"})
    assert open_tasks(document) == ["aprobare_sef"]
    do(document, "aprobare_sef", "sef.serviciu", {"decizie_sef": "aproba"})
    assert open_tasks(document) == ["aprobare_sg"]
    assert open_task(document, "aprobare_sg").role_code == "secretar_general"
    do(
        document,
        "aprobare_sg",
        "secretar",
        {"decizie_sg": "returneaza", "observatii_sg": "Justificați numărul."},
    )
    assert open_task(document, "revizuire").assignee.username == "referent"
    do(document, "revizuire", "referent", {"continut": MEMO["continut"] + " Registratura are 10 posturi."})
    do(document, "aprobare_sef", "sef.serviciu", {"decizie_sef": "aproba"})
    do(document, "aprobare_sg", "secretar", {"decizie_sg": "aproba"})
    db.session.refresh(document)
    assert document.status == DocumentStatus.RESOLVED
    assert path(document)[-3:] == ["gw_sg", "aprobata", "sfarsit"]


def test_memo_to_a_department_without_head_stops_with_a_clear_message(ctx):
    document = new_document("nota-interna", MEMO, username="referent")
    task = open_task(document, "circuit")
    complete_task(task.id, user("referent"), CIRCUIT)
    db.session.commit()
    # The step is saved; the route stops at the failing script as an incident the analysts are told about.
    incident = db.session.scalar(select(Incident).where(Incident.document_id == document.id))
    assert incident.kind == "helper" and 'department "urbanism" has no head' in incident.error
    assert incident.instance.status == InstanceStatus.ERROR and open_tasks(document) == []


# --- urban planning certificate -------------------------------------------------------------------------------

CU_REQUEST = {
    "adresa_imobil": "Str. Lungă nr. 10, Brașov",
    "suprafata_mp": 400,
    "scop": "Autorizarea construirii unei locuințe P+1",
}
CERTIFICATE = {
    "regim_juridic": "Teren intravilan, proprietate privată a solicitantului.",
    "regim_economic": "Folosință actuală: curți-construcții.",
    "regim_tehnic": "POT maxim 35%, CUT maxim 0,9; regim de înălțime P+1+M.",
    "avize_necesare": "Alimentare cu apă, canalizare, energie electrică, protecția mediului.",
    "valabilitate_luni": 12,
}


def cu_registered() -> Document:
    with time_machine.travel(MONDAY, tick=False):
        document = new_document("certificat-urbanism", CU_REQUEST)
        do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
    return document


def test_certificate_deadline_is_fifteen_working_days_skipping_holidays(ctx):
    document = cu_registered()
    assert document.subject == CU_REQUEST["adresa_imobil"]
    # 15 working days after Monday 23.11.2026, without 30.11 and 1.12 (public holidays) and weekends.
    assert deadline_day(document) == "2026-12-16"
    assert to_local(instance_of(document).next_timer_at).date().isoformat() == "2026-12-13"  # reminder


def _values_of(state: object, key: str) -> list:
    if isinstance(state, dict):
        own = [state[key]] if key in state else []
        return own + [v for value in state.values() for v in _values_of(value, key)]
    if isinstance(state, list):
        return [v for value in state for v in _values_of(value, key)]
    return []


def test_certificate_fee_comes_from_the_decision_table_of_the_deployed_version(ctx):
    import json

    document = cu_registered()
    instance = instance_of(document)
    assert (
        instance.process_version.decisions
        and "taxa-certificat-urbanism.dmn" in instance.process_version.decisions
    )
    # 400 m² falls in the 251-500 m² row of the table: 9 lei.
    assert 9 in _values_of(json.loads(instance.state), "taxa_lei")
    steps = db.session.scalars(
        select(HistoryEntry.bpmn_id).where(HistoryEntry.document_id == document.id)
    ).all()
    assert "calcul_taxa" in steps


def test_certificate_issued_after_fee_review_and_approval(ctx):
    document = cu_registered()
    do(
        document,
        "confirmare_taxa",
        "registrator",
        {"taxa_achitata": "da", "document_plata": "Chitanța 77/23.11.2026"},
    )
    do(document, "verificare", "referent", {"rezultat_verificare": "completa"})
    do(document, "redactare", "referent", CERTIFICATE)
    do(document, "aprobare", "sef.serviciu", {"decizie_sef": "aproba"})
    db.session.refresh(document)
    assert document.status == DocumentStatus.RESOLVED
    assert document.answer() is not None
    assert path(document)[-2:] == ["emitere", "sfarsit"]


def test_certificate_request_without_fee_is_closed(ctx):
    document = cu_registered()
    do(document, "confirmare_taxa", "registrator", {"taxa_achitata": "nu"})
    db.session.refresh(document)
    assert document.status == DocumentStatus.CLOSED_NO_ACTION and "Taxa" in document.resolution
    assert instance_of(document).next_timer_at is None


def test_incomplete_documentation_is_returned_with_what_is_missing(ctx):
    document = cu_registered()
    do(document, "confirmare_taxa", "registrator", {"taxa_achitata": "da", "document_plata": "OP 12"})
    do(
        document,
        "verificare",
        "referent",
        {"rezultat_verificare": "incompleta", "lipsuri": "extrasul de carte funciară"},
    )
    db.session.refresh(document)
    assert document.status == DocumentStatus.CLOSED_NO_ACTION
    assert document.resolution.endswith("Lipsesc: extrasul de carte funciară")


# --- adeverință: added with files only (docs/analysts.md), used through the web pages ---------------------------


def test_certificate_added_by_files_runs_through_the_portal_and_the_inbox(app, login_as):
    import re

    from tests.webflow import complete, csrf_token, task_id_for

    citizen = login_as("cetatean")
    assert "Adeverință" in citizen.get("/").get_data(as_text=True)  # in the catalogue
    html = citizen.get("/depune/adeverinta").get_data(as_text=True)
    response = citizen.post(
        "/depune/adeverinta",
        data={
            "csrf_token": csrf_token(citizen, "/depune/adeverinta"),
            "submission_key": re.search(r'name="submission_key" value="([^"]+)"', html).group(1),
            "institution": re.search(r'<option value="(\d+)"', html).group(1),
            "subiect": "Vechimea în muncă la Consiliul Județean, 2010-2015",
            "scop": "Casa Județeană de Pensii Brașov",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    clerk, official, head = login_as("registrator"), login_as("referent"), login_as("sef.serviciu")
    assert (
        complete(clerk, task_id_for(clerk, "Înregistrare"), {"departament": "relatii-publice"}).status_code
        == 302
    )
    text = "Se adeverește că doamna Ana Popescu a fost angajata instituției între 2010 și 2015."
    assert (
        complete(official, task_id_for(official, "Redactare adeverință"), {"raspuns": text}).status_code
        == 302
    )
    assert (
        complete(head, task_id_for(head, "Aprobare adeverință"), {"decizie_sef": "aproba"}).status_code == 302
    )
    with app.app_context():
        document = db.session.scalar(select(Document).where(Document.subject.like("Vechimea%")))
        assert document.status == DocumentStatus.RESOLVED and document.answer() is not None
        assert to_local(document.deadline_at).date() == to_local(document.registered_at).date() + timedelta(
            days=5
        )

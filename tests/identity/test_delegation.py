"""Delegation: an absent official's tasks go to a deputy of the same institution for a date range; the deputy's
steps are recorded as done on the official's behalf, on the staff page and in the citizen's tracking."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.correspondence.signed_answer import sign_task
from app.extensions import db
from app.identity.delegation import active_principals, create_delegation, today_local
from app.identity.models import Delegation, Institution
from app.registry.models import Document
from app.workflow.models import HistoryEntry
from app.workflow.runtime import NotCandidate, complete_task, tasks_for
from tests.routes import open_task, user
from tests.webflow import complete, csrf_token, submit_petition, task_id_for

pytestmark = pytest.mark.date_sensitive


def delegations_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Delegation.id)))


def cj() -> Institution:
    return db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))


def ids(app) -> dict[str, int]:
    """Ids of the demo people and institutions, read before any HTTP request (a test client's request reuses an
    app context already pushed, and with it the logged-in user cached in `g`)."""
    with app.app_context():
        people = {
            u: user(u).id
            for u in ("sef.serviciu", "referent", "registrator", "secretar", "registrator.sacele")
        }
        institutions = {i.code: i.id for i in db.session.scalars(select(Institution))}
        return {**people, **institutions}


def set_delegation(
    client, app, principal, deputy, start, end, reason="Concediu de odihnă", institution="cj-brasov"
):
    known = ids(app)
    token = csrf_token(client, "/delegari")
    return client.post(
        "/delegari",
        data={
            "csrf_token": token,
            "institution_id": known[institution],
            "principal_id": known[principal],
            "deputy_id": known[deputy],
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "reason": reason,
        },
    )


def test_deputy_completes_the_absent_heads_task_and_history_says_on_whose_behalf(app, login_as):
    citizen = login_as("cetatean")
    location = submit_petition(citizen).headers["Location"]
    clerk = login_as("registrator")
    assert (
        complete(clerk, task_id_for(clerk, "Înregistrare"), {"departament": "relatii-publice"}).status_code
        == 302
    )

    deputy_client = login_as("referent")
    assert "Repartizare" not in deputy_client.get("/sarcini/").get_data(as_text=True)

    admin = login_as("admin")
    with app.app_context():
        today = today_local()
    response = set_delegation(admin, app, "sef.serviciu", "referent", today, today + timedelta(days=7))
    assert response.status_code == 302
    page = admin.get("/delegari").get_data(as_text=True)
    assert "Mihai Ionescu" in page and "Elena Dumitrescu" in page and "activă" in page

    # The official, standing in for the head, now sees and completes the head's task.
    task_id = task_id_for(deputy_client, "Repartizare")
    assert complete(deputy_client, task_id, {"referent": "referent"}).status_code == 302

    with app.app_context():
        document = db.session.scalar(select(Document))
        entry = db.session.scalar(
            select(HistoryEntry).where(
                HistoryEntry.document_id == document.id,
                HistoryEntry.bpmn_id == "repartizare",
                HistoryEntry.event == "task_completed",
            )
        )
        assert entry.actor.username == "referent"
        assert entry.on_behalf_of.username == "sef.serviciu"
        # The audit log names the absent colleague too.
        from app.audit.models import AuditEntry

        audited = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.document_id == document.id,
                AuditEntry.action == "task_completed",
                AuditEntry.bpmn_id == "repartizare",
            )
        )
        assert (
            audited.actor_name.startswith("Elena Dumitrescu")
            and audited.on_behalf_of == "Mihai Ionescu (sef.serviciu)"
        )
        public_id = document.public_id
    staff_page = deputy_client.get(f"/documente/{public_id}").get_data(as_text=True)
    assert "Elena Dumitrescu pentru Mihai Ionescu" in staff_page
    tracking = citizen.get(location).get_data(as_text=True)
    assert "Elena Dumitrescu pentru Mihai Ionescu" in tracking
    # The head's own steps carry no "on behalf of".
    assert "Mihai Ionescu pentru" not in staff_page


def test_delegation_only_covers_its_dates(ctx):
    head, official = user("sef.serviciu"), user("referent")
    today = today_local()
    create_delegation(
        user("admin"),
        head,
        official,
        cj().id,
        today + timedelta(days=3),
        today + timedelta(days=5),
        "Concediu",
    )
    db.session.commit()
    assert active_principals(official.id) == []
    assert active_principals(official.id, today + timedelta(days=4)) == [(head.id, cj().id)]
    assert active_principals(official.id, today + timedelta(days=6)) == []


def test_without_delegation_the_official_cannot_complete_the_heads_task(ctx):
    from app.intake.submission import submit
    from app.registry.models import DocumentType
    from tests.signing.helpers import do

    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.code == "petitie"))
    document = submit(
        user("cetatean"),
        cj(),
        doc_type,
        {"subiect": "Iluminat", "continut": "Nu funcționează iluminatul public pe stradă."},
        {},
    )
    db.session.commit()
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice", "anonima": False})
    task = open_task(document, "repartizare")
    with pytest.raises(NotCandidate):
        complete_task(task.id, user("referent"), {"referent": "referent"})
    db.session.rollback()
    assert task.id not in [t.id for t in db.session.scalars(tasks_for(user("referent")))]


def test_a_deputy_signs_with_their_own_key_never_the_absent_officials(ctx):
    from tests.signing.helpers import petition_at_signing

    document = petition_at_signing()
    sign_task(open_task(document, "semnare_referent").id, user("referent"))
    db.session.commit()
    today = today_local()
    create_delegation(
        user("admin"), user("sef.serviciu"), user("registrator"), cj().id, today, today, "Deplasare"
    )
    db.session.commit()
    task = open_task(document, "semnare_sef")
    sign_task(task.id, user("registrator"))  # the deputy's own key (app/signing/deputy.py)
    db.session.commit()
    from app.signing.models import SignatureRequest

    plan = db.session.scalar(select(SignatureRequest).where(SignatureRequest.document_id == document.id))
    head_field = next(f for f in plan.fields if f["username"] == "sef.serviciu")
    assert head_field["signed_by"] == "registrator" and head_field["signed_at"]


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("overlap", "start_date", "se suprapune"),
        ("end_before_start", "end_date", "înaintea datei de început"),
        ("self", "deputy_id", "nu se poate înlocui pe sine"),
        ("other_institution", "deputy_id", "aceleiași instituții"),
    ],
)
def test_bad_delegations_get_a_clear_error_and_change_nothing(app, login_as, case, field, message):
    admin = login_as("admin")
    with app.app_context():
        today = today_local()
    assert (
        set_delegation(admin, app, "sef.serviciu", "referent", today, today + timedelta(days=10)).status_code
        == 302
    )
    before = delegations_count(app)
    start, end, deputy = today + timedelta(days=5), today + timedelta(days=20), "secretar"
    if case == "end_before_start":
        start, end = today + timedelta(days=30), today + timedelta(days=29)
    elif case == "self":
        start, end, deputy = today + timedelta(days=30), today + timedelta(days=31), "sef.serviciu"
    elif case == "other_institution":
        start, end, deputy = today + timedelta(days=30), today + timedelta(days=31), "registrator.sacele"
    response = set_delegation(admin, app, "sef.serviciu", deputy, start, end)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert f'id="i{ids(app)["cj-brasov"]}-{field}-error"' in html
    assert delegations_count(app) == before


def test_only_managers_of_the_institution_set_delegations(app, login_as):
    with app.app_context():
        today = today_local()
    official = login_as("referent")
    assert set_delegation(official, app, "sef.serviciu", "registrator", today, today).status_code == 403
    # The administrator of Brașov county council cannot set delegations in Săcele town hall.
    admin = login_as("admin")
    refused = set_delegation(admin, app, "sef.serviciu", "registrator", today, today, institution="pm-sacele")
    assert refused.status_code == 403
    assert delegations_count(app) == 0


def test_head_of_unit_sets_delegation_for_their_department_and_cancels_it(app, login_as):
    with app.app_context():
        today = today_local()
    head_client = login_as("sef.serviciu")
    assert (
        set_delegation(
            head_client, app, "sef.serviciu", "referent", today, today + timedelta(days=2)
        ).status_code
        == 302
    )
    # The secretary general is not in the head's department: refused, with a clear message.
    refused = set_delegation(head_client, app, "secretar", "referent", today, today)
    assert refused.status_code == 400
    assert "Nu puteți stabili înlocuitori pentru această persoană." in refused.get_data(as_text=True)
    with app.app_context():
        delegation_id = db.session.scalar(select(Delegation.id))
    assert "Mihai Ionescu" in login_as("referent").get("/delegari").get_data(as_text=True)
    token = csrf_token(head_client, "/delegari")
    assert (
        head_client.post(f"/delegari/{delegation_id}/anulare", data={"csrf_token": token}).status_code == 302
    )
    with app.app_context():
        assert db.session.get(Delegation, delegation_id).cancelled_at is not None
        assert active_principals(user("referent").id) == []


def test_deputy_finishes_a_task_the_absent_official_had_claimed(ctx):
    from app.intake.submission import submit
    from app.registry.models import DocumentType
    from app.workflow.runtime import claim_task
    from tests.signing.helpers import do

    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.code == "petitie"))
    document = submit(
        user("cetatean"),
        cj(),
        doc_type,
        {"subiect": "Iluminat", "continut": "Nu funcționează iluminatul public."},
        {},
    )
    db.session.commit()
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice", "anonima": False})
    task = open_task(document, "repartizare")
    claim_task(task.id, user("sef.serviciu"))
    db.session.commit()
    today = today_local()
    create_delegation(
        user("admin"), user("sef.serviciu"), user("secretar"), cj().id, today, today, "Concediu medical"
    )
    db.session.commit()
    complete_task(task.id, user("secretar"), {"referent": "referent"})
    db.session.commit()
    entry = db.session.scalar(
        select(HistoryEntry).where(
            HistoryEntry.bpmn_id == "repartizare", HistoryEntry.event == "task_completed"
        )
    )
    assert (entry.actor.username, entry.on_behalf_of.username) == ("secretar", "sef.serviciu")

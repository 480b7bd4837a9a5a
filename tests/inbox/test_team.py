"""Heads of unit: the team's load and reassigning a task mid-route (reason, history, audit), with its refusals."""

import re
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.identity.administration import create_staff
from app.identity.models import Department, Institution
from app.inbox.team import week_end
from app.workflow.models import HistoryEntry, HumanTask
from tests.routes import do, open_task, submit_petition, user
from tests.webflow import csrf_token, login

PASSWORD = "Parola-lunga-2026!"


def add_official(username="referent2", full_name="Dan Petrescu", department="relatii-publice"):
    institution = db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))
    dept = db.session.scalar(
        select(Department).where(Department.code == department, Department.institution_id == institution.id)
    )
    official = create_staff(
        user("admin"),
        institution,
        username,
        full_name,
        f"{username}@demo.example",
        PASSWORD,
        "referent",
        dept.id,
        "Consilier",
    )
    db.session.commit()
    return official


def assigned(app, subject="Trotuar degradat pe strada Lungă") -> tuple[int, int]:
    with app.app_context():
        document = submit_petition(subject=subject)
        do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
        do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
        return document.id, open_task(document, "redactare").id


def reassign(client, task_id, official_id, reason):
    token = csrf_token(client, f"/echipa/sarcina/{task_id}/reasignare")
    return client.post(
        f"/echipa/sarcina/{task_id}/reasignare",
        data={"csrf_token": token, "official_id": official_id or "", "motiv": reason},
    )


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "task_reassigned")
        )


def test_head_reassigns_a_draft_and_the_route_follows_the_new_official(app, login_as):
    with app.app_context():
        dan = add_official().id
    document_id, task_id = assigned(app)
    head = login_as("sef.serviciu")
    team = head.get("/echipa/").get_data(as_text=True)
    assert "Elena Dumitrescu" in team and "Dan Petrescu" in team

    response = reassign(head, task_id, dan, "Elena are concediu medical de la 7.12.")
    assert response.status_code == 302
    with app.app_context():
        task = db.session.get(HumanTask, task_id)
        assert task.assignee_id == dan and task.status == "ready"
        entry = db.session.scalar(
            select(HistoryEntry).where(
                HistoryEntry.document_id == document_id, HistoryEntry.event == "task_reassigned"
            )
        )
        assert entry.actor_id == user("sef.serviciu").id
        assert entry.data["de_la"] == "referent" and entry.data["catre"] == "referent2"
        assert "Elena Dumitrescu la Dan Petrescu" in entry.message and "concediu medical" in entry.message
    assert audit_count(app) == 1

    # The new official sees it; the former does not; the history on the task page says who moved it and why.
    dan_client = login(app.test_client(), "referent2", PASSWORD)
    inbox = dan_client.get("/sarcini/").get_data(as_text=True)
    assert f'href="/sarcini/{task_id}"' in inbox
    assert f'href="/sarcini/{task_id}"' not in login_as("referent").get("/sarcini/").get_data(as_text=True)
    page = dan_client.get(f"/sarcini/{task_id}").get_data(as_text=True)
    assert "Sarcină reasignată" in page and "concediu medical" in page

    # The route's own variable followed: after approval, Dan (not Elena) is the first signer.
    with app.app_context():
        from app.registry.models import Document

        document = db.session.get(Document, document_id)
        do(document, "redactare", "referent2", {"raspuns": "Trotuarul se repară în decembrie 2026."})
        do(document, "aprobare", "sef.serviciu", {"decizie": "aproba"})
        signing = open_task(document, "semnare_referent")
        assert signing.assignee_id == dan

    team = head.get("/echipa/").get_data(as_text=True)
    assert re.search(r"Dan Petrescu</a></th>\s*<td class=\"text-end\">1</td>", team)


@pytest.mark.parametrize(
    ("who", "reason", "message"),
    [
        ("urbanism", "Concediu medical", "Alegeți un funcționar al compartimentului"),
        ("nobody", "Concediu medical", "Alegeți un funcționar al compartimentului"),
        ("dan", "", "Scrieți motivul reasignării"),
        ("dan", "x" * 501, "cel mult 500 de caractere"),
        ("referent", "Concediu medical", "Sarcina este deja la Elena Dumitrescu"),
    ],
)
def test_bad_reassignments_are_refused_and_change_nothing(app, login_as, who, reason, message):
    with app.app_context():
        dan = add_official().id
        outsider = add_official("urbanist", "Vlad Urs", "urbanism").id
        ids = {"dan": dan, "urbanism": outsider, "nobody": 999999, "referent": user("referent").id}
    _, task_id = assigned(app)
    before = audit_count(app)
    response = reassign(login_as("sef.serviciu"), task_id, ids[who], reason)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(HumanTask, task_id).assignee_id == user("referent").id
        assert not db.session.scalar(select(HistoryEntry.id).where(HistoryEntry.event == "task_reassigned"))
    assert audit_count(app) == before


def test_only_heads_of_the_task_department_reassign(app, login_as):
    with app.app_context():
        dan = add_official().id
    _, task_id = assigned(app)
    official = login_as("referent")
    assert official.get("/echipa/").status_code == 403
    token = csrf_token(official, "/sarcini/")
    assert (
        official.post(
            f"/echipa/sarcina/{task_id}/reasignare",
            data={"csrf_token": token, "official_id": dan, "motiv": "Vreau eu"},
        ).status_code
        == 403
    )
    # The head of another institution does not even learn the task exists.
    other_head = login_as("sef.sacele")
    token = csrf_token(other_head, "/echipa/")
    assert (
        other_head.post(
            f"/echipa/sarcina/{task_id}/reasignare",
            data={"csrf_token": token, "official_id": dan, "motiv": "Preiau eu"},
        ).status_code
        == 404
    )
    assert login_as("cetatean").get("/echipa/").status_code == 403
    with app.app_context():
        assert db.session.get(HumanTask, task_id).assignee_id == user("referent").id


def test_signing_steps_are_not_reassigned(app, login_as):
    with app.app_context():
        dan = add_official().id
        from tests.signing.helpers import petition_at_signing

        task_id = open_task(petition_at_signing(), "semnare_referent").id
    response = reassign(login_as("sef.serviciu"), task_id, dan, "Elena lipsește")
    assert response.status_code == 400
    assert "Un pas de semnare nu se reasignează" in response.get_data(as_text=True)


@pytest.mark.date_sensitive
def test_team_view_counts_due_this_week_and_overdue(app, login_as, time_machine):
    _, task_id = assigned(app, "Indicator rutier căzut")
    with app.app_context():
        due = db.session.get(HumanTask, task_id).due_at
    time_machine.move_to(due + timedelta(days=2), tick=False)
    head = login_as("sef.serviciu")
    html = head.get("/echipa/").get_data(as_text=True)
    row = re.search(r"Elena Dumitrescu</a></th>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r'<td class="text-end">(.*?)</td>', row)
    assert int(cells[0]) >= 1 and "text-bg-danger" in cells[2]
    # Two days before the deadline it is due this week unless the week ends before it (derived from the clock).
    moment = due.replace(tzinfo=UTC) - timedelta(days=2)
    time_machine.move_to(moment, tick=False)
    head = login_as("sef.serviciu")
    row = re.search(
        r"Elena Dumitrescu</a></th>(.*?)</tr>", head.get("/echipa/").get_data(as_text=True), re.S
    ).group(1)
    cells = re.findall(r'<td class="text-end">(.*?)</td>', row)
    assert (int(cells[1]) >= 1) == (due.replace(tzinfo=UTC) < week_end(moment))
    assert cells[2] == "0"

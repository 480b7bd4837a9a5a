"""What the log records: every action of a document's route, staff views, deployments, logins."""

import shutil
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.registry.models import Document
from app.workflow.deploy import deploy_all
from app.workflow.runtime import claim_task, release_task
from app.workflow.trail import on_behalf_of
from tests.audit.helpers import FINAL, finish_route, petition_with_loop, ready_task
from tests.routes import user
from tests.webflow import csrf_token

ROOT = Path(__file__).resolve().parents[2]


def actions(document=None) -> list[str]:
    query = select(AuditEntry.action).order_by(AuditEntry.seq)
    if document is not None:
        query = query.where(AuditEntry.document_id == document.id)
    return list(db.session.scalars(query))


def test_a_petition_route_is_recorded_action_by_action(ctx):
    document = petition_with_loop(finish=False)
    task = ready_task(document, "aprobare")
    claim_task(task.id, user("sef.serviciu"))
    db.session.commit()
    release_task(task.id, user("sef.serviciu"))
    db.session.commit()
    from tests.routes import do

    do(document, "aprobare", "sef.serviciu", {"decizie": "aproba"})
    finish_route(document)
    recorded = actions(document)
    for action in (
        "route_started",
        "task_completed",
        "assignment",
        "registration",
        "document_changed",
        "route_advanced",
        "task_claimed",
        "task_released",
        "file_added",
    ):
        assert action in recorded, action
    # submission, registration, assignment, 2 drafts, 2 approvals (+ the signing steps where the route has them)
    assert recorded.count("task_completed") - recorded.count("signature") == 7
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.document_id == document.id)).all()
    final_draft = [e for e in entries if e.action == "task_completed" and e.bpmn_id == "redactare"][-1]
    assert final_draft.data["submitted"] == {"raspuns": FINAL}
    assert final_draft.actor_name == "Elena Dumitrescu (referent)"
    registration = next(e for e in entries if e.action == "registration")
    assert registration.data["label"] == document.registration_label
    assignment = [e for e in entries if e.action == "assignment" and e.bpmn_id == "redactare"][0]
    assert assignment.data["assignee"] == "referent"
    answer = [e for e in entries if e.action == "file_added"][-1]
    assert answer.data["sha256"] == document.answer().sha256 and answer.data["kind"] == "raspuns"
    closed = [e for e in entries if e.action == "document_changed"][-1]
    assert closed.data["changes"]["status"] == ["in_lucru", "solutionat"]
    assert all(e.institution_id == document.institution_id for e in entries)


def test_logins_failed_logins_views_and_downloads_are_recorded(app, client, login_as):
    with app.app_context():
        document = petition_with_loop()
        public_id, answer_id = document.public_id, document.answer().public_id
        db.session.remove()
    token = csrf_token(client)
    response = client.post(
        "/autentificare", data={"username": "registrator", "password": "gresit", "csrf_token": token}
    )
    assert response.status_code == 401
    clerk = login_as("registrator")
    assert clerk.get(f"/documente/{public_id}").status_code == 200
    assert clerk.get(f"/fisiere/{answer_id}").status_code == 200
    clerk.post("/iesire", data={"csrf_token": csrf_token(clerk, "/sarcini/")})
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(5)).all()[::-1]
        assert [r.action for r in rows] == [
            "login_failed",
            "login",
            "document_viewed",
            "file_downloaded",
            "logout",
        ]
        assert rows[0].target == "registrator" and rows[0].actor_id is None and rows[0].ip == "127.0.0.1"
        assert rows[2].actor_name == "Ioana Marinescu (registrator)"
        assert rows[2].document_id == db.session.scalar(
            select(Document.id).where(Document.public_id == public_id)
        )
        assert rows[3].data["attachment"] == answer_id


def test_deployment_of_a_new_version_is_recorded(ctx, tmp_path):
    processes, forms = tmp_path / "processes", tmp_path / "forms"
    shutil.copytree(ROOT / "processes", processes)
    shutil.copytree(ROOT / "forms", forms)
    bpmn = (processes / "petitie.bpmn").read_text()
    (processes / "petitie.bpmn").write_text(bpmn.replace('name="Repartizare"', 'name="Repartizare (v2)"'))
    deploy_all(processes, forms)
    db.session.commit()
    deployed = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "process_deployed", AuditEntry.target.like("petitie %"))
        .order_by(AuditEntry.seq)
    ).all()
    assert [d.target for d in deployed] == ["petitie v1", "petitie v2"]
    assert deployed[-1].data["how"] == "new" and deployed[-1].data["via"] == "command line or start-up"
    deploy_all(ROOT / "processes", ROOT / "forms")  # back to the first content: recorded as reactivated
    db.session.commit()
    last = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    assert (
        last.action == "process_deployed"
        and last.data["how"] == "reactivated"
        and last.target == "petitie v1"
    )


def test_api_token_issued_from_the_command_line_is_recorded(app):
    result = app.test_cli_runner().invoke(args=["users", "token", "referent"])
    assert result.exit_code == 0
    with app.app_context():
        last = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        assert last.action == "api_token_issued" and last.actor_name == "Elena Dumitrescu (referent)"


def test_a_clerk_completing_the_senders_step_acts_on_their_behalf():
    document = SimpleNamespace(submitter_id=None, sender_name="Ion Ionescu (scrisoare pe hârtie)")
    task = SimpleNamespace(lane="solicitant", document=document)
    assert on_behalf_of(task, SimpleNamespace(id=2)) == "Ion Ionescu (scrisoare pe hârtie)"
    own = SimpleNamespace(lane="solicitant", document=SimpleNamespace(submitter_id=2, sender_name="X"))
    assert on_behalf_of(own, SimpleNamespace(id=2)) is None
    assert on_behalf_of(SimpleNamespace(lane="referent", document=document), SimpleNamespace(id=2)) is None

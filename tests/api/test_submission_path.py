"""What a submission over the API costs in SQL statements (issue #18), and that its answer is the document as
stored."""

import base64
import io

from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.webflow import issue_token

API = "/api/v1"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _submit(client, token: str, key: str):
    return client.post(
        f"{API}/documents",
        data={
            "document_type": "petitie",
            "institution": "cj-brasov",
            "subiect": "Groapă în asfalt",
            "continut": "Pe strada Lungă este o groapă mare în asfalt, lângă trecerea de pietoni.",
            "anexe": (io.BytesIO(PNG), "poza.png"),
        },
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        content_type="multipart/form-data",
    )


def test_a_submission_reads_each_thing_once_and_answers_what_was_stored(app):
    client = app.test_client()
    citizen = issue_token(app, "cetatean")
    assert _submit(client, citizen, "first-of-the-day").status_code == 201  # the general register exists now

    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        response = _submit(client, citizen, "second")
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert response.status_code == 201, response.get_json()
    # Not counted: the test's savepoints, and the e-mail the outbox delivers once the submission has committed.
    statements = [
        s
        for s in statements
        if not s.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO", "UPDATE outbox_messages"))
        and not s.startswith("SELECT outbox_messages.id, outbox_messages.channel")
    ]
    # 51 before (issue #18): the process version four times, the route saved twice and its first task read back
    # three times, the frozen day twice, the document, its type and institution read again for the answer.
    assert len(statements) <= 26, "\n".join(statements)
    assert sum("FROM process_versions" in s for s in statements) == 1
    # The number and the frozen-day check under its lock in one round trip (migration 0022).
    assert sum("take_registration_number" in s for s in statements) == 1
    assert not any("register_days" in s or "INSERT INTO registration_counters" in s for s in statements)
    assert sum("UPDATE workflow_instances" in s for s in statements) == 1
    assert not any(s.startswith("SELECT human_tasks.id, human_tasks.instance_id") for s in statements[:-3])

    body = response.get_json()
    assert body["registration_label"] and body["status"] == "inregistrat" and len(body["files"]) == 1
    again = client.get(f"{API}/documents/{body['id']}", headers={"Authorization": f"Bearer {citizen}"})
    assert again.get_json() == body  # built from the rows just written, the same as read back
    replayed = _submit(client, citizen, "second")
    assert replayed.status_code == 200 and replayed.get_json() == body


def test_a_submission_runs_on_the_version_current_when_it_is_made(app):
    """The versions a process keeps for submissions never serve one that is no longer current: an institution's
    own version deployed between two submissions is the one the second runs on."""
    from pathlib import Path

    from sqlalchemy import select

    from app.extensions import db
    from app.identity.models import Institution, Role
    from app.registry.models import Document
    from app.workflow.deploy import check_bpmn, store_version
    from app.workflow.models import WorkflowInstance

    def version_of(public_id: str) -> int:
        with app.app_context():
            return db.session.scalar(
                select(WorkflowInstance.process_version_id)
                .join(Document, Document.id == WorkflowInstance.document_id)
                .where(Document.public_id == public_id)
            )

    client = app.test_client()
    citizen = issue_token(app, "cetatean")
    first = _submit(client, citizen, "before-the-deployment")
    assert first.status_code == 201
    root = Path(__file__).resolve().parents[2]
    with app.test_request_context():
        problems, [checked] = check_bpmn(
            "petitie.bpmn",
            (root / "processes" / "petitie.bpmn").read_bytes(),
            root / "forms",
            {r.code for r in db.session.scalars(select(Role))},
        )
        assert not problems, problems
        institution = db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))
        own = store_version(checked, institution_id=institution.id)
        db.session.commit()
        own_id = own.id
        db.session.remove()
    second = _submit(client, citizen, "after-the-deployment")
    assert second.status_code == 201, second.get_json()
    assert version_of(first.get_json()["id"]) != own_id
    assert version_of(second.get_json()["id"]) == own_id

"""What a task completion over the API costs in SQL statements, and what it answers."""

from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.webflow import issue_token

API = "/api/v1"


def _headers(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_completion_reads_each_thing_once_and_answers_without_the_finished_form(app):
    client = app.test_client()
    citizen, clerk = issue_token(app, "cetatean"), issue_token(app, "registrator")
    submitted = client.post(
        f"{API}/documents",
        data={
            "document_type": "petitie",
            "institution": "cj-brasov",
            "subiect": "Iluminat public defect",
            "continut": "Pe strada Lungă nu funcționează iluminatul public de două săptămâni.",
        },
        headers=_headers(citizen),
        content_type="multipart/form-data",
    )
    assert submitted.status_code == 201, submitted.get_json()
    listed = client.get(f"{API}/tasks", headers=_headers(clerk)).get_json()
    [task] = [
        t for t in listed if t["document"] == submitted.get_json()["id"] and t["element"] == "inregistrare"
    ]
    assert task["form"]["options"]["departments"]  # an open task: its form and the values it accepts

    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        response = client.post(
            f"{API}/tasks/{task['id']}/complete",
            json={"data": {"departament": "relatii-publice"}},
            headers=_headers(clerk),
        )
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "completed" and body["form"] is None
    statements = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]
    # 57 before: the candidate check three times, the delegations four, the token twice, refreshes, lazy loads
    # and the finished task's form options rebuilt for the answer. 29 before issue #18: the token's user and
    # memberships read apart, the task read three times, the answer read again after the commit, the process
    # version's diagram and forms on every step, the citizen read apart from their preferences, the chain's lock
    # apart from its head.
    # The action's own statements: the tests' configuration also sends the queued e-mail right after the commit.
    action = [
        s
        for s in statements
        if not s.startswith(("ROLLBACK TO SAVEPOINT", "UPDATE outbox_messages"))
        and "sent_at IS NULL" not in s
    ]
    assert len(action) <= 17, "\n".join(action)
    # the clerk's own task: settled by their roles, no delegation read
    assert sum("FROM delegations" in s for s in statements) == 0
    assert sum("FROM api_tokens" in s for s in statements) == 1
    assert sum("FROM memberships" in s for s in statements) <= 1
    assert sum("FOR UPDATE OF workflow_instances" in s for s in statements) == 1
    assert sum(s.startswith("SELECT human_tasks.id, human_tasks.instance_id") for s in statements) == 1
    assert not [s for s in statements if "process_versions.bpmn_xml" in s], "the diagram is parsed once"

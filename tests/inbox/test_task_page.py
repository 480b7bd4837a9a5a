"""The task API's list (runtime.task_page): counted and paged among the user's candidate tasks, most urgent first,
pages that neither overlap nor skip, in a fixed number of statements that never read the engine state."""

from sqlalchemy import event

from app.extensions import db
from app.workflow.runtime import task_page
from tests.routes import submit_petition, user


def test_task_pages_cover_every_candidate_task_once_without_engine_state(ctx):
    for i in range(6):
        submit_petition(subject=f"Petiție de paginat {i}")
    clerk = user("registrator")
    statements: list[str] = []

    def capture(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        total, first = task_page(clerk, limit=4, offset=0)
        for task in first:  # what the API shows of each task
            _ = (task.document.public_id, task.assignee, task.claimed_by, task.instance.process_version.id)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    total_again, second = task_page(clerk, limit=4, offset=4)
    assert total == total_again == 6
    assert len(first) == 4 and len(second) == 2
    ids = [t.id for t in first + second]
    assert len(set(ids)) == 6
    assert all(t.bpmn_id == "inregistrare" and t.status == "ready" for t in first + second)
    keys = [(t.due_at is None, t.due_at, t.created_at, t.id) for t in first + second]
    assert keys == sorted(keys)

    statements = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]
    assert not [s for s in statements if "workflow_instances.state" in s]
    # memberships, delegations, count, page ids, page rows, process versions
    assert len(statements) <= 6, statements
    assert task_page(user("cetatean"), limit=4, offset=0) == (0, [])

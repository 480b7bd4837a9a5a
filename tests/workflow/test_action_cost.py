"""What one step writes and reads (issue #18): the task locked and read once per transaction, the rows written as
plain statements still complete and in order."""

from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from app.extensions import db
from app.workflow.models import HistoryEntry, HumanTask
from app.workflow.runtime import lock_task
from tests.routes import do, open_task, submit_petition


class Statements:
    def __init__(self):
        self.seen: list[str] = []

    def __enter__(self):
        event.listen(Engine, "before_cursor_execute", self._count)
        return self.seen

    def __exit__(self, *exc):
        event.remove(Engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append(statement)


def _locks(statements: list[str]) -> int:
    return sum("FOR UPDATE OF workflow_instances" in s for s in statements)


def test_a_task_is_locked_once_per_transaction_and_again_in_the_next(ctx):
    document = submit_petition()
    task_id = open_task(document, "inregistrare").id
    with Statements() as seen:
        first = lock_task(task_id)
        again = lock_task(task_id)
    assert again is first and _locks(seen) == 1
    db.session.commit()
    with Statements() as seen:
        lock_task(task_id)
    assert _locks(seen) == 1  # a new transaction holds no lock yet: it is taken again
    db.session.rollback()
    with Statements() as seen:
        lock_task(task_id)
    assert _locks(seen) == 1


def test_a_step_history_is_complete_and_in_order(ctx):
    document = submit_petition()
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
    entries = db.session.scalars(
        select(HistoryEntry).where(HistoryEntry.document_id == document.id).order_by(HistoryEntry.id)
    ).all()
    events = [(e.event, e.bpmn_id) for e in entries]
    registered = events.index(("task_completed", "inregistrare"))
    # the person's step first, then what the engine did after it, each once
    after = [bpmn_id for kind, bpmn_id in events[registered + 1 :] if kind == "automatic"]
    assert after and len(after) == len(set(after))
    step = entries[registered]
    assert step.data["departament"] == "relatii-publice" and step.actor_id is not None
    task = db.session.get(HumanTask, open_task(document, "repartizare").id)
    assert task.returned is False
    done = db.session.scalar(
        select(HumanTask).where(HumanTask.document_id == document.id, HumanTask.bpmn_id == "inregistrare")
    )
    assert done.status == "completed" and done.completed_by_id == step.actor_id == done.claimed_by_id

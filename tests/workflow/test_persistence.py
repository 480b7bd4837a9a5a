"""Engine state on PostgreSQL: schema = migrations, append-only history, pinned versions, concurrent completion,
one timer runner at a time."""

import threading
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from app.dates import now_utc
from app.extensions import db
from app.identity.models import User
from app.workflow.deploy import deploy_all
from app.workflow.models import HistoryEntry, HumanTask, TaskStatus, WorkflowInstance
from app.workflow.runtime import TaskUnavailable, complete_task
from app.workflow.scheduler import ADVISORY_LOCK_KEY, tick
from tests.routes import do, open_task, submit_petition, user

pytestmark = pytest.mark.date_sensitive

ROOT = Path(__file__).resolve().parents[2]


def test_models_and_migrations_agree(app):
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_history_is_append_only_in_postgresql(ctx):
    document = submit_petition()
    entry = db.session.scalar(
        select(HistoryEntry).where(
            HistoryEntry.document_id == document.id, HistoryEntry.event == "task_completed"
        )
    )
    for statement in (
        f"UPDATE history_entries SET actor_id = NULL WHERE id = {entry.id}",
        f"DELETE FROM history_entries WHERE id = {entry.id}",
    ):
        try:
            db.session.execute(text(statement))
            db.session.commit()
            raise AssertionError(f"PostgreSQL accepted: {statement}")
        except Exception as exc:  # the trigger's exception
            db.session.rollback()
            assert "append-only" in str(exc)
    assert db.session.get(HistoryEntry, entry.id).actor_id is not None


def test_running_document_keeps_its_process_version(ctx, tmp_path):
    import shutil

    document = submit_petition()
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    v1 = instance.process_version
    processes, forms = tmp_path / "processes", tmp_path / "forms"
    shutil.copytree(ROOT / "processes", processes)
    shutil.copytree(ROOT / "forms", forms)
    bpmn = (processes / "petitie.bpmn").read_text()
    (processes / "petitie.bpmn").write_text(bpmn.replace('name="Repartizare"', 'name="Repartizare (v2)"'))
    [v2] = [v for v in deploy_all(processes, forms) if v.process_id == "petitie"]
    db.session.commit()
    assert v2.version == v1.version + 1

    do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
    assert open_task(document, "repartizare").name == "Repartizare"  # still on version 1
    assert instance.process_version_id == v1.id
    newer = submit_petition(subject="Al doilea document, pe versiunea nouă")
    do(newer, "inregistrare", "registrator", {"departament": "relatii-publice"})
    assert open_task(newer, "repartizare").name == "Repartizare (v2)"


@pytest.mark.real_commits
def test_two_people_completing_the_same_task_at_once(app):
    with app.app_context():
        document = submit_petition()
        task_id = open_task(document, "inregistrare").id
        db.session.remove()
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(department):
        with app.app_context():
            try:
                barrier.wait()
                complete_task(
                    task_id,
                    db.session.scalar(select(User).where(User.username == "registrator")),
                    {"departament": department},
                )
                db.session.commit()
                outcomes.append(("ok", department))
            except TaskUnavailable as exc:
                db.session.rollback()
                outcomes.append(("refused", str(exc)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(d,)) for d in ("relatii-publice", "urbanism")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["ok", "refused"], outcomes
    refusal = next(message for kind, message in outcomes if kind == "refused")
    assert "deja finalizată" in refusal
    with app.app_context():
        winner = next(d for kind, d in outcomes if kind == "ok")
        task = db.session.get(HumanTask, task_id)
        assert task.status == TaskStatus.COMPLETED
        assert task.document.department.code == winner
        # Exactly one completion in history, one next task.
        completions = db.session.scalars(
            select(HistoryEntry).where(
                HistoryEntry.document_id == task.document_id, HistoryEntry.bpmn_id == "inregistrare"
            )
        ).all()
        assert len(completions) == 1
        assert (
            len(
                db.session.scalars(
                    select(HumanTask).where(
                        HumanTask.document_id == task.document_id, HumanTask.bpmn_id == "repartizare"
                    )
                ).all()
            )
            == 1
        )


@pytest.mark.real_commits
def test_only_one_timer_runner_at_a_time(app):
    """A tick skips while another worker holds the advisory lock, and runs once it is free."""
    with app.app_context():
        document = submit_petition()
        do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
        document_id = document.id
        db.session.remove()
    with time_machine.travel(now_utc() + timedelta(days=26), tick=False):  # the reminder is due
        with app.app_context(), db.engine.connect() as other_worker:
            assert other_worker.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}
            ).scalar()
            assert tick(app) == 0  # another worker is the runner: nothing fired here
            other_worker.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
            other_worker.commit()
        assert tick(app) == 1
        assert tick(app) == 0  # fired once only
    with app.app_context():
        events = db.session.scalars(
            select(HistoryEntry.event).where(HistoryEntry.document_id == document_id)
        ).all()
        assert events.count("reminder") == 1


def test_task_for_submitter_goes_to_the_submitter(ctx):
    document = submit_petition()
    submitted = db.session.scalar(
        select(HumanTask).where(HumanTask.document_id == document.id, HumanTask.bpmn_id == "depunere")
    )
    assert submitted.assignee_id == user("cetatean").id and submitted.status == TaskStatus.COMPLETED

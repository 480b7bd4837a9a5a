"""Shared steps for tests that drive routes through the runtime: find people and open tasks."""

from sqlalchemy import select

from app.extensions import db
from app.identity.models import User
from app.registry.models import Document
from app.workflow.models import HumanTask, TaskStatus


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def open_tasks(document: Document) -> list[str]:
    return sorted(
        db.session.scalars(
            select(HumanTask.bpmn_id).where(
                HumanTask.document_id == document.id, HumanTask.status == TaskStatus.READY
            )
        )
    )


def open_task(document: Document, bpmn_id: str) -> HumanTask:
    task = db.session.scalar(
        select(HumanTask).where(
            HumanTask.document_id == document.id,
            HumanTask.bpmn_id == bpmn_id,
            HumanTask.status == TaskStatus.READY,
        )
    )
    assert task is not None, f"no open task {bpmn_id}; open: {open_tasks(document)}"
    return task

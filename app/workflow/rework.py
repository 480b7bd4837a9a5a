"""A step the route comes back to: a draft returned for changes. The new task carries the mark (the inbox's
"returned to me" view) and the comments of the step that sent it back (shown at the top of the redraft)."""

from sqlalchemy import select

from app.extensions import db
from app.workflow.models import HistoryEntry, HumanTask, TaskStatus

# Form fields that carry a reviewer's comments in our forms (observatii, observatii_sef, observatii_sg ...).
COMMENT_PREFIX = "observatii"


def comments_in(data: dict | None) -> str | None:
    texts = [
        value.strip()
        for key, value in (data or {}).items()
        if key.startswith(COMMENT_PREFIX) and isinstance(value, str) and value.strip()
    ]
    return "\n".join(texts) or None


def rework_of(instance_id: int, bpmn_id: str, done_before: bool | None = None) -> tuple[bool, str | None]:
    """(returned?, comments) for a new task of `bpmn_id`: returned when the same step was completed before in
    this instance; the comments are those of the last step completed there. `done_before`: whether it was, when
    the caller has just read the instance's tasks."""
    if done_before is None:
        done_before = (
            db.session.scalar(
                select(HumanTask.id)
                .where(
                    HumanTask.instance_id == instance_id,
                    HumanTask.bpmn_id == bpmn_id,
                    HumanTask.status == TaskStatus.COMPLETED,
                )
                .limit(1)
            )
            is not None
        )
    if not done_before:
        return False, None
    last = db.session.scalar(
        select(HistoryEntry)
        .where(HistoryEntry.instance_id == instance_id, HistoryEntry.event == "task_completed")
        .order_by(HistoryEntry.id.desc())
        .limit(1)
    )
    return True, comments_in(last.data if last else None)

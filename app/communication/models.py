"""Completion requests and staff comments."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dates import now_utc
from app.extensions import JsonType, db
from app.identity.models import User
from app.registry.models import Document
from app.workflow.models import HumanTask


class CompletionRequest(db.Model):
    """An official asks the citizen for something missing while holding a task; the task waits for the answer."""

    OPEN = "deschisa"
    ANSWERED = "raspunsa"
    CANCELLED = "anulata"

    __tablename__ = "completion_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default=OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer_note: Mapped[str | None] = mapped_column(Text)

    document: Mapped[Document] = relationship()
    task: Mapped[HumanTask | None] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def is_open(self) -> bool:
        return self.status == self.OPEN


class StaffComment(db.Model):
    """Staff discussing a document: informal, plain text, never shown to the citizen or in the citizen's API."""

    __tablename__ = "staff_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list] = mapped_column(JsonType, default=list)  # usernames notified
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    document: Mapped[Document] = relationship()
    author: Mapped[User] = relationship()

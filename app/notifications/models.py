"""The outbox of messages to send, and each citizen's choice of channels."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dates import now_utc
from app.extensions import db
from app.identity.models import User
from app.registry.models import Document


class OutboxMessage(db.Model):
    """One message to one recipient on one channel. Written in the same transaction as the event it tells about,
    sent after commit; `sent_at` stays empty until the channel accepted it."""

    EMAIL = "email"
    SMS = "sms"

    __tablename__ = "outbox_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    # What happened (registered, department, completion, answer, closed, message): at most one per document and
    # event and channel where that matters (registration).
    event: Mapped[str] = mapped_column(String(40))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A file to attach (the signed answer): referenced by its sha256 in the file store.
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Given up after the last attempt: no more tries, listed for operators (`flask notifications failed`).
    failed_at: Mapped[datetime | None] = mapped_column(index=True)

    document: Mapped[Document | None] = relationship()


class NotificationPreference(db.Model):
    """A citizen's channels. Without a row: e-mail on, SMS off."""

    __tablename__ = "notification_preferences"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email: Mapped[bool] = mapped_column(default=True)
    sms: Mapped[bool] = mapped_column(default=False)
    phone: Mapped[str | None] = mapped_column(String(30))
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    user: Mapped[User] = relationship()


class Notification(db.Model):
    """In-app notice shown in a staff member's inbox to one user (reminders, overdue marks); e-mail and SMS channels build on it."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    read_at: Mapped[datetime | None]
    document: Mapped[Document | None] = relationship()

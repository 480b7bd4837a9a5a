"""Platform incidents: a failure an operator must look at (a timer whose route raised, a stored file failing its integrity
check). Append-only; `resolved_at` is set when an operator closes it."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.dates import now_utc
from app.extensions import db


class PlatformIncident(db.Model):
    __tablename__ = "platform_incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    # What failed: "timer" (waking an instance), "file_integrity" (a stored file whose bytes no longer match).
    kind: Mapped[str] = mapped_column(String(40), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    # The BPMN element the instance was at, or the file's sha256.
    element: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]

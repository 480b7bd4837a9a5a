"""Engine state kept beside the domain data: deployed process versions, instances, the human-task projection
the inbox queries, and the append-only history."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dates import now_utc
from app.extensions import JsonType, db
from app.identity.models import User


class ProcessVersion(db.Model):
    """One deployed version of a BPMN process; the XML and the forms it references are kept so documents pinned
    to an old version stay runnable and auditable after the files change."""

    __tablename__ = "process_versions"
    __table_args__ = (
        UniqueConstraint("process_id", "institution_id", "content_hash"),
        UniqueConstraint("process_id", "version"),
        # One current version per process and owner (an institution, or the platform's template), whoever deploys
        # at the same time.
        Index(
            "uq_process_versions_one_current",
            "process_id",
            "institution_id",
            unique=True,
            postgresql_where=text("is_current AND institution_id IS NOT NULL"),
            sqlite_where=text("is_current AND institution_id IS NOT NULL"),
        ),
        Index(
            "uq_process_versions_one_current_template",
            "process_id",
            unique=True,
            postgresql_where=text("is_current AND institution_id IS NULL"),
            sqlite_where=text("is_current AND institution_id IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    source_file: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict] = mapped_column(JsonType, default=dict)
    deployed_at: Mapped[datetime] = mapped_column(default=now_utc)
    # Current within its owner: the institution's own versions, or the platform templates (owner NULL).
    is_current: Mapped[bool] = mapped_column(default=True)
    # The institution that owns this version; NULL = a platform template (files in processes/, or deployed by the
    # platform administrator) that institutions adopt by enabling the document type (app/workflow/ownership.py).
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The DMN decision tables its business-rule tasks call ({file name: XML}); None when it has none.
    decisions: Mapped[dict | None] = mapped_column(JsonType)
    # A document type created in the browser has no files in processes/: its manifest and scenario tests travel
    # with its versions (None for the types of processes/).
    manifest: Mapped[dict | None] = mapped_column(JsonType)
    scenarios: Mapped[dict | None] = mapped_column(JsonType)

    deployed_by: Mapped[User | None] = relationship(foreign_keys=[deployed_by_id])

    @property
    def is_template(self) -> bool:
        return self.institution_id is None


class InstanceStatus:
    RUNNING = "running"
    COMPLETE = "complete"
    ERROR = "error"  # an incident is open (app/workflow/incidents.py); the route waits for an operator
    SUSPENDED = "suspended"  # stopped by an operator: no step, no timer until resumed
    CANCELLED = "cancelled"  # stopped for good by an operator, with a reason (the document is closed)


class WorkflowInstance(db.Model):
    __tablename__ = "workflow_instances"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    state: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=InstanceStatus.RUNNING, index=True)
    # Earliest pending timer; the scheduler polls this column instead of loading every instance.
    next_timer_at: Mapped[datetime | None] = mapped_column(index=True)
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)
    # Optimistic lock: a stale copy can never overwrite a newer state, even where row locks are unavailable.
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": lock_version}

    # The registry's row, named, not imported: the engine keeps only the business key.
    document: Mapped["Document"] = relationship()  # noqa: F821
    process_version: Mapped[ProcessVersion] = relationship()


class TaskStatus:
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class HumanTask(db.Model):
    """Projection of the engine's READY user tasks, with who may do them, for the inbox and the API."""

    __tablename__ = "human_tasks"
    # The inbox asks for ready tasks by assignee, claimer or role scope (unassigned ones), ordered by deadline: one
    # partial index each, small because only ready tasks are in them (app/workflow/candidates.py).
    # Each also carries the other columns an inbox list reads: PostgreSQL answers the list from the index
    # alone, without visiting the table pages the ready tasks are scattered over.
    __table_args__ = (
        Index(
            "ix_human_tasks_ready_scope",
            "institution_id",
            "role_code",
            "department_id",
            "due_at",
            postgresql_where=text("status = 'ready' AND assignee_id IS NULL"),
            sqlite_where=text("status = 'ready' AND assignee_id IS NULL"),
            postgresql_include=[
                "id",
                "document_id",
                "created_at",
                "assignee_id",
                "claimed_by_id",
                "returned",
            ],
        ),
        Index(
            "ix_human_tasks_ready_assignee",
            "assignee_id",
            "due_at",
            postgresql_where=text("status = 'ready'"),
            sqlite_where=text("status = 'ready'"),
            postgresql_include=["id", "document_id", "created_at", "claimed_by_id", "returned"],
        ),
        Index(
            "ix_human_tasks_ready_claimed",
            "claimed_by_id",
            "due_at",
            postgresql_where=text("status = 'ready'"),
            sqlite_where=text("status = 'ready'"),
            postgresql_include=["id", "document_id", "created_at", "assignee_id", "returned"],
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    task_guid: Mapped[str] = mapped_column(String(36), unique=True)
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(100))
    role_code: Mapped[str | None] = mapped_column(String(40), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    form_file: Mapped[str | None] = mapped_column(String(200))
    ui_form_file: Mapped[str | None] = mapped_column(String(200))
    instructions: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.READY, index=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    due_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A step the route came back to (a draft returned for changes), with the comments that sent it back.
    returned: Mapped[bool] = mapped_column(default=False, server_default=false())
    return_note: Mapped[str | None] = mapped_column(Text)

    # The registry's row, named, not imported: the engine keeps only the business key.
    document: Mapped["Document"] = relationship()  # noqa: F821
    instance: Mapped[WorkflowInstance] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    @property
    def holder(self) -> User | None:
        return self.claimed_by or self.assignee


class HistoryEntry(db.Model):
    """Append-only record of every step (PostgreSQL refuses UPDATE and DELETE on it, see the migration)."""

    __tablename__ = "history_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instances.id"))
    at: Mapped[datetime] = mapped_column(default=now_utc)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    event: Mapped[str] = mapped_column(String(40))
    bpmn_id: Mapped[str | None] = mapped_column(String(100))
    element_name: Mapped[str | None] = mapped_column(String(200))
    element_type: Mapped[str | None] = mapped_column(String(60))
    # The BPMN element reached just before this one: lets tracking and audit draw the sequence flow taken.
    previous_bpmn_id: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict | None] = mapped_column(JsonType)
    message: Mapped[str | None] = mapped_column(Text)
    # A deputy's step: actor = the deputy, on_behalf_of = the absent colleague (app/identity/delegation.py).
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])


class Incident(db.Model):
    """A route that failed inside a step (script, timer, helper, signing): the instance waits for an operator instead
    of stalling unseen. `error` is the latest failure in plain words; `details` keeps every attempt (a retry that
    fails again adds to it), each with the technical message staff never see; `data` is the route data at the
    failing element."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instances.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    element_id: Mapped[str | None] = mapped_column(String(100))
    element_name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="script")  # script, timer, helper, signing, engine
    error: Mapped[str] = mapped_column(Text)
    details: Mapped[list] = mapped_column(JsonType, default=list)
    data: Mapped[dict | None] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(Text)

    instance: Mapped[WorkflowInstance] = relationship()
    document: Mapped["Document"] = relationship()  # noqa: F821
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

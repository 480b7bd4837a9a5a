"""Recording audit entries: `record(...)` queues an entry on the current database session; the session writes the
queued entries into the hash chain when it commits (same transaction as the action), and drops them when it rolls
back. Other packages call only `record` (and the action names below).

    from app.audit import record, SIGNATURE
    record(SIGNATURE, actor=user, document=document, data={"file": sha256, "level": "PAdES-B-T"})
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.dates import now_utc
from app.extensions import db

__all__ = [
    "record",
    "pending_entries",
    "PendingEntry",
    "LOGIN",
    "LOGIN_FAILED",
    "LOGOUT",
    "ACCOUNT_CREATED",
    "API_TOKEN_ISSUED",
    "ROUTE_STARTED",
    "TASK_COMPLETED",
    "ROUTE_ADVANCED",
    "ASSIGNMENT",
    "TASK_CLAIMED",
    "TASK_RELEASED",
    "REGISTRATION",
    "DOCUMENT_CHANGED",
    "FILE_ADDED",
    "DOCUMENT_VIEWED",
    "FILE_DOWNLOADED",
    "SIGNATURE",
    "SIGNATURE_VALIDATED",
    "SEAL",
    "PROCESS_DEPLOYED",
    "AUDIT_EXPORT",
    "AUDIT_REPLAY",
    "AUDIT_CHECKPOINT",
    "_PENDING",
]

# Actions. Values are stored; keep them stable.
LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGOUT = "logout"
ACCOUNT_CREATED = "account_created"
API_TOKEN_ISSUED = "api_token_issued"  # noqa: S105 - an action name
ROUTE_STARTED = "route_started"
TASK_COMPLETED = "task_completed"
ROUTE_ADVANCED = "route_advanced"
ASSIGNMENT = "assignment"
TASK_CLAIMED = "task_claimed"
TASK_RELEASED = "task_released"
REGISTRATION = "registration"
DOCUMENT_CHANGED = "document_changed"
FILE_ADDED = "file_added"
DOCUMENT_VIEWED = "document_viewed"
FILE_DOWNLOADED = "file_downloaded"
SIGNATURE = "signature"
SIGNATURE_VALIDATED = "signature_validated"
SEAL = "seal"
PROCESS_DEPLOYED = "process_deployed"
AUDIT_EXPORT = "audit_export"
AUDIT_REPLAY = "audit_replay"
AUDIT_CHECKPOINT = "audit_checkpoint"


_PENDING = "audit_pending"


@dataclass
class PendingEntry:
    action: str
    at: datetime
    actor: object = None
    document: object = None
    document_id: int | None = None
    institution_id: int | None = None
    on_behalf_of: str | None = None
    bpmn_id: str | None = None
    target: str | None = None
    data: dict | None = None
    ip: str | None = None
    extra: dict = field(default_factory=dict)

    def build(self) -> AuditEntry:
        actor, document = self.actor, self.document
        document_id = document.id if document is not None else self.document_id
        institution_id = self.institution_id
        if institution_id is None and document is not None:
            institution_id = document.institution_id
        if institution_id is None and actor is not None:
            memberships = getattr(actor, "memberships", None) or []
            institution_id = memberships[0].institution_id if memberships else None
        return AuditEntry(
            at=self.at,
            action=self.action,
            actor_id=actor.id if actor is not None else None,
            actor_name=f"{actor.full_name} ({actor.username})" if actor is not None else None,
            on_behalf_of=self.on_behalf_of,
            institution_id=institution_id,
            document_id=document_id,
            bpmn_id=self.bpmn_id,
            target=(self.target or "")[:300] or None,
            data=self.data,
            ip=self.ip,
        )


def _client_ip() -> str | None:
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:45] or None


def record(
    action: str,
    *,
    actor=None,
    document=None,
    document_id: int | None = None,
    institution_id: int | None = None,
    on_behalf_of: str | None = None,
    bpmn_id: str | None = None,
    target: str | None = None,
    data: dict | None = None,
    at: datetime | None = None,
    session: Session | None = None,
) -> PendingEntry:
    """Queue an audit entry; it is chained and written when the session commits (nothing if it rolls back).

    `actor` is a User or None (automatic steps, command line); `document` a Document (or `document_id`); `data`
    any JSON-able dict (the data submitted, a file's sha256, a signature's level and signer...). Anonymous
    visitors' and CLI entries get no actor."""
    if hasattr(actor, "_get_current_object"):
        actor = actor._get_current_object()  # current_user: keep the user, not the proxy
    if actor is not None and not getattr(actor, "is_authenticated", True):
        actor = None  # Flask-Login's anonymous user
    entry = PendingEntry(
        action=action,
        at=at or now_utc(),
        actor=actor,
        document=document,
        document_id=document_id,
        institution_id=institution_id,
        on_behalf_of=on_behalf_of,
        bpmn_id=bpmn_id,
        target=target,
        data=data,
        ip=_client_ip(),
    )
    session = session if session is not None else db.session()
    session.info.setdefault(_PENDING, []).append(entry)
    return entry


def pending_entries(session: Session | None = None) -> list[PendingEntry]:
    session = session if session is not None else db.session()
    return list(session.info.get(_PENDING, []))


def write_pending(session: Session) -> None:
    """Flush first, then take the queue: mapper events fired by this very flush (a new Attachment records its
    file) queue entries that belong to this transaction. Repeat until a flush queues nothing new."""
    from app.audit.chain import append

    if session.in_nested_transaction():
        # A savepoint (each route script runs in one) also fires before_commit. Appending there would take the
        # chain's lock in the middle of the request and hold it to the end of the whole transaction: every other
        # audited commit of the platform would wait for this request's engine run, state and task projection.
        # The queue stays on the session and is written by the real commit.
        return
    while True:
        session.flush()  # ids of the documents and users the entries name; fires the mapper events
        pending = session.info.pop(_PENDING, None)
        if not pending:
            return
        append(session, [p.build() for p in pending])  # flushes the new entries (no entry queues another)


def _discard(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)


_installed = False


def install_session_hooks() -> None:
    """Write queued entries at commit, drop them at rollback. Idempotent (one listener per process)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_commit", write_pending)
    event.listen(Session, "after_soft_rollback", _discard)
    _installed = True

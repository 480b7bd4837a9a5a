"""Imports every package's models so SQLAlchemy and Alembic see the whole schema."""

from app.audit.models import AuditCheckpoint, AuditEntry  # noqa: F401
from app.identity.models import ApiToken, Department, Institution, Membership, Role, User  # noqa: F401
from app.inbox.models import Notification  # noqa: F401
from app.registry.models import Attachment, Document, DocumentType, RegistrationCounter  # noqa: F401
from app.signing.models import (  # noqa: F401
    SignatureReport,
    SignatureRequest,
    SigningCredential,
    SubmissionConfirmation,
)
from app.workflow.models import HistoryEntry, HumanTask, ProcessVersion, WorkflowInstance  # noqa: F401

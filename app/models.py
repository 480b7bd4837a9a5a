"""Imports every package's models so SQLAlchemy and Alembic see the whole schema."""

from app.identity.models import ApiToken, Department, Institution, Membership, Role, User  # noqa: F401
from app.inbox.models import Notification  # noqa: F401
from app.registry.models import Attachment, Document, DocumentType, RegistrationCounter  # noqa: F401
from app.workflow.models import HistoryEntry, HumanTask, ProcessVersion, WorkflowInstance  # noqa: F401

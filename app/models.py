"""Imports every package's models so SQLAlchemy and Alembic see the whole schema."""

from app.archive.models import (  # noqa: F401
    ArchiveFile,
    ArchiveItem,
    ArchiveRecord,
    ClassMapping,
    Destruction,
    Disposal,
    FileClass,
    FixityRun,
)
from app.audit.models import AuditCheckpoint, AuditEntry  # noqa: F401
from app.communication.models import CompletionRequest, StaffComment  # noqa: F401
from app.correspondence.models import OutgoingLetter  # noqa: F401
from app.identity.models import (  # noqa: F401
    ApiToken,
    Company,
    Delegation,
    Department,
    EndedSession,
    Institution,
    LoginEvent,
    Membership,
    PersonalDataAccess,
    RecoveryCode,
    Representation,
    Role,
    User,
)
from app.notifications.models import (  # noqa: F401
    Notification,  # noqa: F401
    NotificationPreference,
    OutboxMessage,
)
from app.operations.models import PlatformIncident  # noqa: F401
from app.portal.models import SubmissionDraft, TrackingAttempt  # noqa: F401
from app.registry.catalogue import InstitutionDocumentType  # noqa: F401
from app.registry.models import (  # noqa: F401
    Attachment,
    Document,
    DocumentAnnulment,
    DocumentType,
    Register,
    RegisterDay,
    RegistrationCounter,
)
from app.signing.cloud import CloudSigning  # noqa: F401
from app.signing.models import (  # noqa: F401
    SignatureReport,
    SignatureRequest,
    SigningCredential,
    SubmissionConfirmation,
)
from app.signing.providers import SigningProvider  # noqa: F401
from app.workflow.models import (  # noqa: F401
    HistoryEntry,
    HumanTask,
    Incident,
    ProcessVersion,
    WorkflowInstance,
)

"""Who owns a route. A process version belongs to one institution, or is a platform template (institution NULL:
the files in processes/, or what the platform administrator deploys) that an institution adopts by enabling the
document type. A document runs on its institution's own current version when there is one, otherwise on the
current template. An analyst sees, deploys and migrates only their own institution's routes; the platform
administrator publishes templates."""

from sqlalchemy import or_, select

from app.extensions import db
from app.identity.models import Membership, Role, User
from app.workflow.models import ProcessVersion

ANALYST_ROLE = "analist"
OPERATOR_ROLES = ("analist", "admin")


def institutions_with_role(user: User, roles: tuple[str, ...]) -> list[int]:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_staff", False):
        return []
    return sorted(
        db.session.scalars(
            select(Membership.institution_id)
            .join(Role, Role.id == Membership.role_id)
            .where(Membership.user_id == user.id, Role.code.in_(roles))
        ).unique()
    )


def analyst_institution_id(user: User) -> int | None:
    """The institution whose routes this analyst edits (the first one when they are analyst in several)."""
    ids = institutions_with_role(user, (ANALYST_ROLE,))
    return ids[0] if ids else None


def current_for(process_id: str, institution_id: int | None) -> ProcessVersion | None:
    """The version a new document of this institution runs on: its own current version, else the template's.
    One statement: at most one current version per owner (the partial unique indexes), the institution's first."""
    owner = ProcessVersion.institution_id.is_(None)
    if institution_id is not None:
        owner = or_(owner, ProcessVersion.institution_id == institution_id)
    return db.session.scalar(
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id, ProcessVersion.is_current.is_(True), owner)
        .order_by(ProcessVersion.institution_id.is_(None))
        .limit(1)
    )


def visible_versions(institution_id: int | None, process_id: str | None = None):
    """Query of the versions an institution's analyst may see: its own and the platform templates (the platform
    administrator, institution None, sees the templates)."""
    query = select(ProcessVersion)
    if institution_id is None:
        query = query.where(ProcessVersion.institution_id.is_(None))
    else:
        query = query.where(
            or_(ProcessVersion.institution_id.is_(None), ProcessVersion.institution_id == institution_id)
        )
    if process_id is not None:
        query = query.where(ProcessVersion.process_id == process_id)
    return query.order_by(ProcessVersion.process_id, ProcessVersion.version)


def may_see(version: ProcessVersion, institution_id: int | None) -> bool:
    return version.institution_id is None or version.institution_id == institution_id

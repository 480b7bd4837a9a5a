"""Who owns a route. A process version belongs to one institution, or is a platform template (institution NULL:
the files in processes/, or what the platform administrator deploys) that an institution adopts by enabling the
document type. A document runs on its institution's own current version when there is one, otherwise on the
current template. An analyst sees, deploys and migrates only their own institution's routes; the platform
administrator publishes templates."""

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import make_transient_to_detached

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


def _current(process_id, institution_id) -> tuple:
    """Where the version a new document runs on is: current, its institution's own or the template (both may be
    columns of an outer query); the institution's first when ordered by `_OWN_FIRST`."""
    owner = ProcessVersion.institution_id.is_(None)
    if institution_id is not None:
        owner = or_(owner, ProcessVersion.institution_id == institution_id)
    return (ProcessVersion.process_id == process_id, ProcessVersion.is_current.is_(True), owner)


_OWN_FIRST = ProcessVersion.institution_id.is_(None)


def current_for(process_id: str, institution_id: int | None) -> ProcessVersion | None:
    """The version a new document of this institution runs on: its own current version, else the template's.
    One statement: at most one current version per owner (the partial unique indexes), the institution's first."""
    return db.session.scalar(
        select(ProcessVersion).where(*_current(process_id, institution_id)).order_by(_OWN_FIRST).limit(1)
    )


def current_version_column(column, process_id, institution_id):
    """`column` of `current_for`'s version as a scalar subquery of an outer query whose columns give the process
    and the institution (a submission reads its type, institution and version in one statement)."""
    return (
        select(column)
        .where(*_current(process_id, institution_id))
        .order_by(_OWN_FIRST)
        .limit(1)
        .correlate_except(ProcessVersion)
        .scalar_subquery()
    )


# A deployed version never changes, except for which one is current (app/workflow/deploy.py), and a submission
# never deploys: the row it reads is committed and final. So each process keeps the versions its submissions
# read, keyed by id and content hash (a database rebuilt underneath cannot serve another's), and attaches a copy
# to the session without a statement (Session.merge with load=False).
_KNOWN_VERSIONS: dict[tuple[int, str], ProcessVersion] = {}


def known_version(version_id: int | None, content_hash: str | None) -> ProcessVersion | None:
    if version_id is None:
        return None
    cached = _KNOWN_VERSIONS.get((version_id, content_hash))
    if cached is not None:
        return db.session.merge(cached, load=False)
    version = db.session.get(ProcessVersion, version_id)
    if version is not None and version.content_hash == content_hash and not inspect(version).modified:
        columns = {attr.key: getattr(version, attr.key) for attr in inspect(ProcessVersion).column_attrs}
        detached = ProcessVersion(**columns)
        make_transient_to_detached(detached)
        _KNOWN_VERSIONS[(version_id, content_hash)] = detached
    return version


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

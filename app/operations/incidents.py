"""Recording an incident in its own transaction, so it survives the rollback of the work that failed."""

from flask import current_app
from sqlalchemy import select

from app.extensions import db, own_session
from app.operations.models import PlatformIncident


def record_incident(
    kind: str,
    error: str,
    *,
    instance_id: int | None = None,
    document_id: int | None = None,
    element: str | None = None,
) -> int:
    """Write the incident at once (own session and commit) and log it; returns its id."""
    with own_session() as session:
        incident = PlatformIncident(
            kind=kind,
            error=error[:4000],
            instance_id=instance_id,
            document_id=document_id,
            element=(element or "")[:200] or None,
        )
        session.add(incident)
        session.commit()
        current_app.logger.error(
            "incident %s (%s) instance=%s document=%s element=%s: %s",
            incident.id,
            kind,
            instance_id,
            document_id,
            element,
            error,
        )
        return incident.id


def open_incidents(limit: int = 200) -> list[PlatformIncident]:
    return db.session.scalars(
        select(PlatformIncident)
        .where(PlatformIncident.resolved_at.is_(None))
        .order_by(PlatformIncident.at.desc())
        .limit(limit)
    ).all()

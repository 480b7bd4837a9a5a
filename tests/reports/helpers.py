"""Registered documents made directly (no route) for the dashboard and report tests: the figures read only the
register's columns."""

import itertools
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.identity.models import Department, Institution
from app.registry.models import Document, DocumentStatus, DocumentType

_numbers = itertools.count(900000)


def institution(code: str) -> Institution:
    return db.session.scalar(select(Institution).where(Institution.code == code))


def department(institution_code: str, code: str) -> Department:
    inst = institution(institution_code)
    return db.session.scalar(
        select(Department).where(Department.institution_id == inst.id, Department.code == code)
    )


def entry(
    institution_code: str,
    registered_at: datetime,
    *,
    type_code: str = "petitie",
    department_code: str | None = "relatii-publice",
    closed_at: datetime | None = None,
    deadline_at: datetime | None = None,
    status: str | None = None,
    subject: str = "Iluminat public pe strada Morii",
    channel: str = "portal",
    sender_name: str = "Vasile Pop",
    **extra,
) -> Document:
    inst = institution(institution_code)
    document = Document(
        institution_id=inst.id,
        document_type_id=db.session.scalar(select(DocumentType.id).where(DocumentType.code == type_code)),
        department_id=department(institution_code, department_code).id if department_code else None,
        direction="intrare",
        channel=channel,
        sender_name=sender_name,
        subject=subject,
        registration_number=next(_numbers),
        registration_year=registered_at.year,
        registered_at=registered_at,
        deadline_at=deadline_at,
        closed_at=closed_at,
        status=status or (DocumentStatus.RESOLVED if closed_at else DocumentStatus.IN_PROGRESS),
        **extra,
    )
    db.session.add(document)
    db.session.flush()
    return document

"""Shared set-up for the register tests: entries, a second institution with its own clerk, and a snapshot of
everything a register operation could change (to prove a refused one changed nothing)."""

import io
from datetime import datetime

from sqlalchemy import func, select

from app.audit import DOCUMENT_VIEWED, FILE_DOWNLOADED
from app.audit.models import AuditEntry
from app.extensions import db
from app.identity.models import Department, Institution, Membership, Role, User
from app.registry.models import (
    Document,
    DocumentAnnulment,
    DocumentType,
    Register,
    RegisterDay,
    RegistrationCounter,
)
from app.registry.numbering import add_departmental_register, register
from app.workflow.models import HistoryEntry, HumanTask
from tests.signing.pdfs import plain_pdf
from tests.webflow import csrf_token

READS = (DOCUMENT_VIEWED, FILE_DOWNLOADED)


def home() -> Institution:
    return db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))


def department(code: str, institution: Institution | None = None) -> Department:
    institution = institution or home()
    return db.session.scalar(
        select(Department).where(Department.institution_id == institution.id, Department.code == code)
    )


def new_document(institution: Institution | None = None, **fields) -> Document:
    institution = institution or home()
    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.code == "petitie"))
    values = {"sender_name": "Ana Popescu", "subject": "Iluminat public pe strada Lungă", **fields}
    document = Document(institution_id=institution.id, document_type_id=doc_type.id, **values)
    db.session.add(document)
    db.session.flush()
    return document


def registered(institution: Institution | None = None, when: datetime | None = None, into=None, **fields):
    document = new_document(institution, **fields)
    register(document, when=when, into=into)
    db.session.flush()
    return document


def other_institution() -> tuple[Institution, User]:
    """A third institution (not in the demo data) with its own registry clerk (password demo)."""
    institution = Institution(code="primaria-rasnov-test", name="Primăria Orașului Râșnov")
    db.session.add(institution)
    db.session.flush()
    clerk = User(
        username="registrator.rasnov-test",
        email="registrator.rasnov-test@demo.example",
        full_name="Vasile Oprea",
        is_staff=True,
    )
    clerk.set_password("demo")
    db.session.add(clerk)
    db.session.flush()
    role = db.session.scalar(select(Role).where(Role.code == "registrator"))
    db.session.add(Membership(user_id=clerk.id, institution_id=institution.id, role_id=role.id))
    db.session.flush()
    return institution, clerk


def departmental_register(code: str = "urbanism") -> Register:
    dept = department(code)
    return add_departmental_register(home().id, dept.id, code, f"Registrul {dept.name}")


def snapshot() -> dict:
    """Everything a register operation writes."""
    db.session.expire_all()
    return {
        "counters": sorted(db.session.execute(select(RegistrationCounter.__table__)).all()),
        "documents": sorted(db.session.execute(select(Document.__table__)).all()),
        "annulments": db.session.scalar(select(func.count(DocumentAnnulment.id))),
        "days": db.session.scalar(select(func.count(RegisterDay.id))),
        "registers": db.session.scalar(select(func.count(Register.id))),
        "history": db.session.scalar(select(func.count(HistoryEntry.id))),
        "tasks": sorted(db.session.execute(select(HumanTask.id, HumanTask.status)).all()),
        # Reads (page views, downloads) are logged too, but change nothing.
        "audit": db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action.not_in(READS))),
    }


PAGE = "/registratura/hartie"


CONTENT = "Pe strada Morii din Săcele nu funcționează iluminatul public de o lună."


def institution_id(code: str) -> int:
    return db.session.scalar(select(Institution.id).where(Institution.code == code))


def post_paper(client, institution="pm-sacele", files=None, **fields):
    with client.application.app_context():
        inst = institution_id(institution)
    data = {
        "csrf_token": csrf_token(client, PAGE),
        "institutie": str(inst),
        "tip": "petitie",
        "expeditor_name": "Vasile Pop",
        "expeditor_email": "vasile.pop@example.ro",
        "expeditor_phone": "0722 111 222",
        "expeditor_address": "Str. Morii nr. 3, Săcele",
        "subiect": "Iluminat public pe strada Morii",
        "continut": CONTENT,
        "numar_pagini": "2",
    }
    data.update(fields)
    if files is None:
        files = [(io.BytesIO(plain_pdf("Petitie scrisa de mana")), "petitie.pdf")]
    data["scan"] = files
    return client.post(PAGE, data=data, content_type="multipart/form-data")

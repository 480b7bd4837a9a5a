"""Shared steps for tests that drive routes through the runtime: people, submissions, open tasks, completing and
signing steps, deploying a changed route."""

import shutil
from pathlib import Path

from sqlalchemy import select

from app.correspondence.signed_answer import sign_task
from app.extensions import db
from app.identity.models import Institution, User
from app.intake.submission import submit
from app.registry.models import Document, DocumentType
from app.workflow.deploy import deploy_all
from app.workflow.models import HumanTask, TaskStatus
from app.workflow.runtime import complete_task

ROOT = Path(__file__).resolve().parents[1]


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def open_tasks(document: Document) -> list[str]:
    return sorted(
        db.session.scalars(
            select(HumanTask.bpmn_id).where(
                HumanTask.document_id == document.id, HumanTask.status == TaskStatus.READY
            )
        )
    )


def open_task(document: Document, bpmn_id: str) -> HumanTask:
    task = db.session.scalar(
        select(HumanTask).where(
            HumanTask.document_id == document.id,
            HumanTask.bpmn_id == bpmn_id,
            HumanTask.status == TaskStatus.READY,
        )
    )
    assert task is not None, f"no open task {bpmn_id}; open: {open_tasks(document)}"
    return task


def submit_petition(
    subject="Groapă în asfalt pe strada Lungă",
    content="Vă rog să reparați groapa din fața blocului 7, este periculoasă.",
):
    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.code == "petitie"))
    institution = db.session.scalar(select(Institution))
    document = submit(user("cetatean"), institution, doc_type, {"subiect": subject, "continut": content}, {})
    db.session.commit()
    return document


def do(document, bpmn_id, username, data):
    complete_task(open_task(document, bpmn_id).id, user(username), data)
    db.session.commit()


def sign_both(document):
    """The signing steps after approval: the official who drafted the answer, then the head who approved it."""
    sign_task(open_task(document, "semnare_referent").id, user("referent"))
    db.session.commit()
    sign_task(open_task(document, "semnare_sef").id, user("sef.serviciu"))
    db.session.commit()


LETTER = {
    "institutie_expeditoare": "Primăria Brașov",
    "numar_expeditor": "12",
    "data_expeditor": "2026-11-20",
    "subiect": "Solicitare de date",
    "continut": "Vă rugăm să ne transmiteți datele de trafic.",
}


def letter_at(step: str) -> Document:
    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.code == "adresa"))
    document = submit(user("cetatean"), db.session.scalar(select(Institution)), doc_type, LETTER, {})
    db.session.commit()
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
    if step in ("redactare", "aprobare"):
        do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
    if step == "aprobare":
        do(document, "redactare", "referent", {"raspuns": "Datele de trafic sunt în anexă."})
    return document


def deploy_changed(tmp_path: Path, change) -> None:
    processes = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", processes, dirs_exist_ok=True)
    bpmn = processes / "adresa.bpmn"
    changed = change(bpmn.read_text(encoding="utf-8"))
    assert changed != bpmn.read_text(encoding="utf-8")
    bpmn.write_text(changed, encoding="utf-8")
    deploy_all(processes, ROOT / "forms")
    db.session.commit()

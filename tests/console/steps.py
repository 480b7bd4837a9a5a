"""Steps shared by the operations tests: letters submitted at a chosen institution, modeler deployments over HTTP
with the page's CSRF token."""

import json
import re
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.identity.models import Institution
from app.intake.submission import submit
from app.registry.models import Document, DocumentType
from app.workflow.models import WorkflowInstance
from tests.routes import LETTER, do, user
from tests.webflow import login

ROOT = Path(__file__).resolve().parents[2]
LETTER_XML = (ROOT / "processes" / "adresa.bpmn").read_text(encoding="utf-8")
COUNCIL, SACELE = "cj-brasov", "pm-sacele"
CLERK = {COUNCIL: "registrator", SACELE: "registrator.sacele"}
HEAD = {COUNCIL: "sef.serviciu", SACELE: "sef.sacele"}
OFFICIAL = {COUNCIL: "referent", SACELE: "referent.sacele"}


def institution(code: str) -> Institution:
    return db.session.scalar(select(Institution).where(Institution.code == code))


def letter(code: str, step: str = "repartizare") -> Document:
    """A letter from another institution received at `code`, waiting at `step`."""
    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.code == "adresa"))
    document = submit(user("cetatean"), institution(code), doc_type, dict(LETTER), {})
    db.session.commit()
    do(document, "inregistrare", CLERK[code], {"departament": "relatii-publice"})
    if step in ("redactare", "aprobare"):
        do(document, "repartizare", HEAD[code], {"referent": OFFICIAL[code]})
    if step == "aprobare":
        do(document, "redactare", OFFICIAL[code], {"raspuns": "Datele de trafic sunt în anexă."})
    return document


def instance_of(document: Document) -> WorkflowInstance:
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    db.session.refresh(instance)
    return instance


def modeler(app, username: str, process_id: str = "adresa"):
    """A logged-in client on the modeler page and the page's CSRF token."""
    client = login(app.test_client(), username)
    page = client.get(f"/modelare/{process_id}").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    return client, token


def post_json(client, url: str, payload: dict, token: str):
    return client.post(
        url, data=json.dumps(payload), content_type="application/json", headers={"X-CSRFToken": token}
    )


def renamed(xml: str, new_name: str) -> str:
    changed = xml.replace('name="Repartizare"', f'name="{new_name}"')
    assert changed != xml
    return changed

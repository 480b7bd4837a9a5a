"""Shared steps for the signing tests: a petition walked to its signing steps through the runtime, and the
independent checks of a signed file (pyhanko against the demo root, Debian's pdfsig)."""

import io
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from app.extensions import db
from app.identity.models import Institution
from app.intake.submission import submit
from app.registry.models import Document, DocumentType
from app.signing import testpki
from app.workflow.runtime import complete_task
from tests.routes import open_task, user

ANSWER = "Echipa de întreținere repară iluminatul până la 30.11.2026. Vă mulțumim pentru sesizare, ș ț ă î â."


def do(document, bpmn_id, username, data):
    complete_task(open_task(document, bpmn_id).id, user(username), data)
    db.session.commit()


def petition_at_signing(subject="Iluminat public defect pe strada Lungă") -> Document:
    """A petition registered, drafted and approved: it waits for the official's signature."""
    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.code == "petitie"))
    institution = db.session.scalar(select(Institution))
    document = submit(
        user("cetatean"),
        institution,
        doc_type,
        {"subiect": subject, "continut": "Nu funcționează iluminatul."},
        {},
    )
    db.session.commit()
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice", "anonima": False})
    do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
    do(document, "redactare", "referent", {"raspuns": ANSWER})
    do(document, "aprobare", "sef.serviciu", {"decizie": "aproba"})
    return document


def pyhanko_statuses(data: bytes) -> list:
    """Every signature validated by pyhanko against the demo root only, with revocation checked."""
    root = testpki.root_certificate()
    statuses = []
    for signature in PdfFileReader(io.BytesIO(data)).embedded_signatures:
        context = ValidationContext(
            trust_roots=[root], allow_fetching=True, revocation_mode="hard-fail", fetcher_backend=_fetcher()
        )
        statuses.append((signature.field_name, validate_pdf_signature(signature, context)))
    return statuses


def _fetcher():
    from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

    return RequestsFetcherBackend()


def pdfsig(data: bytes, tmp: Path) -> str:
    if not shutil.which("pdfsig"):
        pytest.fail("pdfsig (Debian poppler-utils) is required: run `make test`, which installs it")
    path = tmp / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout

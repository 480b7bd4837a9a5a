"""The file plan and archiving: every closed document is frozen into an archive record (Law 135/2007).

Archiving runs in the `archive pending` job (APScheduler, and `flask archive run`), not in the citizen's closing
step: the B-LTA upgrade of each signed PDF and its offline validation cost about 0.4 s per file and a timestamp
authority in production is a network service; the closing step must not fail or wait for it. The job is
idempotent: one record per document (unique), each document in its own transaction."""

import io
import json
import logging
import uuid
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.archive.models import (
    ArchiveFile,
    ArchiveItem,
    ArchiveRecord,
    ClassMapping,
    FileClass,
    FileStatus,
    ItemKind,
)
from app.audit import record as audit_record
from app.dates import format_date, format_datetime, now_utc, to_local
from app.extensions import db
from app.registry.models import Document, DocumentStatus, DocumentType
from app.storage import current_store
from app.workflow.manifest import manifest_for

log = logging.getLogger(__name__)

ARCHIVED = "archive_record"  # audit action


class ArchiveError(Exception):
    """A refused archive operation; the message is Romanian and shown as is."""


# --- the file plan ------------------------------------------------------------------------------------------


def retention_label(years: int | None) -> str:
    return "permanent" if years is None else f"{years} ani" if years != 1 else "1 an"


def manifest_plan(document_type: DocumentType) -> dict | None:
    manifest = manifest_for(document_type.code, current_app.config["PROCESSES_DIR"]) or {}
    return manifest.get("file_plan")


def define_class(
    institution_id: int, department_id: int | None, code: str, name: str, retention
) -> FileClass:
    """Get or create a class of the file plan (idempotent by institution, department and code)."""
    years = None if retention in (None, "permanent") else int(retention)
    file_class = db.session.scalar(
        select(FileClass).where(
            FileClass.institution_id == institution_id,
            FileClass.department_id.is_(None)
            if department_id is None
            else FileClass.department_id == department_id,
            FileClass.code == code,
        )
    )
    if file_class is None:
        file_class = FileClass(
            institution_id=institution_id,
            department_id=department_id,
            code=code,
            name=name,
            retention_years=years,
        )
        db.session.add(file_class)
        db.session.flush()
    return file_class


def map_type(
    institution_id: int, document_type: DocumentType, department_id: int | None, file_class: FileClass
):
    mapping = db.session.scalar(
        select(ClassMapping).where(
            ClassMapping.institution_id == institution_id,
            ClassMapping.document_type_id == document_type.id,
            ClassMapping.department_id.is_(None)
            if department_id is None
            else ClassMapping.department_id == department_id,
        )
    )
    if mapping is None:
        mapping = ClassMapping(
            institution_id=institution_id,
            document_type_id=document_type.id,
            department_id=department_id,
            file_class_id=file_class.id,
        )
        db.session.add(mapping)
        db.session.flush()
    return mapping


def class_for(document: Document) -> FileClass:
    """The document's class: the file-plan code the registry gave it (`file_code`) when the institution's plan has
    that class, else the mapping of its type in its department, else for any department, else the manifest's
    file-plan class created in its department (so no closed document ever waits for a plan)."""
    code = getattr(document, "file_code", None)
    if code:
        candidates = db.session.scalars(
            select(FileClass).where(
                FileClass.institution_id == document.institution_id, FileClass.code == code
            )
        ).all()
        chosen = [c for c in candidates if c.department_id == document.department_id] or candidates
        if chosen:
            return chosen[0]
    for department_id in (document.department_id, None):
        mapping = db.session.scalar(
            select(ClassMapping).where(
                ClassMapping.institution_id == document.institution_id,
                ClassMapping.document_type_id == document.document_type_id,
                ClassMapping.department_id.is_(None)
                if department_id is None
                else ClassMapping.department_id == department_id,
            )
        )
        if mapping is not None:
            return mapping.file_class
    plan = manifest_plan(document.document_type) or {
        "class": "NECLASIFICAT",
        "name": "Documente fără clasă în nomenclator",
        "retention_years": 10,
    }
    file_class = define_class(
        document.institution_id,
        document.department_id,
        plan["class"],
        plan.get("name") or plan["class"],
        plan["retention_years"],
    )
    map_type(document.institution_id, document.document_type, document.department_id, file_class)
    return file_class


def retention_until(file_class: FileClass, year: int) -> date | None:
    """Retention counts from the 1st of January after the file's year (Law 16/1996 practice)."""
    if file_class.retention_years is None:
        return None
    return date(year + 1 + file_class.retention_years, 1, 1)


def file_for(file_class: FileClass, year: int) -> ArchiveFile:
    """The class's file of that year, created on first use."""
    archive_file = db.session.scalar(
        select(ArchiveFile).where(ArchiveFile.file_class_id == file_class.id, ArchiveFile.year == year)
    )
    if archive_file is None:
        archive_file = ArchiveFile(
            institution_id=file_class.institution_id,
            file_class_id=file_class.id,
            year=year,
            status=FileStatus.OPEN,
            retention_until=retention_until(file_class, year),
        )
        db.session.add(archive_file)
        db.session.flush()
    return archive_file


# --- archiving ----------------------------------------------------------------------------------------------


def documents_store():
    """Where the registry keeps documents' files (the archive reads them from there and writes its own items to
    `current_store()`; the two are the same unless a deployment puts the archive alone on object storage)."""
    from app.storage import current_store

    return current_store()


def record_for(document: Document) -> ArchiveRecord | None:
    return db.session.scalar(select(ArchiveRecord).where(ArchiveRecord.document_id == document.id))


def _stored_item(store, kind: str, filename: str, content_type: str, data: bytes, **extra) -> ArchiveItem:
    return ArchiveItem(
        kind=kind,
        filename=filename[:200],
        content_type=content_type,
        size=len(data),
        sha256=store.put(data),
        **extra,
    )


def _json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode()


def timestamp_expiry(data: bytes):
    """When the certificate of the file's last document timestamp expires (None if it has none)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    signatures = [
        s
        for s in PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
        if s.sig_object_type == "/DocTimeStamp"
    ]
    if not signatures:
        return None
    return signatures[-1].signer_cert.not_valid_after


def _audit_extract(document: Document) -> list[dict]:
    from app.auditors.bundle import document_entries, entry_json

    return [entry_json(entry) for entry in document_entries(document)]


def _stored_reports(document: Document) -> list[dict]:
    from app.signing.models import SignatureReport

    reports = db.session.scalars(
        select(SignatureReport).where(SignatureReport.document_id == document.id).order_by(SignatureReport.id)
    )
    return [
        {
            "file": r.attachment.filename if r.attachment else None,
            "sha256": r.sha256,
            "direction": r.direction,
            "status": r.status,
            "checked_at": format_datetime(r.checked_at),
            "signatures": r.signatures,
        }
        for r in reports
    ]


def _step_texts(document: Document) -> list[str]:
    """The texts people wrote in the route's steps (the answer drafted, observations), from the audit log, so
    search finds a document by its answer too. Identity numbers are left out."""
    from app.audit.log import TASK_COMPLETED

    texts = []
    for entry in _audit_extract(document):
        submitted = (entry["data"] or {}).get("submitted") if entry["action"] == TASK_COMPLETED else None
        if isinstance(submitted, dict):
            texts += [
                value
                for key, value in submitted.items()
                if isinstance(value, str) and len(value) > 3 and "cnp" not in key.lower()
            ]
    return texts


def build_card(
    document: Document, archive_file: ArchiveFile, items: list[ArchiveItem], checks: list[dict]
) -> dict:
    """The record card of Law 135/2007 art. 8: owner, issuer, rights holder, history, type, classification,
    format, keywords, location, unique identifier, issue date, archiving date, retention."""
    file_class = archive_file.file_class
    institution = document.institution
    answer = document.answer()
    return {
        "identificator_unic": None,  # set to the record's public id by the caller
        "numar_inregistrare": document.registration_label,
        "titlu": document.subject,
        "detinator": institution.name,
        "emitent": institution.name if document.direction == "iesire" or answer else document.sender_name,
        "titular_drepturi": institution.name,
        "tip_document": document.document_type.name_ro,
        "compartiment": document.department.name if document.department else None,
        "clasa_nomenclator": file_class.code,
        "denumire_clasa": file_class.name,
        "dosar": archive_file.label,
        "nivel_clasificare": "nesecret",
        "formate": sorted({i.content_type for i in items}),
        "cuvinte_cheie": sorted(
            {
                w
                for w in (document.document_type.name_ro + " " + file_class.name).lower().split()
                if len(w) > 3
            }
        ),
        "localizare": [{"fisier": i.filename, "sha256": i.sha256, "tip": i.kind} for i in items],
        "data_emiterii": format_date(document.registered_at or document.created_at),
        "data_inchiderii": format_date(document.closed_at),
        "data_arhivarii": format_date(now_utc()),
        "termen_pastrare": retention_label(file_class.retention_years),
        "pastrare_pana_la": format_date(archive_file.retention_until)
        if archive_file.retention_until
        else None,
        "istoric": [
            {"data": e["at"], "actiune": e["action"], "autor": e["actor_name"]}
            for e in _audit_extract(document)
        ],
        "verificare_semnaturi": checks,
        "solutionare": document.resolution,
        "stare": document.status,
    }


def archive_document(document: Document) -> ArchiveRecord:
    """Freeze a closed document into the archive (idempotent: an archived document returns its record)."""
    existing = record_for(document)
    if existing is not None:
        return existing
    if document.status not in DocumentStatus.CLOSED:
        raise ArchiveError(
            _l("Documentul nu este închis: se arhivează numai documentele soluționate sau clasate.")
        )
    from app.signing.archive import make_archive_ready, validate_offline
    from app.signing.validation import signature_count

    store = current_store()
    source = documents_store()
    file_class = class_for(document)
    year = document.registration_year or to_local(document.closed_at or now_utc()).year
    archive_file = file_for(file_class, year)
    if archive_file.status == FileStatus.DESTROYED:
        raise ArchiveError(
            _l("Dosarul %(label)s a fost eliminat; nu mai primește documente.", label=archive_file.label)
        )

    items: list[ArchiveItem] = []
    checks: list[dict] = []
    for attachment in document.attachments:
        data = source.get(attachment.sha256)
        items.append(
            _stored_item(store, ItemKind.ORIGINAL, attachment.filename, attachment.content_type, data)
        )
        if attachment.content_type == "application/pdf" and signature_count(data):
            # Law 135/2007: the signature is checked before archiving; B-LTA keeps it checkable offline.
            lta = make_archive_ready(data)
            report = validate_offline(lta)
            stem = attachment.filename.rsplit(".", 1)[0]
            items.append(
                _stored_item(
                    store,
                    ItemKind.LTA,
                    f"{stem}-arhiva-blta.pdf",
                    "application/pdf",
                    lta,
                    timestamp_expires_at=timestamp_expiry(lta),
                )
            )
            checks.append({"fisier": attachment.filename, "stare": report["status"], "raport": report})
    validation = {"la_arhivare": checks, "rapoarte_anterioare": _stored_reports(document)}
    items.append(
        _stored_item(
            store, ItemKind.VALIDATION, "rapoarte-validare.json", "application/json", _json_bytes(validation)
        )
    )
    items.append(
        _stored_item(
            store,
            ItemKind.AUDIT,
            "extras-audit.json",
            "application/json",
            _json_bytes(_audit_extract(document)),
        )
    )
    # The record is written once, complete (the table is insert-only): its public id is chosen here.
    public_id = uuid.uuid4().hex
    card = build_card(
        document, archive_file, items, [{"fisier": c["fisier"], "stare": c["stare"]} for c in checks]
    )
    card["identificator_unic"] = public_id
    items.append(
        _stored_item(store, ItemKind.CARD, "fisa-arhivare.json", "application/json", _json_bytes(card))
    )
    record = ArchiveRecord(
        public_id=public_id,
        document_id=document.id,
        archive_file_id=archive_file.id,
        institution_id=document.institution_id,
        registration_label=document.registration_label or f"nr-{document.public_id[:8]}",
        title=document.subject[:300],
        card=card,
        search_text=" ".join(
            part
            for part in (
                document.registration_label,
                document.subject,
                document.content or "",
                document.resolution or "",
                document.document_type.name_ro,
                file_class.name,
                document.sender_name,
                *_step_texts(document),
            )
            if part
        ),
    )
    db.session.add(record)
    db.session.flush()
    for item in items:
        item.record_id = record.id
        db.session.add(item)
    db.session.flush()
    audit_record(
        ARCHIVED,
        document=document,
        target=record.public_id,
        data={"file": archive_file.label, "items": [i.sha256 for i in items]},
    )
    return record


def pending_documents(limit: int = 50) -> list[int]:
    """Closed documents not archived yet."""
    return list(
        db.session.scalars(
            select(Document.id)
            .where(
                Document.status.in_(DocumentStatus.CLOSED),
                ~select(ArchiveRecord.id).where(ArchiveRecord.document_id == Document.id).exists(),
            )
            .order_by(Document.id)
            .limit(limit)
        )
    )


def archive_pending(limit: int = 50) -> tuple[int, list[str]]:
    """Archive every closed document not archived yet, each in its own transaction; a failure is logged and
    retried at the next run (nothing half-done is kept). Returns (archived, errors)."""
    done, errors = 0, []
    for document_id in pending_documents(limit):
        try:
            document = db.session.get(Document, document_id)
            archive_document(document)
            db.session.commit()
            done += 1
        except Exception as exc:  # one document's failure must not stop the others
            db.session.rollback()
            log.exception("archiving document %s failed", document_id)
            errors.append(f"{document_id}: {exc}")
    return done, errors

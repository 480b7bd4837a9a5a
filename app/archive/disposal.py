"""Disposal (Law 16/1996): the archivist proposes files whose retention has expired; the proposal is a document on
the `eliminare-arhiva` route; when the selection committee approves it, the route's closing step calls
`on_document_closed`, which re-checks every file (a legal hold placed meanwhile stops it), draws up the destruction
report, e-seals it, attaches it to the proposal, records what is destroyed (insert-only, forever) and deletes the
files' blobs once the transaction has committed (a rollback deletes nothing)."""

import io
import logging
from xml.sax.saxutils import escape

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.archive.models import (
    ArchiveFile,
    ArchiveItem,
    ArchiveRecord,
    Destruction,
    Disposal,
    DisposalStatus,
    FileStatus,
)
from app.archive.records import ArchiveError, retention_label
from app.archive.retention import disposal_problem
from app.audit import record as audit_record
from app.dates import format_date, format_datetime, now_utc
from app.extensions import db
from app.registry.models import Attachment, DocumentStatus, DocumentType

log = logging.getLogger(__name__)

DISPOSAL_TYPE = "eliminare-arhiva"
REPORT_KIND = "proces_verbal"
PROPOSED = "archive_disposal_proposed"
DESTROYED = "archive_destroyed"
_PENDING_DELETIONS = "archive_blob_deletions"


def pending_disposal_file_ids(institution_id: int) -> set[int]:
    ids: set[int] = set()
    for file_ids in db.session.scalars(
        select(Disposal.file_ids).where(
            Disposal.institution_id == institution_id, Disposal.status == DisposalStatus.PROPOSED
        )
    ):
        ids.update(file_ids)
    return ids


def propose_disposal(user, institution, file_ids: list[int], reason: str):
    """Start the disposal route for these files. Every file is checked first; any problem refuses the whole
    proposal (ArchiveError listing each problem) and nothing is written."""
    from app.intake.submission import submit

    if not file_ids:
        raise ArchiveError(_l("Alegeți cel puțin un dosar."))
    files = db.session.scalars(select(ArchiveFile).where(ArchiveFile.id.in_(file_ids))).all()
    if len(files) != len(set(file_ids)):
        raise ArchiveError(_l("Unul dintre dosare nu există."))
    problems = [p for p in (disposal_problem(f, institution.id) for f in files) if p]
    already = pending_disposal_file_ids(institution.id) & {f.id for f in files}
    problems += [
        _l("Dosarul %(label)s este deja într-o propunere de eliminare în curs.", label=f.label)
        for f in files
        if f.id in already
    ]
    if problems:
        raise ArchiveError(" ".join(str(p) for p in problems))
    labels = ", ".join(f.label for f in files)
    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.code == DISPOSAL_TYPE))
    if doc_type is None:
        raise ArchiveError(_l("Traseul de eliminare nu este publicat."))
    content = f"Dosare propuse: {labels}. " + (reason or "Termenul de păstrare a expirat.").strip()
    document = submit(
        user,
        institution,
        doc_type,
        {"subiect": f"Propunere de eliminare: {labels}"[:200], "continut": content[:20000]},
        {},
        channel="institutie",
    )
    disposal = Disposal(
        document_id=document.id,
        institution_id=institution.id,
        file_ids=sorted(f.id for f in files),
        status=DisposalStatus.PROPOSED,
        proposed_by_id=user.id,
    )
    db.session.add(disposal)
    audit_record(PROPOSED, actor=user, document=document, data={"files": [f.label for f in files]})
    return document


def on_document_closed(document, actor) -> None:
    """Called by the route helper `close_document` for every document; acts only on disposal proposals."""
    disposal = db.session.scalar(select(Disposal).where(Disposal.document_id == document.id))
    if disposal is None or disposal.status != DisposalStatus.PROPOSED:
        return
    disposal.decided_at = now_utc()
    if document.status != DocumentStatus.RESOLVED:
        disposal.status = DisposalStatus.REJECTED
        return
    execute_disposal(disposal, actor)


def execute_disposal(disposal: Disposal, actor) -> None:
    from app.workflow.runtime import RouteError

    files = db.session.scalars(select(ArchiveFile).where(ArchiveFile.id.in_(disposal.file_ids))).all()
    problems = [p for p in (disposal_problem(f, disposal.institution_id) for f in files) if p]
    if problems:
        # Raised inside the committee's step: the step is refused with this message and nothing changes.
        raise RouteError(
            str(_l("Eliminarea nu se poate face: %(why)s", why=" ".join(str(p) for p in problems)))
        )
    descriptions = [_describe(f) for f in files]
    report = _destruction_report(disposal, descriptions, actor)
    sealed = _seal(report, disposal.document)
    from app.archive.records import documents_store

    sha256 = documents_store().put(sealed)  # the report is a file of the proposal document
    db.session.add(
        Attachment(
            document_id=disposal.document_id,
            kind=REPORT_KIND,
            filename="proces-verbal-eliminare.pdf",
            content_type="application/pdf",
            size=len(sealed),
            sha256=sha256,
            uploaded_by_id=actor.id if actor is not None else None,
        )
    )
    disposal.report_sha256 = sha256
    disposal.status = DisposalStatus.EXECUTED
    destroyed_ids = {f.id for f in files}
    blobs: set[str] = set()
    for archive_file, description in zip(files, descriptions, strict=True):
        db.session.add(
            Destruction(
                disposal_id=disposal.id,
                archive_file_id=archive_file.id,
                description=description,
                report_sha256=sha256,
                approved_by_id=actor.id if actor is not None else None,
            )
        )
        archive_file.status = FileStatus.DESTROYED
        blobs.update(i["sha256"] for r in description["inregistrari"] for i in r["fisiere"])
    # A blob another (kept) record still uses is not deleted: content addressing shares identical files.
    kept = set(
        db.session.scalars(
            select(ArchiveItem.sha256)
            .join(ArchiveRecord, ArchiveRecord.id == ArchiveItem.record_id)
            .where(ArchiveItem.sha256.in_(blobs), ArchiveRecord.archive_file_id.not_in(destroyed_ids))
        )
    )
    kept |= set(
        db.session.scalars(
            select(Attachment.sha256).where(
                Attachment.sha256.in_(blobs),
                ~select(ArchiveRecord.id)
                .where(
                    ArchiveRecord.document_id == Attachment.document_id,
                    ArchiveRecord.archive_file_id.in_(destroyed_ids),
                )
                .exists(),
            )
        )
    )
    db.session.info.setdefault(_PENDING_DELETIONS, set()).update(blobs - kept)
    audit_record(
        DESTROYED,
        actor=actor,
        document=disposal.document,
        data={"files": [d["dosar"] for d in descriptions], "report": sha256, "blobs": sorted(blobs - kept)},
    )


def _describe(archive_file: ArchiveFile) -> dict:
    return {
        "dosar": archive_file.label,
        "clasa": archive_file.file_class.code,
        "denumire": archive_file.file_class.name,
        "an": archive_file.year,
        "termen_pastrare": retention_label(archive_file.file_class.retention_years),
        "pastrare_pana_la": format_date(archive_file.retention_until),
        "inregistrari": [
            {
                "identificator": r.public_id,
                "numar": r.registration_label,
                "titlu": r.title,
                "arhivat_la": format_datetime(r.archived_at),
                "fisiere": [{"nume": i.filename, "sha256": i.sha256, "marime": i.size} for i in r.items],
            }
            for r in archive_file.records
        ],
    }


def _destruction_report(disposal: Disposal, descriptions: list[dict], actor) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from app.pdf import register_fonts

    regular, bold = register_fonts(current_app.config["FONT_DIR"])
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
    heading = ParagraphStyle("heading", fontName=bold, fontSize=14, leading=18)
    document = disposal.document
    story = [
        Paragraph("Proces-verbal de eliminare a documentelor", heading),
        Paragraph(escape(f"{document.institution.name} · nr. {document.registration_label}"), body),
        Spacer(1, 8),
        Paragraph(
            "Comisia de selecționare a aprobat eliminarea dosarelor de mai jos, al căror termen de păstrare a expirat "
            "(Legea nr. 16/1996). Evidența documentelor eliminate se păstrează permanent.",
            body,
        ),
        Paragraph(
            escape(f"Aprobat de: {actor.full_name if actor else '—'} la {format_datetime(now_utc())}"), body
        ),
        Spacer(1, 8),
    ]
    total = 0
    for d in descriptions:
        total += len(d["inregistrari"])
        story.append(
            Paragraph(
                escape(
                    f"Dosar {d['dosar']} – {d['denumire']} (an {d['an']}, păstrare {d['termen_pastrare']}, "
                    f"expirat la {d['pastrare_pana_la']}): {len(d['inregistrari'])} documente"
                ),
                body,
            )
        )
        for r in d["inregistrari"]:
            story.append(
                Paragraph(f"&nbsp;&nbsp;• {escape(str(r['numar']))} – {escape(r['titlu'] or '')}", body)
            )
    story += [Spacer(1, 8), Paragraph(f"Total: {len(descriptions)} dosare, {total} documente.", body)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title="Proces-verbal de eliminare").build(story)
    return buffer.getvalue()


def _seal(pdf: bytes, document) -> bytes:
    """The institution's e-seal on the report (PAdES B-T); without a seal the report is kept unsealed and the
    destruction is refused: the law asks for a signed report."""
    from app.signing.citizen import seal
    from app.workflow.runtime import RouteError

    try:
        return seal(pdf, document, "Proces-verbal de eliminare a documentelor")
    except Exception as exc:
        raise RouteError(
            str(_l("Procesul-verbal de eliminare nu a putut fi sigilat: %(err)s", err=exc))
        ) from exc


def destroyed_count(institution_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(Destruction.id))
            .join(Disposal, Disposal.id == Destruction.disposal_id)
            .where(Disposal.institution_id == institution_id)
        )
        or 0
    )


def _delete_blobs(session: Session) -> None:
    pending = session.info.pop(_PENDING_DELETIONS, None)
    if not pending:
        return
    from app.archive.records import documents_store
    from app.storage import current_store

    stores = [current_store()]
    documents = documents_store()
    if documents.location("0" * 64) != stores[0].location("0" * 64):
        stores.append(documents)  # the archive on object storage, the working files elsewhere: both go
    for sha256 in sorted(pending):
        for store in stores:
            try:
                store.delete(sha256)
            except Exception:  # the destruction is recorded; a blob left behind shows in backups' listings
                log.exception("could not delete destroyed blob %s", sha256)


def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING_DELETIONS, None)


_installed = False


def install_session_hooks() -> None:
    global _installed
    if not _installed:
        event.listen(Session, "after_commit", _delete_blobs)
        event.listen(Session, "after_soft_rollback", _forget)
        _installed = True

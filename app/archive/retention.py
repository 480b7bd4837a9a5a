"""Retention (Law 16/1996): closing files, legal holds, the files whose retention has expired, and the yearly
inventory of a department's files (PDF)."""

import io
from datetime import date
from xml.sax.saxutils import escape

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.archive.models import ArchiveFile, FileClass, FileStatus
from app.archive.records import ArchiveError, retention_label
from app.audit import record as audit_record
from app.dates import format_date, now_utc, to_local
from app.extensions import db
from app.registry.models import Document, DocumentStatus

FILE_CLOSED = "archive_file_closed"
LEGAL_HOLD = "archive_legal_hold"
LEGAL_HOLD_LIFTED = "archive_legal_hold_lifted"


def today() -> date:
    return to_local(now_utc()).date()


def close_file(archive_file: ArchiveFile, actor) -> None:
    """Close a file (it becomes exportable). Refused for the current year (documents still arrive) and while
    closed documents of its class and year still wait to be archived."""
    from app.archive.models import ArchiveRecord, ClassMapping

    if archive_file.status != FileStatus.OPEN:
        raise ArchiveError(_l("Dosarul %(label)s nu este deschis.", label=archive_file.label))
    if archive_file.year >= today().year:
        raise ArchiveError(
            _l(
                "Dosarul %(label)s se poate închide numai după încheierea anului %(year)s.",
                label=archive_file.label,
                year=archive_file.year,
            )
        )
    type_ids = select(ClassMapping.document_type_id).where(
        ClassMapping.file_class_id == archive_file.file_class_id
    )
    waiting = db.session.scalar(
        select(Document.id)
        .where(
            Document.institution_id == archive_file.institution_id,
            Document.document_type_id.in_(type_ids),
            Document.registration_year == archive_file.year,
            Document.status.in_(DocumentStatus.CLOSED),
            ~select(ArchiveRecord.id).where(ArchiveRecord.document_id == Document.id).exists(),
        )
        .limit(1)
    )
    if waiting is not None:
        raise ArchiveError(
            _l(
                "Dosarul %(label)s are documente închise încă nearhivate; reîncercați după arhivare.",
                label=archive_file.label,
            )
        )
    archive_file.status = FileStatus.CLOSED
    archive_file.closed_at = now_utc()
    audit_record(
        FILE_CLOSED, actor=actor, institution_id=archive_file.institution_id, target=archive_file.label
    )


def set_legal_hold(archive_file: ArchiveFile, reason: str, actor) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ArchiveError(_l("Indicați motivul reținerii (de exemplu dosarul instanței)."))
    if archive_file.status == FileStatus.DESTROYED:
        raise ArchiveError(_l("Dosarul %(label)s a fost eliminat.", label=archive_file.label))
    archive_file.legal_hold_reason = reason[:1000]
    archive_file.legal_hold_at = now_utc()
    audit_record(
        LEGAL_HOLD,
        actor=actor,
        institution_id=archive_file.institution_id,
        target=archive_file.label,
        data={"reason": archive_file.legal_hold_reason},
    )


def lift_legal_hold(archive_file: ArchiveFile, actor) -> None:
    if not archive_file.on_hold:
        raise ArchiveError(_l("Dosarul %(label)s nu este reținut.", label=archive_file.label))
    audit_record(
        LEGAL_HOLD_LIFTED,
        actor=actor,
        institution_id=archive_file.institution_id,
        target=archive_file.label,
        data={"reason": archive_file.legal_hold_reason},
    )
    archive_file.legal_hold_reason = None
    archive_file.legal_hold_at = None


def disposal_problem(archive_file: ArchiveFile, institution_id: int):
    """Why this file may not be destroyed now (None: it may)."""
    label = archive_file.label
    if archive_file.institution_id != institution_id:
        return _l("Dosarul %(label)s nu aparține instituției.", label=label)
    if archive_file.status == FileStatus.DESTROYED:
        return _l("Dosarul %(label)s a fost deja eliminat.", label=label)
    if archive_file.status != FileStatus.CLOSED:
        return _l("Dosarul %(label)s nu este închis.", label=label)
    if archive_file.on_hold:
        return _l(
            "Dosarul %(label)s este reținut (%(reason)s): nu poate fi eliminat.",
            label=label,
            reason=archive_file.legal_hold_reason,
        )
    if archive_file.retention_until is None:
        return _l("Dosarul %(label)s se păstrează permanent: nu poate fi eliminat.", label=label)
    if archive_file.retention_until > today():
        return _l(
            "Termenul de păstrare al dosarului %(label)s expiră la %(date)s: nu poate fi eliminat înainte.",
            label=label,
            date=format_date(archive_file.retention_until),
        )
    return None


def expired_files(institution_id: int) -> list[ArchiveFile]:
    """Closed files whose retention has run out (held ones included, marked: the archivist sees why they stay)."""
    return list(
        db.session.scalars(
            select(ArchiveFile)
            .where(
                ArchiveFile.institution_id == institution_id,
                ArchiveFile.status == FileStatus.CLOSED,
                ArchiveFile.retention_until.is_not(None),
                ArchiveFile.retention_until <= today(),
            )
            .order_by(ArchiveFile.year, ArchiveFile.id)
        )
    )


def inventory_files(institution_id: int, department_id: int | None, year: int) -> list[ArchiveFile]:
    return list(
        db.session.scalars(
            select(ArchiveFile)
            .join(FileClass, FileClass.id == ArchiveFile.file_class_id)
            .where(
                ArchiveFile.institution_id == institution_id,
                ArchiveFile.year == year,
                FileClass.department_id.is_(None)
                if department_id is None
                else FileClass.department_id == department_id,
            )
            .order_by(FileClass.code)
        )
    )


def inventory_pdf(institution, department, year: int, files: list[ArchiveFile]) -> bytes:
    """The yearly inventory of a department's files: class, title, dates, records, retention, status."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from app.pdf import register_fonts

    regular, bold = register_fonts(current_app.config["FONT_DIR"])
    body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=11)
    title = ParagraphStyle("title", fontName=bold, fontSize=14, leading=18)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=f"Inventar {year}")
    status_names = {FileStatus.OPEN: "deschis", FileStatus.CLOSED: "închis", FileStatus.DESTROYED: "eliminat"}
    rows = [["Nr.", "Indicativ", "Conținutul dosarului", "An", "Documente", "Păstrare", "Stare"]]
    for number, archive_file in enumerate(files, 1):
        rows.append(
            [
                str(number),
                archive_file.file_class.code,
                Paragraph(escape(archive_file.file_class.name), body),  # names are user text, never markup
                str(archive_file.year),
                str(len(archive_file.records)),
                retention_label(archive_file.file_class.retention_years),
                status_names.get(archive_file.status, archive_file.status)
                + (" (reținut)" if archive_file.on_hold else ""),
            ]
        )
    table = Table(rows, colWidths=[30, 70, 330, 40, 70, 80, 90], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), regular),
                ("FONTNAME", (0, 0), (-1, 0), bold),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    department_name = department.name if department is not None else "Toată instituția"
    story = [
        Paragraph(f"Inventarul dosarelor pe anul {year}", title),
        Paragraph(escape(f"{institution.name} · {department_name}"), body),
        Paragraph(f"Întocmit la {format_date(now_utc())} (Legea nr. 16/1996)", body),
        Spacer(1, 10),
        table if files else Paragraph("Nu există dosare pentru acest an.", body),
    ]
    doc.build(story)
    return buffer.getvalue()

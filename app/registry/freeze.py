"""The day's register frozen as a PDF after midnight (good practice: the day's register is closed and archived by
the next working day). `freeze_day` renders every entry of an institution's local day with the art. 9 columns,
stores the PDF by sha256 and records a RegisterDay; from then on nothing can be registered with that date
(numbering.register refuses it). An APScheduler job freezes yesterday for every institution; `flask registry
freeze-day` does it by hand."""

import io
from datetime import date, datetime, time, timedelta
from xml.sax.saxutils import escape

from flask import Flask, current_app
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select, text

from app.audit import record
from app.dates import as_utc, format_date, format_datetime, local_zone, now_utc, to_local
from app.extensions import db
from app.identity.models import Institution
from app.pdf import register_fonts
from app.registry.models import (
    Direction,
    Document,
    DocumentAnnulment,
    RegisterDay,
    RegistrationCounter,
    RegistryError,
)
from app.registry.numbering import dialect_insert, frozen_day
from app.storage import current_store

DAY_FROZEN = "registry_day_frozen"  # audit action
FREEZE_LOCK_KEY = 727_004  # advisory lock: one scheduler tick freezes at a time across workers

DIRECTION_LABELS = {Direction.INCOMING: "intrare", Direction.OUTGOING: "ieșire", Direction.INTERNAL: "intern"}

# The art. 9 columns (1996 National Archives instructions), with their widths in mm on landscape A4.
COLUMNS = [
    ("Nr. și data înregistrării", 27),
    ("Nr. și data la expeditor", 24),
    ("File / anexe", 13),
    ("Expeditor", 32),
    ("Conținutul pe scurt", 48),
    ("Compartimentul", 28),
    ("Data expedierii", 18),
    ("Mod de soluționare", 30),
    ("Destinatar", 26),
    ("Nr. conexat", 15),
    ("Indicativ dosar", 16),
]  # 277 mm: landscape A4 less the margins


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local day as naive UTC bounds (how registered_at is stored)."""
    start = as_utc(datetime.combine(day, time(0), tzinfo=local_zone()))
    end = as_utc(datetime.combine(day + timedelta(days=1), time(0), tzinfo=local_zone()))
    return start.replace(tzinfo=None), end.replace(tzinfo=None)


def day_entries(institution_id: int, day: date) -> list[Document]:
    start, end = day_bounds(day)
    return list(
        db.session.scalars(
            select(Document)
            .where(
                Document.institution_id == institution_id,
                Document.registration_number.is_not(None),
                Document.registered_at >= start,
                Document.registered_at < end,
            )
            .order_by(Document.registration_number)
        )
    )


def _cell(value: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(value or "").replace("\n", "<br/>"), style)


def entry_row(document: Document, annulment: DocumentAnnulment | None) -> list[str]:
    reference = " / ".join(
        x for x in (document.sender_reference, format_date(document.sender_reference_date)) if x
    )
    counts = f"{document.page_count if document.page_count is not None else '—'} / " + (
        f"{document.annex_count}" if document.annex_count is not None else "—"
    )
    subject = document.subject
    if annulment is not None:
        subject = f"ANULAT ({format_datetime(annulment.annulled_at)}, {annulment.operator.full_name}): " + (
            f"{annulment.reason}\n{subject}"
        )
    linked = document.linked_document.registration_label if document.linked_document_id else ""
    return [
        f"{document.registration_label}\n{DIRECTION_LABELS.get(document.direction, document.direction)}"
        + (
            f" · {document.register.name}"
            if document.register and document.register.code != "general"
            else ""
        ),
        reference,
        counts,
        document.sender_name,
        subject,
        document.department.name if document.department else "",
        format_date(document.dispatched_at),
        document.resolution or "",
        document.recipient or "",
        linked,
        document.file_code or "",
    ]


def render_register_pdf(
    institution: Institution, day: date, entries: list[Document], frozen_at: datetime
) -> bytes:
    regular, bold = register_fonts(current_app.config["FONT_DIR"])
    annulments = (
        {
            a.document_id: a
            for a in db.session.scalars(
                select(DocumentAnnulment).where(DocumentAnnulment.document_id.in_([d.id for d in entries]))
            )
        }
        if entries
        else {}
    )
    cell = ParagraphStyle("cell", fontName=regular, fontSize=7.5, leading=9)
    head = ParagraphStyle("head", parent=cell, fontName=bold)
    title = ParagraphStyle("title", fontName=bold, fontSize=13, leading=17)
    small = ParagraphStyle("small", fontName=regular, fontSize=8.5, leading=11)
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=f"Registrul de intrare-ieșire {format_date(day)}",
        author=institution.name,
        lang="ro-RO",
    )
    rows = [[_cell(name, head) for name, _width in COLUMNS]]
    for document in entries:
        rows.append([_cell(v, cell) for v in entry_row(document, annulments.get(document.id))])
    if not entries:
        rows.append([_cell("Nicio înregistrare în această zi.", cell)] + [""] * (len(COLUMNS) - 1))
    table = Table(rows, colWidths=[w * mm for _name, w in COLUMNS], repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#777777")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6ecf3")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    if not entries:
        style.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(TableStyle(style))

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.drawString(
            10 * mm,
            7 * mm,
            f"{institution.name} · registrul zilei {format_date(day)} · închis la {format_datetime(frozen_at)}",
        )
        canvas.drawRightString(landscape(A4)[0] - 10 * mm, 7 * mm, f"Pagina {doc.page}")
        canvas.restoreState()

    story = [
        Paragraph(escape(f"{institution.name}: registrul de intrare-ieșire"), title),
        Paragraph(
            escape(
                f"Ziua {format_date(day)} · {len(entries)} înregistrări · închis (înghețat) la "
                f"{format_datetime(frozen_at)}"
            ),
            small,
        ),
        Spacer(1, 4 * mm),
        table,
    ]
    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _lock_counter(institution_id: int, year: int) -> None:
    """Registrations hold the counter row until they commit: taking it here waits for those in flight (they are
    in the PDF) and makes later ones see the frozen day (numbering.register checks again after its number)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    db.session.execute(
        dialect_insert(RegistrationCounter)
        .values(institution_id=institution_id, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["institution_id", "year"])
    )
    db.session.execute(
        select(RegistrationCounter.last_number)
        .where(RegistrationCounter.institution_id == institution_id, RegistrationCounter.year == year)
        .with_for_update()
    )


def freeze_day(institution: Institution, day: date, now: datetime | None = None) -> RegisterDay:
    """Freeze the institution's register for a past local day; freezing it again returns the first freeze."""
    now = as_utc(now or now_utc())
    if day >= to_local(now).date():
        raise RegistryError(
            _(
                "Ziua %(day)s nu s-a încheiat: se poate închide doar registrul unei zile trecute.",
                day=format_date(day),
            )
        )
    existing = frozen_day(institution.id, day)
    if existing is not None:
        return existing
    _lock_counter(institution.id, day.year)
    existing = frozen_day(institution.id, day)  # frozen by someone else while we waited for the lock
    if existing is not None:
        return existing
    entries = day_entries(institution.id, day)
    pdf = render_register_pdf(institution, day, entries, now)
    sha256 = current_store().put(pdf)
    frozen = RegisterDay(
        institution_id=institution.id, day=day, frozen_at=now, entry_count=len(entries), pdf_sha256=sha256
    )
    db.session.add(frozen)
    record(
        DAY_FROZEN,
        institution_id=institution.id,
        target=format_date(day),
        data={"day": day.isoformat(), "entries": len(entries), "sha256": sha256},
        at=now,
    )
    db.session.flush()
    return frozen


def freeze_all(day: date, now: datetime | None = None) -> list[RegisterDay]:
    """Freeze `day` for every institution, each in its own transaction (one failing does not stop the others)."""
    frozen = []
    for institution_id in db.session.scalars(select(Institution.id).order_by(Institution.id)).all():
        try:
            frozen.append(freeze_day(db.session.get(Institution, institution_id), day, now))
            db.session.commit()
        except Exception:
            db.session.rollback()
            current_app.logger.exception(
                "freezing the register of institution %s for %s failed", institution_id, day
            )
    return frozen


CATCH_UP_DAYS = 7


def freeze_past_days(days: int = CATCH_UP_DAYS) -> int:
    """Yesterday and the days before it (a scheduler that was down catches up); frozen days are skipped."""
    today = to_local(now_utc()).date()
    return sum(len(freeze_all(today - timedelta(days=n))) for n in range(days, 0, -1))


def freeze_yesterday(app: Flask) -> int:
    """Scheduler job: the past days' registers for every institution, once across workers (advisory lock)."""
    with app.app_context():
        try:
            if db.engine.dialect.name != "postgresql":
                return freeze_past_days()
            with db.engine.connect() as conn:
                if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": FREEZE_LOCK_KEY}).scalar():
                    return 0
                try:
                    return freeze_past_days()
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": FREEZE_LOCK_KEY})
                    conn.commit()
        finally:
            db.session.remove()


def add_freeze_job(scheduler, app: Flask) -> None:
    """Daily at 00:15 local time, plus hourly catch-up (a worker down at 00:15 must not skip a day; freezing is
    idempotent, so an already frozen day costs one query per institution)."""
    zone = app.config["TIMEZONE"]
    scheduler.add_job(
        freeze_yesterday,
        "cron",
        hour=0,
        minute=15,
        timezone=zone,
        args=[app],
        id="freeze-register-day",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        freeze_yesterday,
        "cron",
        minute=45,
        timezone=zone,
        args=[app],
        id="freeze-register-day-catch-up",
        max_instances=1,
        coalesce=True,
    )

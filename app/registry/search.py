"""Searching the register (number, date range, sender, subject, status, department, register, direction) and its
CSV export.

The CSV is for Excel as set up in Romania: UTF-8 with a byte order mark (so diacritics open right) and `;` as the
separator (the Romanian list separator, since `,` is the decimal mark). Cells that start like a formula are
prefixed with an apostrophe, so a sender named "=HYPERLINK(...)" stays text."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from app.dates import format_date
from app.extensions import db
from app.identity.models import User
from app.labels import STATUS_LABELS
from app.registry import text_search
from app.registry.access import staff_documents_query
from app.registry.freeze import DIRECTION_LABELS, day_bounds
from app.registry.models import Attachment, Document, DocumentAnnulment, DocumentStatus

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000


@dataclass
class RegisterFilter:
    number: int | None = None
    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    sender: str = ""
    subject: str = ""
    status: str = ""
    department_id: int | None = None
    register_id: int | None = None
    direction: str = ""
    errors: list[str] = field(default_factory=list)

    def args(self) -> dict:
        """The filter as query-string arguments (for paging and the export link)."""
        values = {
            "numar": f"{self.number}/{self.year}" if self.number and self.year else self.number,
            "de_la": self.date_from.isoformat() if self.date_from else None,
            "pana_la": self.date_to.isoformat() if self.date_to else None,
            "expeditor": self.sender,
            "subiect": self.subject,
            "stare": self.status,
            "compartiment": self.department_id,
            "registru": self.register_id,
            "directie": self.direction,
        }
        return {k: v for k, v in values.items() if v not in (None, "")}


def _date(value: str) -> date:
    """HTML date inputs send 2026-11-21; people type 21.11.2026."""
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _int(value: str) -> int:
    number = int(value.strip())
    if number < 1:
        raise ValueError(value)
    return number


def parse_filter(args) -> RegisterFilter:
    """Read the search form; a value that cannot be read is left out and named in `errors` (Romanian)."""
    f = RegisterFilter()
    number = (args.get("numar") or "").strip()
    if number:
        head, _slash, tail = number.partition("/")
        try:
            f.number = _int(head)
            if tail:
                # 123/2026 or 123/21.11.2026 (the label as printed)
                f.year = _date(tail).year if "." in tail or "-" in tail else _int(tail)
        except ValueError:
            f.number = f.year = None
            f.errors.append(
                _("Numărul „%(number)s” nu este valid: scrieți de exemplu 123 sau 123/2026.", number=number)
            )
    for key, attr, label in (("de_la", "date_from", _("De la")), ("pana_la", "date_to", _("Până la"))):
        value = (args.get(key) or "").strip()
        if value:
            try:
                setattr(f, attr, _date(value))
            except ValueError:
                f.errors.append(
                    _("%(label)s: data „%(value)s” nu este validă (zz.ll.aaaa).", label=label, value=value)
                )
    if f.date_from and f.date_to and f.date_from > f.date_to:
        f.errors.append(_("Intervalul de date este inversat: „de la” este după „până la”."))
        f.date_from = f.date_to = None
    for key, attr, label in (
        ("expeditor", "sender", _("Expeditor")),
        ("subiect", "subject", _("Conținut pe scurt")),
    ):
        try:
            setattr(f, attr, text_search.check(args.get(key) or "", label))
        except text_search.SearchTextError as exc:
            f.errors.append(str(exc))
    f.status = (args.get("stare") or "").strip()[:20]
    f.direction = (args.get("directie") or "").strip()[:10]
    for key, attr in (("compartiment", "department_id"), ("registru", "register_id")):
        value = (args.get(key) or "").strip()
        if value:
            try:
                setattr(f, attr, _int(value))
            except ValueError:
                f.errors.append(_("Filtru nevalid ignorat."))
    return f


# A text search matching at most this many entries is answered from the matches; more, by walking the register
# newest first (with many matches a page is found after a few hundred entries).
FEW_MATCHES = 5_000


def register_query(user: User, f: RegisterFilter, matches: int | None = None) -> Select:
    """Registered entries the user may see (access.staff_documents_query), filtered; annulled ones included.
    `matches`: how many entries the filter gives, when the caller counted them already (see FEW_MATCHES)."""
    query = staff_documents_query(user).where(Document.registration_number.is_not(None))
    if f.number:
        query = query.where(Document.registration_number == f.number)
    if f.year:
        query = query.where(Document.registration_year == f.year)
    if f.date_from:
        query = query.where(Document.registered_at >= day_bounds(f.date_from)[0])
    if f.date_to:
        query = query.where(Document.registered_at < day_bounds(f.date_to)[1])
    texts = []
    if f.sender:  # any order, any case, with or without diacritics (text_search)
        texts.append(
            text_search.in_fields(f.sender, Document.search_text, text_search.SENDER, text_search.RECIPIENT)
        )
    if f.subject:
        texts.append(text_search.in_fields(f.subject, Document.search_text, text_search.SUBJECT))
    if f.status:
        query = query.where(Document.status == f.status)
    if f.department_id:
        query = query.where(Document.department_id == f.department_id)
    if f.register_id:
        query = query.where(Document.register_id == f.register_id)
    if f.direction:
        query = query.where(Document.direction == f.direction)
    if texts and matches is not None and matches <= FEW_MATCHES:
        # The few matching entries first (trigram indexes), MATERIALIZED so they are found before the order is
        # applied: otherwise PostgreSQL walked the register newest first, testing the text on every entry until it
        # had a page (70,000 entries read for a name found only in another institution).
        matched = (
            query.where(*texts).with_only_columns(Document.id).cte("matched").prefix_with("MATERIALIZED")
        )
        query = select(Document).where(Document.id.in_(select(matched.c.id)))
    elif texts:
        query = query.where(*texts)
    return query.order_by(
        Document.registration_year.desc(), Document.registration_number.desc(), Document.id.desc()
    )


CSV_HEADER = [
    "Nr. înregistrare",
    "Data înregistrării",
    "Registru",
    "Direcție",
    "Nr. la expeditor",
    "Data la expeditor",
    "Nr. file",
    "Nr. anexe",
    "Expeditor",
    "Conținutul pe scurt",
    "Compartiment",
    "Data expedierii",
    "Mod de soluționare",
    "Destinatar",
    "Nr. conexat",
    "Indicativ dosar",
    "Stare",
    "Anulare",
]


def status_label(code: str) -> str:
    return _("Anulat") if code == DocumentStatus.ANNULLED else str(STATUS_LABELS.get(code, code))


def _safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def annex_counts(documents: list[Document]) -> dict[int, int]:
    """Files that came with each document (what the sender attached), for entries where the clerk typed none."""
    ids = [d.id for d in documents if d.annex_count is None]
    if not ids:
        return {}
    rows = db.session.execute(
        select(Attachment.document_id, func.count(Attachment.id))
        .where(Attachment.document_id.in_(ids), Attachment.kind == Attachment.SUBMISSION)
        .group_by(Attachment.document_id)
    )
    return dict(rows.all())


def csv_row(document: Document, annulment: DocumentAnnulment | None, annexes: int | None = None) -> list[str]:
    cancelled = ""
    if annulment is not None:
        cancelled = (
            f"{format_date(annulment.annulled_at)}, {annulment.operator.full_name}: {annulment.reason}"
        )
    return [
        _safe(v)
        for v in (
            f"{document.registration_number}/{document.registration_year}",
            format_date(document.registered_at),
            document.register.name if document.register else "",
            DIRECTION_LABELS.get(document.direction, document.direction),
            document.sender_reference,
            format_date(document.sender_reference_date),
            document.page_count,
            document.annex_count if document.annex_count is not None else annexes or 0,
            document.sender_name,
            document.subject,
            document.department.name if document.department else "",
            format_date(document.dispatched_at),
            document.resolution,
            document.recipient,
            document.linked_document.registration_label if document.linked_document_id else "",
            document.file_code,
            status_label(document.status),
            cancelled,
        )
    ]


def export_csv(documents: list[Document], annulments: dict[int, DocumentAnnulment]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    annexes = annex_counts(documents)
    for document in documents:
        writer.writerow(csv_row(document, annulments.get(document.id), annexes.get(document.id)))
    return ("\ufeff" + out.getvalue()).encode("utf-8")

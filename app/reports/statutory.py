"""The reports the law asks for, per institution and period, as PDF and CSV from one structure:

- petitions (OG 27/2002 art. 15, as amended by Law 233/2002): the public relations compartment reports every six
  months to the head of the institution; the law fixes no form, so the usual content: received (by channel), solved
  within the term, late, extended, forwarded to the competent institution, closed as anonymous, linked, by type of
  issue and by department;
- public information (Law 544/2001 art. 27; norms HG 123/2002 as amended by HG 478/2016): the yearly evaluation
  report in four parts, A. information published ex officio, B. requests (by requester, channel, domain; answered
  favourably, redirected, refused and why; within 10 days, within 30 days, late), C. administrative complaints and
  court cases, D. costs. Parts the platform does not record (A, D, court cases) are marked for the institution to
  fill in, never invented.

Official documents: written in Romanian whatever the interface language. Counted from the register and the
route's history; annulled entries count nowhere. A period that has not begun gives a message and no file."""

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from xml.sax.saxutils import escape

from flask import current_app
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select

from app.dates import as_utc, format_date, format_datetime, local_zone, now_utc, to_local
from app.extensions import db
from app.identity.models import Department, Institution
from app.pdf import ACCENT, markup, register_fonts
from app.registry.models import Direction, Document, DocumentStatus, DocumentType
from app.workflow.models import HistoryEntry, ProcessVersion, WorkflowInstance

PETITIONS = "petitii"
PUBLIC_INFORMATION = "informatii-publice"
KINDS = {PETITIONS: "petitie", PUBLIC_INFORMATION: "informatii-publice"}  # report -> document type code
PERIODS = {"S1": (1, 6), "S2": (7, 12), "an": (1, 12)}
FIRST_YEAR = 2000

CHANNELS = {
    "portal": "electronic (Ghișeul Unic)",
    "api": "electronic (aplicații, API)",
    "institutie": "electronic (de la altă instituție)",
    "email": "electronic (e-mail)",
    "hartie": "hârtie (depus la registratură)",
    "verbal": "verbal",
}
ELECTRONIC = {"portal", "api", "institutie", "email"}
NOT_RECORDED = "nu este înregistrat în platformă: se completează de instituție"


class ReportRefused(ValueError):
    """A period that cannot be reported (not begun, malformed); the message is for the user; nothing is made."""


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""


@dataclass
class Report:
    kind: str
    title: str
    legal_basis: str
    institution: Institution
    start: date
    end: date  # inclusive
    generated_at: datetime
    partial: bool  # the period is still running: figures up to generated_at
    sections: list[Section] = field(default_factory=list)

    @property
    def period_label(self) -> str:
        return f"{format_date(self.start)} – {format_date(self.end)}"

    def filename(self, extension: str) -> str:
        return f"raport-{self.kind}-{self.institution.code}-{self.start.isoformat()}-{self.end.isoformat()}.{extension}"


def period_bounds(kind: str, year_text: str | None, period: str | None, today: date) -> tuple[date, date]:
    """The inclusive local dates of the period asked for. Law 544's report is yearly; the petitions' every six
    months (S1, S2) or for the year."""
    try:
        year = int(str(year_text or "").strip())
    except ValueError:
        raise ReportRefused(_("Scrieți anul raportului, de exemplu %(year)d.", year=today.year)) from None
    if kind == PUBLIC_INFORMATION:
        period = "an"
    period = period or "an"
    if period not in PERIODS:
        raise ReportRefused(_("Alegeți perioada: semestrul I, semestrul II sau anul întreg."))
    if year < FIRST_YEAR or year > 9999:
        raise ReportRefused(_("Anul %(year)d nu este acoperit de platformă.", year=year))
    first_month, last_month = PERIODS[period]
    start = date(year, first_month, 1)
    end = date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)
    end = date.fromordinal(end.toordinal() - 1)
    if start > today:
        raise ReportRefused(
            _(
                "Perioada %(start)s – %(end)s nu a început încă: raportul se poate genera după %(start)s.",
                start=format_date(start),
                end=format_date(end),
            )
        )
    return start, end


def _utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone()).astimezone(UTC)


def _documents(institution: Institution, type_code: str, start: date, end: date) -> list[Document]:
    return list(
        db.session.scalars(
            select(Document)
            .join(DocumentType, DocumentType.id == Document.document_type_id)
            .where(
                Document.institution_id == institution.id,
                DocumentType.code == type_code,
                Document.direction == Direction.INCOMING,
                Document.registration_number.is_not(None),
                Document.status != DocumentStatus.ANNULLED,
                Document.registered_at >= _utc(start),
                Document.registered_at < _utc(date.fromordinal(end.toordinal() + 1)),
            )
            .order_by(Document.registered_at, Document.id)
        )
    )


def _history(documents: list[Document]) -> dict[int, list[HistoryEntry]]:
    found: dict[int, list[HistoryEntry]] = {}
    ids = [d.id for d in documents]
    for chunk in (ids[i : i + 1000] for i in range(0, len(ids), 1000)):
        for entry in db.session.scalars(
            select(HistoryEntry)
            .where(
                HistoryEntry.document_id.in_(chunk),
                HistoryEntry.event.in_(("task_completed", "forwarded", "deadline_changed")),
            )
            .order_by(HistoryEntry.id)
        ):
            found.setdefault(entry.document_id, []).append(entry)
    return found


def _last_value(entries: list[HistoryEntry], key: str):
    value = None
    for entry in entries:
        if entry.event == "task_completed" and isinstance(entry.data, dict) and key in entry.data:
            value = entry.data[key]
    return value


ISSUE_FORM = "petitie-inregistrare.json"  # the clerk chooses the type of issue when registering the petition
UNCLASSIFIED = "neclasificate (tipul problemei nu a fost ales la înregistrare)"


def _categories(schema) -> dict[str, str]:
    try:
        return {item["const"]: item["title"] for item in schema["properties"]["categorie"]["oneOf"]}
    except (KeyError, TypeError):
        return {}


def _issue_labels(documents: list[Document]) -> dict[str, str]:
    """The Romanian titles of the categories offered by the registration form: the report shows the title the clerk
    saw, not the stored value. The form comes with the route versions the documents ran on (the institution's own
    edited copy, newest last), then the shipped file for values those do not name. A value no longer offered (or
    free text from an older route) is shown as stored."""
    version_ids = select(WorkflowInstance.process_version_id).where(
        WorkflowInstance.document_id.in_([d.id for d in documents])
    )
    labels: dict[str, str] = {}
    for forms in db.session.scalars(
        select(ProcessVersion.forms)
        .where(ProcessVersion.id.in_(version_ids))
        .order_by(ProcessVersion.version)
    ):
        labels.update(_categories((forms or {}).get(ISSUE_FORM)))
    try:
        shipped = json.loads((Path(current_app.config["FORMS_DIR"]) / ISSUE_FORM).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        shipped = None
    for value, title in _categories(shipped).items():
        labels.setdefault(value, title)
    return labels


def _department_names(institution: Institution) -> dict[int, str]:
    return {
        d.id: d.name
        for d in db.session.scalars(select(Department).where(Department.institution_id == institution.id))
    }


def _closed_in_term(document: Document) -> bool:
    return document.deadline_at is None or as_utc(document.closed_at) <= as_utc(document.deadline_at)


def _open_late(document: Document, at: datetime) -> bool:
    return document.deadline_at is not None and as_utc(document.deadline_at) < at


def _petition_outcome(document: Document, entries: list[HistoryEntry], at: datetime) -> str:
    if any(e.event == "forwarded" for e in entries):
        return "redirectionata"
    if document.status == DocumentStatus.CLOSED_NO_ACTION:
        return "clasata"
    if document.status in DocumentStatus.CLOSED and document.closed_at is not None:
        return "in_termen" if _closed_in_term(document) else "peste_termen"
    return "deschisa_depasita" if _open_late(document, at) else "deschisa_in_termen"


PETITION_OUTCOMES = {
    "in_termen": "soluționate în termen",
    "peste_termen": "soluționate peste termen",
    "redirectionata": "redirecționate către instituția competentă (art. 6 alin. (2))",
    "clasata": "clasate: anonime sau fără date de identificare (art. 7)",
    "deschisa_in_termen": "în lucru, în termen",
    "deschisa_depasita": "în lucru, cu termenul depășit",
}


def _count_rows(counts: dict, labels: dict | None = None) -> list[list]:
    return [[(labels or {}).get(key, key), value] for key, value in counts.items()]


def petitions_report(institution: Institution, start: date, end: date, now: datetime | None = None) -> Report:
    now = now or now_utc()
    documents = _documents(institution, KINDS[PETITIONS], start, end)
    history = _history(documents)
    departments = _department_names(institution)
    outcomes = dict.fromkeys(PETITION_OUTCOMES, 0)
    channels: dict[str, int] = {}
    by_issue: dict[str, int] = {}
    by_department: dict[str, list[int]] = {}
    extended = linked = 0
    issue_labels = _issue_labels(documents)
    for document in documents:
        entries = history.get(document.id, [])
        outcome = _petition_outcome(document, entries, now)
        outcomes[outcome] += 1
        channels[CHANNELS.get(document.channel, document.channel)] = (
            channels.get(CHANNELS.get(document.channel, document.channel), 0) + 1
        )
        extended += any(e.event == "deadline_changed" for e in entries)
        linked += document.linked_document_id is not None
        issue = _last_value(entries, "categorie") or _last_value(entries, "tip_problema")
        issue = issue_labels.get(str(issue), str(issue)) if issue else UNCLASSIFIED
        by_issue[issue] = by_issue.get(issue, 0) + 1
        name = departments.get(document.department_id, "nerepartizate")
        row = by_department.setdefault(name, [0, 0, 0, 0])
        row[0] += 1
        row[1] += outcome == "in_termen"
        row[2] += outcome in ("peste_termen", "deschisa_depasita")
        row[3] += outcome == "redirectionata"
    report = _report(PETITIONS, institution, start, end, now)
    report.title = "Raport privind activitatea de soluționare a petițiilor"
    report.legal_basis = (
        "OG nr. 27/2002 privind reglementarea activității de soluționare a petițiilor, art. 15 "
        "(raport semestrial al compartimentului de relații cu publicul către conducătorul instituției)"
    )
    report.sections = [
        Section(
            "1. Petiții înregistrate",
            ["Indicator", "Număr"],
            [["petiții înregistrate în perioadă", len(documents)]],
        ),
        Section("2. Pe canal de primire", ["Canal", "Număr"], _count_rows(dict(sorted(channels.items())))),
        Section(
            "3. Modul de soluționare",
            ["Situația", "Număr"],
            [
                *_count_rows(outcomes, PETITION_OUTCOMES),
                ["din care cu termen prelungit (art. 9)", extended],
                ["conexate altor petiții (art. 11)", linked],
            ],
            note="Termenul legal: 30 de zile de la înregistrare, prelungit cu cel mult 15 zile (art. 8, art. 9).",
        ),
        Section(
            "4. Pe tipul problemei", ["Tipul problemei", "Număr"], _count_rows(dict(sorted(by_issue.items())))
        ),
        Section(
            "5. Pe compartiment",
            ["Compartiment", "Primite", "Soluționate în termen", "Peste termen", "Redirecționate"],
            [[name, *values] for name, values in sorted(by_department.items())],
        ),
    ]
    return report


def _request_decision(entries: list[HistoryEntry]) -> str | None:
    return _last_value(entries, "decizie")


def public_information_report(
    institution: Institution, start: date, end: date, now: datetime | None = None
) -> Report:
    now = now or now_utc()
    documents = _documents(institution, KINDS[PUBLIC_INFORMATION], start, end)
    history = _history(documents)
    departments = _department_names(institution)
    persons = companies = electronic = paper = verbal = 0
    favourable = redirected = refused_exempted = refused_missing = open_requests = 0
    within_10 = within_30 = late = 0
    by_domain: dict[str, int] = {}
    for document in documents:
        entries = history.get(document.id, [])
        companies += document.company_id is not None
        persons += document.company_id is None
        channel = document.channel or ""
        electronic += channel in ELECTRONIC
        paper += channel == "hartie"
        verbal += channel == "verbal"
        name = departments.get(document.department_id, "nerepartizate")
        by_domain[name] = by_domain.get(name, 0) + 1
        decision = _request_decision(entries)
        closed = document.status in DocumentStatus.CLOSED and document.closed_at is not None
        if any(e.event == "forwarded" for e in entries):
            redirected += 1
        elif decision == "refuz":
            refused_exempted += 1
        elif decision == "inexistenta":
            refused_missing += 1
        elif closed:
            favourable += 1
        else:
            open_requests += 1
        if closed:
            days = (to_local(document.closed_at).date() - to_local(document.registered_at).date()).days
            in_term = _closed_in_term(document)
            if in_term and days <= 10:
                within_10 += 1
            elif in_term and days <= 30:
                within_30 += 1
            else:
                late += 1
        elif _open_late(document, now):
            late += 1
    report = _report(PUBLIC_INFORMATION, institution, start, end, now)
    report.title = "Raport anual de evaluare a implementării Legii nr. 544/2001"
    report.legal_basis = (
        "Legea nr. 544/2001 privind liberul acces la informațiile de interes public, art. 27; normele metodologice "
        "aprobate prin HG nr. 123/2002, modificate prin HG nr. 478/2016"
    )
    report.sections = [
        Section(
            "A. Informații publicate din oficiu",
            ["Indicator", "Valoare"],
            [["informații publicate din oficiu (art. 5)", NOT_RECORDED]],
        ),
        Section(
            "B. Solicitări de informații de interes public",
            ["Indicator", "Număr"],
            [
                ["solicitări înregistrate", len(documents)],
                ["de la persoane fizice", persons],
                ["de la persoane juridice", companies],
                ["pe suport electronic", electronic],
                ["pe suport de hârtie", paper],
                ["verbal", verbal],
                ["rezolvate favorabil", favourable],
                ["redirecționate către alte instituții", redirected],
                ["respinse: informații exceptate (art. 12)", refused_exempted],
                ["respinse: informații inexistente", refused_missing],
                ["în lucru", open_requests],
                ["răspuns în 10 zile", within_10],
                ["răspuns în 30 de zile (căutare complexă)", within_30],
                ["răspuns peste termen sau termen depășit", late],
            ],
            note="Termene: 10 zile, 30 de zile pentru căutări complexe, refuzul motivat în 5 zile (art. 7).",
        ),
        Section(
            "B.1. Solicitări pe domeniu (compartimentul care a răspuns)",
            ["Domeniu", "Număr"],
            _count_rows(dict(sorted(by_domain.items()))),
        ),
        Section(
            "C. Reclamații administrative și plângeri în instanță",
            ["Indicator", "Valoare"],
            [
                ["reclamații administrative (art. 21)", NOT_RECORDED],
                ["plângeri în instanță (art. 22)", NOT_RECORDED],
            ],
        ),
        Section("D. Costuri", ["Indicator", "Valoare"], [["costurile compartimentului", NOT_RECORDED]]),
    ]
    return report


def _report(kind: str, institution: Institution, start: date, end: date, now: datetime) -> Report:
    return Report(
        kind=kind,
        title="",
        legal_basis="",
        institution=institution,
        start=start,
        end=end,
        generated_at=now,
        partial=to_local(now).date() <= end,
    )


def build(
    kind: str, institution: Institution, year: str | None, period: str | None, now: datetime | None = None
) -> Report:
    """The report asked for, or ReportRefused with the reason (unknown kind, period not begun)."""
    now = now or now_utc()
    if kind not in KINDS:
        raise ReportRefused(_("Raport necunoscut."))
    start, end = period_bounds(kind, year, period, to_local(now).date())
    make = petitions_report if kind == PETITIONS else public_information_report
    return make(institution, start, end, now)


def _header_lines(report: Report) -> list[str]:
    lines = [
        report.institution.name,
        report.title,
        f"Perioada: {report.period_label}",
        f"Temei legal: {report.legal_basis}",
        f"Generat la {format_datetime(report.generated_at)}",
    ]
    if report.partial:
        lines.append(
            f"Perioada nu s-a încheiat: cifrele sunt provizorii, la data de {format_date(report.generated_at)}."
        )
    return lines


def to_csv(report: Report) -> bytes:
    """Semicolon-separated, UTF-8 with BOM (opens in Excel with ș and ț), one block per section."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for line in _header_lines(report):
        writer.writerow([line])
    for section in report.sections:
        writer.writerow([])
        writer.writerow([section.title])
        writer.writerow(section.columns)
        for row in section.rows:
            writer.writerow([_csv_safe(v) for v in row])
        if section.note:
            writer.writerow([section.note])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_safe(value) -> str:
    # A cell starting with = + - @ would be a formula in a spreadsheet: names come from users.
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def to_pdf(report: Report) -> bytes:
    regular, bold = register_fonts(current_app.config["FONT_DIR"])
    body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5)
    small = ParagraphStyle(
        "small", parent=body, fontSize=8.5, leading=11, textColor=colors.HexColor("#444444")
    )
    title = ParagraphStyle("title", fontName=bold, fontSize=14, leading=18, textColor=ACCENT)
    heading = ParagraphStyle("heading", fontName=bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4)
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=11)
    head = ParagraphStyle("head", parent=cell, fontName=bold)
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{report.title} {report.period_label}",
        author=report.institution.name,
        lang="ro-RO",
    )
    header = _header_lines(report)
    story = [
        Paragraph(markup(header[0]), body),
        Spacer(1, 2 * mm),
        Paragraph(escape(report.title), title),
        *[Paragraph(markup(line), small) for line in header[2:]],
        Spacer(1, 4 * mm),
    ]
    width = A4[0] - 36 * mm
    for section in report.sections:
        story.append(Paragraph(escape(section.title), heading))
        first = width * (0.55 if len(section.columns) <= 2 else 0.36)
        others = (width - first) / max(len(section.columns) - 1, 1)
        rows = [[Paragraph(markup(c), head) for c in section.columns]]
        rows += [[Paragraph(markup(str(v)), cell) for v in row] for row in section.rows]
        if not section.rows:
            rows.append([Paragraph("niciuna", cell)] + [""] * (len(section.columns) - 1))
        table = Table(rows, colWidths=[first] + [others] * (len(section.columns) - 1), repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#777777")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6ecf3")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
        if section.note:
            story.append(Paragraph(markup(section.note), small))

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.drawString(18 * mm, 8 * mm, f"{report.institution.name} · {report.period_label}")
        canvas.drawRightString(A4[0] - 18 * mm, 8 * mm, f"Pagina {doc.page}")
        canvas.restoreState()

    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()

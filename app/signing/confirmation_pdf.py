"""The submission confirmation PDF the institution e-seals: who submitted what, when, and how they confirmed it."""

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.pdf import register_fonts

# Where the e-seal's visible stamp goes (bottom right of page 1), in PDF points.
SEAL_BOX = (A4[0] - 20 * mm - 200, 22 * mm, A4[0] - 20 * mm, 22 * mm + 64)


@dataclass
class Receipt:
    institution: str
    document_label: str
    document_type: str
    submitted_at: str
    citizen_name: str
    citizen_email: str
    citizen_address: str
    subject: str
    content: str
    files: list[tuple[str, str]] = field(default_factory=list)  # (name, sha256)
    confirmation: str = ""


def submission_receipt(document, user, confirmation: str) -> Receipt:
    """What the citizen submitted (the document, its files with their SHA-256) and how they confirmed it."""
    from app.dates import format_datetime
    from app.registry.models import Attachment

    return Receipt(
        institution=document.institution.name,
        document_label=(
            f"nr. {document.registration_label}"
            if document.registration_label
            else f"cod {document.public_id}"
        ),
        document_type=document.document_type.name_ro,
        submitted_at=format_datetime(document.created_at),
        citizen_name=user.full_name,
        citizen_email=user.email,
        citizen_address=document.sender_address or user.address or "",
        subject=document.subject,
        content=document.content or "",
        files=[(a.filename, a.sha256) for a in document.attachments if a.kind == Attachment.SUBMISSION],
        confirmation=confirmation,
    )


def _p(text: str) -> str:
    return "<br/>".join(escape(line) for line in (text or "").splitlines())


def render_receipt_pdf(receipt: Receipt, font_dir: str | None) -> bytes:
    regular, bold = register_fonts(font_dir)
    base = ParagraphStyle("base", fontName=regular, fontSize=10, leading=14)
    title = ParagraphStyle("title", parent=base, fontName=bold, fontSize=14, leading=18, spaceAfter=4)
    label = ParagraphStyle("label", parent=base, fontName=bold)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=10, textColor=colors.HexColor("#555555"))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=50 * mm,  # room for the e-seal's stamp
        title=f"Confirmare de depunere – {receipt.subject}",
        author=receipt.institution,
        lang="ro-RO",
        initialFontName=regular,
    )
    rows = [
        ("Document", receipt.document_label),
        ("Tip", receipt.document_type),
        ("Depus la", receipt.submitted_at),
        ("Solicitant", receipt.citizen_name),
        ("E-mail", receipt.citizen_email),
        ("Adresă", receipt.citizen_address or "—"),
        ("Subiect", receipt.subject),
    ]
    table = Table(
        [[Paragraph(k, label), Paragraph(_p(v), base)] for k, v in rows],
        colWidths=[35 * mm, None],
        hAlign="LEFT",
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), regular)]))
    story = [
        Paragraph(_p(receipt.institution), title),
        Paragraph("Confirmare de depunere semnată cu sigiliul electronic al instituției", base),
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 4 * mm),
        Paragraph("Conținut", label),
        Paragraph(_p(receipt.content or "—"), base),
        Spacer(1, 4 * mm),
        Paragraph("Fișiere depuse (amprenta SHA-256)", label),
    ]
    if receipt.files:
        for name, sha256 in receipt.files:
            story.append(Paragraph(f"{_p(name)}<br/><font size=7>{sha256}</font>", base))
    else:
        story.append(Paragraph("niciunul", base))
    story += [
        Spacer(1, 4 * mm),
        Paragraph("Confirmarea solicitantului", label),
        Paragraph(_p(receipt.confirmation), base),
        Spacer(1, 4 * mm),
        Paragraph(
            "Solicitantul și-a confirmat depunerea cu un cod unic trimis la adresa de e-mail a contului (semnătură "
            "electronică simplă). Instituția atestă prin sigiliul electronic datele de mai sus; orice modificare a "
            "fișierului invalidează sigiliul.",
            small,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()

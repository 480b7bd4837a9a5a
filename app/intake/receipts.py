"""The registration receipt (recipisă) handed to the person who brought a paper document: institution, number and
date, type, legal deadline, the access code and a QR code that opens the document's tracking page.

The code is printed once: it is not stored (only its hash), so reprinting a receipt issues a new code and the old
one stops working."""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from flask_babel import gettext
from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from app.dates import format_date, format_datetime
from app.pdf import register_fonts
from app.registry.models import Document

_ACCENT = HexColor("#1f3a5f")
_MUTED = HexColor("#555555")


@dataclass
class Receipt:
    institution_name: str
    institution_address: str
    registration_label: str
    registered_at: str
    document_type: str
    subject: str
    sender_name: str
    deadline: str
    legal_basis: str
    access_code: str
    tracking_url: str
    clerk_name: str


def receipt_for(document: Document, access_code: str, tracking_url: str, clerk_name: str = "") -> Receipt:
    doc_type = document.document_type
    return Receipt(
        institution_name=document.institution.name,
        institution_address=document.institution.address or "",
        registration_label=document.registration_label,
        registered_at=format_datetime(document.registered_at),
        document_type=doc_type.name_ro,
        subject=document.subject,
        sender_name=document.sender_name,
        deadline=format_date(document.deadline_at) if document.deadline_at else "",
        legal_basis=doc_type.legal_basis or "",
        access_code=access_code,
        tracking_url=tracking_url,
        clerk_name=clerk_name,
    )


def qr_svg(url: str) -> str:
    """The QR code as inline SVG for the printable page (no image request, works under the strict CSP)."""
    return segno.make(url, error="m").svg_inline(
        scale=4, border=2, title=gettext("Cod QR pentru urmărirea documentului")
    )


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if stringWidth(candidate, font, size) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines or [""]


def render_receipt_pdf(receipt: Receipt, font_path: str | None = None) -> bytes:
    """One A5 page; the QR is drawn as vector squares from segno's matrix (sharp at any printer resolution)."""
    regular, bold = register_fonts(font_path)
    out = io.BytesIO()
    width, height = A5
    pdf = canvas.Canvas(out, pagesize=A5, invariant=True)
    pdf.setTitle(f"Recipisă nr. {receipt.registration_label}")
    pdf.setAuthor(receipt.institution_name)
    left, right = 14 * mm, width - 14 * mm
    y = height - 16 * mm

    pdf.setFillColor(_ACCENT)
    pdf.setFont(bold, 12)
    for line in _wrap(receipt.institution_name, bold, 12, right - left):
        pdf.drawString(left, y, line)
        y -= 15
    pdf.setFillColor(_MUTED)
    pdf.setFont(regular, 8.5)
    if receipt.institution_address:
        pdf.drawString(left, y, receipt.institution_address)
        y -= 12
    pdf.setStrokeColor(_ACCENT)
    pdf.line(left, y, right, y)
    y -= 22

    pdf.setFillColor(black)
    pdf.setFont(bold, 14)
    pdf.drawCentredString(width / 2, y, "RECIPISĂ DE ÎNREGISTRARE")
    y -= 24

    rows = [
        ("Nr. de înregistrare", receipt.registration_label),
        ("Înregistrat la", receipt.registered_at),
        ("Tip document", receipt.document_type),
        ("Subiect", receipt.subject),
        ("Expeditor", receipt.sender_name),
        ("Termen legal de răspuns", receipt.deadline or "—"),
    ]
    label_width = 42 * mm
    for label, value in rows:
        pdf.setFont(regular, 9)
        pdf.setFillColor(_MUTED)
        pdf.drawString(left, y, label)
        pdf.setFillColor(black)
        pdf.setFont(bold if label == "Nr. de înregistrare" else regular, 10)
        for line in _wrap(value, regular, 10, right - left - label_width):
            pdf.drawString(left + label_width, y, line)
            y -= 13
        y -= 3
    if receipt.legal_basis:
        pdf.setFont(regular, 7.5)
        pdf.setFillColor(_MUTED)
        for line in _wrap(receipt.legal_basis, regular, 7.5, right - left):
            pdf.drawString(left, y, line)
            y -= 10
    y -= 8

    # The access code and the QR, side by side.
    qr = segno.make(receipt.tracking_url, error="m")
    matrix = list(qr.matrix)
    size = 38 * mm
    module = size / len(matrix)
    top = y
    pdf.setFillColor(white)
    pdf.rect(right - size, top - size, size, size, stroke=0, fill=1)
    pdf.setFillColor(black)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                pdf.rect(
                    right - size + col_index * module,
                    top - (row_index + 1) * module,
                    module,
                    module,
                    stroke=0,
                    fill=1,
                )
    pdf.setFont(regular, 9)
    pdf.setFillColor(_MUTED)
    pdf.drawString(left, top - 10, "Cod de acces")
    pdf.setFillColor(black)
    pdf.setFont(bold, 18)
    pdf.drawString(left, top - 32, receipt.access_code)
    pdf.setFont(regular, 8)
    text_width = right - left - size - 6 * mm
    ty = top - 50
    for line in _wrap(
        "Urmăriți documentul fără cont: scanați codul QR sau deschideți pagina de urmărire și introduceți "
        "numărul de înregistrare și codul de acces. Cu ele vă puteți și atașa documentul la contul de pe portal.",
        regular,
        8,
        text_width,
    ):
        pdf.drawString(left, ty, line)
        ty -= 10
    y = min(ty, top - size) - 10
    pdf.setFont(regular, 7)
    pdf.setFillColor(_MUTED)
    for line in _wrap(receipt.tracking_url, regular, 7, right - left):
        pdf.drawString(left, y, line)
        y -= 9
    if receipt.clerk_name:
        pdf.drawString(left, 12 * mm, f"Registrator: {receipt.clerk_name}")
    pdf.drawRightString(right, 12 * mm, "Păstrați recipisa: codul de acces nu poate fi afișat din nou.")
    pdf.showPage()
    pdf.save()
    return out.getvalue()

"""The paper answer (OUG 38/2020: paper when the citizen asked for it): a cover page for the registry to print
with the address block placed for a DL window envelope, then the signed answer printed as it is. The signed PDF
is never rewritten: its signatures and its validation report refer to those exact bytes."""

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from app.dates import format_date, now_utc
from app.pdf import register_fonts
from app.registry.models import Document

# DIN 5008 / DL window envelope: the window sits 20 mm from the left, 45 mm from the top, 90 x 45 mm.
WINDOW_LEFT, WINDOW_TOP, WINDOW_WIDTH = 20 * mm, 45 * mm, 90 * mm


def render_cover_page(document: Document, font_dir: str | None = None) -> bytes:
    regular, bold = register_fonts(font_dir)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    page.setTitle(f"Expediere răspuns nr. {document.registration_label}")
    institution = document.institution
    page.setFont(bold, 10)
    page.drawString(WINDOW_LEFT, height - 15 * mm, institution.name)
    page.setFont(regular, 8)
    if institution.address:
        page.drawString(WINDOW_LEFT, height - 20 * mm, institution.address)
    # Recipient in the envelope window.
    y = height - WINDOW_TOP - 8 * mm
    page.setFont(bold, 11)
    page.drawString(WINDOW_LEFT + 4 * mm, y, document.sender_name or "")
    page.setFont(regular, 11)
    for line in (document.sender_address or "").replace(",", ",\n").splitlines()[:5]:
        y -= 5.5 * mm
        page.drawString(WINDOW_LEFT + 4 * mm, y, line.strip())
    y = height - 110 * mm
    page.setFont(bold, 12)
    page.drawString(WINDOW_LEFT, y, f"Răspuns la documentul nr. {document.registration_label}")
    page.setFont(regular, 10)
    lines = [
        f"Subiect: {document.subject[:90]}",
        f"Data expedierii: {format_date(now_utc())}",
        "Anexă: răspunsul semnat, tipărit din Ghișeul Unic.",
        "Solicitantul a cerut răspunsul pe hârtie (OUG 38/2020).",
    ]
    for line in lines:
        y -= 7 * mm
        page.drawString(WINDOW_LEFT, y, line)
    # Fold marks for a DL envelope (A4 folded in three).
    page.setLineWidth(0.3)
    for fold in (105 * mm, 210 * mm):
        page.line(0, height - fold, 5 * mm, height - fold)
    page.showPage()
    page.save()
    return buffer.getvalue()

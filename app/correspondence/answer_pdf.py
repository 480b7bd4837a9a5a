"""The answer letter (răspuns la petiție) rendered as an A4 PDF.

Layout is pure platypus so long bodies flow onto further pages. Each signer gets a
fixed-size empty rectangle meant for a later visible PAdES signature appearance;
``signature_boxes`` returns where those rectangles were drawn, taken from an actual
layout pass, so the signing module can never disagree with what is on the page.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    HRFlowable,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from app.correspondence.closing import without_closing
from app.pdf import ACCENT, INK, MUTED, markup, register_fonts

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_LEFT = 25 * mm
MARGIN_RIGHT = 20 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 25 * mm
# Later pages carry a one-line running header, so their frame starts lower.
LATER_PAGES_EXTRA_TOP = 10 * mm
FRAME_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT

# Signature boxes: fixed size so a signing module can rely on the dimensions
# (roughly the size of a typical visible PAdES stamp).
SIGNATURE_BOX_WIDTH = 180.0
SIGNATURE_BOX_HEIGHT = 64.0
_SIGNATURE_COLUMN_GAP = 24.0
_SIGNATURE_CELL_WIDTH = (FRAME_WIDTH - _SIGNATURE_COLUMN_GAP) / 2
_SIGNATURE_LABEL_GAP = 4.0
_SIGNATURE_ROW_SPACE = 14.0

_PARAGRAPH_SPLIT_RE = re.compile(r"\n[ \t]*\n")


@dataclass
class AnswerLetter:
    institution_name: str
    department_name: str
    registration_label: str
    issue_date_label: str
    recipient_name: str
    recipient_address: str | None
    subject: str
    body: str
    signers: list[tuple[str, str]] = field(default_factory=list)


# --------------------------------------------------------------------------- text


def _body_paragraphs(body: str) -> list[str]:
    body = without_closing(body)  # the template adds "Cu stimă," itself
    return [p.strip() for p in _PARAGRAPH_SPLIT_RE.split(body) if p.strip()]


# --------------------------------------------------------------------------- signatures


class _SignatureRow(Flowable):
    """One row of up to two signers: function, name, then the empty fixed-size box.

    Box positions are recorded in absolute page coordinates at draw time, which is the
    only moment the final page and position are known.
    """

    def __init__(self, signers, first_index, styles, sink):
        super().__init__()
        self.signers = signers
        self.first_index = first_index
        self.sink = sink
        self.labels = [
            (
                Paragraph(markup(function), styles["sig_function"]),
                Paragraph(markup(name), styles["sig_name"]),
            )
            for name, function in signers
        ]

    def _cell_offsets(self) -> list[float]:
        if len(self.signers) == 1:
            # A lone signer is centred, as on a paper letter.
            return [(FRAME_WIDTH - _SIGNATURE_CELL_WIDTH) / 2]
        return [0.0, _SIGNATURE_CELL_WIDTH + _SIGNATURE_COLUMN_GAP]

    def wrap(self, avail_width, avail_height):
        self._label_heights = []
        for function_p, name_p in self.labels:
            _, fh = function_p.wrap(_SIGNATURE_CELL_WIDTH, avail_height)
            _, nh = name_p.wrap(_SIGNATURE_CELL_WIDTH, avail_height)
            self._label_heights.append((fh, nh))
        self._labels_height = max(fh + nh for fh, nh in self._label_heights)
        self.width = FRAME_WIDTH
        self.height = self._labels_height + _SIGNATURE_LABEL_GAP + SIGNATURE_BOX_HEIGHT + _SIGNATURE_ROW_SPACE
        return self.width, self.height

    def draw(self):
        canv = self.canv
        page_index = canv.getPageNumber() - 1
        top = self.height
        for i, (cell_x, (function_p, name_p), (fh, nh)) in enumerate(
            zip(self._cell_offsets(), self.labels, self._label_heights, strict=True)
        ):
            function_p.drawOn(canv, cell_x, top - fh)
            name_p.drawOn(canv, cell_x, top - fh - nh)
            # Boxes share a baseline across the row even if one label wraps to more lines.
            box_x = cell_x + (_SIGNATURE_CELL_WIDTH - SIGNATURE_BOX_WIDTH) / 2
            box_y = top - self._labels_height - _SIGNATURE_LABEL_GAP - SIGNATURE_BOX_HEIGHT
            canv.saveState()
            canv.setStrokeColor(colors.HexColor("#9aa5b1"))
            canv.setLineWidth(0.6)
            canv.setDash(3, 2)
            canv.rect(box_x, box_y, SIGNATURE_BOX_WIDTH, SIGNATURE_BOX_HEIGHT, stroke=1, fill=0)
            canv.restoreState()
            x1, y1 = canv.absolutePosition(box_x, box_y)
            x2, y2 = canv.absolutePosition(box_x + SIGNATURE_BOX_WIDTH, box_y + SIGNATURE_BOX_HEIGHT)
            self.sink.append((self.first_index + i, page_index, x1, y1, x2, y2))


# --------------------------------------------------------------------------- layout


def _styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=regular, fontSize=10.5, leading=15, textColor=INK)
    return {
        "institution": ParagraphStyle(
            "institution", parent=base, fontName=bold, fontSize=15, leading=19, textColor=ACCENT
        ),
        "department": ParagraphStyle("department", parent=base, fontSize=10.5, leading=14, textColor=MUTED),
        "regno": ParagraphStyle("regno", parent=base, fontName=bold),
        "date": ParagraphStyle("date", parent=base, alignment=TA_RIGHT),
        "label": ParagraphStyle("label", parent=base, fontSize=9, leading=12, textColor=MUTED),
        "recipient": ParagraphStyle("recipient", parent=base, fontName=bold),
        "address": base,
        "subject": ParagraphStyle("subject", parent=base, fontName=bold, fontSize=11, leading=15),
        "body": ParagraphStyle("body", parent=base, alignment=TA_JUSTIFY, spaceAfter=7),
        "closing": ParagraphStyle("closing", parent=base, spaceBefore=6),
        "sig_function": ParagraphStyle(
            "sig_function", parent=base, fontName=bold, fontSize=9.5, leading=13, alignment=TA_CENTER
        ),
        "sig_name": ParagraphStyle("sig_name", parent=base, fontSize=10, leading=14, alignment=TA_CENTER),
    }


def _story(letter: AnswerLetter, styles, sink) -> list:
    story: list = [
        Paragraph(markup(letter.institution_name), styles["institution"]),
        Paragraph(markup(letter.department_name), styles["department"]),
        Spacer(1, 2 * mm),
        HRFlowable(width="100%", thickness=1.2, color=ACCENT, spaceBefore=0, spaceAfter=5 * mm),
    ]
    reg_table = Table(
        [
            [
                Paragraph(markup(letter.registration_label), styles["regno"]),
                Paragraph("Data: " + markup(letter.issue_date_label), styles["date"]),
            ]
        ],
        colWidths=[FRAME_WIDTH * 0.6, FRAME_WIDTH * 0.4],
    )
    reg_table.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                # Table sets its cell font even for Paragraph cells; default would pull in Helvetica.
                ("FONTNAME", (0, 0), (-1, -1), styles["regno"].fontName),
            ]
        )
    )
    story += [reg_table, Spacer(1, 9 * mm)]

    story.append(Paragraph("Către", styles["label"]))
    story.append(Paragraph(markup(letter.recipient_name), styles["recipient"]))
    if letter.recipient_address and letter.recipient_address.strip():
        story.append(Paragraph(markup(letter.recipient_address.strip()), styles["address"]))
    story += [
        Spacer(1, 8 * mm),
        Paragraph("Subiect: " + markup(letter.subject), styles["subject"]),
        Spacer(1, 6 * mm),
    ]
    story += [Paragraph(markup(p), styles["body"]) for p in _body_paragraphs(letter.body)]
    story.append(Spacer(1, 4 * mm))

    closing = Paragraph("Cu stimă,", styles["closing"])
    rows = [
        _SignatureRow(letter.signers[i : i + 2], i, styles, sink) for i in range(0, len(letter.signers), 2)
    ]
    # The closing formula must not be orphaned at the bottom of a page without a signature.
    story.append(KeepTogether([closing, Spacer(1, 8 * mm), *rows[:1]]))
    story += rows[1:]
    return story


def _layout(letter: AnswerLetter, font_path: str | None, total_pages: int | None):
    """One platypus build. Returns (pdf bytes, page count, signature boxes)."""
    regular, bold = register_fonts(font_path)
    styles = _styles(regular, bold)
    sink: list = []
    pages_seen = [0]

    def decorate(canv, doc, later: bool):
        page_no = canv.getPageNumber()
        pages_seen[0] = max(pages_seen[0], page_no)
        canv.saveState()
        canv.setFillColor(MUTED)
        canv.setStrokeColor(colors.HexColor("#c8ced6"))
        canv.setLineWidth(0.5)
        if later:
            # Running header so a loose page can be matched to its letter.
            y = PAGE_HEIGHT - MARGIN_TOP - 4 * mm
            canv.setFont(regular, 8.5)
            canv.drawString(MARGIN_LEFT, y, letter.institution_name)
            canv.drawRightString(PAGE_WIDTH - MARGIN_RIGHT, y, letter.registration_label)
            canv.line(MARGIN_LEFT, y - 2 * mm, PAGE_WIDTH - MARGIN_RIGHT, y - 2 * mm)
        footer_y = 12 * mm
        canv.line(MARGIN_LEFT, footer_y + 4 * mm, PAGE_WIDTH - MARGIN_RIGHT, footer_y + 4 * mm)
        canv.setFont(regular, 8.5)
        # Total is unknown in the counting pass; the footer does not affect flow, so the
        # second pass lays out identically with the real number.
        total = total_pages if total_pages is not None else page_no
        canv.drawCentredString(PAGE_WIDTH / 2, footer_y, f"Pagina {page_no} din {total}")
        canv.restoreState()

    first_frame = Frame(
        MARGIN_LEFT, MARGIN_BOTTOM, FRAME_WIDTH, PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="first",
    )  # fmt: skip
    later_frame = Frame(
        MARGIN_LEFT, MARGIN_BOTTOM, FRAME_WIDTH,
        PAGE_HEIGHT - MARGIN_TOP - LATER_PAGES_EXTRA_TOP - MARGIN_BOTTOM,
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="later",
    )  # fmt: skip

    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=letter.subject,
        author=letter.institution_name,
        subject=letter.subject,
        creator=f"{letter.institution_name} – {letter.department_name}",
        lang="ro-RO",
        # Otherwise every page references a non-embedded Helvetica, which archival (PDF/A) rejects.
        initialFontName=regular,
    )
    doc.addPageTemplates(
        [
            PageTemplate(
                id="first",
                frames=[first_frame],
                onPage=lambda c, d: decorate(c, d, later=False),
                autoNextPageTemplate="later",
            ),
            PageTemplate(id="later", frames=[later_frame], onPage=lambda c, d: decorate(c, d, later=True)),
        ]
    )
    doc.build(_story(letter, styles, sink))

    boxes = [
        (page, round(x1, 2), round(y1, 2), round(x2, 2), round(y2, 2))
        for _, page, x1, y1, x2, y2 in sorted(sink)
    ]
    return buf.getvalue(), pages_seen[0], boxes


def render_answer_pdf(letter: AnswerLetter, font_path: str | None = None) -> bytes:
    """Render the answer letter. ``font_path`` is a directory with DejaVuSans(-Bold).ttf."""
    _, page_count, _ = _layout(letter, font_path, total_pages=None)
    pdf, _, _ = _layout(letter, font_path, total_pages=page_count)
    return pdf


def signature_boxes(
    letter: AnswerLetter, font_path: str | None = None
) -> list[tuple[int, float, float, float, float]]:
    """Signature rectangles as (page_index, x1, y1, x2, y2) in PDF points, origin bottom-left,
    one per signer in ``letter.signers`` order. Same layout as ``render_answer_pdf`` (pass the
    same ``font_path``)."""
    _, _, boxes = _layout(letter, font_path, total_pages=None)
    return boxes

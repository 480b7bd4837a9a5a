"""The visible signature stamp, in Romanian: who signed, in what function, when.

Drawn with reportlab and DejaVu (every Romanian glyph, correct widths) and imported into the signature field as a
static appearance: pyhanko's own text stamps with a TrueType font write DejaVu's glyph widths in font units and
render the letters about twice too wide (signing-notes)."""

import binascii
import io
import uuid

from pyhanko.pdf_utils import content
from pyhanko.pdf_utils.layout import AxisAlignment, BoxConstraints, SimpleBoxLayoutRule
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.stamp import StaticStampStyle
from reportlab.lib import colors
from reportlab.pdfgen import canvas

from app.pdf import register_fonts

_INK = colors.HexColor("#1f3a5f")


class _PdfBytesPage(content.ImportedPdfPage):
    """ImportedPdfPage reads a file name; the stamp is rendered in memory."""

    def __init__(self, data: bytes):
        self.data = data
        super().__init__(file_name="", page_ix=0)

    def render(self) -> bytes:
        writer = self._ensure_writer
        xobj = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(self.data)), page_ix=0)
        resource_name = b"/Import" + binascii.hexlify(uuid.uuid4().bytes)
        self.resources.xobject[resource_name.decode("ascii")] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return resource_name + b" Do"


def _fit(canv, text: str, font: str, size: float, width: float) -> float:
    """The largest font size not above `size` at which `text` fits in `width`."""
    actual = canv.stringWidth(text, font, size)
    return size if actual <= width else max(5.0, size * width / actual)


def render_stamp_pdf(
    width: float, height: float, heading: str, name: str, function: str, when: str, font_dir: str | None
) -> bytes:
    regular, bold = register_fonts(font_dir)
    buffer = io.BytesIO()
    canv = canvas.Canvas(buffer, pagesize=(width, height), initialFontName=regular)
    canv.setTitle(heading)
    canv.setStrokeColor(_INK)
    canv.setLineWidth(0.8)
    canv.roundRect(1, 1, width - 2, height - 2, 4, stroke=1, fill=0)
    pad = 6
    inner = width - 2 * pad
    lines = [
        (heading, regular, 7.5, colors.HexColor("#555555")),
        (name, bold, 10.5, colors.black),
        (function, regular, 8.5, colors.black),
        (when, regular, 7.5, colors.HexColor("#555555")),
    ]
    lines = [line for line in lines if line[0]]
    step = (height - 2 * pad) / len(lines)
    y = height - pad - step * 0.75
    for text, font, size, color in lines:
        canv.setFillColor(color)
        canv.setFont(font, _fit(canv, text, font, size, inner))
        canv.drawString(pad, y, text)
        y -= step
    canv.showPage()
    canv.save()
    return buffer.getvalue()


def stamp_style(
    width: float, height: float, heading: str, name: str, function: str, when: str, font_dir: str | None
) -> StaticStampStyle:
    page = render_stamp_pdf(width, height, heading, name, function, when, font_dir)
    return StaticStampStyle(
        background=_PdfBytesPage(page),
        background_opacity=1.0,
        border_width=0,
        background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MID
        ),
    )

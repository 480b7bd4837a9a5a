"""What every PDF the platform draws shares (reportlab): the DejaVu fonts (ș ț ă î â), the palette, and turning
user text into safe Paragraph markup. Answer letters, receipts, register days, signature stamps, cover pages,
audit reports and archive reports all take them from here."""

import os
import re
import threading
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
_FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
ACCENT = colors.HexColor("#1f3a5f")

# C0/C1 control characters other than newline/tab break reportlab's parser or render as boxes.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

_font_lock = threading.Lock()
_registered: dict[str, tuple[str, str]] = {}


def register_fonts(font_path: str | None) -> tuple[str, str]:
    """Register DejaVuSans (+Bold) from ``font_path`` and return the reportlab font names.

    reportlab's font registry is process-global, so fonts from a non-default directory
    get their own names instead of silently replacing the default ones.
    """
    font_dir = os.path.realpath(font_path or DEFAULT_FONT_DIR)
    with _font_lock:
        if font_dir in _registered:
            return _registered[font_dir]
        paths = [os.path.join(font_dir, name) for name in _FONT_FILES]
        missing = [p for p in paths if not os.path.isfile(p)]
        if missing:
            raise RuntimeError(
                "Fonturile DejaVu lipsesc (" + ", ".join(missing) + "). "
                "Instalați pachetul Debian fonts-dejavu-core (apt-get install fonts-dejavu-core) "
                "sau indicați un director care conține DejaVuSans.ttf și DejaVuSans-Bold.ttf."
            )
        suffix = "" if not _registered else f"-{len(_registered)}"
        regular, bold = f"DejaVuSans{suffix}", f"DejaVuSans-Bold{suffix}"
        pdfmetrics.registerFont(TTFont(regular, paths[0]))
        pdfmetrics.registerFont(TTFont(bold, paths[1]))
        # Family mapping makes <b> inside Paragraph markup resolve to the bold face.
        pdfmetrics.registerFontFamily(regular, normal=regular, bold=bold, italic=regular, boldItalic=bold)
        _registered[font_dir] = (regular, bold)
        return regular, bold


def markup(text: str | None) -> str:
    """Plain user text -> safe Paragraph markup (user text must never be parsed as tags)."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = CONTROL_RE.sub("", text)
    return "<br/>".join(escape(line) for line in text.split("\n"))

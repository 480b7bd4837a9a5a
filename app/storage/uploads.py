"""Upload validation: the content type is judged from the bytes, never from the
file name or the client's Content-Type header, both of which the sender controls."""

from __future__ import annotations

import io
import os
import re
import unicodedata
import warnings

from flask_babel import lazy_gettext as _l
from PIL import Image

ACCEPTED_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}

_PDF_MAGIC = b"%PDF-"
_PDF_EOF_WINDOW = 2048
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
_MAX_NAME = 150


class UploadRejected(ValueError):
    """Raised with a user-facing Romanian ``message`` (lazy, rendered in request locale)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def safe_filename(name: str) -> str:
    """Display-safe basename; diacritics are kept (unlike werkzeug's secure_filename)."""
    name = unicodedata.normalize("NFC", name or "")
    # Both separators: a Windows browser may send the full "C:\\...\\x.pdf" path.
    name = re.split(r"[\\/]", name)[-1]
    # Drop control/format chars (incl. bidi overrides used to disguise extensions).
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    name = name.strip().strip(".").strip()
    if len(name) > _MAX_NAME:
        stem, ext = os.path.splitext(name)
        if 0 < len(ext) <= 10:
            name = stem[: _MAX_NAME - len(ext)].rstrip() + ext
        else:
            name = name[:_MAX_NAME].rstrip()
    return name or "fisier"


def _sniff(data: bytes) -> str | None:
    if data.startswith(_PDF_MAGIC):
        return "application/pdf"
    if data.startswith(_JPEG_MAGIC):
        return "image/jpeg"
    if data.startswith(_PNG_MAGIC):
        return "image/png"
    return None


def _image_is_valid(data: bytes, expected_format: str) -> bool:
    try:
        with warnings.catch_warnings():
            # DecompressionBombWarning -> error: a huge-dimension image is not a valid upload.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format != expected_format:
                    return False
                img.verify()
            # verify() does not decode pixel data, so a truncated image passes it;
            # a full load on a fresh handle catches truncation.
            with Image.open(io.BytesIO(data)) as img:
                img.load()
    except Exception:  # Pillow raises many unrelated types for bad input
        return False
    return True


def check_upload(filename: str, data: bytes, max_bytes: int) -> str:
    """Return the real content type of ``data`` or raise ``UploadRejected``."""
    name = safe_filename(filename)
    if not data:
        raise UploadRejected(_l("Fișierul „%(name)s” este gol.", name=name))
    if len(data) > max_bytes:
        # Romanian decimal comma; whole MiB limits (the usual config) print as integers.
        mb_label = f"{max_bytes / (1024 * 1024):.2f}".rstrip("0").rstrip(".").replace(".", ",")
        raise UploadRejected(_l("Fișierul „%(name)s” depășește limita de %(mb)s MB.", name=name, mb=mb_label))

    kind = _sniff(data)
    if kind == "application/pdf":
        if b"%%EOF" in data[-_PDF_EOF_WINDOW:]:
            return kind
    elif kind in _PIL_FORMATS:
        if _image_is_valid(data, _PIL_FORMATS[kind]):
            return kind
    raise UploadRejected(_l("Fișierul „%(name)s” nu este PDF, JPEG sau PNG.", name=name))

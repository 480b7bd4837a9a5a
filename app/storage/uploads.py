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
# Pixels an image may have, read from its header before anything is decoded: an 88-megapixel PNG of 257 KB would
# otherwise take 340 MB and a second of CPU to check. 50 MP covers phone cameras' usual photos.
DEFAULT_MAX_PIXELS = 50_000_000
_ACTIVE_CONTENT_LABELS = {
    "javascript": _l("cod JavaScript"),
    "launch": _l("acțiuni care pornesc programe"),
    "embedded_files": _l("fișiere încorporate"),
    "xfa": _l("un formular XFA"),
    "too_complex": _l("o structură prea complexă"),
}


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


def _image_pixels(data: bytes) -> int | None:
    """Width x height from the header only (Image.open does not decode), or None when unreadable."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
    except Exception:  # noqa: BLE001 - judged by the full check below
        return None
    return width * height


def stored_name(name: str, content_type: str) -> str:
    """The name a file is kept under: its own stem with the extension of the type detected from its bytes only
    ("factura.exe" that is a PDF becomes "factura.pdf"; "poza.pdf.exe" a PNG, "poza.pdf.png")."""
    name = safe_filename(name)
    extension = ACCEPTED_TYPES[content_type]
    stem, old = os.path.splitext(name)
    if not old or len(old) > 10:
        stem = name
    if stem.lower().endswith(extension) or (extension == ".jpg" and stem.lower().endswith(".jpeg")):
        stem = stem[: stem.rfind(".")]
    return (stem.strip() or "fisier") + extension


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


def check_upload(filename: str, data: bytes, max_bytes: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> str:
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
            _refuse_active_content(name, data)
            return kind
    elif kind in _PIL_FORMATS:
        pixels = _image_pixels(data)
        if pixels is not None and pixels > max_pixels:
            raise UploadRejected(
                _l(
                    "Imaginea „%(name)s” are %(mp)s megapixeli; limita este %(limit)s. Micșorați-o sau trimiteți-o ca PDF.",
                    name=name,
                    mp=f"{pixels / 1e6:.0f}",
                    limit=f"{max_pixels / 1e6:.0f}",
                )
            )
        if _image_is_valid(data, _PIL_FORMATS[kind]):
            return kind
    raise UploadRejected(_l("Fișierul „%(name)s” nu este PDF, JPEG sau PNG.", name=name))


def _refuse_active_content(name: str, data: bytes) -> None:
    from app.storage.pdf_content import active_content

    try:
        found = active_content(data)
    except Exception:  # noqa: BLE001 - an unreadable PDF is refused by the signature inspection that follows
        return
    if found:
        what = ", ".join(str(_ACTIVE_CONTENT_LABELS.get(k, k)) for k in sorted(found))
        raise UploadRejected(
            _l(
                "Fișierul „%(name)s” conține %(what)s, care nu sunt acceptate. Salvați-l din nou ca PDF simplu "
                "(Imprimare → Salvare ca PDF) și reîncercați.",
                name=name,
                what=what,
            )
        )


def upload_limits() -> dict:
    """Files per request and megabytes (each, together): said next to every file field, checked on submission.
    Outside an application (pure rendering tests) the defaults."""
    from flask import current_app, has_app_context

    config = current_app.config if has_app_context() else {}
    return {
        "files": int(config.get("MAX_FILES_PER_REQUEST") or 10),
        "file_mb": int(config.get("MAX_UPLOAD_MB") or 10),
        "total_mb": int((config.get("MAX_CONTENT_LENGTH") or 40 * 1024 * 1024) // (1024 * 1024)),
    }

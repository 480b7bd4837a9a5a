"""Uploads under attack: an image over the pixel limit is refused from its header before anything is decoded; a
PDF with JavaScript, a launch action, embedded files or an XFA form is refused; the stored name keeps only the
extension of the detected type; bidirectional control characters are removed."""

import io
import struct
import time
import zlib

import pytest
from pyhanko.pdf_utils.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    StreamObject,
    TextStringObject,
)
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.pdfgen import canvas

from app.storage import UploadRejected, check_upload, safe_filename
from app.storage.uploads import stored_name

LIMIT = 10 * 1024 * 1024


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header announces width x height: a few hundred bytes that would decode into gigabytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_an_88_megapixel_png_is_refused_from_its_header():
    data = _png_header_only(10_000, 8_800)
    started = time.process_time()
    with pytest.raises(UploadRejected, match="88 megapixeli; limita este 50"):
        check_upload("harta.png", data, LIMIT)
    assert time.process_time() - started < 0.2  # nothing was decoded


def _plain_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Cerere")
    page.save()
    return buffer.getvalue()


def _with(change) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(_plain_pdf()))
    change(writer)
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _javascript(writer):
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    writer.root[NameObject("/OpenAction")] = writer.add_object(action)


def _launch(writer):
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
    )
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer.add_object(action)})
    writer.update_container(page)


def _embedded(writer):
    stream = StreamObject({NameObject("/Type"): NameObject("/EmbeddedFile")}, stream_data=b"MZ...")
    spec = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/F"): TextStringObject("x.exe"),
            NameObject("/EF"): DictionaryObject({NameObject("/F"): writer.add_object(stream)}),
        }
    )
    names = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("x.exe"), writer.add_object(spec)])}
    )
    writer.root[NameObject("/Names")] = DictionaryObject({NameObject("/EmbeddedFiles"): names})


def _xfa(writer):
    xfa = StreamObject({}, stream_data=b"<xdp:xdp/>")
    writer.root[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): writer.add_object(xfa)}
    )


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (_javascript, "cod JavaScript"),
        (_launch, "acțiuni care pornesc programe"),
        (_embedded, "fișiere încorporate"),
        (_xfa, "un formular XFA"),
    ],
)
def test_pdfs_with_active_content_are_refused(app, change, said):
    with app.test_request_context():
        assert check_upload("cerere.pdf", _plain_pdf(), LIMIT) == "application/pdf"
        with pytest.raises(UploadRejected) as refused:
            check_upload("cerere.pdf", _with(change), LIMIT)
        assert said in str(refused.value) and "cerere.pdf" in str(refused.value)


def test_the_stored_name_keeps_only_the_detected_extension():
    assert stored_name("factura.exe", "application/pdf") == "factura.pdf"
    assert stored_name("poza.pdf.exe", "image/png") == "poza.pdf.png"
    assert stored_name("poza.png", "image/png") == "poza.png"
    assert stored_name("Scan 21.11.2026.jpeg", "image/jpeg") == "Scan 21.11.2026.jpg"
    assert stored_name("fara-extensie", "application/pdf") == "fara-extensie.pdf"
    assert stored_name(".pdf", "application/pdf") == "pdf.pdf"  # the dot-name loses its dot, keeps a stem


def test_bidirectional_controls_are_removed():
    # "cerere\u202efdp.exe" displays as "cerereexe.pdf" in a right-to-left override.
    assert safe_filename("cerere\u202efdp.exe") == "cererefdp.exe"
    assert stored_name("cerere\u202egnp.exe", "image/png") == "cereregnp.png"
    assert all(c not in safe_filename("a\u200f\u2066b\u2069.pdf") for c in "\u200f\u2066\u2069")

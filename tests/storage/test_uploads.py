import io

import pytest
from flask import Flask
from flask_babel import Babel
from PIL import Image
from reportlab.pdfgen import canvas

from app.storage import ACCEPTED_TYPES, UploadRejected, check_upload, safe_filename

MB = 1024 * 1024


@pytest.fixture
def app():
    app = Flask(__name__)
    Babel(app)
    return app


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def make_image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


def make_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "Cerere")
    c.showPage()
    c.save()
    return buf.getvalue()


def rejection(filename, data, max_bytes=10 * MB) -> str:
    with pytest.raises(UploadRejected) as excinfo:
        check_upload(filename, data, max_bytes)
    assert isinstance(excinfo.value, ValueError)
    return str(excinfo.value.message)


def test_accepted_types_mapping():
    assert ACCEPTED_TYPES == {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


@pytest.mark.parametrize(
    ("maker", "expected"),
    [
        (make_pdf, "application/pdf"),
        (lambda: make_image("JPEG"), "image/jpeg"),
        (lambda: make_image("PNG"), "image/png"),
    ],
)
def test_accepts_real_files(ctx, maker, expected):
    assert check_upload("document", maker(), 10 * MB) == expected


def test_type_is_judged_by_content_not_name(ctx):
    # A real PNG under a misleading name is still reported as PNG.
    assert check_upload("scan.pdf", make_image("PNG"), 10 * MB) == "image/png"


def test_html_named_pdf_rejected(ctx):
    msg = rejection("cerere.pdf", b"<html><script>alert(1)</script></html>")
    assert msg == "Fișierul „cerere.pdf” nu este PDF, JPEG sau PNG."


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("poza.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 50),
        ("poza.jpg", b"\xff\xd8\xff\xe0" + b"garbage" * 50),
        ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 200),
        ("desen.png", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
        ("arhiva.pdf", b"PK\x03\x04" + b"\x00" * 100),
        ("fara_eof.pdf", b"%PDF-1.7\n" + b"x" * 5000),
        ("eof_departe.pdf", b"%PDF-1.7\n%%EOF\n" + b"x" * 5000),
    ],
)
def test_disguised_files_rejected(ctx, name, data):
    assert rejection(name, data) == f"Fișierul „{name}” nu este PDF, JPEG sau PNG."


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_image_rejected(ctx, fmt):
    data = make_image(fmt)
    truncated = data[: len(data) // 2]
    assert rejection("scan.img", truncated) == "Fișierul „scan.img” nu este PDF, JPEG sau PNG."


def test_empty_file_rejected(ctx):
    assert rejection("gol.pdf", b"") == "Fișierul „gol.pdf” este gol."


def test_oversize_rejected_with_limit_in_mb(ctx):
    data = make_pdf()
    msg = rejection("mare.pdf", data + b" " * MB, max_bytes=MB)
    assert msg == "Fișierul „mare.pdf” depășește limita de 1 MB."


def test_oversize_fractional_limit(ctx):
    msg = rejection("mare.pdf", b"%PDF-" + b" " * MB, max_bytes=MB // 2)
    assert msg == "Fișierul „mare.pdf” depășește limita de 0,5 MB."


def test_exact_limit_accepted(ctx):
    data = make_pdf()
    assert check_upload("ok.pdf", data, len(data)) == "application/pdf"


def test_message_uses_safe_name(ctx):
    msg = rejection("C:\\Users\\ion\\..\\evil\x00.html", b"<html>")
    assert msg == "Fișierul „evil.html” nu este PDF, JPEG sau PNG."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("cerere.pdf", "cerere.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Documente\\Petiție ștampilată.pdf", "Petiție ștampilată.pdf"),
        ("a\x00b\x1fc\n.pdf", "abc.pdf"),
        ("factura\u202egpj.exe", "facturagpj.exe"),
        ("", "fisier"),
        ("   ", "fisier"),
        ("dir/", "fisier"),
        ("..", "fisier"),
        ("ȘȚĂÎÂ șțăîâ.png", "ȘȚĂÎÂ șțăîâ.png"),
    ],
)
def test_safe_filename(raw, expected):
    assert safe_filename(raw) == expected


def test_safe_filename_length_keeps_extension():
    result = safe_filename("ă" * 300 + ".pdf")
    assert len(result) == 150
    assert result.endswith(".pdf")
    assert len(safe_filename("x" * 300)) == 150

"""PDFs for the tests: a plain one, one signed by a test-PKI certificate, tampered, encrypted, malformed."""

import io

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.pdfgen import canvas

from app.signing import testpki


def plain_pdf(text: str = "Cerere semnata de petent", encrypt: str | None = None) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, encrypt=encrypt, pageCompression=0)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def signed_pdf(label: str = "secretar", arch: str = testpki.ARCH, timestamp: bool = True) -> bytes:
    """Signed straight with pyhanko, the way a citizen's own signing software would (no check of the certificate:
    that is how a revoked signer's file comes to exist)."""
    pki = testpki.arch(arch)
    registry = SimpleCertificateStore()
    registry.register_multiple([pki.get_cert(c) for c in testpki.CHAINS[arch]])
    signer = signers.SimpleSigner(
        signing_cert=pki.get_cert(label),
        signing_key=pki.key_set.get_private_key(label),
        cert_registry=registry,
    )
    testpki.start_responders()
    timestamper = RequestsHTTPTimeStamper(testpki.tsa_url()) if timestamp and arch == testpki.ARCH else None
    meta = signers.PdfSignatureMetadata(
        field_name="SemnaturaPetent", md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES
    )
    out = signers.PdfSigner(meta, signer, timestamper=timestamper).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(plain_pdf()))
    )
    return out.getvalue()


def tampered(data: bytes) -> bytes:
    """One byte of the signed content changed (the page text)."""
    index = data.index(b"Cerere semnata")
    return data[:index] + b"X" + data[index + 1 :]


def malformed() -> bytes:
    return b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nendobj\ngarbage garbage\n%%EOF\n"

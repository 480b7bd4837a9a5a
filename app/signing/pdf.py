"""PAdES on PDF bytes: empty signature fields, one signature (B-T with a visible stamp), the archive update (B-LTA).

Rules from signing-notes: all page content (the registration number included) is on the document before the
first signature; all signature fields are created before anyone signs; the first signature certifies the
document allowing form filling only, later ones fill the existing fields, each in an incremental update."""

import io

from flask import current_app
from flask_babel import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm, SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.validation import add_validation_info

from app.dates import format_datetime, now_utc
from app.signing.keys import SigningRefused
from app.signing.stamp import stamp_style

SIGNATURE_BYTES = 16 * 1024


class UnreadablePdf(ValueError):
    """Malformed or encrypted: the message says which, in Romanian."""


def open_pdf(data: bytes) -> PdfFileReader:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise UnreadablePdf(
                _(
                    "Fișierul PDF este criptat (protejat cu parolă): trimiteți-l fără parolă ca să poată fi "
                    "verificat."
                )
            )
        reader.root  # noqa: B018 - forces the catalog to parse
        reader.embedded_signatures  # noqa: B018 - forces the signature fields to parse
    except UnreadablePdf:
        raise
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise UnreadablePdf(_("Fișierul nu este un PDF valid (structura lui este deteriorată).")) from exc
    return reader


def add_signature_fields(
    data: bytes, boxes: list[tuple[int, float, float, float, float]]
) -> tuple[bytes, list]:
    """One empty signature field per box, in one incremental update. Returns the PDF and the field names."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    names = []
    for index, (page, x1, y1, x2, y2) in enumerate(boxes, start=1):
        name = f"Semnatura{index}"
        fields.append_signature_field(
            writer, SigFieldSpec(sig_field_name=name, on_page=page, box=(x1, y1, x2, y2))
        )
        names.append(name)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), names


def field_box(data: bytes, field_name: str) -> tuple[float, float]:
    """Width and height of an existing signature field's widget."""
    reader = open_pdf(data)
    for name, _value, ref in fields.enumerate_sig_fields(reader, filled_status=False):
        if name == field_name:
            field = ref.get_object()
            rect = field.get("/Rect") or field["/Kids"][0].get_object()["/Rect"]
            x1, y1, x2, y2 = (float(v) for v in rect)
            return abs(x2 - x1), abs(y2 - y1)
    raise SigningRefused(
        _(
            "Documentul nu are câmpul de semnătură %(field_name)s sau acesta este deja semnat.",
            field_name=field_name,
        )
    )


def sign_pdf(
    data: bytes,
    signer: signers.Signer,
    *,
    field_name: str,
    certify: bool,
    name: str,
    function: str,
    reason: str,
    timestamper,
    heading: str = "Semnat electronic de",
    location: str | None = None,
) -> bytes:
    """PAdES B-T (B-B without a timestamper) into the existing empty field `field_name`, with a visible stamp."""
    width, height = field_box(data, field_name)
    when = f"Data: {format_datetime(now_utc())}"
    style = stamp_style(width, height, heading, name, function, when, current_app.config["FONT_DIR"])
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location or current_app.config["SIGNING_LOCATION"],
        name=name,
        certify=certify,
        docmdp_permissions=MDPPerm.FILL_FORMS,
    )
    pdf_signer = signers.PdfSigner(meta, signer, timestamper=timestamper, stamp_style=style)
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    # A fixed reservation spares pyhanko its size-estimating dry run (a second signature and, for B-T, a second
    # timestamp request): 3 certificates + a timestamp token with its own take about 7 KB.
    out = pdf_signer.sign_pdf(writer, existing_fields_only=True, bytes_reserved=SIGNATURE_BYTES)
    return out.getvalue()


def add_archive_evidence(data: bytes, pki) -> bytes:
    """B-LTA: validation data (certificates, OCSP responses, CRLs) for every signature, then a document
    timestamp over all of it, so each signature validates later with the file's own data only."""
    if pki.timestamper is None:
        raise SigningRefused(_("Nu este configurată o autoritate de marcare temporală (SIGNING_TSA_URL)."))
    count = len(open_pdf(data).embedded_signatures)
    for index in range(count):
        # Re-read after each update: the signature objects belong to one revision of the file.
        signature = open_pdf(data).embedded_signatures[index]
        out = add_validation_info(signature, pki.validation_context(), output=io.BytesIO())
        data = out.getvalue()
    out = PdfTimeStamper(pki.timestamper).timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(data)),
        "sha256",
        validation_context=pki.validation_context(),
        output=io.BytesIO(),
    )
    return out.getvalue()

"""Archive-ready signed PDFs (PAdES B-LTA) and their offline validation. The archive package calls these.

`make_archive_ready` adds, for every signature, the certificates, OCSP responses and CRLs that prove it valid
today (earlier signers' data included, which a last signer's B-LT would miss), then a document timestamp over
everything. `validate_offline` judges the file with that local data only, as the archive must years later.
Before the document timestamp's certificate expires, add a new document timestamp (call `make_archive_ready`
again)."""

from app.signing.pdf import add_archive_evidence
from app.signing.pki import current_pki
from app.signing.validation import validate_pdf


def make_archive_ready(data: bytes) -> bytes:
    return add_archive_evidence(data, current_pki())


def validate_offline(data: bytes) -> dict:
    return validate_pdf(data, current_pki(), online=False)

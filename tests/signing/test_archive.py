"""Archive-ready: a file signed by two officials gets validation data for each signature and a document timestamp
(B-LTA); with every responder off and any HTTP request failing, each signature still validates (AdES PASSED)."""

import io

from pyhanko.pdf_utils.reader import PdfFileReader

from app.correspondence.signed_answer import sign_task
from app.extensions import db
from app.signing.archive import make_archive_ready, validate_offline
from app.storage import current_store
from tests.signing.helpers import open_task, pdfsig, petition_at_signing, user


def signed_answer() -> bytes:
    document = petition_at_signing()
    sign_task(open_task(document, "semnare_referent").id, user("referent"))
    db.session.commit()
    sign_task(open_task(document, "semnare_sef").id, user("sef.serviciu"))
    db.session.commit()
    db.session.refresh(document)
    return current_store().get(document.answer().sha256)


def test_archived_multi_signer_file_validates_with_responders_off(ctx, tmp_path, request):
    archived = make_archive_ready(signed_answer())
    types = [s.sig_object_type for s in PdfFileReader(io.BytesIO(archived)).embedded_signatures]
    assert types == ["/Sig", "/Sig", "/DocTimeStamp"]

    blocker = request.getfixturevalue("responders_off")  # from here on, no network and no responders
    report = validate_offline(archived)
    assert blocker.call_count == 0  # nothing was even attempted
    assert report["status"] == "valid", report
    signatures = [e for e in report["signatures"] if e["type"] == "semnatura"]
    assert [e["signer"] for e in signatures] == ["Elena Dumitrescu", "Mihai Ionescu"]
    assert all(e["ades"] == "PASSED" and e["trusted"] and e["intact"] for e in signatures), signatures
    assert report["signatures"][-1]["type"] == "marca_temporala" and report["signatures"][-1]["trusted"]
    out = pdfsig(archived, tmp_path)
    # poppler checks the two signatures; it does not verify document timestamps (ETSI.RFC3161) at all.
    assert out.count("Signature is Valid.") == 2 and "Digest Mismatch" not in out, out


def test_without_the_archive_data_an_offline_validation_cannot_confirm(ctx, request):
    data = signed_answer()
    request.getfixturevalue("responders_off")
    report = validate_offline(data)
    assert report["status"] != "valid"  # revocation data is missing: the archive step is what makes it valid

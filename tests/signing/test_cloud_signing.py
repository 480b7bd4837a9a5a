"""Signing with one's own qualified certificate at a remote provider (CSC API 1.0.4.0, OAuth 2.0), end to end:
our pages and client code against the real CSC service on 127.0.0.1 (tests/signing/csc_provider.py)."""

import pytest
from sqlalchemy import select

from app.correspondence.cloud_signing import SIGNED_SUBMISSION
from app.correspondence.signed_answer import open_request
from app.extensions import db
from app.registry.models import Attachment, DocumentStatus
from app.signing.cloud import CloudSigning, Stage
from app.signing.models import SignatureReport
from app.storage import current_store
from tests.routes import open_task
from tests.signing.cloud_steps import flashed_error, sign_in_cloud
from tests.signing.helpers import pdfsig, petition_at_signing, pyhanko_statuses
from tests.webflow import sign

pytestmark = pytest.mark.real_commits  # the provider's thread and our pages talk over HTTP


def test_official_signs_with_cloud_certificate_then_head_with_institution_key(
    app, csc_provider, csc_service, login_as, tmp_path
):
    with app.test_request_context():
        document = petition_at_signing()
        task_id, document_id = open_task(document, "semnare_referent").id, document.id
        db.session.remove()
    referent = login_as("referent")
    page = f"/sarcini/{task_id}"
    html = referent.get(page).get_data(as_text=True)
    assert "Semnez cu certificatul meu de la furnizor" in html and "Furnizor calificat TEST" in html
    response, cloud_page = sign_in_cloud(
        referent, page, f"/semnare-cloud/pas/{task_id}", csc_provider, csc_service, "elena", "elena-calificat"
    )
    assert response.headers["Location"].endswith("/sarcini/"), flashed_error(referent, cloud_page)
    with app.test_request_context():
        head_task_id = open_task(db.session.get(type(document), document_id), "semnare_sef").id
        db.session.remove()
    # the head signs with the institution-held key, as before
    assert sign(login_as("sef.serviciu"), head_task_id).status_code == 302
    with app.test_request_context():
        document = db.session.get(type(document), document_id)
        assert document.status == DocumentStatus.RESOLVED
        data = current_store().get(document.answer().sha256)
        report = db.session.scalar(select(SignatureReport).where(SignatureReport.document_id == document_id))
        signing = db.session.scalar(select(CloudSigning).where(CloudSigning.document_id == document_id))
        public_id = document.public_id
        statuses = pyhanko_statuses(data)
        assert [name for name, _ in statuses] == ["Semnatura1", "Semnatura2"]
        for name, status in statuses:
            assert status.bottom_line and status.timestamp_validity is not None, (
                name,
                status.pretty_print_details(),
            )
        first = statuses[0][1].signing_cert
        assert first.subject.native["organizational_unit_name"] == "Certificat calificat în cloud (TEST)"
        assert report.status == "valid"
        assert [s["qualified"] for s in report.signatures] == [True, False]
        assert signing.stage == Stage.DONE and signing.token_blob is None
        db.session.remove()
    out = pdfsig(data, tmp_path)
    assert out.count("Signature is Valid.") == 2, out
    # the service saw the whole protocol
    for step in (
        "/oauth2/token",
        "/csc/v1/credentials/list",
        "/csc/v1/credentials/info",
        "/csc/v1/credentials/sendOTP",
        "/csc/v1/credentials/authorize",
        "/csc/v1/signatures/signHash",
    ):
        assert step in csc_service.requests_seen, step
    # the citizen sees the report in plain words, saying the official's certificate is qualified
    page = login_as("cetatean").get(f"/documentele-mele/{public_id}").get_data(as_text=True)
    assert "Certificat calificat conform eIDAS" in page


def test_citizen_signs_submission_with_cloud_certificate(app, csc_provider, csc_service, login_as):
    with app.test_request_context():
        document = petition_at_signing()
        public_id, document_id = document.public_id, document.id
        db.session.remove()
    citizen = login_as("cetatean")
    page = f"/documentele-mele/{public_id}"
    assert "Semnătura dumneavoastră calificată" in citizen.get(page).get_data(as_text=True)
    response, cloud_page = sign_in_cloud(
        citizen,
        page,
        f"/semnare-cloud/depunere/{public_id}",
        csc_provider,
        csc_service,
        "ana",
        "ana-calificat",
    )
    assert response.headers["Location"].endswith(page + "#semnatura-calificata"), flashed_error(
        citizen, cloud_page
    )
    html = citizen.get(page).get_data(as_text=True)
    assert "Ați semnat depunerea cu certificatul dumneavoastră calificat" in html
    assert "Semnat de Ana Popescu" in html
    assert "Certificat calificat conform eIDAS" in html
    assert "Documentul nu a fost modificat după semnare." in html
    with app.test_request_context():
        signed = db.session.scalar(
            select(Attachment).where(
                Attachment.document_id == document_id, Attachment.kind == SIGNED_SUBMISSION
            )
        )
        data, attachment_id = current_store().get(signed.sha256), signed.public_id
        statuses = pyhanko_statuses(data)
        assert len(statuses) == 1 and statuses[0][1].bottom_line
        assert open_request(db.session.get(type(signed.document), document_id)) is not None  # route untouched
        db.session.remove()
    downloaded = citizen.get(f"/fisiere/{attachment_id}")
    assert downloaded.status_code == 200 and downloaded.data == data

"""The petition's answer is signed by the official, then by the head who approved it, inside the route."""

import pytest
from sqlalchemy import select

from app.correspondence.signed_answer import sign_task
from app.extensions import db
from app.registry.models import DocumentStatus
from app.signing.models import SignatureReport
from app.storage import current_store
from app.workflow.runtime import FormInvalid, NotCandidate, complete_task
from tests.signing.helpers import open_task, pdfsig, petition_at_signing, pyhanko_statuses, user

pytestmark = pytest.mark.date_sensitive


def test_answer_is_signed_by_the_official_then_the_head_and_validates(ctx, tmp_path):
    document = petition_at_signing()
    assert document.status == DocumentStatus.IN_PROGRESS
    assert document.answer() is None  # the citizen gets nothing before every signature
    sign_task(open_task(document, "semnare_referent").id, user("referent"))
    db.session.commit()
    sign_task(open_task(document, "semnare_sef").id, user("sef.serviciu"))
    db.session.commit()
    db.session.refresh(document)
    assert document.status == DocumentStatus.RESOLVED
    data = current_store().get(document.answer().sha256)
    statuses = pyhanko_statuses(data)
    assert [name for name, _ in statuses] == ["Semnatura1", "Semnatura2"]
    for name, status in statuses:
        assert status.intact and status.valid and status.trusted and not status.revoked, name
        assert status.bottom_line, status.pretty_print_details()
        assert status.timestamp_validity is not None  # B-T
    signers = [s.signing_cert.subject.native["common_name"] for _, s in statuses]
    assert signers == ["Elena Dumitrescu", "Mihai Ionescu"]
    out = pdfsig(data, tmp_path)
    assert out.count("Signature is Valid.") == 2, out
    report = db.session.scalar(select(SignatureReport).where(SignatureReport.document_id == document.id))
    assert report.status == "valid" and len(report.signatures) == 2
    assert all(s["ades"] == "PASSED" for s in report.signatures)


def test_signing_step_cannot_be_completed_without_signing(ctx):
    document = petition_at_signing()
    with pytest.raises(FormInvalid):
        complete_task(open_task(document, "semnare_referent").id, user("referent"), {})
    db.session.rollback()


def test_the_head_cannot_sign_before_the_official(ctx):
    document = petition_at_signing()
    task = open_task(document, "semnare_referent")
    with pytest.raises(NotCandidate):  # the official's step is not the head's to take
        sign_task(task.id, user("sef.serviciu"))
    db.session.rollback()
    assert open_task(document, "semnare_referent").id == task.id

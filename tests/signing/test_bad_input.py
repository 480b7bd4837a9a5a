"""Refusals with a clear Romanian message, and nothing changed: a revoked, expired or untrusted certificate
(checked before signing), the wrong signer, a wrong passphrase; and at upload a tampered, revoked, untrusted,
encrypted or malformed PDF."""

import io
import re

import pytest
from sqlalchemy import func, select

from app.correspondence.signed_answer import open_request, sign_task
from app.extensions import db
from app.registry.models import Attachment, Document
from app.signing import testpki
from app.signing.keys import SigningRefused, import_pkcs12
from app.signing.models import SignatureReport
from app.storage import current_store
from tests.signing.helpers import open_task, petition_at_signing, user
from tests.signing.pdfs import malformed, plain_pdf, signed_pdf, tampered
from tests.webflow import submit_petition


def give_key(username: str, label: str, arch: str = testpki.ARCH, passphrase: str | None = None, ask=False):
    data = testpki.pkcs12_for(label, passphrase.encode() if passphrase else None, arch)
    import_pkcs12(data, passphrase, user=user(username), store_passphrase=not ask)
    db.session.commit()


def assert_nothing_signed(document, task_id: int, before: str) -> None:
    db.session.rollback()
    assert open_request(document).current_sha256 == before
    assert open_task(document, "semnare_referent").id == task_id
    assert document.answer() is None


@pytest.mark.parametrize(
    ("label", "arch", "message"),
    [
        ("revocat", testpki.ARCH, "a fost revocat"),
        ("expirat", testpki.ARCH, "a expirat la 01.01.2022"),
        (
            "strain-semnatar",
            testpki.UNTRUSTED_ARCH,
            "nu provine de la o autoritate de certificare de încredere",
        ),
    ],
    ids=["revoked", "expired", "unknown-root"],
)
def test_a_bad_certificate_is_refused_before_signing(ctx, label, arch, message):
    document = petition_at_signing()
    task = open_task(document, "semnare_referent")
    before = open_request(document).current_sha256
    give_key("referent", label, arch)
    with pytest.raises(SigningRefused, match=message):
        sign_task(task.id, user("referent"))
    assert_nothing_signed(document, task.id, before)


def test_only_the_expected_signer_signs_in_the_expected_order(ctx):
    document = petition_at_signing()
    task = open_task(document, "semnare_referent")
    before = open_request(document).current_sha256
    # The head holds no candidate task yet; making him a candidate still does not let him sign her field.
    task.assignee_id = user("sef.serviciu").id
    db.session.commit()
    with pytest.raises(SigningRefused, match="trebuie semnat acum de Elena Dumitrescu"):
        sign_task(task.id, user("sef.serviciu"))
    db.session.rollback()
    assert open_request(document).current_sha256 == before


def test_a_passphrase_asked_at_signing_is_never_stored_and_must_be_right(ctx):
    document = petition_at_signing()
    task = open_task(document, "semnare_referent")
    before = open_request(document).current_sha256
    give_key("referent", "referent", passphrase="parola-lunga", ask=True)
    with pytest.raises(SigningRefused, match="Introduceți parola"):
        sign_task(task.id, user("referent"))
    assert_nothing_signed(document, task.id, before)
    with pytest.raises(SigningRefused, match="parola este greșită"):
        sign_task(task.id, user("referent"), "gresita")
    assert_nothing_signed(document, task.id, before)
    sign_task(task.id, user("referent"), "parola-lunga")
    db.session.commit()
    assert open_request(document).fields[0]["signed_at"]


def test_the_signing_page_shows_the_refusal_and_changes_nothing(app, login_as):
    with app.app_context():
        document = petition_at_signing()
        task_id = open_task(document, "semnare_referent").id
        give_key("referent", "revocat")
        before = open_request(document).current_sha256
        db.session.remove()
    official = login_as("referent")
    from tests.webflow import sign

    response = sign(official, task_id)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "a fost revocat de emitent" in page
    with app.app_context():
        document = db.session.scalar(select(Document))
        assert open_request(document).current_sha256 == before


# --- uploads -----------------------------------------------------------------------------------------------------


def upload(client, name: str, data: bytes):
    return submit_petition(client, files=[(io.BytesIO(data), name)])


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: tampered(signed_pdf()), "fișierul a fost modificat după semnare"),
        (lambda: signed_pdf("revocat"), "a fost revocat"),
        (lambda: signed_pdf("strain-semnatar", testpki.UNTRUSTED_ARCH), "nu provine de la o autoritate"),
        (lambda: plain_pdf(encrypt="secret"), "este criptat"),
        (malformed, "nu este un PDF valid"),
    ],
    ids=["tampered", "revoked", "unknown-root", "encrypted", "malformed"],
)
def test_a_bad_pdf_is_refused_at_upload_and_nothing_is_stored(app, login_as, make, message):
    citizen = login_as("cetatean")
    response = upload(citizen, "cerere.pdf", make())
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "cerere.pdf" in page and message in page, re.sub(r"\s+", " ", page)[-3000:]
    with app.app_context():
        assert count(Document) == 0 and count(Attachment) == 0 and count(SignatureReport) == 0


def test_a_signed_pdf_upload_is_validated_and_its_report_shown(app, login_as, tmp_path):
    citizen = login_as("cetatean")
    data = signed_pdf("secretar")
    response = upload(citizen, "cerere-semnata.pdf", data)
    assert response.status_code == 302
    page = citizen.get(response.headers["Location"]).get_data(as_text=True)
    assert "Semnături valide" in page
    assert "Semnat de Gheorghe Stănescu" in page
    assert "Documentul nu a fost modificat după semnare." in page
    assert "Certificatul nu este revocat" in page
    assert "(PASSED)" in page
    with app.app_context():
        report = db.session.scalar(select(SignatureReport))
        assert report.direction == "intrare" and report.status == "valid"
        assert current_store().get(report.sha256) == data
        document = db.session.scalar(select(Document))
    clerk = login_as("registrator")
    staff_page = clerk.get(f"/documente/{document.public_id}").get_data(as_text=True)
    assert "Semnături electronice verificate" in staff_page and "Semnat de Gheorghe Stănescu" in staff_page


def test_an_unsigned_pdf_is_accepted_without_a_report(app, login_as):
    response = upload(login_as("cetatean"), "cerere.pdf", plain_pdf())
    assert response.status_code == 302
    with app.app_context():
        assert count(Attachment) == 1 and count(SignatureReport) == 0

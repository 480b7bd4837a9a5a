"""A key generated on a SoftHSM2 token (it never leaves it) signs through the same signer interface as a
PKCS#12 file: a certified B-T signature that validates against the demo root."""

import io

from certomancer.integrations.illusionist import Illusionist
from pyhanko.pdf_utils.reader import PdfFileReader

from app.extensions import db
from app.signing import testpki
from app.signing.keys import check_signing_certificate, load_signer, register_pkcs11
from app.signing.pdf import add_signature_fields, sign_pdf
from app.signing.pki import current_pki
from app.signing.validation import validate_pdf
from tests.signing.helpers import pdfsig, user
from tests.signing.pdfs import plain_pdf


def test_a_token_key_signs_and_the_signature_validates(ctx, app, softhsm_token, tmp_path):
    app.config["SIGNING_PKCS11_MODULE"] = softhsm_token["module"]
    pki = current_pki()
    # The token's certificate comes from a copy of the test PKI: let its responders answer for it too.
    mocker = testpki.start_responders()
    Illusionist(softhsm_token["arch"]).register(mocker)
    try:
        credential = register_pkcs11(
            token_label=softhsm_token["token_label"],
            key_label=softhsm_token["key_label"],
            certificate=softhsm_token["certificate"],
            chain=softhsm_token["chain"],
            pin=softhsm_token["pin"],
            user=user("secretar"),
        )
        db.session.commit()
        signer = load_signer(credential)
        check_signing_certificate(signer, pki, "Gheorghe Stănescu")
        pdf, [field] = add_signature_fields(plain_pdf(), [(0, 72, 72, 252, 136)])
        signed = sign_pdf(
            pdf,
            signer,
            field_name=field,
            certify=True,
            name="Gheorghe Stănescu",
            function="Secretar general al județului",
            reason="Test PKCS#11",
            timestamper=pki.timestamper,
        )
        report = validate_pdf(signed, pki)
    finally:
        testpki.stop_responders()
        testpki.start_responders()
    [entry] = report["signatures"]
    assert report["status"] == "valid", report
    assert entry["signer"] == "Gheorghe Stănescu" and entry["timestamp"] and entry["certified"]
    signature = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    assert signature.signer_cert.dump() == softhsm_token["certificate"].dump()
    assert "Signature is Valid." in pdfsig(signed, tmp_path)

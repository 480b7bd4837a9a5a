"""The institution's e-seal over arbitrary bytes (a detached CAdES-T signature), for evidence that is not a PDF:
the audit bundle's manifest, for one."""

import asyncio

from flask_babel import gettext as _

from app.signing.keys import SigningRefused, active_credential, check_signing_certificate, load_signer
from app.signing.pki import current_pki


def seal_detached(data: bytes, institution) -> tuple[bytes, str]:
    """DER-encoded CMS SignedData over `data` (not embedded), timestamped; raises SigningRefused without a seal."""
    credential = active_credential(institution=institution)
    if credential is None:
        raise SigningRefused(_("Instituția nu are un sigiliu electronic înregistrat."))
    signer = load_signer(credential)
    pki = current_pki()
    check_signing_certificate(signer, pki, f"sigiliul {institution.name}")
    signed = asyncio.run(
        signer.async_sign_general_data(
            data, "sha256", detached=True, use_cades=True, timestamper=pki.timestamper
        )
    )
    subject = signer.signing_cert.subject.human_friendly
    return signed.dump(), f"sigilat electronic (CAdES-T, detașat) de {subject}"

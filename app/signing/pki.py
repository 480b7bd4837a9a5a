"""Where trust comes from: trust roots, the timestamp authority, how revocation data is fetched.

One timestamper and one fetcher backend per process are reused for every signature (signing-notes: building
them per signature costs more than the signature). With SIGNING_TEST_PKI the committed test PKI is the only
trust root and its responders answer in process."""

import threading
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509
from flask import current_app
from flask_babel import gettext as _
from pyhanko.keys import load_certs_from_pemder
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager


class SigningNotConfigured(RuntimeError):
    pass


@dataclass
class Pki:
    trust_roots: list[x509.Certificate]
    timestamper: RequestsHTTPTimeStamper | None
    fetcher_backend: RequestsFetcherBackend

    def validation_context(self, online: bool = True, **kwargs) -> ValidationContext:
        """Revocation checked strictly ("hard-fail"): an unknown status is not a good status."""
        return ValidationContext(
            trust_roots=self.trust_roots,
            allow_fetching=online,
            fetcher_backend=self.fetcher_backend if online else None,
            revocation_mode="hard-fail",
            **kwargs,
        )

    def ades_spec(self, online: bool = True) -> PdfSignatureValidationSpec:
        """ETSI EN 319 102-1 validation; offline means the file's own validation data only (the archive)."""
        rule = (
            RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH if online else RevinfoOnlineFetchingRule.LOCAL_ONLY
        )
        return PdfSignatureValidationSpec(
            SignatureValidationSpec(
                cert_validation_policy=CertValidationPolicySpec(
                    trust_manager=SimpleTrustManager.build(trust_roots=self.trust_roots),
                    revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
                ),
                revinfo_gathering_policy=RevocationInfoGatheringSpec(
                    online_fetching_rule=rule, fetcher_backend=self.fetcher_backend if online else None
                ),
            )
        )


_lock = threading.Lock()
_cache: dict[tuple, Pki] = {}


def current_pki() -> Pki:
    config = current_app.config
    key = (bool(config["SIGNING_TEST_PKI"]), tuple(config["SIGNING_TRUST_ROOTS"]), config["SIGNING_TSA_URL"])
    with _lock:
        if key not in _cache:
            _cache[key] = _build(*key)
        pki = _cache[key]
    if config["SIGNING_TEST_PKI"]:
        from app.signing import testpki

        testpki.start_responders()
    return pki


def _build(test_pki: bool, root_files: tuple, tsa_url: str | None) -> Pki:
    roots: list[x509.Certificate] = []
    if test_pki:
        from app.signing import testpki

        roots.append(testpki.root_certificate())
        tsa_url = tsa_url or testpki.tsa_url()
    for path in root_files:
        roots.extend(load_certs_from_pemder([str(Path(path))]))
    if not roots:
        raise SigningNotConfigured(
            _(
                "Semnarea nu este configurată: setați SIGNING_TRUST_ROOTS (sau SIGNING_TEST_PKI=1 pentru "
                "demonstrație)."
            )
        )
    return Pki(
        trust_roots=roots,
        timestamper=RequestsHTTPTimeStamper(tsa_url, timeout=20) if tsa_url else None,
        fetcher_backend=RequestsFetcherBackend(per_request_timeout=20),
    )

"""The committed TEST PKI (see README.md here): loading it, and serving its OCSP, CRL and TSA responders in
process, so the demo and the tests sign and validate with the same HTTP clients a deployment uses, without
any socket or network."""

import threading
from functools import cache
from pathlib import Path

# Registers the QCStatements extension with asn1crypto, so the qualified test certificates can be built and read.
import pyhanko.sign.ades.qualified_asn1  # noqa: F401
import requests_mock
from certomancer.integrations.illusionist import Illusionist
from certomancer.registry import CertomancerConfig, PKIArchitecture
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

CONFIG = Path(__file__).resolve().parent / "certomancer.yml"
ARCH = "demo"
UNTRUSTED_ARCH = "strain"

# Demo username -> certificate label in certomancer.yml.
DEMO_SIGNERS = {
    "referent": "referent",
    "sef.serviciu": "sef-serviciu",
    "registrator": "registrator",
    "secretar": "secretar",
}
SEAL = "sigiliu"

_lock = threading.Lock()
_mocker: requests_mock.Mocker | None = None
_suspended = False


@cache
def config() -> CertomancerConfig:
    return CertomancerConfig.from_file(str(CONFIG))


def arch(label: str = ARCH) -> PKIArchitecture:
    return config().get_pki_arch(label)


def root_certificate():
    return arch().get_cert("root")


def tsa_url() -> str:
    return arch().service_registry.list_time_stamping_services()[0].url


CHAINS = {ARCH: ("interm", "root"), UNTRUSTED_ARCH: ("strain-root",)}


def pkcs12_for(label: str, passphrase: bytes | None, arch_label: str = ARCH) -> bytes:
    """A PKCS#12 file with the key, the certificate and its CA chain, as an administrator would upload it."""
    pki = arch(arch_label)
    key = serialization.load_der_private_key(pki.key_set.get_private_key(label).dump(), password=None)
    encryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        name=label.encode(),
        key=key,
        cert=x509.load_der_x509_certificate(pki.get_cert(label).dump()),
        cas=[x509.load_der_x509_certificate(pki.get_cert(c).dump()) for c in CHAINS[arch_label]],
        encryption_algorithm=encryption,
    )


@cache
def demo_pkcs12(label: str) -> bytes:
    """The demo officials' key files, without a passphrase (made once per process)."""
    return pkcs12_for(label, None)


def start_responders(at_time=None) -> requests_mock.Mocker:
    """Serve the demo PKI's OCSP, CRL and TSA URLs in this process (idempotent). Other URLs go to the network
    as usual (real_http=True)."""
    global _mocker
    with _lock:
        if _mocker is None and not _suspended:
            mocker = requests_mock.Mocker(real_http=True)
            mocker.start()
            for label in (ARCH, UNTRUSTED_ARCH):
                Illusionist(arch(label), at_time=at_time).register(mocker)
            _mocker = mocker
        return _mocker


def stop_responders(suspend: bool = False) -> None:
    """Turn the responders off; with `suspend`, keep them off until `resume_responders` (offline tests)."""
    global _mocker, _suspended
    with _lock:
        _suspended = suspend
        if _mocker is not None:
            _mocker.stop()
            _mocker = None


def resume_responders() -> None:
    global _suspended
    with _lock:
        _suspended = False
    start_responders()

"""Signing keys: PKCS#12 files encrypted at rest, PKCS#11 tokens, and the check of a certificate before it signs.

Every kind of key ends up as a pyhanko `Signer` (`load_signer`), which is the one interface the rest of the
package uses; a remote CSC-API signing service fits behind it too (docs/signing.md).

Speed (signing-notes): pyhanko's SimpleSigner re-parses the private key at every raw signature; `KeptKeySigner`
parses it once. Signers whose secret is stored are cached per process; a key protected by a passphrase the
official types is loaded for that one signature and never kept."""

import asyncio
import base64
import hashlib
import os
import threading
from collections import OrderedDict
from datetime import UTC
from pathlib import Path

from asn1crypto import x509
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from flask import current_app
from flask_babel import gettext as _
from pyhanko.sign import signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko_certvalidator import CertificateValidator
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)
from sqlalchemy import select

from app.dates import format_date, now_utc
from app.extensions import db
from app.signing.models import CredentialKind, SigningCredential


class SigningRefused(Exception):
    """A clear Romanian reason why this signature cannot be made now; nothing was changed."""


# --- encryption at rest -----------------------------------------------------------------------------------------

_KEY_FILE = "signing-key-encryption.key"


def _fernet_key() -> bytes:
    key = current_app.config.get("SIGNING_KEY_ENCRYPTION_KEY")
    if not key:
        # The quick demo and the tests make their own key under the instance folder; a deployment sets
        # SIGNING_KEY_ENCRYPTION_KEY from its secret store (docs/signing.md).
        path = Path(current_app.config["INSTANCE_DIR"]) / _KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(Fernet.generate_key())
            if not current_app.config.get("TESTING"):
                current_app.logger.warning(
                    "SIGNING_KEY_ENCRYPTION_KEY not set: generated %s (demo only)", path
                )
        key = path.read_bytes().strip()
    return key.encode() if isinstance(key, str) else key


def _fernet() -> Fernet:
    return Fernet(_fernet_key())


def encryption_key_id() -> str:
    """A fingerprint of the key that encrypts keys at rest (never the key itself).

    Fernet's key is a signing half then an encryption half; the fingerprint hashes the signing half, read from the
    key itself rather than from Fernet's private attributes (gone from cryptography 51)."""
    signing_half = base64.urlsafe_b64decode(_fernet_key())[:16]
    return hashlib.sha256(signing_half).hexdigest()[:16]


def encrypt(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt(blob: bytes) -> bytes:
    try:
        return _fernet().decrypt(blob)
    except InvalidToken as exc:
        raise SigningRefused(
            _(
                "Cheia de semnare nu poate fi decriptată: cheia de criptare a serverului s-a schimbat. "
                "Administratorul trebuie să încarce din nou certificatul."
            )
        ) from exc


# --- signers ------------------------------------------------------------------------------------------------------


class KeptKeySigner(signers.SimpleSigner):
    """SimpleSigner that parses its private key once instead of at every raw signature."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._private_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        key = self._private_key
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
            return key.sign(data, PKCS1v15(), hash_algo)
        if mechanism == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
            return key.sign(data, ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)


def _certificate_rows(cert: x509.Certificate, chain: list[x509.Certificate]) -> dict:
    return {
        "certificate_der": cert.dump(),
        "chain_der": [base64.b64encode(c.dump()).decode() for c in chain],
        "subject": cert.subject.human_friendly[:400],
        "issuer": cert.issuer.human_friendly[:400],
        "serial": format(cert.serial_number, "x")[:80],
        "fingerprint": hashlib.sha256(cert.dump()).hexdigest(),
        "not_before": cert.not_valid_before.astimezone(UTC).replace(tzinfo=None),
        "not_after": cert.not_valid_after.astimezone(UTC).replace(tzinfo=None),
    }


def _load_pkcs12(data: bytes, passphrase: str | None) -> signers.SimpleSigner:
    try:
        return _kept_from_pkcs12(data, passphrase)
    except ValueError as exc:
        raise SigningRefused(
            _(
                "Fișierul PKCS#12 nu a putut fi deschis: parola este greșită sau fișierul nu este un "
                "certificat cu cheie."
            )
        ) from exc


def _kept_from_pkcs12(data: bytes, passphrase: str | None) -> KeptKeySigner:
    loaded = signers.SimpleSigner.load_pkcs12_data(
        data, other_certs=[], passphrase=passphrase.encode() if passphrase else None
    )
    return KeptKeySigner(
        signing_cert=loaded.signing_cert,
        signing_key=loaded.signing_key,
        cert_registry=loaded.cert_registry,
    )


def import_pkcs12(
    data: bytes,
    passphrase: str | None,
    *,
    user=None,
    institution=None,
    store_passphrase: bool = True,
    label: str | None = None,
    created_by=None,
) -> SigningCredential:
    """Check the file opens with the passphrase, then store it encrypted. The person's (or institution's)
    previous keys stop being used. `store_passphrase=False`: the official types it at every signature."""
    if (user is None) == (institution is None):
        raise ValueError("a key belongs to one person or to one institution")
    columns = pkcs12_columns(data, passphrase, store_passphrase)
    _deactivate_previous(user, institution)
    credential = SigningCredential(
        user_id=user.id if user else None,
        institution_id=institution.id if institution else None,
        label=label or columns["subject"],
        created_by_id=created_by.id if created_by else None,
        **columns,
    )
    db.session.add(credential)
    db.session.flush()
    return credential


def pkcs12_columns(data: bytes, passphrase: str | None, store_passphrase: bool = True) -> dict:
    """The stored form of a PKCS#12 file (checked to open with the passphrase): certificate facts and the
    encrypted file and passphrase."""
    try:
        loaded = signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=[], passphrase=passphrase.encode() if passphrase else None
        )
    except ValueError as exc:
        raise SigningRefused(
            _(
                "Fișierul PKCS#12 nu a putut fi deschis: parola este greșită sau fișierul nu este un "
                "certificat cu cheie."
            )
        ) from exc
    cert = loaded.signing_cert
    chain = [c for c in loaded.cert_registry if c.dump() != cert.dump()]
    return {
        "kind": CredentialKind.PKCS12,
        "secret_blob": encrypt(data),
        "passphrase_blob": encrypt((passphrase or "").encode()) if store_passphrase else None,
        **_certificate_rows(cert, chain),
    }


def register_pkcs11(
    *,
    token_label: str,
    key_label: str,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    pin: str | None,
    user=None,
    institution=None,
    created_by=None,
) -> SigningCredential:
    """A key that lives on a PKCS#11 token (smart card, HSM; SoftHSM2 in the tests). Only the token and key
    labels, the certificate and (optionally) the PIN, encrypted, are stored."""
    _deactivate_previous(user, institution)
    credential = SigningCredential(
        user_id=user.id if user else None,
        institution_id=institution.id if institution else None,
        kind=CredentialKind.PKCS11,
        label=f"{token_label}/{key_label}",
        token_label=token_label,
        key_label=key_label,
        passphrase_blob=encrypt(pin.encode()) if pin else None,
        created_by_id=created_by.id if created_by else None,
        **_certificate_rows(certificate, chain),
    )
    db.session.add(credential)
    db.session.flush()
    return credential


def _deactivate_previous(user, institution) -> None:
    query = select(SigningCredential).where(SigningCredential.active.is_(True))
    if user is not None:
        query = query.where(SigningCredential.user_id == user.id)
    else:
        query = query.where(SigningCredential.institution_id == institution.id)
    for old in db.session.scalars(query):
        old.active = False


def active_credential(user=None, institution=None) -> SigningCredential | None:
    query = select(SigningCredential).where(SigningCredential.active.is_(True))
    if user is not None:
        query = query.where(SigningCredential.user_id == user.id)
    else:
        query = query.where(SigningCredential.institution_id == institution.id)
    return db.session.scalar(query.order_by(SigningCredential.id.desc()).limit(1))


_cache_lock = threading.Lock()
_signer_cache: OrderedDict[tuple, signers.Signer] = OrderedDict()
_CACHE_SIZE = 64
_pkcs11_sessions: dict[tuple, object] = {}


def _chain(credential: SigningCredential) -> list[x509.Certificate]:
    return [x509.Certificate.load(base64.b64decode(c)) for c in credential.chain_der or []]


def load_signer(credential: SigningCredential, secret: str | None = None) -> signers.Signer:
    """The pyhanko Signer for a stored key. `secret` is the passphrase or PIN typed at signing, when the
    credential does not store it."""
    if credential.asks_passphrase and not secret:
        raise SigningRefused(_("Introduceți parola cheii de semnare (sau PIN-ul dispozitivului)."))
    cache_key = (
        credential.id,
        credential.fingerprint,
        hashlib.sha256(credential.secret_blob or b"").hexdigest(),
    )
    if not credential.asks_passphrase:
        with _cache_lock:
            if cache_key in _signer_cache:
                _signer_cache.move_to_end(cache_key)
                return _signer_cache[cache_key]
    stored = decrypt(credential.passphrase_blob).decode() if credential.passphrase_blob else None
    password = secret if credential.asks_passphrase else stored
    if credential.kind == CredentialKind.PKCS12:
        signer = _load_pkcs12(decrypt(credential.secret_blob), password or None)
        if signer.signing_cert.dump() != credential.certificate_der:
            raise SigningRefused(_("Fișierul cheii nu mai corespunde certificatului înregistrat."))
    elif credential.kind == CredentialKind.PKCS11:
        signer = _pkcs11_signer(credential, password)
    else:
        raise SigningRefused(f"Tip de cheie necunoscut: {credential.kind}")
    if not credential.asks_passphrase:
        with _cache_lock:
            _signer_cache[cache_key] = signer
            while len(_signer_cache) > _CACHE_SIZE:
                _signer_cache.popitem(last=False)
    return signer


def _pkcs11_signer(credential: SigningCredential, pin: str | None) -> signers.Signer:
    from pkcs11 import PKCS11Error
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    module = current_app.config["SIGNING_PKCS11_MODULE"]
    session_key = (module, credential.token_label, pin)
    try:
        session = _pkcs11_sessions.get(session_key)
        if session is None:
            session = open_pkcs11_session(
                module, token_criteria=TokenCriteria(label=credential.token_label), user_pin=pin
            )
            if not credential.asks_passphrase:
                _pkcs11_sessions[session_key] = session
        certificate = x509.Certificate.load(credential.certificate_der)
        return PKCS11Signer(
            session,
            key_label=credential.key_label,
            signing_cert=certificate,
            ca_chain=_chain(credential),
            other_certs_to_pull=(),
        )
    except (PKCS11Error, OSError, ValueError) as exc:
        raise SigningRefused(
            _(
                "Dispozitivul de semnare „%(token_label)s” nu răspunde sau PIN-ul este greșit (%(error)s).",
                token_label=credential.token_label,
                error=type(exc).__name__,
            )
        ) from exc


def forget_cached_signers() -> None:
    with _cache_lock:
        _signer_cache.clear()


# --- the certificate must be good now ------------------------------------------------------------------------------


def check_signing_certificate(signer: signers.Signer, pki, who: str) -> None:
    """Refuse, before signing, a certificate that is expired, not yet valid, revoked, of unknown origin, or whose
    status cannot be learnt: B-B and B-T signing would not notice (signing-notes)."""
    cert = signer.signing_cert
    now = now_utc()
    if cert.not_valid_after < now:
        raise SigningRefused(
            _(
                "Certificatul de semnare al lui %(who)s a expirat la %(date)s: nu se poate semna cu "
                "el. Cereți administratorului un certificat valid.",
                who=who,
                date=format_date(cert.not_valid_after),
            )
        )
    if cert.not_valid_before > now:
        raise SigningRefused(
            f"Certificatul de semnare al lui {who} este valabil abia de la {format_date(cert.not_valid_before)}."
        )
    intermediates = [c for c in signer.cert_registry if c.dump() != cert.dump()]
    validator = CertificateValidator(
        cert, intermediate_certs=intermediates, validation_context=pki.validation_context()
    )
    try:
        asyncio.run(validator.async_validate_usage({"non_repudiation"}))
    except RevokedError as exc:
        raise SigningRefused(
            _(
                "Certificatul de semnare al lui %(who)s a fost revocat de emitent: nu se poate semna cu el. "
                "Cereți administratorului un certificat nou.",
                who=who,
            )
        ) from exc
    except (ExpiredError, NotYetValidError) as exc:
        raise SigningRefused(f"Certificatul de semnare al lui {who} nu este valabil acum.") from exc
    except PathBuildingError as exc:
        raise SigningRefused(
            _(
                "Certificatul de semnare al lui %(who)s nu provine de la o autoritate de certificare de "
                "încredere.",
                who=who,
            )
        ) from exc
    except InsufficientRevinfoError as exc:
        raise SigningRefused(
            _(
                "Starea certificatului (OCSP/CRL) nu a putut fi verificată acum; încercați din nou peste "
                "câteva minute."
            )
        ) from exc
    except InvalidCertificateError as exc:
        raise SigningRefused(
            _(
                "Certificatul lui %(who)s nu poate fi folosit pentru semnătură electronică (%(error)s).",
                who=who,
                error=exc,
            )
        ) from exc
    except PathValidationError as exc:
        raise SigningRefused(f"Certificatul de semnare al lui {who} nu a trecut verificarea: {exc}") from exc

"""Signing with the signer's own (qualified) certificate held by a remote provider, through the Cloud Signature
Consortium API 1.0.4.0 and OAuth 2.0, for officials at a signing step and citizens on the portal.

The steps, each one HTTP request of the signer (so the provider's pages can sit in between):
1. `start`: a `CloudSigning` row; the browser goes to the provider's `oauth2/authorize` (scope `service`).
2. `receive_code` (back from the provider): code -> service token; `credentials/list` and `credentials/info`
   (pyhanko's `fetch_certs_in_csc_credential`); the signer chooses a certificate.
3. `choose_credential`: the certificate is checked (valid now, not revoked, chains to the provider's registered
   roots, qualified when required); the PDF is prepared with its signature placeholder (pyhanko's interrupted
   signing) and the hash to sign computed; the browser goes to `oauth2/authorize` again, scope `credential`,
   with that hash.
4. `receive_code` again: code -> credential token; `credentials/sendOTP` when the code is sent by the provider.
5. `finish` with the one-time code: `credentials/authorize` (-> SAD bound to the hash), `signatures/signHash`
   through pyhanko's `CSCSigner`, the signature checked against the hash and the certificate, the timestamp
   added (B-T), the file validated; only then does it replace the current version, in the caller's transaction.

A refusal or a provider that is down or slow changes nothing: the row keeps its step and the signer retries.
Tokens are stored only encrypted, for the minutes a signature takes; the signer's passwords stay at the
provider."""

import asyncio
import base64
import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import aiohttp
import requests
from asn1crypto import cms, x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from flask import current_app
from flask_babel import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationInfo,
    CSCCredentialInfo,
    CSCServiceSessionInfo,
    CSCSigner,
    PrefetchedSADAuthorizationManager,
    fetch_certs_in_csc_credential,
)
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from sqlalchemy import ForeignKey, LargeBinary, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dates import as_utc, format_date, format_datetime, now_utc
from app.extensions import JsonType, db
from app.identity.models import User
from app.registry.models import Document
from app.signing.keys import SigningRefused, check_signing_certificate, decrypt, encrypt
from app.signing.models import ReportStatus
from app.signing.pdf import SIGNATURE_BYTES, field_box
from app.signing.providers import SigningProvider, provider_pki
from app.signing.qualified import is_qualified
from app.signing.stamp import stamp_style
from app.signing.validation import first_problem, validate_pdf
from app.storage import current_store

DIGEST = "sha256"
LIFETIME = timedelta(minutes=30)


class Stage:
    SERVICE = "autentificare"  # waiting for the provider's login (service scope)
    CHOOSE = "alegere"  # the signer chooses a certificate
    CREDENTIAL = "autorizare"  # waiting for the provider's authorization of this hash (credential scope)
    CODE = "cod"  # the signer types the one-time code
    DONE = "semnat"


class Purpose:
    TASK = "pas"  # an official's signing step
    SUBMISSION = "depunere"  # a citizen signs their submission


class CloudSigning(db.Model):
    """One signature in progress at a remote provider (the OAuth `state` is its public id)."""

    __tablename__ = "cloud_signings"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("signing_providers.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    purpose: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20), default=Stage.SERVICE)
    credentials: Mapped[list] = mapped_column(JsonType, default=list)  # what credentials/list+info offered
    credential_id: Mapped[str | None] = mapped_column(String(200))
    token_blob: Mapped[bytes | None] = mapped_column(LargeBinary)  # the credential-scope token, encrypted
    base_sha256: Mapped[str | None] = mapped_column(String(64))  # the version the signature is prepared over
    prepared_sha256: Mapped[str | None] = mapped_column(String(64))  # that version with the placeholder
    prepared: Mapped[dict] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    provider: Mapped[SigningProvider] = relationship()
    document: Mapped[Document] = relationship()

    def chosen(self) -> dict | None:
        return next((c for c in self.credentials if c["id"] == self.credential_id), None)


# --- talking to the provider --------------------------------------------------------------------------------------


def _timeout() -> float:
    return float(current_app.config["SIGNING_CSC_TIMEOUT"])


def _unreachable(provider: SigningProvider) -> SigningRefused:
    return SigningRefused(
        _(
            "Furnizorul de semnătură „%(name)s” nu răspunde acum. Nu s-a semnat nimic; încercați din nou peste "
            "câteva minute.",
            name=provider.name,
        )
    )


def _malformed(provider: SigningProvider) -> SigningRefused:
    return SigningRefused(
        _(
            "Furnizorul de semnătură „%(name)s” a trimis un răspuns nevalid. Nu s-a semnat nimic; încercați din "
            "nou, iar dacă se repetă anunțați administratorul.",
            name=provider.name,
        )
    )


def _refused_by_provider(provider: SigningProvider, answer: dict) -> SigningRefused:
    if answer.get("error") == "invalid_otp":
        return SigningRefused(
            _(
                "Codul unic este greșit sau a expirat. Cereți un cod nou și introduceți-l. Nu s-a semnat nimic."
            )
        )
    return SigningRefused(
        _(
            "Furnizorul de semnătură „%(name)s” a refuzat cererea (%(reason)s). Nu s-a semnat nimic.",
            name=provider.name,
            reason=str(answer.get("error_description") or answer.get("error") or "?")[:200],
        )
    )


def _post(provider: SigningProvider, url: str, *, token: str | None = None, json=None, form=None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = requests.post(url, json=json, data=form, headers=headers, timeout=_timeout())
    except requests.RequestException as exc:
        raise _unreachable(provider) from exc
    if response.status_code >= 500:
        raise _unreachable(provider)
    if response.status_code == 204:
        return {}
    try:
        answer = response.json()
    except ValueError as exc:
        raise _malformed(provider) from exc
    if not isinstance(answer, dict):
        raise _malformed(provider)
    if response.status_code >= 400:
        raise _refused_by_provider(provider, answer)
    return answer


def _csc(provider: SigningProvider, endpoint: str) -> str:
    return f"{provider.base_url}/csc/v1/{endpoint}"


def authorization_url(signing: CloudSigning, redirect_uri: str) -> str:
    """The provider's OAuth 2.0 authorization endpoint: scope `service` first, then `credential` for the hash."""
    provider = signing.provider
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "state": signing.public_id,
        "lang": "ro-RO",
    }
    if signing.stage == Stage.CREDENTIAL:
        query.update(
            scope="credential",
            credentialID=signing.credential_id,
            numSignatures="1",
            hash=signing.prepared["tbs_hash"],
            description=signing.prepared.get("description", "")[:500],
        )
    else:
        query["scope"] = "service"
    return f"{provider.base_url}/oauth2/authorize?{urlencode(query)}"


def _access_token(provider: SigningProvider, code: str, redirect_uri: str) -> str:
    answer = _post(
        provider,
        f"{provider.base_url}/oauth2/token",
        form={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": provider.client_id,
            "client_secret": provider.client_secret,
            "redirect_uri": redirect_uri,
        },
    )
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise _malformed(provider)
    return token


def _session_info(signing: CloudSigning, token: str, credential_id: str) -> CSCServiceSessionInfo:
    return CSCServiceSessionInfo(signing.provider.base_url, credential_id, oauth_token=token)


def _credential_entry(info: CSCCredentialInfo) -> dict:
    cert = info.signing_cert
    otp = info.response_data.get("OTP") or {}
    return {
        "subject": cert.subject.human_friendly[:400],
        "name": cert.subject.native.get("common_name", ""),
        "issuer": cert.issuer.human_friendly[:400],
        "not_after": cert.not_valid_after.isoformat(),
        "qualified": is_qualified(cert),
        "certificates": [base64.b64encode(c.dump()).decode() for c in [cert, *info.chain]],
        "algos": sorted(info.supported_mechanisms),
        "scal": 2 if info.hash_pinning_required else 1,
        "otp_online": str(otp.get("presence", "")).lower() == "true" and otp.get("type") == "online",
        "multisign": info.max_batch_size,
    }


def _list_credentials(signing: CloudSigning, token: str) -> list[dict]:
    provider = signing.provider
    answer = _post(provider, _csc(provider, "credentials/list"), token=token, json={"maxResults": 20})
    ids = answer.get("credentialIDs")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise _malformed(provider)

    async def fetch_all():
        async with aiohttp.ClientSession() as session:
            return [
                await fetch_certs_in_csc_credential(
                    session, _session_info(signing, token, i), timeout=_timeout()
                )
                for i in ids
            ]

    try:
        infos = asyncio.run(fetch_all())
    except SigningError as exc:
        if isinstance(
            exc.__cause__, aiohttp.ClientResponseError | aiohttp.ClientConnectionError | TimeoutError
        ):
            raise _unreachable(provider) from exc
        raise _malformed(provider) from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise _unreachable(provider) from exc
    return [{"id": i, **_credential_entry(info)} for i, info in zip(ids, infos, strict=True)]


def _credential_info(entry: dict) -> CSCCredentialInfo:
    certs = [x509.Certificate.load(base64.b64decode(c)) for c in entry["certificates"]]
    return CSCCredentialInfo(
        signing_cert=certs[0],
        chain=certs[1:],
        supported_mechanisms=frozenset(entry["algos"]),
        max_batch_size=int(entry["multisign"]),
        hash_pinning_required=entry["scal"] == 2,
        response_data={},
    )


class _Signer(CSCSigner):
    """pyhanko's CSCSigner keeps only a log line of why signHash failed; keep the error to tell the signer."""

    commit_error: Exception | None = None

    async def commit(self):
        try:
            await super().commit()
        except SigningError as exc:
            self.commit_error = exc
            raise


class _NotYetAuthorized(PrefetchedSADAuthorizationManager):
    """Used only to build the signed attributes before any authorization exists."""

    def __init__(self, session_info, credential_info):
        super().__init__(session_info, credential_info, CSCAuthorizationInfo(sad=""))

    async def authorize_signature(self, hash_b64s):
        raise SigningError("no signature activation data yet")


# --- the steps ------------------------------------------------------------------------------------------------------


def start(
    user: User, provider: SigningProvider, document: Document, purpose: str, task_id: int | None = None
):
    if not provider.active or provider.institution_id != document.institution_id:
        raise SigningRefused(_("Furnizorul de semnătură ales nu este disponibil pentru această instituție."))
    signing = CloudSigning(
        user_id=user.id,
        provider_id=provider.id,
        document_id=document.id,
        task_id=task_id,
        purpose=purpose,
        stage=Stage.SERVICE,
        expires_at=now_utc() + LIFETIME,
    )
    db.session.add(signing)
    db.session.flush()
    db.session.refresh(signing)
    return signing


def signing_for(public_id: str, user: User) -> CloudSigning | None:
    """The signer's own signature in progress (someone else's or an unknown one is None)."""
    signing = db.session.scalar(
        select(CloudSigning).where(CloudSigning.public_id == public_id).with_for_update()
    )
    if signing is None or signing.user_id != user.id:
        return None
    return signing


def _still_open(signing: CloudSigning) -> None:
    if signing.stage == Stage.DONE:
        raise SigningRefused(_("Această semnătură a fost deja finalizată."))
    if now_utc() > as_utc(signing.expires_at):
        raise SigningRefused(_("Sesiunea de semnare la furnizor a expirat. Începeți din nou semnarea."))


def receive_code(signing: CloudSigning, code: str, redirect_uri: str) -> None:
    """Back from the provider's authorization page with an authorization code."""
    _still_open(signing)
    if not code:
        raise SigningRefused(
            _("Furnizorul nu a autorizat cererea. Nu s-a semnat nimic; puteți încerca din nou.")
        )
    provider = signing.provider
    if signing.stage == Stage.SERVICE:
        token = _access_token(provider, code, redirect_uri)
        signing.credentials = _list_credentials(signing, token)
        if not signing.credentials:
            raise SigningRefused(
                _(
                    "Contul dumneavoastră de la „%(name)s” nu are niciun certificat de semnătură.",
                    name=provider.name,
                )
            )
        signing.stage = Stage.CHOOSE
    elif signing.stage == Stage.CREDENTIAL:
        token = _access_token(provider, code, redirect_uri)
        signing.token_blob = encrypt(token.encode())
        if signing.chosen()["otp_online"]:
            _post(
                provider,
                _csc(provider, "credentials/sendOTP"),
                token=token,
                json={"credentialID": signing.credential_id},
            )
        signing.stage = Stage.CODE
    else:
        raise SigningRefused(
            _("Cererea furnizorului nu corespunde pasului semnării. Începeți din nou semnarea.")
        )


@dataclass
class Target:
    """What is being signed: the current version, the empty field to fill and the words of the stamp."""

    data: bytes
    field: str
    certify: bool
    name: str
    function: str
    reason: str
    heading: str = "Semnat electronic de"
    qualified_required: bool = False


def choose_credential(signing: CloudSigning, credential_id: str, target: Target) -> None:
    """Check the chosen certificate, prepare the PDF with its placeholder and the hash the provider will sign."""
    _still_open(signing)
    if signing.stage not in (Stage.CHOOSE, Stage.CREDENTIAL, Stage.CODE):
        raise SigningRefused(_("Autentificați-vă întâi la furnizorul de semnătură."))
    entry = next((c for c in signing.credentials if c["id"] == credential_id), None)
    if entry is None:
        raise SigningRefused(_("Alegeți unul dintre certificatele oferite de furnizor."))
    info = _credential_info(entry)
    who = signing.user.full_name
    if target.qualified_required and not entry["qualified"]:
        raise SigningRefused(
            _(
                "Certificatul „%(subject)s” nu este un certificat calificat, iar aici este necesară o semnătură "
                "electronică calificată. Alegeți un certificat calificat.",
                subject=entry["name"] or entry["subject"],
            )
        )
    signer = CSCSigner(
        session=None,
        auth_manager=_NotYetAuthorized(_session_info(signing, "", credential_id), info),
    )
    try:
        check_signing_certificate(signer, provider_pki(signing.provider), who)
    except SigningRefused as exc:
        raise SigningRefused(_("%(reason)s Nu s-a semnat nimic.", reason=str(exc))) from exc
    prepared = asyncio.run(_prepare(signer, target))
    signing.credential_id = credential_id
    signing.base_sha256 = hashlib.sha256(target.data).hexdigest()
    signing.prepared_sha256 = current_store().put(prepared.pop("pdf"))
    signing.prepared = {**prepared, "description": target.reason}
    signing.token_blob = None
    signing.stage = Stage.CREDENTIAL


async def _prepare(signer: CSCSigner, target: Target) -> dict:
    width, height = field_box(target.data, target.field)
    when = f"Data: {format_datetime(now_utc())}"
    style = stamp_style(
        width, height, target.heading, target.name, target.function, when, current_app.config["FONT_DIR"]
    )
    meta = signers.PdfSignatureMetadata(
        field_name=target.field,
        md_algorithm=DIGEST,
        subfilter=SigSeedSubFilter.PADES,
        reason=target.reason,
        location=current_app.config["SIGNING_LOCATION"],
        name=target.name,
        certify=target.certify,
        docmdp_permissions=MDPPerm.FILL_FORMS,
    )
    pdf_signer = signers.PdfSigner(meta, signer, stamp_style=style)
    digest, _tbs, output = await pdf_signer.async_digest_doc_for_signing(
        IncrementalPdfFileWriter(io.BytesIO(target.data)),
        existing_fields_only=True,
        bytes_reserved=SIGNATURE_BYTES,
    )
    signed_attrs = await signer.signed_attrs(
        digest.document_digest,
        DIGEST,
        attr_settings=PdfCMSSignedAttributes(signing_time=now_utc()),
        use_pades=True,
    )
    der = signed_attrs.dump()
    return {
        "pdf": output.getvalue(),
        "document_digest": digest.document_digest.hex(),
        "region": [digest.reserved_region_start, digest.reserved_region_end],
        "signed_attrs": base64.b64encode(der).decode(),
        "tbs_hash": base64.b64encode(hashlib.sha256(der).digest()).decode(),
    }


def resend_code(signing: CloudSigning) -> None:
    _still_open(signing)
    if signing.stage != Stage.CODE or not signing.token_blob:
        raise SigningRefused(_("Autorizați întâi semnarea la furnizor."))
    provider = signing.provider
    token = decrypt(signing.token_blob).decode()
    _post(
        provider,
        _csc(provider, "credentials/sendOTP"),
        token=token,
        json={"credentialID": signing.credential_id},
    )


def finish(signing: CloudSigning, otp: str, current_data: bytes, pki) -> tuple[bytes, dict]:
    """The one-time code -> SAD -> signHash -> the signed PDF, checked and validated. Returns (pdf, report); the
    caller stores it in its transaction. Raises SigningRefused, the signing still open, on any problem."""
    _still_open(signing)
    if signing.stage != Stage.CODE or not signing.token_blob:
        raise SigningRefused(_("Autorizați întâi semnarea la furnizor."))
    if hashlib.sha256(current_data).hexdigest() != signing.base_sha256:
        raise SigningRefused(
            _("Documentul s-a schimbat de când ați început semnarea. Începeți din nou semnarea.")
        )
    otp = (otp or "").strip().replace(" ", "")
    if not otp:
        raise SigningRefused(_("Introduceți codul unic primit de la furnizor."))
    provider = signing.provider
    token = decrypt(signing.token_blob).decode()
    tbs_hash = signing.prepared["tbs_hash"]
    answer = _post(
        provider,
        _csc(provider, "credentials/authorize"),
        token=token,
        json={"credentialID": signing.credential_id, "numSignatures": 1, "hash": [tbs_hash], "OTP": otp},
    )
    sad = answer.get("SAD")
    if not isinstance(sad, str) or not sad:
        raise _malformed(provider)
    entry = signing.chosen()
    info = _credential_info(entry)
    signed_attrs = cms.CMSAttributes.load(base64.b64decode(signing.prepared["signed_attrs"]))
    session_info = _session_info(signing, token, signing.credential_id)

    signer = None

    async def sign() -> cms.ContentInfo:
        nonlocal signer
        async with aiohttp.ClientSession() as session:
            signer = _Signer(
                session,
                PrefetchedSADAuthorizationManager(session_info, info, CSCAuthorizationInfo(sad=sad)),
                sign_timeout=int(_timeout()),
            )
            return await signer.async_sign_prescribed_attributes(
                DIGEST, signed_attrs, timestamper=pki.timestamper
            )

    try:
        signature_cms = asyncio.run(sign())
    except (SigningError, aiohttp.ClientError, TimeoutError, ValueError, TypeError) as exc:
        raise _sign_hash_refusal(provider, (signer.commit_error if signer else None) or exc) from exc
    except OSError as exc:  # the timestamp authority (requests) after the provider signed
        raise SigningRefused(
            _(
                "Marca temporală nu a putut fi obținută acum. Nu s-a semnat nimic; cereți un cod nou și reîncercați."
            )
        ) from exc
    _check_signature_value(signature_cms, signed_attrs, info.signing_cert, provider)
    output = io.BytesIO(current_store().get(signing.prepared_sha256))
    start, end = signing.prepared["region"]
    digest = PreparedByteRangeDigest(bytes.fromhex(signing.prepared["document_digest"]), start, end)
    asyncio.run(PdfTBSDocument.async_finish_signing(output, digest, signature_cms))
    signed = output.getvalue()
    report = validate_pdf(signed, pki)
    if report["status"] != ReportStatus.VALID:
        raise SigningRefused(
            _(
                "Semnătura primită de la furnizor nu a trecut verificarea: %(problem)s. Nu s-a semnat nimic.",
                problem=first_problem(report),
            )
        )
    return signed, report


def _sign_hash_refusal(provider: SigningProvider, exc: Exception) -> SigningRefused:
    cause = exc.__cause__ if isinstance(exc, SigningError) and exc.__cause__ is not None else exc
    if isinstance(cause, aiohttp.ClientResponseError) and cause.status < 500:
        return SigningRefused(
            _(
                "Furnizorul de semnătură „%(name)s” a refuzat semnarea (autorizarea a expirat sau a fost deja "
                "folosită). Cereți un cod nou. Nu s-a semnat nimic.",
                name=provider.name,
            )
        )
    if isinstance(cause, aiohttp.ClientError | TimeoutError):
        return _unreachable(provider)
    return _malformed(provider)


def _check_signature_value(signature_cms, signed_attrs, cert: x509.Certificate, provider) -> None:
    """The provider must have signed exactly the hash of this document's signed attributes, with this key."""
    try:
        signer_info = signature_cms["content"]["signer_infos"][0]
        value = signer_info["signature"].native
        mechanism = signer_info["signature_algorithm"]["algorithm"].native
        from cryptography.x509 import load_der_x509_certificate

        public_key = load_der_x509_certificate(cert.dump()).public_key()
        data = signed_attrs.dump()
        if isinstance(public_key, rsa.RSAPublicKey):
            if "pss" in mechanism:
                raise InvalidSignature
            public_key.verify(value, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(value, data, ec.ECDSA(hashes.SHA256()))
        else:
            raise InvalidSignature
    except InvalidSignature as exc:
        raise SigningRefused(
            _(
                "Furnizorul „%(name)s” a trimis o semnătură care nu corespunde documentului (alt conținut sau altă "
                "cheie). Documentul nu a fost modificat.",
                name=provider.name,
            )
        ) from exc
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise _malformed(provider) from exc


def complete(signing: CloudSigning) -> None:
    signing.stage = Stage.DONE
    signing.completed_at = now_utc()
    signing.token_blob = None


def describe(entry: dict) -> str:
    until = format_date(datetime.fromisoformat(entry["not_after"]))
    return f"{entry['subject']} · {until}"

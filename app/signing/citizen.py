"""Citizens' signatures.

(a) Simple electronic signature: a one-time code sent to the account's e-mail confirms a submission; the
institution's e-seal then signs a PDF recording the citizen's identity and that confirmation.
(b) A PDF the citizen (or another institution) already signed is validated when it is uploaded: a tampered file,
a revoked or untrusted signer, an encrypted or malformed PDF is refused with the reason."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.dates import as_utc, format_datetime, now_utc
from app.extensions import db
from app.mail import MailError, send_mail
from app.registry.models import Attachment, Document
from app.signing.confirmation_pdf import SEAL_BOX, render_receipt_pdf, submission_receipt
from app.signing.keys import SigningRefused, active_credential, check_signing_certificate, load_signer
from app.signing.models import ReportStatus, SubmissionConfirmation
from app.signing.pdf import UnreadablePdf, add_signature_fields, open_pdf, sign_pdf
from app.signing.pki import SigningNotConfigured, current_pki
from app.signing.validation import first_problem, store_report, validate_pdf
from app.storage import current_store
from app.workflow.models import HistoryEntry


class UploadRefused(ValueError):
    """An incoming PDF that cannot be accepted; the message says why, in Romanian."""


CONFIRMATION = "confirmare"  # Attachment.kind of the e-sealed confirmation
CODE_VALID = timedelta(minutes=15)
RESEND_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 5


class ConfirmationRefused(Exception):
    """A Romanian message for the citizen; nothing was changed (except, with `keep`, the count of wrong codes)."""

    def __init__(self, message: str, keep: bool = False):
        super().__init__(message)
        self.keep = keep


def _hash(confirmation_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{confirmation_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _mask(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"


def latest_confirmation(document: Document) -> SubmissionConfirmation | None:
    return db.session.scalar(
        select(SubmissionConfirmation)
        .where(SubmissionConfirmation.document_id == document.id)
        .order_by(SubmissionConfirmation.id.desc())
        .limit(1)
    )


def send_code(document: Document, user) -> SubmissionConfirmation:
    """Send a fresh 6-digit code to the submitter's e-mail (at most one a minute)."""
    if document.submitter_id != user.id:
        raise ConfirmationRefused(_("Doar cel care a depus documentul îl poate confirma."))
    previous = latest_confirmation(document)
    if previous is not None and previous.confirmed_at is not None:
        raise ConfirmationRefused(_("Depunerea este deja confirmată."))
    if previous is not None and now_utc() - as_utc(previous.sent_at) < RESEND_AFTER:
        raise ConfirmationRefused(_("Un cod a fost trimis acum mai puțin de un minut. Verificați e-mailul."))
    code = f"{secrets.randbelow(1_000_000):06d}"
    confirmation = SubmissionConfirmation(
        document_id=document.id,
        email=user.email,
        code_hash="",
        expires_at=now_utc() + CODE_VALID,
    )
    db.session.add(confirmation)
    db.session.flush()
    confirmation.code_hash = _hash(confirmation.id, code)
    body = (
        f"Bună ziua, {user.full_name},\n\n"
        f"Codul pentru confirmarea documentului „{document.subject}” depus la {document.institution.name} este:\n\n"
        f"    {code}\n\n"
        f"Codul este valabil 15 minute. Dacă nu ați depus acest document, ignorați mesajul.\n"
    )
    try:
        send_mail(user.email, f"Cod de confirmare: {code}", body)
    except MailError as exc:
        raise ConfirmationRefused(
            _("Mesajul cu codul nu a putut fi trimis acum. Încercați din nou peste câteva minute.")
        ) from exc
    return confirmation


def confirm(document: Document, user, code: str) -> Attachment:
    """Check the code; then render the confirmation PDF, seal it with the institution's e-seal, validate it and
    attach it to the document with its report."""
    confirmation = latest_confirmation(document)
    if document.submitter_id != user.id or confirmation is None:
        raise ConfirmationRefused(_("Cereți întâi un cod de confirmare."))
    if confirmation.confirmed_at is not None:
        raise ConfirmationRefused(_("Depunerea este deja confirmată."))
    if now_utc() > as_utc(confirmation.expires_at):
        raise ConfirmationRefused(_("Codul a expirat. Cereți un cod nou."))
    if confirmation.attempts >= MAX_ATTEMPTS:
        raise ConfirmationRefused(_("Prea multe încercări greșite. Cereți un cod nou."))
    code = (code or "").strip().replace(" ", "")
    if not hmac.compare_digest(confirmation.code_hash, _hash(confirmation.id, code)):
        confirmation.attempts += 1
        raise ConfirmationRefused("Codul nu este corect.", keep=True)
    confirmed_at = now_utc()
    receipt = submission_receipt(
        document,
        user,
        f"Confirmat la {format_datetime(confirmed_at)} cu codul unic trimis la {_mask(user.email)} "
        f"(cont „{user.username}”).",
    )
    pdf = render_receipt_pdf(receipt, current_app.config["FONT_DIR"])
    sealed = seal(pdf, document, reason="Confirmarea depunerii de către solicitant")
    report = validate_pdf(sealed, current_pki())
    if report["status"] != ReportStatus.VALID:
        raise ConfirmationRefused(
            _(
                "Sigiliul instituției nu a putut fi verificat: %(problem)s.",
                problem=first_problem(report),
            )
        )
    attachment = Attachment(
        document_id=document.id,
        kind=CONFIRMATION,
        filename=f"confirmare-depunere-{document.public_id[:8]}.pdf",
        content_type="application/pdf",
        size=len(sealed),
        sha256=current_store().put(sealed),
        uploaded_by_id=user.id,
    )
    db.session.add(attachment)
    db.session.flush()
    confirmation.confirmed_at = confirmed_at
    confirmation.attachment_id = attachment.id
    store_report(attachment, report, "iesire")
    db.session.add(
        HistoryEntry(
            document_id=document.id,
            actor_id=user.id,
            event="confirmed",
            message="Depunere confirmată prin codul trimis pe e-mail; confirmarea a primit sigiliul electronic al instituției.",
        )
    )
    return attachment


def seal(pdf: bytes, document: Document, reason: str) -> bytes:
    """The institution's e-seal (PAdES B-T, visible stamp) on a PDF that has no signature yet."""
    institution = document.institution
    credential = active_credential(institution=institution)
    if credential is None:
        raise SigningRefused(_("Instituția nu are un sigiliu electronic înregistrat."))
    signer = load_signer(credential)
    pki = current_pki()
    check_signing_certificate(signer, pki, f"sigiliul {institution.name}")
    pdf, [field_name] = add_signature_fields(pdf, [(0, *SEAL_BOX)])
    return sign_pdf(
        pdf,
        signer,
        field_name=field_name,
        certify=True,
        name=institution.name,
        function="Sigiliu electronic",
        reason=reason,
        timestamper=pki.timestamper,
        heading="Sigilat electronic de",
    )


def inspect_upload(data: bytes, filename: str) -> dict | None:
    """A PDF that enters: refused if encrypted or malformed; if signed, every signature must be valid (the report
    is returned to be stored). An unsigned PDF returns None."""
    try:
        reader = open_pdf(data)
    except UnreadablePdf as exc:
        raise UploadRefused(f"„{filename}”: {exc}") from exc
    if not reader.embedded_signatures:
        return None
    try:
        pki = current_pki()
    except SigningNotConfigured as exc:
        raise UploadRefused(
            _(
                "„%(filename)s” este semnat, dar semnăturile nu pot fi verificate acum: %(error)s",
                filename=filename,
                error=exc,
            )
        ) from exc
    report = validate_pdf(data, pki)
    if report["status"] != ReportStatus.VALID:
        raise UploadRefused(
            _(
                "„%(filename)s” are o semnătură electronică nevalidă: %(problem)s.",
                filename=filename,
                problem=first_problem(report),
            )
        )
    return report

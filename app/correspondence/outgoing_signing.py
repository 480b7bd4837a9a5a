"""Outgoing letters leave signed: PAdES by the official who sends them (their own key, checked before signing) and
the institution's e-seal, both in fields made before the first signature, so the seal keeps the signature valid.
The file is validated before it leaves; the sender keeps the report ("iesire"), the recipient institution
validates the same file again on arrival with its own trust settings and keeps its report ("intrare")."""

from flask import current_app
from flask_babel import gettext as _

from app.correspondence.answer_pdf import AnswerLetter, signature_boxes
from app.correspondence.signed_answer import store_report
from app.extensions import db
from app.registry.models import Attachment, Document
from app.signing.keys import SigningRefused, active_credential, check_signing_certificate, load_signer
from app.signing.models import ReportStatus
from app.signing.pdf import add_signature_fields, sign_pdf
from app.signing.pki import current_pki
from app.signing.providers import institution_pki
from app.signing.validation import first_problem, validate_pdf
from app.storage import current_store
from app.workflow.models import HistoryEntry

INVISIBLE = (
    0.0,
    0.0,
    0.0,
    0.0,
)  # the e-seal carries no stamp on the letter: the signer's stamp is the visible one


class LetterSigningRefused(PermissionError):
    """The letter cannot be signed (no key, a refused certificate, no e-seal); nothing leaves."""


def sign_letter(outgoing: Document, actor, letter: AnswerLetter, pdf: bytes) -> bytes:
    """The letter signed by `actor` in the box under their name, then e-sealed by the institution."""
    institution = outgoing.institution
    credential = active_credential(user=actor)
    if credential is None:
        raise LetterSigningRefused(
            _(
                "Scrisoarea pleacă semnată: nu aveți o cheie de semnare. Cereți administratorului să vă încarce certificatul."
            )
        )
    seal_credential = active_credential(institution=institution)
    if seal_credential is None:
        raise LetterSigningRefused(_("Instituția nu are un sigiliu electronic înregistrat."))
    pki = current_pki()
    try:
        signer = load_signer(credential)
        check_signing_certificate(signer, pki, actor.full_name)
        seal = load_signer(seal_credential)
        check_signing_certificate(seal, pki, f"sigiliul {institution.name}")
    except SigningRefused as exc:
        raise LetterSigningRefused(str(exc)) from exc
    [(page, *box)] = signature_boxes(letter, current_app.config["FONT_DIR"])[:1]
    pdf, (signature_field, seal_field) = add_signature_fields(pdf, [(page, *box), (page, *INVISIBLE)])
    reason = f"Adresa nr. {outgoing.registration_label}"
    signed = sign_pdf(
        pdf,
        signer,
        field_name=signature_field,
        certify=True,
        name=actor.full_name,
        function=letter.signers[0][1] if letter.signers else "",
        reason=reason,
        timestamper=pki.timestamper,
    )
    sealed = sign_pdf(
        signed,
        seal,
        field_name=seal_field,
        certify=False,
        name=institution.name,
        function="Sigiliu electronic",
        reason=reason,
        timestamper=pki.timestamper,
        heading="Sigilat electronic de",
    )
    report = validate_pdf(sealed, institution_pki(institution.id))
    if report["status"] != ReportStatus.VALID:
        raise LetterSigningRefused(
            _("Scrisoarea semnată nu trece validarea: %(problem)s", problem=first_problem(report))
        )
    return sealed


def keep_report(attachment: Attachment, document: Document, direction: str) -> dict:
    """Validate the letter as stored, with the trust of `document`'s institution, and keep the report. On arrival
    ("intrare") the recipient's history says what was found."""
    data = current_store().get(attachment.sha256)
    report = validate_pdf(data, institution_pki(document.institution_id))
    store_report(attachment, report, direction)
    if direction == "intrare":
        signers = ", ".join(s.get("signer") or s.get("name") or "?" for s in report.get("signatures", []))
        verdict = (
            "semnături valide"
            if report["status"] == ReportStatus.VALID
            else f"atenție: {first_problem(report)}"
        )
        db.session.add(
            HistoryEntry(
                document_id=document.id,
                event="signature_checked",
                message=f"Semnăturile adresei verificate la primire ({signers}): {verdict}.",
                data={"status": report["status"], "sha256": attachment.sha256},
            )
        )
    return report

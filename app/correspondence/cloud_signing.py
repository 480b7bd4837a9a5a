"""What a cloud signature signs and what happens once it is made: an official's signing step (the answer in the
route's order, then the step completes) or a citizen's own submission (a PDF of the form and its files' hashes,
attached with its report). Both run in the caller's transaction: nothing is stored unless everything passed."""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.correspondence.signed_answer import (
    record_signature,
    requires_qualified,
    signing_reason,
    signing_target,
    store_report,
)
from app.dates import format_datetime, now_utc
from app.extensions import db
from app.registry.models import Attachment, Document
from app.signing import cloud, deputy
from app.signing.cloud import CloudSigning, Purpose, Target
from app.signing.confirmation_pdf import SEAL_BOX, render_receipt_pdf, submission_receipt
from app.signing.keys import SigningRefused
from app.signing.pdf import add_signature_fields
from app.signing.providers import institution_pki
from app.storage import current_store
from app.workflow.models import HistoryEntry

SIGNED_SUBMISSION = "depunere_semnata"  # Attachment.kind of the submission the citizen signed


# --- an official's signing step ------------------------------------------------------------------------------------


def task_target(signing: CloudSigning):
    task, request, field = signing_target(signing.task_id, signing.user)
    target = Target(
        data=current_store().get(request.current_sha256),
        field=field["field"],
        certify=request.fields.index(field) == 0,
        name=deputy.stamp_identity(signing.user, field)[0],
        function=deputy.stamp_identity(signing.user, field)[1],
        reason=signing_reason(task),
        qualified_required=requires_qualified(task),
    )
    return target, task, request, field


def finish_task(signing: CloudSigning, otp: str):
    target, task, request, field = task_target(signing)
    signed, _report = cloud.finish(signing, otp, target.data, institution_pki(task.document.institution_id))
    cloud.complete(signing)
    return record_signature(task, signing.user, request, field, signed, how=f"csc:{signing.provider.name}")


# --- a citizen's submission ----------------------------------------------------------------------------------------


def signed_submission(document: Document) -> Attachment | None:
    return db.session.scalar(
        select(Attachment)
        .where(Attachment.document_id == document.id, Attachment.kind == SIGNED_SUBMISSION)
        .order_by(Attachment.id.desc())
        .limit(1)
    )


def check_submission(document: Document, user) -> None:
    if document.submitter_id != user.id:
        raise SigningRefused(_("Doar cel care a depus documentul îl poate semna."))
    if signed_submission(document) is not None:
        raise SigningRefused(_("Depunerea este deja semnată cu certificatul dumneavoastră."))


def submission_target(signing: CloudSigning) -> Target:
    """The submission as a PDF (form data, files with their SHA-256), with one field for the citizen's signature.
    Rendered once, when the certificate is chosen, and kept: the signature is prepared over those exact bytes."""
    document, user = signing.document, signing.user
    check_submission(document, user)
    if signing.base_sha256:
        data = current_store().get(signing.base_sha256)
    else:
        receipt = submission_receipt(
            document,
            user,
            f"Semnat de solicitant la {format_datetime(now_utc())} cu certificatul său calificat, prin "
            f"furnizorul „{signing.provider.name}” (cont „{user.username}”).",
        )
        pdf = render_receipt_pdf(receipt, current_app.config["FONT_DIR"])
        data, _names = add_signature_fields(pdf, [(0, *SEAL_BOX)])
        current_store().put(data)
    return Target(
        data=data,
        field="Semnatura1",
        certify=True,
        name=user.full_name,
        function="Solicitant",
        reason=f"Semnarea depunerii la {document.institution.name}",
        qualified_required=True,  # a signature that stands in for a handwritten one (eIDAS art. 25(2))
    )


def finish_submission(signing: CloudSigning, otp: str) -> Attachment:
    document, user = signing.document, signing.user
    target = submission_target(signing)
    signed, report = cloud.finish(signing, otp, target.data, institution_pki(document.institution_id))
    attachment = Attachment(
        document_id=document.id,
        kind=SIGNED_SUBMISSION,
        filename=f"depunere-semnata-{document.public_id[:8]}.pdf",
        content_type="application/pdf",
        size=len(signed),
        sha256=current_store().put(signed),
        uploaded_by_id=user.id,
    )
    db.session.add(attachment)
    db.session.flush()
    store_report(attachment, report, "intrare")
    cloud.complete(signing)
    db.session.add(
        HistoryEntry(
            document_id=document.id,
            actor_id=user.id,
            event="signed",
            message=(
                f"Depunere semnată de solicitant cu certificat calificat (furnizor „{signing.provider.name}”); "
                "semnătura a fost verificată."
            ),
        )
    )
    return attachment


def target_for(signing: CloudSigning) -> Target:
    if signing.purpose == Purpose.TASK:
        return task_target(signing)[0]
    return submission_target(signing)


def finish_signing(signing: CloudSigning, otp: str):
    if signing.purpose == Purpose.TASK:
        return finish_task(signing, otp)
    return finish_submission(signing, otp)

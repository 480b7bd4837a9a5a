"""Issuing the answer: the letter PDF is rendered, stored by content and attached to the document."""

from flask import current_app
from sqlalchemy import select

from app.correspondence.answer_pdf import AnswerLetter, render_answer_pdf
from app.dates import format_date, now_utc
from app.extensions import db
from app.identity.models import Membership, User
from app.registry.models import Attachment, Document
from app.storage import current_store
from app.workflow.models import HumanTask, TaskStatus


def function_title(user: User, document: Document) -> str:
    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.institution_id == document.institution_id
        )
    )
    if membership is None:
        return ""
    return membership.function_title or membership.role.name


def answer_signers(document: Document, approver: User | None) -> list[User]:
    """The official who drafted the last version, then the head who approved it."""
    drafter = db.session.scalar(
        select(User)
        .join(HumanTask, HumanTask.completed_by_id == User.id)
        .where(
            HumanTask.document_id == document.id,
            HumanTask.status == TaskStatus.COMPLETED,
            HumanTask.role_code == "referent",
        )
        .order_by(HumanTask.completed_at.desc())
        .limit(1)
    )
    signers = [u for u in (drafter, approver) if u is not None]
    return list(dict.fromkeys(signers))


def answer_letter(document: Document, text: str, signers: list[User], note: str = "") -> AnswerLetter:
    """The answer to `document` as a letter: a reply takes the number of the document it answers (registry rules,
    art. 9), is addressed to the sender and closes with each signer's name and function. `note` follows the
    number (a preview says it is unsigned)."""
    submitter = document.submitter
    return AnswerLetter(
        institution_name=document.institution.name,
        department_name=document.department.name if document.department else "",
        registration_label=f"Nr. {document.registration_label}{note}",
        issue_date_label=format_date(now_utc()),
        recipient_name=document.sender_name,
        recipient_address=document.sender_address or (submitter.address if submitter else None),
        subject=f"Răspuns la petiția nr. {document.registration_label}",
        body=text,
        signers=[(u.full_name, function_title(u, document)) for u in signers],
    )


def issue_answer(document: Document, text: str, approver: User | None) -> Attachment:
    letter = answer_letter(document, text, answer_signers(document, approver))
    pdf = render_answer_pdf(letter, current_app.config["FONT_DIR"])
    sha256 = current_store().put(pdf)
    attachment = Attachment(
        document_id=document.id,
        kind=Attachment.ANSWER,
        filename=f"raspuns-{document.registration_number}-{document.registration_year}.pdf",
        content_type="application/pdf",
        size=len(pdf),
        sha256=sha256,
        uploaded_by_id=approver.id if approver else None,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment

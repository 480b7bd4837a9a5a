"""The answer as the letter it will become, before approval: the same template as `prepare_answer` (number,
recipient, subject, body, closing, the planned signers' names), without signature fields, marked as a preview."""

from flask import current_app
from sqlalchemy import select

from app.correspondence.answer_pdf import AnswerLetter, render_answer_pdf
from app.correspondence.issuing import function_title
from app.dates import format_date, now_utc
from app.extensions import db
from app.identity.models import User
from app.registry.models import Document

ANSWER_FIELD = "raspuns"  # the route variable holding the drafted answer
DRAFTER_FIELD = "referent"  # the route variable naming the official who drafted it


def preview_signers(data: dict, approver: User) -> list[User]:
    signers: list[User] = []
    drafter = data.get(DRAFTER_FIELD)
    if isinstance(drafter, str):
        user = db.session.scalar(select(User).where(User.username == drafter))
        if user is not None:
            signers.append(user)
    if approver not in signers:
        signers.append(approver)
    return signers


def answer_preview(document: Document, data: dict, approver: User) -> bytes | None:
    """The PDF of the draft in `data`, or None when the route holds no drafted answer."""
    text = data.get(ANSWER_FIELD)
    if not isinstance(text, str) or not text.strip():
        return None
    signers = preview_signers(data, approver)
    letter = AnswerLetter(
        institution_name=document.institution.name,
        department_name=document.department.name if document.department else "",
        registration_label=f"Nr. {document.registration_label} (previzualizare, nesemnat)",
        issue_date_label=format_date(now_utc()),
        recipient_name=document.sender_name,
        recipient_address=document.sender_address
        or (document.submitter.address if document.submitter else None),
        subject=f"Răspuns la petiția nr. {document.registration_label}",
        body=text,
        signers=[(u.full_name, function_title(u, document)) for u in signers],
    )
    return render_answer_pdf(letter, current_app.config["FONT_DIR"])

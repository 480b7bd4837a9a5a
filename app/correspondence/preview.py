"""The answer as the letter it will become, before approval: the same template as `prepare_answer` (number,
recipient, subject, body, closing, the planned signers' names), without signature fields, marked as a preview."""

from flask import current_app
from sqlalchemy import select

from app.correspondence.answer_pdf import render_answer_pdf
from app.correspondence.issuing import answer_letter
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
    letter = answer_letter(document, text, preview_signers(data, approver), " (previzualizare, nesemnat)")
    return render_answer_pdf(letter, current_app.config["FONT_DIR"])

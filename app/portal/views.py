"""Citizen portal: catalogue, submission, my documents, one document's tracking page."""

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.identity.models import Institution
from app.portal.submission import (
    SubmissionInvalid,
    existing_submission,
    parse_posted,
    submission_form,
    submit,
)
from app.portal.tracking import citizen_timeline, current_steps
from app.registry.models import Document, DocumentType

bp = Blueprint("portal", __name__)


@bp.route("/")
def home():
    if current_user.is_authenticated and current_user.is_staff:
        return redirect(url_for("inbox.tasks"))
    types = db.session.scalars(
        select(DocumentType)
        .where(DocumentType.active.is_(True), DocumentType.citizen_can_submit.is_(True))
        .order_by(DocumentType.name_ro)
    ).all()
    institutions = db.session.scalars(select(Institution).order_by(Institution.name)).all()
    return render_template("portal/home.html", types=types, institutions=institutions)


def _citizen_only():
    if current_user.is_staff:
        abort(403)


@bp.route("/depune/<code>", methods=["GET", "POST"])
@login_required
def submit_document(code: str):
    _citizen_only()
    doc_type = db.session.scalar(
        select(DocumentType).where(
            DocumentType.code == code,
            DocumentType.active.is_(True),
            DocumentType.citizen_can_submit.is_(True),
        )
    )
    if doc_type is None:
        abort(404)
    institutions = db.session.scalars(select(Institution).order_by(Institution.name)).all()
    form = submission_form(doc_type).form
    data, errors = {}, {}
    if request.method == "POST":
        # The form's key is a 32-character hex token; anything else is not ours and is ignored.
        key = request.form.get("submission_key", "")
        key = key if len(key) <= 64 else None
        previous = existing_submission(key)
        if previous is not None:  # double submit: show the document the first click created
            if previous.submitter_id != current_user.id:
                abort(403)
            return redirect(url_for("portal.document", public_id=previous.public_id))
        institution = db.session.get(Institution, request.form.get("institution", type=int) or 0)
        data = parse_posted(doc_type, request.form)
        if institution is None:
            errors[""] = [_("Alegeți instituția căreia îi adresați documentul.")]
        else:
            files = {name: request.files.getlist(name) for name in form.file_fields()}
            try:
                document = submit(current_user, institution, doc_type, data, files, submission_key=key)
                db.session.commit()
            except SubmissionInvalid as exc:
                db.session.rollback()
                errors = exc.errors
            except IntegrityError:
                # A second click overlapped the first and lost the race on the unique key: show the first.
                db.session.rollback()
                previous = existing_submission(key)
                if previous is None or previous.submitter_id != current_user.id:
                    raise
                return redirect(url_for("portal.document", public_id=previous.public_id))
            else:
                flash(_("Documentul a fost depus. Îl puteți urmări pe această pagină."), "success")
                return redirect(url_for("portal.document", public_id=document.public_id))
    return render_template(
        "portal/submit.html",
        doc_type=doc_type,
        form=form,
        data=data,
        errors=errors,
        institutions=institutions,
        submission_key=uuid.uuid4().hex,
    ), (400 if errors else 200)


@bp.route("/documentele-mele")
@login_required
def my_documents():
    documents = db.session.scalars(
        select(Document).where(Document.submitter_id == current_user.id).order_by(Document.created_at.desc())
    ).all()
    return render_template("portal/my_documents.html", documents=documents)


def _own_document(public_id: str) -> Document:
    document = db.session.scalar(select(Document).where(Document.public_id == public_id))
    # The same answer for "missing" and "not yours": nothing is revealed about other people's documents.
    if document is None or document.submitter_id != current_user.id:
        abort(404)
    return document


@bp.route("/documentele-mele/<public_id>")
@login_required
def document(public_id: str):
    document = _own_document(public_id)
    return render_template(
        "portal/document.html",
        document=document,
        steps=current_steps(document),
        timeline=citizen_timeline(document),
    )


@bp.route("/documentele-mele/<public_id>/stare")
@login_required
def document_status(public_id: str):
    """Fragment polled by htmx: the page follows the document without a reload."""
    document = _own_document(public_id)
    return render_template(
        "portal/_status.html",
        document=document,
        steps=current_steps(document),
        timeline=citizen_timeline(document),
    )

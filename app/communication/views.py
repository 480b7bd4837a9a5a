"""Pages and actions of two-way communication: completion requests (staff ask on a task page, the citizen answers
on the portal), formal messages, the staff comment thread, and the paper answer's cover page and dispatch."""

from datetime import datetime, time
from io import BytesIO

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.communication.comments import add_comment, comments_for
from app.communication.messages import (
    ANSWER_POSTED,
    record_paper_dispatch,
    send_formal_message,
)
from app.communication.models import CompletionRequest
from app.communication.paper_answer import render_cover_page
from app.communication.requests import (
    CommunicationError,
    answer_completion,
    cancel_request,
    open_requests,
    request_completion,
    requests_for,
)
from app.dates import as_utc, local_zone
from app.extensions import db
from app.registry.access import staff_can_view
from app.registry.models import Document
from app.unit_of_work import unit_of_work
from app.workflow.models import HistoryEntry, HumanTask
from app.workflow.runtime import is_candidate

bp = Blueprint("communication", __name__)


@bp.app_template_global()
def staff_comments(document: Document):
    return comments_for(document)


@bp.app_template_global()
def completion_requests(document: Document):
    return requests_for(document)


@bp.app_template_global()
def paper_dispatched(document: Document) -> bool:
    return (
        db.session.scalar(
            select(HistoryEntry.id)
            .where(HistoryEntry.document_id == document.id, HistoryEntry.event == ANSWER_POSTED)
            .limit(1)
        )
        is not None
    )


def _back(default: str):
    target = request.form.get("inapoi", "")
    # Only a path of this site: never an open redirect.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return redirect(target)
    return redirect(default)


def _staff_document(public_id: str) -> Document:
    document = db.session.scalar(select(Document).where(Document.public_id == public_id))
    if document is None or not current_user.is_staff or not staff_can_view(current_user, document):
        abort(404)
    return document


def _parse_due(text: str) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as exc:
        raise CommunicationError(_("Termenul nu este o dată validă.")) from exc
    return as_utc(datetime.combine(day, time(23, 59, 59), tzinfo=local_zone()))


def _commit_or_flash(action, done_message: str) -> None:
    """One staff action, one transaction: commit and say so, or roll back and show the refusal."""
    with unit_of_work(CommunicationError) as work:
        action()
    flash(str(work.error), "error") if work.error else flash(done_message, "success")


@bp.route("/sarcini/<int:task_id>/completare", methods=["POST"])
@login_required
def request_completion_view(task_id: int):
    task = db.session.get(HumanTask, task_id)
    if task is None or not current_user.is_staff or not is_candidate(current_user, task):
        abort(404)
    _commit_or_flash(
        lambda: request_completion(
            task, current_user, request.form.get("mesaj", ""), _parse_due(request.form.get("termen"))
        ),
        _("Cererea de completare a fost trimisă solicitantului."),
    )
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.route("/completari/<public_id>/anulare", methods=["POST"])
@login_required
def cancel_completion(public_id: str):
    completion = db.session.scalar(select(CompletionRequest).where(CompletionRequest.public_id == public_id))
    if (
        completion is None
        or not current_user.is_staff
        or not staff_can_view(current_user, completion.document)
    ):
        abort(404)
    _commit_or_flash(
        lambda: cancel_request(
            completion, current_user, "Cererea de completare a fost anulată de instituție."
        ),
        _("Cererea de completare a fost anulată."),
    )
    return _back(url_for("registry.document", public_id=completion.document.public_id))


def _citizen_request(document_id: str, request_id: str) -> CompletionRequest:
    completion = db.session.scalar(select(CompletionRequest).where(CompletionRequest.public_id == request_id))
    # "Missing" and "not yours" look the same.
    if (
        completion is None
        or completion.document.public_id != document_id
        or completion.document.submitter_id != current_user.id
    ):
        abort(404)
    return completion


@bp.route("/documentele-mele/<document_id>/completare/<request_id>", methods=["GET", "POST"])
@login_required
def answer_completion_view(document_id: str, request_id: str):
    completion = _citizen_request(document_id, request_id)
    error = None
    if request.method == "POST":
        with unit_of_work(CommunicationError) as work:
            answer_completion(
                completion, current_user, request.files.getlist("fisiere"), request.form.get("nota", "")
            )
        if work.error:
            error = str(work.error)
            completion = _citizen_request(document_id, request_id)
        else:
            flash(_("Completarea a fost trimisă. Instituția continuă soluționarea documentului."), "success")
            return redirect(url_for("portal.document", public_id=document_id))
    return render_template(
        "communication/answer.html", completion=completion, document=completion.document, error=error
    ), (400 if error else 200)


@bp.route("/documente/<public_id>/mesaj", methods=["POST"])
@login_required
def formal_message(public_id: str):
    document = _staff_document(public_id)
    _commit_or_flash(
        lambda: send_formal_message(document, current_user, request.form.get("mesaj", "")),
        _("Mesajul a fost trimis solicitantului și înregistrat în istoricul documentului."),
    )
    return _back(url_for("registry.document", public_id=public_id))


@bp.route("/documente/<public_id>/comentarii", methods=["POST"])
@login_required
def comment(public_id: str):
    document = _staff_document(public_id)
    _commit_or_flash(
        lambda: add_comment(document, current_user, request.form.get("comentariu", "")),
        _("Comentariul a fost adăugat."),
    )
    return _back(url_for("registry.document", public_id=public_id))


@bp.route("/documente/<public_id>/expediere.pdf")
@login_required
def paper_cover(public_id: str):
    document = _staff_document(public_id)
    if document.answer() is None:
        abort(404)
    pdf = render_cover_page(document, current_app.config.get("FONT_DIR"))
    return send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=f"expediere-{document.registration_number}-{document.registration_year}.pdf",
    )


@bp.route("/documente/<public_id>/expediere", methods=["POST"])
@login_required
def paper_dispatch(public_id: str):
    document = _staff_document(public_id)
    _commit_or_flash(
        lambda: record_paper_dispatch(document, current_user), _("Expedierea prin poștă a fost înregistrată.")
    )
    return redirect(url_for("registry.document", public_id=public_id))


__all__ = ["bp", "open_requests"]

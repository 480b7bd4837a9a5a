"""The head reads the draft as the PDF letter it will become before approving (`/sarcini/<id>/previzualizare`)."""

from flask import Blueprint, Response, abort
from flask_login import current_user, login_required

from app.correspondence.preview import answer_preview
from app.extensions import db
from app.workflow.models import HumanTask, TaskStatus
from app.workflow.runtime import RouteError, is_candidate, task_data

bp = Blueprint("preview", __name__, url_prefix="/sarcini")


@bp.route("/<int:task_id>/previzualizare")
@login_required
def answer(task_id: int):
    if not current_user.is_staff:
        abort(403)
    task = db.session.get(HumanTask, task_id)
    if task is None or task.status != TaskStatus.READY or not is_candidate(current_user, task):
        abort(404)
    try:
        data = task_data(task)
    except RouteError:
        abort(404)
    pdf = answer_preview(task.document, data, current_user)
    if pdf is None:
        abort(404)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="previzualizare-{task.document.registration_number}.pdf"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response

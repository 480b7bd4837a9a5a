"""Staff inbox: my tasks, my group's tasks, one task's page with its form."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.communication.requests import close_for_completed_task, task_completion_state
from app.correspondence.signed_answer import sign_task, signing_page, signing_role
from app.extensions import db
from app.forms import parse_submission
from app.inbox.notice_views import read_count
from app.inbox.queries import SORT_LABELS, VIEW_LABELS, inbox_page
from app.notifications.models import Notification
from app.registry.history import history_with_rows
from app.signing.keys import SigningRefused
from app.unit_of_work import unit_of_work
from app.workflow.models import HumanTask, TaskStatus
from app.workflow.runtime import (
    FormInvalid,
    NotCandidate,
    RouteError,
    TaskUnavailable,
    claim_task,
    complete_task,
    form_options,
    is_candidate,
    release_task,
    task_data,
    task_form,
)
from app.workflow.texts import step_name

bp = Blueprint("inbox", __name__, url_prefix="/sarcini")


@bp.before_request
@login_required
def staff_only():
    if not current_user.is_staff:
        abort(403)


@bp.route("/")
def tasks():
    listing = inbox_page(
        current_user.id,
        view=request.args.get("vedere", "toate"),
        sort=request.args.get("ordine", "termen"),
        query=request.args.get("q", ""),
        page=request.args.get("pagina", 1, type=int),
    )
    notices = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc())
        .limit(20)
    ).all()
    completion = task_completion_state([t.id for t in listing.tasks])
    return render_template(
        "inbox/tasks.html",
        listing=listing,
        views=VIEW_LABELS,
        sorts=SORT_LABELS,
        notices=notices,
        read_notices=read_count(current_user.id),
        completion=completion,
    ), (400 if listing.error else 200)


def _visible_task(task_id: int) -> HumanTask:
    task = db.session.get(HumanTask, task_id)
    # Someone who may not do a task does not learn it exists.
    if task is None or not is_candidate(current_user, task):
        abort(404)
    return task


def _finish_step(task: HumanTask, complete, correctable: type[Exception], done_message: str):
    """Complete a step in one transaction. Returns the redirect to follow, or the `correctable` error (bad form
    data, a refused signature) for the page to show again; everything else is refused with a clear message."""
    with unit_of_work(correctable, TaskUnavailable, NotCandidate, RouteError) as work:
        complete()
    if work.failed(correctable):
        return work.error
    if work.failed(TaskUnavailable):
        flash(str(work.error), "error")
        return redirect(url_for("inbox.tasks"))
    if work.failed(NotCandidate):
        abort(404)
    if work.failed(RouteError):
        flash(
            _("Pasul nu a putut fi finalizat din cauza unei erori în traseu: %(err)s", err=str(work.error)),
            "error",
        )
        return redirect(url_for("inbox.task", task_id=task.id))
    flash(done_message, "success")
    return redirect(url_for("inbox.tasks"))


@bp.route("/<int:task_id>", methods=["GET", "POST"])
def task(task_id: int):
    task = _visible_task(task_id)
    if task.status == TaskStatus.READY and signing_role(task):
        return _signing_task(task)
    form = task_form(task)
    options = form_options(task.document)
    errors: dict = {}
    data = task_data(task) if task.status == TaskStatus.READY else {}
    if request.method == "POST":
        data = parse_submission(form, request.form) if form else {}
        outcome = _finish_step(
            task,
            lambda: (
                complete_task(task.id, current_user, data),
                close_for_completed_task(task, current_user),
            ),
            FormInvalid,
            _("Pasul „%(name)s” a fost finalizat.", name=step_name(task)),
        )
        if not isinstance(outcome, FormInvalid):
            return outcome
        errors = outcome.errors
        task = db.session.get(HumanTask, task_id)
    return render_template(
        "inbox/task.html",
        task=task,
        document=task.document,
        form=form,
        data=data,
        errors=errors,
        options=options,
        history=history_with_rows(task.document),
    ), (400 if errors else 200)


def _signing_task(task: HumanTask):
    """A signing step (BPMN property signatureRole): the page shows the document and a "sign" button."""
    error = None
    if request.method == "POST":
        outcome = _finish_step(
            task,
            lambda: sign_task(task.id, current_user, request.form.get("parola") or None),
            SigningRefused,
            _("Documentul a fost semnat: pasul „%(name)s” a fost finalizat.", name=step_name(task)),
        )
        if not isinstance(outcome, SigningRefused):
            return outcome
        error = str(outcome)
        task = db.session.get(HumanTask, task.id)
    return render_template(
        "inbox/task.html",
        task=task,
        document=task.document,
        form=None,
        data={},
        errors={},
        options={},
        history=history_with_rows(task.document),
        sign_error=error,
        **signing_page(task, current_user),
    ), (400 if error else 200)


def _task_action(task_id: int, action, done_message: str):
    _visible_task(task_id)
    with unit_of_work(TaskUnavailable, NotCandidate) as work:
        action(task_id, current_user)
    if work.failed(TaskUnavailable):
        flash(str(work.error), "error")
        return redirect(url_for("inbox.tasks"))
    if work.failed(NotCandidate):
        abort(404)
    flash(done_message, "success")
    return redirect(
        request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("inbox.tasks")
    )


@bp.route("/<int:task_id>/preia", methods=["POST"])
def claim(task_id: int):
    return _task_action(task_id, claim_task, _("Ați preluat sarcina."))


@bp.route("/<int:task_id>/elibereaza", methods=["POST"])
def release(task_id: int):
    return _task_action(task_id, release_task, _("Sarcina a revenit grupului."))

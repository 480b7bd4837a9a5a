"""Pages for heads of unit: the team's load and reassigning a task (`/echipa`)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.identity.models import User
from app.inbox.team import (
    ReassignError,
    department_officials,
    head_departments,
    heads_task,
    official_tasks,
    reassign_task,
    team_overview,
)
from app.registry.history import history_with_rows
from app.unit_of_work import unit_of_work
from app.workflow.models import HumanTask, TaskStatus
from app.workflow.runtime import TaskUnavailable

bp = Blueprint("team", __name__, url_prefix="/echipa")


@bp.before_request
@login_required
def heads_only():
    if not current_user.is_staff or not head_departments(current_user):
        abort(403)


def _institution_id() -> int:
    scopes = head_departments(current_user)
    wanted = request.args.get("institutie", type=int)
    if wanted is not None:
        if wanted not in scopes:
            abort(404)
        return wanted
    return sorted(scopes)[0]


@bp.route("/")
def overview():
    institution_id = _institution_id()
    team, group, departments = team_overview(current_user, institution_id)
    return render_template("inbox/team.html", team=team, group=group, departments=departments)


@bp.route("/functionar/<int:official_id>")
@bp.route("/grup", defaults={"official_id": None})
def official(official_id: int | None):
    institution_id = _institution_id()
    person = db.session.get(User, official_id) if official_id is not None else None
    if official_id is not None and person is None:
        abort(404)
    tasks = official_tasks(current_user, institution_id, official_id)
    if (
        person is not None
        and not tasks
        and person.id
        not in {u.id for row in team_overview(current_user, institution_id)[0] for u in [row.official]}
    ):
        abort(404)
    return render_template("inbox/team_official.html", person=person, tasks=tasks)


@bp.route("/sarcina/<int:task_id>/reasignare", methods=["GET", "POST"])
def reassign(task_id: int):
    task = db.session.get(HumanTask, task_id)
    if task is None or not heads_task(current_user, task):
        abort(404)
    error = None
    if request.method == "POST":
        official = db.session.get(User, request.form.get("official_id", type=int) or 0)
        with unit_of_work(ReassignError, TaskUnavailable) as work:
            reassign_task(task.id, current_user, official, request.form.get("motiv", ""))
        if work.error:
            error = str(work.error)
        else:
            flash(_("Sarcina a fost reasignată lui %(name)s.", name=official.full_name), "success")
            return redirect(url_for("team.overview"))
        task = db.session.get(HumanTask, task_id)
    officials = [
        u
        for u in department_officials(task.institution_id, task.department_id)
        if u.id != getattr(task.holder, "id", None)
    ]
    return render_template(
        "inbox/reassign.html",
        task=task,
        document=task.document,
        officials=officials,
        error=error,
        active=task.status == TaskStatus.READY,
        history=history_with_rows(task.document),
    ), (400 if error else 200)


def register_team(app) -> None:
    from app.inbox.notice_views import bp as notices_bp
    from app.inbox.preview_views import bp as preview_bp

    app.register_blueprint(bp)
    app.register_blueprint(preview_bp)
    app.register_blueprint(notices_bp)

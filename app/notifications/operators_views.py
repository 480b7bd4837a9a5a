"""The operators' page (`/operare/platforma`, platform administrators): messages given up after the last attempt and open
incidents (timers whose route failed, damaged or missing files)."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from app.notifications.outbox import failed_messages
from app.operations.incidents import open_incidents

bp = Blueprint("operators", __name__, url_prefix="/operare/platforma")


@bp.before_request
@login_required
def platform_administrators_only():
    if not current_user.is_platform_admin:
        abort(403)


@bp.route("/")
def index():
    return render_template("operators/index.html", messages=failed_messages(), incidents=open_incidents())

"""The heads' dashboard (`/tablou`) and the statutory reports (`/rapoarte`): figures of the user's own institution
only, a head of unit seeing their departments, the secretary general the whole institution."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from app.reports.dashboard import dashboard as dashboard_figures
from app.reports.scope import scope_for, scopes_of

bp = Blueprint("reports", __name__)


@bp.before_request
@login_required
def heads_only():
    # Officials, clerks, auditors and citizens: the page does not exist for them.
    if not current_user.is_staff or not scopes_of(current_user):
        abort(403)


def _scope():
    institution_id = request.args.get("institutie", type=int)
    if "institutie" in request.args and institution_id is None:
        abort(404)
    scope = scope_for(current_user, institution_id)
    if scope is None:  # another institution's figures: not for this user
        abort(404)
    return scope


@bp.route("/tablou")
def dashboard():
    scope = _scope()
    return render_template(
        "reports/dashboard.html",
        scope=scope,
        scopes=scopes_of(current_user),
        departments=scope.departments(),
        **dashboard_figures(scope),
    )

"""The heads' dashboard (`/tablou`) and the statutory reports (`/rapoarte`): figures of the user's own institution
only, a head of unit seeing their departments, the secretary general the whole institution."""

from io import BytesIO

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user, login_required

from app.audit import record
from app.dates import now_utc, to_local
from app.reports import statutory
from app.reports.dashboard import dashboard as dashboard_figures
from app.reports.scope import scope_for, scopes_of, secretary_general_scope
from app.unit_of_work import unit_of_work

STATUTORY_REPORT = "statutory_report"

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


def _report_scope():
    institution_id = request.args.get("institutie", type=int)
    if "institutie" in request.args and institution_id is None:
        abort(404)
    if scope_for(current_user, institution_id) is None:
        abort(404)  # another institution: not for this user
    scope = secretary_general_scope(current_user, institution_id)
    if scope is None:  # a head of unit: the statutory reports speak for the whole institution
        abort(403)
    return scope


def _reports_page(scope, error: str | None = None, status: int = 200):
    return render_template(
        "reports/statutory.html",
        scope=scope,
        error=error,
        args=request.args,
        this_year=to_local(now_utc()).year,
    ), status


@bp.route("/rapoarte")
def statutory_reports():
    return _reports_page(_report_scope())


@bp.route("/rapoarte/descarca")
def statutory_download():
    scope = _report_scope()
    kind, fmt = request.args.get("raport", ""), request.args.get("format", "pdf")
    if fmt not in ("pdf", "csv"):
        abort(404)
    try:
        report = statutory.build(
            kind, scope.institution, request.args.get("an"), request.args.get("perioada")
        )
    except statutory.ReportRefused as exc:
        return _reports_page(scope, str(exc), 400)
    data = statutory.to_pdf(report) if fmt == "pdf" else statutory.to_csv(report)
    with unit_of_work():
        record(
            STATUTORY_REPORT,
            actor=current_user,
            institution_id=scope.institution.id,
            target=report.title,
            data={
                "kind": kind,
                "start": report.start.isoformat(),
                "end": report.end.isoformat(),
                "format": fmt,
            },
        )
    return send_file(
        BytesIO(data),
        mimetype="application/pdf" if fmt == "pdf" else "text/csv; charset=utf-8",
        as_attachment=True,
        download_name=report.filename(fmt),
    )

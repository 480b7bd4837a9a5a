"""The operations console (/operare) for analysts and administrators of an institution: the routes' instances by
process, version, element and state, one instance's incident and data, and the operator's actions (retry, change a
variable, move, suspend/resume, cancel). Logic in app/workflow/operations.py and app/workflow/incidents.py."""

from app.operations.views import bp


def register_operations(app) -> None:
    from flask_babel import lazy_gettext as _l

    from app.labels import ACTION_LABELS
    from app.workflow.incidents import INCIDENT_OPENED, INCIDENT_RESOLVED, is_delayed
    from app.workflow.migration import ROUTE_MIGRATED
    from app.workflow.operations import ROUTE_OPERATION

    app.register_blueprint(bp)
    app.jinja_env.globals["route_delayed"] = is_delayed
    ACTION_LABELS.update(
        {
            ROUTE_MIGRATED: _l("Traseu mutat pe altă versiune"),
            ROUTE_OPERATION: _l("Acțiune de operare pe traseu"),
            INCIDENT_OPENED: _l("Incident pe traseu"),
            INCIDENT_RESOLVED: _l("Incident rezolvat"),
        }
    )


__all__ = ["bp", "register_operations"]

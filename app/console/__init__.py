"""The operations console (/operare) for analysts and administrators of an institution: the routes' instances by
process, version, element and state, one instance's incident and data, and the operator's actions (retry, change a
variable, move, suspend/resume, cancel). Logic in app/workflow/operations.py and app/workflow/incidents.py."""


def init_app(app) -> None:
    from app.console.views import bp
    from app.workflow.incidents import is_delayed

    app.register_blueprint(bp)
    app.jinja_env.globals["route_delayed"] = is_delayed

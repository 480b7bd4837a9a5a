"""JSON API /api/v1 with bearer tokens; its OpenAPI document is generated from the views' declarations."""


def init_app(app) -> None:
    from app.api import communication_views, register_views, views  # noqa: F401 - the routes register themselves
    from app.api.base import bp
    from app.api.checking import install_response_check
    from app.extensions import csrf

    app.register_blueprint(bp)
    csrf.exempt(bp)  # the API authenticates with bearer tokens only, never with the session cookie
    if app.config.get("API_CHECK_RESPONSES", app.testing):
        install_response_check(app)

"""JSON API /api/v1 with bearer tokens and its OpenAPI document."""


def init_app(app) -> None:
    from app.api.views import bp
    from app.extensions import csrf

    app.register_blueprint(bp)
    csrf.exempt(bp)  # the API authenticates with bearer tokens only, never with the session cookie

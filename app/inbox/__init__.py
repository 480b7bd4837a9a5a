"""Staff task lists and task pages."""


def init_app(app) -> None:
    from app.inbox.views import bp

    app.register_blueprint(bp)

"""Staff task lists and task pages."""


def init_app(app) -> None:
    from app.inbox.team_views import register_team
    from app.inbox.views import bp

    app.register_blueprint(bp)
    register_team(app)  # heads of unit: team load, reassignment

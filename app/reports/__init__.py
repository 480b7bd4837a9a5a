"""Dashboards for heads of unit and the secretary general, and the statutory reports (OG 27/2002, Law 544/2001)."""


def init_app(app) -> None:
    from app.reports.views import bp

    app.register_blueprint(bp)

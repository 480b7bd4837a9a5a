"""The citizen's portal (Ghișeul Unic): catalogue, submission, drafts, my documents, tracking."""


def init_app(app) -> None:
    from app.portal import attach_views  # noqa: F401  (its route joins the portal blueprint)
    from app.portal.views import bp

    app.register_blueprint(bp)

"""Every way a document comes in: online submission (the portal's form and the API), paper at the registry desk
with its receipt, internal documents staff start. Each becomes a registered document on its route."""


def init_app(app) -> None:
    from app.intake import memo_views  # noqa: F401  (its routes join the intake blueprint)
    from app.intake.views import bp

    app.register_blueprint(bp)  # paper intake, receipts, internal documents

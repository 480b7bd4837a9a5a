"""Electronic signatures: officials sign PAdES in the route, the institution e-seals citizens' confirmed
submissions, and every signed PDF that enters or leaves is validated (docs/signing.md)."""


def init_app(app) -> None:
    from app.signing.route import refuse_plain_completion
    from app.signing.views import bp, register_template_helpers
    from app.workflow.runtime import COMPLETION_CHECKS

    if refuse_plain_completion not in COMPLETION_CHECKS:
        COMPLETION_CHECKS.append(refuse_plain_completion)
    app.register_blueprint(bp)
    register_template_helpers(app)
    from app.signing.cloud_views import bp as cloud_bp
    from app.signing.cloud_views import register_template_helpers as register_cloud_helpers

    app.register_blueprint(cloud_bp)  # signing with one's own certificate at a CSC provider
    register_cloud_helpers(app)

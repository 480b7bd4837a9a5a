"""Correspondence: the answer letter (unsigned, or prepared for signing and issued once signed), letters between
institutions and forwarding to the competent one, letters to persons."""


def init_app(app) -> None:
    from app.correspondence.route_steps import register_route_steps
    from app.correspondence.signed_answer import refuse_plain_completion
    from app.correspondence.views import bp
    from app.workflow.runtime import COMPLETION_CHECKS

    register_route_steps()
    if refuse_plain_completion not in COMPLETION_CHECKS:
        COMPLETION_CHECKS.append(refuse_plain_completion)  # a signing step completes only by signing
    app.register_blueprint(bp)
    from app.correspondence.cloud_views import bp as cloud_bp
    from app.correspondence.cloud_views import register_template_helpers as register_cloud_helpers

    app.register_blueprint(
        cloud_bp
    )  # answers and submissions signed with one's own certificate at a CSC provider
    register_cloud_helpers(app)

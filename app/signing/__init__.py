"""Electronic signatures: officials sign PAdES in the route, the institution e-seals citizens' confirmed
submissions, and every signed PDF that enters or leaves is validated (docs/signing.md)."""


def init_app(app) -> None:
    from app.audit.anchoring import PKI_PROVIDERS
    from app.signing.models import install_audit_hooks
    from app.signing.pki import current_pki
    from app.signing.views import bp, register_template_helpers

    app.register_blueprint(bp)
    register_template_helpers(app)
    install_audit_hooks()  # every validation report stored is logged
    if current_pki not in PKI_PROVIDERS:
        PKI_PROVIDERS.append(current_pki)  # checkpoints get an RFC 3161 token from its timestamp authority

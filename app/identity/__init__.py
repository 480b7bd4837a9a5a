"""Who people are and what they may do: institutions, departments, accounts, roles, login, delegation."""


def init_app(app) -> None:
    from app.extensions import login_manager
    from app.identity.admin_views import bp as administration_bp
    from app.identity.auth import load_user
    from app.identity.citizens import register_citizens
    from app.identity.cli import register_identity_cli
    from app.identity.sessions import install_session_hooks
    from app.identity.tokens import bp as api_tokens_bp
    from app.identity.views import bp

    login_manager.login_view = "identity.login"
    login_manager.login_message = None
    login_manager.user_loader(load_user)
    app.register_blueprint(bp)
    app.register_blueprint(administration_bp)  # institutions, departments, staff
    app.register_blueprint(api_tokens_bp)  # API tokens: named, expiring, listed and revoked at /cont/tokenuri
    register_identity_cli(app)
    install_session_hooks(app)  # logout, a password change or a disabled account end sessions server-side
    register_citizens(app)  # national eID, account self-service, company mandates

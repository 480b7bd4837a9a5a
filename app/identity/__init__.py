"""Who people are and what they may do: institutions, departments, accounts, roles, login, delegation."""


def init_app(app) -> None:
    from app.extensions import login_manager
    from app.identity.admin_views import bp as administration_bp
    from app.identity.auth import load_user
    from app.identity.cli import register_identity_cli
    from app.identity.views import bp

    login_manager.login_view = "identity.login"
    login_manager.login_message = None
    login_manager.user_loader(load_user)
    app.register_blueprint(bp)
    app.register_blueprint(administration_bp)  # institutions, departments, staff
    register_identity_cli(app)

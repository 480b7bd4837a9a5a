"""Wires the citizens' identity features into the application: the ROeID login and company mandates (account
self-service lives with the portal: app/portal/account.py)."""


def mask_email(value: str | None) -> str:
    """ion.popescu@example.ro -> i**********@example.ro: enough to recognise one's own address."""
    if not value or "@" not in value:
        return value or ""
    local, domain = value.split("@", 1)
    return f"{local[0]}{'*' * max(len(local) - 1, 1)}@{domain}"


def register_citizens(app) -> None:
    from app.identity import roeid
    from app.identity.mandate_views import bp as mandates_bp
    from app.identity.roeid_views import bp as roeid_bp

    for blueprint in (roeid_bp, mandates_bp):
        app.register_blueprint(blueprint)
    app.jinja_env.globals["roeid_enabled"] = roeid.enabled
    app.after_request(allow_roeid_logout)
    app.jinja_env.filters["mask_email"] = mask_email
    from flask_login import current_user

    from app.identity.mandates import may_review

    app.jinja_env.globals["may_review_mandates"] = lambda: may_review(current_user)


def allow_roeid_logout(response):
    """The sign-out form's redirect goes on to ROeID's end-session page: browsers check form-action on redirects,
    so the provider's origin joins 'self' there (runs after the application's own security headers)."""
    from urllib.parse import urlsplit

    from flask import current_app

    issuer = current_app.config.get("ROEID_ISSUER")
    policy = response.headers.get("Content-Security-Policy")
    if issuer and policy and "form-action 'self'" in policy:
        parts = urlsplit(issuer)
        response.headers["Content-Security-Policy"] = policy.replace(
            "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}"
        )
    return response

"""The citizen's portal (Ghișeul Unic): catalogue, submission, drafts, my documents, tracking."""


def init_app(app) -> None:
    from app.portal import attach_views  # noqa: F401  (its route joins the portal blueprint)
    from app.portal.views import bp

    app.register_blueprint(bp)
    from app.portal.account_views import bp as account_bp
    from app.portal.limits import allow_large_submission
    from app.portal.signatures import signature_sentence

    app.register_blueprint(account_bp)  # password reset, contact data, my data, closing the account
    # Before CSRFProtect reads the form: the submission form's request may exceed the usual cap (portal.limits).
    app.before_request_funcs.setdefault(None, []).insert(0, allow_large_submission)
    app.jinja_env.globals["signature_sentence"] = signature_sentence
    from app.identity.views import WAITING_AFTER_VERIFICATION
    from app.portal.models import drafts_of

    if drafts_of not in WAITING_AFTER_VERIFICATION:
        WAITING_AFTER_VERIFICATION.append(drafts_of)  # offered again once the e-mail is confirmed

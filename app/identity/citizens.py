"""Wires the citizens' account features into the application: the ROeID login, account self-service (password
reset, contact data, privacy notice, data export, closing the account) and company mandates."""

from flask_babel import lazy_gettext as _l

# Labels of the audit actions these features record (shown on the audit pages).
ACTION_LABELS = {
    "roeid_login": _l("Autentificare ROeID"),
    "roeid_refused": _l("Autentificare ROeID refuzată"),
    "roeid_account_created": _l("Cont creat din ROeID"),
    "roeid_linked": _l("Cont legat de ROeID"),
    "password_reset_requested": _l("Resetare parolă cerută"),
    "password_reset": _l("Parolă resetată"),
    "password_reset_refused": _l("Resetare parolă refuzată"),
    "contact_changed": _l("Date de contact modificate"),
    "email_change_requested": _l("Schimbare e-mail cerută"),
    "email_changed": _l("Adresă de e-mail schimbată"),
    "personal_data_exported": _l("Date personale descărcate"),
    "account_closed": _l("Cont închis"),
    "mandate_requested": _l("Împuternicire depusă"),
    "mandate_approved": _l("Împuternicire aprobată"),
    "mandate_refused": _l("Împuternicire refuzată"),
    "mandate_revoked": _l("Împuternicire retrasă"),
    "mandate_file_refused": _l("Fișier de împuternicire refuzat"),
    "submission_refused_not_representative": _l("Depunere refuzată: nu mai este reprezentant"),
}


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
    from app.identity.self_service_views import bp as self_service_bp
    from app.labels import ACTION_LABELS as AUDIT_LABELS

    for blueprint in (roeid_bp, self_service_bp, mandates_bp):
        app.register_blueprint(blueprint)
    AUDIT_LABELS.update(ACTION_LABELS)
    app.jinja_env.globals["roeid_enabled"] = roeid.enabled
    # Before CSRFProtect reads the form: the submission form's request may exceed the usual cap (portal.limits).
    from app.portal.limits import allow_large_submission

    app.before_request_funcs.setdefault(None, []).insert(0, allow_large_submission)
    app.jinja_env.filters["mask_email"] = mask_email
    from app.portal.signatures import signature_sentence

    app.jinja_env.globals["signature_sentence"] = signature_sentence

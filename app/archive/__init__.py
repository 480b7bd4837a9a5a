"""The electronic archive: file plan, archive records with their Law 135/2007 record cards, fixity,
timestamp renewal, retention and disposal, E-ARK SIP export, search. See docs/archive.md."""


def init_app(app) -> None:
    from app.archive.cli import register_archive_cli
    from app.archive.disposal import install_session_hooks, on_document_closed
    from app.archive.views import bp
    from app.registry.route_steps import ON_CLOSED

    app.register_blueprint(bp)
    install_session_hooks()  # blobs of destroyed files are deleted only after the disposal commits
    register_archive_cli(app)  # flask archive run / fixity / export
    from app.archive.destroyed import blob_gone_reason, destruction_of, ensure_not_destroyed
    from app.auditors.bundle import EXPORT_CHECKS
    from app.operations.bad_input import BLOB_GONE_REASONS

    app.jinja_env.globals["destroyed_notice"] = (
        destruction_of  # pages of documents whose files were destroyed
    )
    if blob_gone_reason not in BLOB_GONE_REASONS:
        BLOB_GONE_REASONS.append(blob_gone_reason)
    if ensure_not_destroyed not in EXPORT_CHECKS:
        EXPORT_CHECKS.append(
            ensure_not_destroyed
        )  # no audit bundle of destroyed files: the disposal report instead
    if on_document_closed not in ON_CLOSED:
        ON_CLOSED.append(on_document_closed)  # a disposal proposal's route ends: destroy or reject

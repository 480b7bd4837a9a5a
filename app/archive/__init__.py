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
    if on_document_closed not in ON_CLOSED:
        ON_CLOSED.append(on_document_closed)  # a disposal proposal's route ends: destroy or reject

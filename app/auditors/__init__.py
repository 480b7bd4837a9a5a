"""What auditors use (role `auditor`, read-only): search of the audit log, a document's path step by step on its
diagram, replay of its route with stand-ins, the sealed audit bundle and its PDF report, `flask audit ...`."""


def init_app(app) -> None:
    from app.auditors.cli import register_audit_cli
    from app.auditors.views import bp

    app.register_blueprint(bp)
    register_audit_cli(app)

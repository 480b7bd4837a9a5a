"""Application factory."""

import logging
from pathlib import Path

from flask import Flask, abort, g, has_request_context, request, send_from_directory, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.config import Config
from app.extensions import babel, csrf, db, limiter, login_manager, migrate

# Only these folders of node_modules are served: the front-end packages npm installs at set-up.
# Served from node_modules; "registratura" holds what `npm run build` bundles from app/static/src (the modeler).
VENDOR_DIRS = {
    "bootstrap": "bootstrap/dist",
    "bpmn-js": "bpmn-js/dist",
    "htmx": "htmx.org/dist",
    "properties-panel": "@bpmn-io/properties-panel/dist",
    "registratura": ".registratura",
}


def select_locale() -> str:
    # Timers and CLI commands run outside any request: they speak the default language.
    if not has_request_context():
        return "ro"
    if request.args.get("lang") in ("ro", "en"):
        session["lang"] = request.args["lang"]
    return session.get("lang", "ro")


def register_error_pages(app: Flask) -> None:
    from flask import jsonify, render_template
    from flask_babel import gettext as _
    from werkzeug.exceptions import HTTPException

    messages = {
        400: (
            _l("Cerere invalidă"),
            _l("Cererea nu a putut fi procesată. Reîncărcați pagina și încercați din nou."),
        ),
        403: (_l("Acces interzis"), _l("Nu aveți dreptul să accesați această pagină.")),
        404: (_l("Pagina nu există"), _l("Pagina nu există sau nu aveți acces la ea.")),
        413: (_l("Fișiere prea mari"), _l("Fișierele trimise depășesc limita permisă.")),
        429: (
            _l("Prea multe încercări"),
            _l("Ați făcut prea multe încercări. Așteptați un minut și reîncercați."),
        ),
        500: (_l("Eroare internă"), _l("A apărut o eroare. Nimic nu a fost salvat; încercați din nou.")),
    }

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        if request.path.startswith("/api/"):
            return jsonify(
                {"error": {"code": exc.name.lower().replace(" ", "_"), "message": exc.description}}
            ), code
        title, message = messages.get(code, (exc.name, exc.description))
        return render_template("errors/error.html", title=title, message=message), code

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        from app.extensions import db as database

        database.session.rollback()
        app.logger.exception("unhandled error")
        if request.path.startswith("/api/"):
            return jsonify({"error": {"code": "internal_error", "message": _("Eroare internă.")}}), 500
        title, message = messages[500]
        return render_template("errors/error.html", title=title, message=message), 500


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(Path(Config().INSTANCE_DIR).resolve()))
    app.config.from_object(Config())
    if overrides:
        app.config.update(overrides)
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    if not app.config["SECRET_KEY_FROM_ENV"] and not app.config["TESTING"]:
        logging.getLogger(__name__).warning(
            "SECRET_KEY not set: using a random key (sessions end at restart)"
        )

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "identity.login"
    login_manager.login_message = None

    from app import models  # noqa: F401  (registers every table with SQLAlchemy)
    from app.api.views import bp as api_bp
    from app.audit.views import bp as audit_bp
    from app.communication.views import bp as communication_bp
    from app.identity.auth import load_user
    from app.identity.views import bp as identity_bp
    from app.inbox.views import bp as inbox_bp
    from app.modeling import bp as modeling_bp
    from app.notifications.views import bp as notifications_bp
    from app.portal.views import bp as portal_bp
    from app.registry.views import bp as registry_bp

    login_manager.user_loader(load_user)
    for blueprint in (identity_bp, portal_bp, inbox_bp, registry_bp, api_bp, audit_bp, modeling_bp):
        app.register_blueprint(blueprint)
    for blueprint in (communication_bp, notifications_bp):  # issue #4: two-way communication, notifications
        app.register_blueprint(blueprint)
    from app.identity.admin_views import bp as administration_bp

    app.register_blueprint(administration_bp)  # issue #3: institutions, departments, staff
    from app.identity.citizens import register_citizens

    register_citizens(app)  # national eID, account self-service, company mandates
    from app.inbox.team_views import register_team

    register_team(app)  # heads of unit: team load, reassignment
    from app.registry import text_search

    text_search.init_app(app)  # diacritics-insensitive search (f_unaccent on SQLite too)
    from app.identity.cli import register_identity_cli

    register_identity_cli(app)
    from app.registry.intake_views import bp as intake_bp

    app.register_blueprint(intake_bp)  # issue #3: paper intake, receipts, internal documents, attaching
    from app.correspondence.views import bp as correspondence_bp

    app.register_blueprint(correspondence_bp)  # issue #3: letters between institutions
    from app.archive.disposal import install_session_hooks as install_archive_hooks
    from app.archive.views import bp as archive_bp

    app.register_blueprint(archive_bp)  # issue #8: electronic archive
    install_archive_hooks()  # blobs of destroyed files are deleted only after the disposal commits
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens only, never with the session cookie

    from app.signing import init_app as init_signing

    init_signing(app)

    from app.cli import register_cli
    from app.templating import register_form_helpers, register_templating

    register_cli(app)
    from app.notifications.outbox import register_cli as register_notifications_cli

    register_notifications_cli(app)
    from app.registry.cli import register_registry_cli

    register_registry_cli(app)  # flask registry freeze-day
    from app.archive.cli import register_archive_cli

    register_archive_cli(app)  # flask archive run / fixity / export
    register_templating(app)
    register_form_helpers(app)

    @app.route("/vendor/<package>/<path:filename>")
    def vendor(package: str, filename: str):
        if package not in VENDOR_DIRS:
            abort(404)
        response = send_from_directory(Path(app.config["NODE_MODULES_DIR"]) / VENDOR_DIRS[package], filename)
        response.cache_control.max_age = 86400
        return response

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        if current_user.is_authenticated and not request.path.startswith("/vendor/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    register_error_pages(app)

    @app.before_request
    def remember_locale():
        g.locale = select_locale()

    if app.config["SCHEDULER_ENABLED"] and not app.config["TESTING"]:
        from app.audit.anchoring import add_checkpoint_job
        from app.notifications.outbox import add_outbox_job
        from app.workflow.scheduler import start_scheduler

        scheduler = start_scheduler(app)
        add_checkpoint_job(scheduler, app)
        add_outbox_job(scheduler, app)
    return app

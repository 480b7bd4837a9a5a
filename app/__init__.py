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
    "chartjs": "chart.js/dist",
    "dmn-js": "dmn-js/dist",
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
    from werkzeug.exceptions import BadRequest, HTTPException

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
        # The exception's own headers (Allow on a 405, Retry-After on a 429), never its content type.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if request.path.startswith("/api/"):
            return (
                jsonify({"error": {"code": exc.name.lower().replace(" ", "_"), "message": exc.description}}),
                code,
                headers,
            )
        title, message = messages.get(code, (exc.name, exc.description))
        if code == 400 and exc.description and exc.description != BadRequest.description:
            message = exc.description  # a specific reason given by abort(400, description=...)
        return render_template("errors/error.html", title=title, message=message), code, headers

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
    from app.operations.settings import check_production_settings, trust_proxies

    check_production_settings(app.config)  # a deployment refuses to start without its keys
    trust_proxies(app)
    from app.operations.bad_input import install_converters

    install_converters(app)  # ids beyond 64 bits in URLs: 400, not a database overflow
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

    from app import (
        api,
        archive,
        auditors,
        communication,
        console,
        correspondence,
        identity,
        inbox,
        intake,
        modeling,
        models,  # noqa: F401  (registers every table with SQLAlchemy)
        notifications,
        portal,
        registry,
        reports,
        signing,
    )
    from app.cli import register_cli
    from app.jobs import register_jobs_cli
    from app.templating import register_form_helpers, register_templating

    # Every package plugs itself in: blueprints, commands, script helpers, hooks. Lower packages first (the
    # direction docs/architecture.md draws), so the hooks they register run in this order.
    for package in (
        identity,
        registry,
        signing,
        notifications,
        intake,
        correspondence,
        communication,
        portal,
        inbox,
        reports,
        archive,
        auditors,
        api,
        modeling,
        console,
    ):
        package.init_app(app)
    register_cli(app)
    register_jobs_cli(app)  # flask jobs run: the one process that runs the scheduled jobs
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
    from app.operations import bad_input

    bad_input.install(app)  # NUL bytes, out-of-range values, database outage, damaged files

    @app.before_request
    def remember_locale():
        g.locale = select_locale()

    # The embedded demo only: a deployment runs the jobs in their own process (`flask jobs run`).
    if app.config["SCHEDULER_ENABLED"] and not app.config["TESTING"]:
        from app.jobs import start_scheduler

        start_scheduler(app)  # every scheduled job is declared in app/jobs.py
    return app

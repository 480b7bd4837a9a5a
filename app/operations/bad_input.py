"""Bad input and broken infrastructure get a clear answer, never a bare 500: NUL bytes anywhere in the request,
integers the database cannot hold, dates out of range (400 with a message); the database unreachable (503 with
Retry-After); a stored file that no longer matches its hash (an error page and an incident)."""

import re

from flask import Flask, abort, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, DisconnectionError, InterfaceError, OperationalError
from werkzeug.routing import IntegerConverter

from app.storage import StorageIntegrityError

INT64_MAX = 2**63 - 1
RETRY_AFTER_SECONDS = 30


def int_arg(name: str, default: int, minimum: int = 0, maximum: int = INT64_MAX) -> int:
    """A query-string integer, or 400 naming the parameter: `?pagina=99999999999999999999` or `offset=5e34` is
    an error the caller should see, not a silent default or a database overflow."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[+-]?\d{1,19}", raw.strip()) or not minimum <= int(raw) <= maximum:
        abort(
            400,
            description=_(
                "Parametrul %(name)s trebuie să fie un număr întreg între %(min)d și %(max)d.",
                name=name,
                min=minimum,
                max=maximum,
            ),
        )
    return int(raw)


class Int64Converter(IntegerConverter):
    """`<int:...>` in routes: an id beyond 64 bits is a bad request with a message, not a database overflow."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > INT64_MAX:
            abort(400, description=_("Identificatorul din adresă este prea mare."))
        return number


def install_converters(app: Flask) -> None:
    """Before any route is added: the rules bind their converters when they are added."""
    app.url_map.converters["int"] = Int64Converter


def _has_nul(value) -> bool:
    return isinstance(value, str) and "\x00" in value


def reject_nul_bytes():
    """NUL cannot be stored in PostgreSQL text and has no business in a form, a query or a file name."""
    if "\x00" in request.path or any(_has_nul(v) for v in request.args.values()):
        abort(400, description=_("Cererea conține un caracter nepermis (NUL)."))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        values = list(request.form.values()) + [f.filename for f in request.files.values()]
        if any(_has_nul(v) for v in values):
            abort(400, description=_("Cererea conține un caracter nepermis (NUL)."))


def _answer(code: int, title: str, message: str, headers: dict | None = None):
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"code": title.lower().replace(" ", "_"), "message": message}})
        response.status_code = code
    else:
        response = render_template("errors/error.html", title=title, message=message), code
        from flask import make_response

        response = make_response(response)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class Gone(Exception):
    """Something that existed and was removed on purpose (files destroyed by a disposal): answered 410 with its
    reason. The package that removes things raises a subclass."""


# Packages that remove stored files on purpose tell why a blob is missing (sha256 -> message, or None).
BLOB_GONE_REASONS: list = []


def install(app: Flask) -> None:
    from app.extensions import db

    app.before_request(reject_nul_bytes)

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def out_of_range(exc):
        db.session.rollback()
        app.logger.info("bad input refused: %s", str(exc).splitlines()[0][:300])
        if request.path.startswith("/api/"):
            return _answer(400, "bad_request", _("O valoare din cerere este în afara domeniului permis."))
        return _answer(400, _("Cerere invalidă"), _("O valoare din cerere este în afara domeniului permis."))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DisconnectionError)
    def database_unavailable(exc):
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is what failed
            app.logger.debug("rollback after a database outage failed too")
        app.logger.error("database unavailable: %s", str(exc).splitlines()[0][:300])
        message = _(
            "Serviciul este temporar indisponibil. Nimic nu a fost salvat; reîncercați peste un minut."
        )
        code = "service_unavailable" if request.path.startswith("/api/") else _("Serviciu indisponibil")
        return _answer(503, code, message, {"Retry-After": str(RETRY_AFTER_SECONDS)})

    @app.errorhandler(FileNotFoundError)
    def file_missing(exc):
        """A blob that is not in the store: destroyed by a disposal (410 with the report), else an incident."""
        from app.operations.incidents import record_incident

        db.session.rollback()
        found = re.search(r"[0-9a-f]{64}", str(exc))
        sha256 = found.group(0) if found else None
        reason = next((r for find in BLOB_GONE_REASONS if sha256 and (r := find(sha256))), None)
        if reason is not None:
            code = "gone" if request.path.startswith("/api/") else _("Document eliminat")
            return _answer(410, code, reason)
        try:
            record_incident("file_missing", str(exc), element=sha256)
        except Exception:  # noqa: BLE001 - the page below is still shown
            app.logger.exception("incident for a missing file could not be recorded")
        code = "file_missing" if request.path.startswith("/api/") else _("Fișier lipsă")
        return _answer(500, code, _("Fișierul cerut lipsește din depozit. Administratorii au fost anunțați."))

    @app.errorhandler(Gone)
    def gone(exc):
        db.session.rollback()
        code = "gone" if request.path.startswith("/api/") else _("Document eliminat")
        return _answer(410, code, str(exc))

    @app.errorhandler(StorageIntegrityError)
    def file_damaged(exc):
        from app.operations.incidents import record_incident

        db.session.rollback()
        found = re.search(r"[0-9a-f]{64}", str(exc))
        try:
            record_incident("file_integrity", str(exc), element=found.group(0) if found else None)
        except Exception:  # noqa: BLE001 - the page below is still shown
            app.logger.exception("incident for a damaged file could not be recorded")
        message = _(
            "Fișierul cerut nu a trecut verificarea de integritate și nu poate fi livrat. Administratorii au fost "
            "anunțați; copia din arhivă va fi restaurată."
        )
        code = "file_integrity" if request.path.startswith("/api/") else _("Fișier deteriorat")
        return _answer(500, code, message)

"""Jinja filters and globals shared by every page."""

from flask import Flask, g
from flask_babel import lazy_gettext as _l

from app.dates import as_utc, format_date, format_datetime, now_utc

STATUS_LABELS = {
    "depus": _l("Depus, în așteptarea înregistrării"),
    "inregistrat": _l("Înregistrat"),
    "in_lucru": _l("În lucru"),
    "solutionat": _l("Soluționat"),
    "clasat": _l("Clasat"),
    "eroare": _l("Eroare în traseu"),
    "anulat": _l("Anulat"),
}

EVENT_LABELS = {
    "task_completed": _l("Pas finalizat"),
    "automatic": _l("Pas automat"),
    "task_claimed": _l("Sarcină preluată"),
    "task_released": _l("Sarcină eliberată"),
    "submitted": _l("Depus"),
    "reminder": _l("Reamintire termen"),
    "overdue": _l("Termen depășit"),
    "deadline_changed": _l("Termen modificat"),
    "route_migrated": _l("Traseu actualizat la o versiune nouă"),
    "signed": _l("Semnat electronic"),
    "sealed": _l("Sigilat electronic"),
    "confirmed": _l("Depunere confirmată"),
    "registered": _l("Înregistrat"),
    "anulare": _l("Înregistrare anulată"),
    "forwarded": _l("Redirecționat către instituția competentă"),
    "letter_sent": _l("Adresă expediată"),
    "attached_to_account": _l("Atașat la contul solicitantului"),
}


def days_left(deadline) -> int | None:
    if deadline is None:
        return None
    return (as_utc(deadline).date() - now_utc().date()).days


def register_templating(app: Flask) -> None:
    app.jinja_env.filters["date_ro"] = format_date
    app.jinja_env.filters["datetime_ro"] = format_datetime
    app.jinja_env.filters["status_label"] = lambda code: STATUS_LABELS.get(code, code)
    app.jinja_env.filters["event_label"] = lambda code: EVENT_LABELS.get(code, code)
    app.jinja_env.globals["days_left"] = days_left

    @app.context_processor
    def inject_locale():
        return {"locale": getattr(g, "locale", "ro")}


def register_form_helpers(app: Flask) -> None:
    from app.forms import display_rows, render_fields
    from app.portal.tracking import days_in_institution

    app.jinja_env.globals["render_fields"] = render_fields
    app.jinja_env.globals["display_rows"] = display_rows
    app.jinja_env.globals["days_in_institution"] = days_in_institution

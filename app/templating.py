"""Jinja filters and globals shared by every page."""

from flask import Flask, g

from app.dates import as_utc, format_date, format_datetime, now_utc
from app.labels import STATUS_LABELS, event_label


def days_left(deadline) -> int | None:
    if deadline is None:
        return None
    return (as_utc(deadline).date() - now_utc().date()).days


def register_templating(app: Flask) -> None:
    app.jinja_env.filters["date_ro"] = format_date
    app.jinja_env.filters["datetime_ro"] = format_datetime
    app.jinja_env.filters["status_label"] = lambda code: STATUS_LABELS.get(code, code)
    app.jinja_env.filters["event_label"] = event_label
    app.jinja_env.globals["days_left"] = days_left

    @app.context_processor
    def inject_locale():
        return {"locale": getattr(g, "locale", "ro")}


def register_form_helpers(app: Flask) -> None:
    from app.forms import display_rows, render_fields

    app.jinja_env.globals["render_fields"] = render_fields
    app.jinja_env.globals["display_rows"] = display_rows

"""Human-readable rows of submitted data for history and task pages."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext

from .model import FormDefinition, Options, choices, item_schema, plain_value

_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def display_rows(
    form: FormDefinition, data: dict, *, options: Options | None = None
) -> list[tuple[str, str]]:
    """(label, value) in form order; fields missing from data (or None) and unknown keys are skipped.

    ``options`` lets x-options values show their labels; without it the raw value is shown.
    """
    rows: list[tuple[str, str]] = []
    for name in form.field_names():
        if data.get(name) is None:
            continue
        rows.append((form.label(name), _display(form.prop(name), data[name], options or {})))
    return rows


def _display(prop: dict, value: Any, options: Options) -> str:
    if isinstance(value, bool):
        return gettext("Da") if value else gettext("Nu")
    if isinstance(value, list | tuple):
        item = item_schema(prop)
        return ", ".join(_display(item, v, options) for v in value)
    labels = {plain_value(v): label for v, label in choices(prop, options)}
    if plain_value(value) in labels:
        return labels[plain_value(value)]
    if prop.get("format") == "date" and isinstance(value, str):
        match = _ISO_DATE_RE.match(value)
        if match:
            year, month, day = match.groups()
            return f"{day}.{month}.{year}"
    if isinstance(value, float):
        return _number(value)
    return plain_value(value)


def _number(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    return str(value).replace(".", ",")  # Romanian decimal comma

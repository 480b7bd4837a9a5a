"""Turn posted form strings into typed values matching the schema."""

from __future__ import annotations

import math
import re
from typing import Any

from .model import FormDefinition

_INT_RE = re.compile(r"^[+-]?\d+$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_RO_DATE_RE = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_FALSE_VALUES = frozenset({"", "false", "0", "off", "no", "nu"})


def parse_submission(form: FormDefinition, posted: Any) -> dict:
    """Typed data from a werkzeug MultiDict (or plain mapping).

    Empty values are dropped even for required fields, so validation reports
    "Câmpul este obligatoriu." instead of accepting "". File fields are skipped.
    """
    data: dict[str, Any] = {}
    files = set(form.file_fields())
    for name in form.field_names():
        if name in files:
            continue
        prop = form.prop(name)
        typ = prop.get("type")
        if typ == "boolean":
            data[name] = any(_clean(v).lower() not in _FALSE_VALUES for v in _getlist(posted, name))
            continue
        if typ == "array":
            values = [v for v in (_clean(raw) for raw in _getlist(posted, name)) if v]
            if values:
                data[name] = values
            continue
        raw = posted.get(name)
        if raw is None:
            continue
        text = _clean(raw)
        if text:
            data[name] = _convert(prop, text)
    return data


def _getlist(posted: Any, name: str) -> list:
    getlist = getattr(posted, "getlist", None)
    if getlist is not None:
        return list(getlist(name))
    value = posted.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _clean(raw: object) -> str:
    # Browsers post textarea newlines as CRLF while counting them as one character for
    # maxlength; NUL cannot be stored in PostgreSQL text columns.
    return str(raw).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()


def _convert(prop: dict, text: str) -> Any:
    typ = prop.get("type")
    if typ == "integer":
        return int(text) if _INT_RE.match(text) else text
    if typ == "number":
        candidate = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
        if not _NUMBER_RE.match(candidate):
            return text
        if _INT_RE.match(candidate):
            return int(candidate)
        value = float(candidate)
        # raw string keeps the type error visible instead of storing inf/nan
        return value if math.isfinite(value) else text
    if prop.get("format") == "date":
        match = _RO_DATE_RE.match(text)
        if match:  # typed by hand as zz.ll.aaaa where the date picker is unavailable
            day, month, year = match.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
    return text

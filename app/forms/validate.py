"""Validate typed submissions with jsonschema and explain errors in Romanian, per field."""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

from flask_babel import gettext
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from .model import OPTIONS_KEY, FormDefinition, Options, has_choices

# WHATWG's e-mail pattern (what browsers accept for type=email), but requiring a dotted domain.
_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Only these formats are enforced; jsonschema's own email check merely looks for "@".
FORMAT_CHECKER = FormatChecker(formats=())


@FORMAT_CHECKER.checks("email")
def _is_email(instance: object) -> bool:
    return not isinstance(instance, str) or bool(_EMAIL_RE.match(instance))


@FORMAT_CHECKER.checks("date")
def _is_date(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    if not _ISO_DATE_RE.match(instance):
        return False
    try:
        date.fromisoformat(instance)
    except ValueError:
        return False
    return True


def validate_submission(
    form: FormDefinition, data: dict, options: Options | None = None
) -> dict[str, list[str]]:
    """{field: [Romanian messages]}; form-level problems under ""; {} when valid."""
    validator = _validator(form, options or {})
    found: dict[str, list[str]] = {}
    for error in validator.iter_errors(data):
        name, message = _attribute(error)
        bucket = found.setdefault(name, [])
        if message not in bucket:
            bucket.append(message)
    order = ["", *form.field_names()]
    return {k: found[k] for k in [*order, *(k for k in found if k not in order)] if k in found}


# Validators by (form, option values): a form read once per version (app/workflow/deploy.py) and the same option
# lists are validated against many times; building one copies the whole schema. The form is kept with its entry,
# so its id cannot be reused while the entry lives.
_VALIDATORS: dict[tuple, tuple[FormDefinition, Draft202012Validator]] = {}


def _validator(form: FormDefinition, options: Options) -> Draft202012Validator:
    try:
        key = (id(form), tuple(sorted((name, tuple(values)) for name, values in options.items())))
    except TypeError:  # option values that cannot be a key: no cache
        key = None
    found = _VALIDATORS.get(key) if key is not None else None
    if found is not None and found[0] is form:
        return found[1]
    validator = Draft202012Validator(_schema_with_options(form, options), format_checker=FORMAT_CHECKER)
    if key is not None:
        if len(_VALIDATORS) >= 256:
            _VALIDATORS.clear()
        _VALIDATORS[key] = (form, validator)
    return validator


def _schema_with_options(form: FormDefinition, options: Options) -> dict:
    schema = copy.deepcopy(form.schema)
    for prop in (schema.get("properties") or {}).values():
        if not isinstance(prop, dict):
            continue
        for target in (prop, prop.get("items")):
            if isinstance(target, dict) and isinstance(target.get(OPTIONS_KEY), str):
                # an unknown source yields enum [] so that no value is accepted
                target["enum"] = [value for value, _label in options.get(target[OPTIONS_KEY], [])]
    return schema


def _attribute(error: ValidationError) -> tuple[str, str]:
    path = list(error.absolute_path)
    if error.validator in ("required", "dependentRequired"):
        missing = _missing_name(error)
        if missing is not None and not path:
            return missing, gettext("Câmpul este obligatoriu.")
    if path and isinstance(path[0], str):
        return path[0], _message(error)
    return "", gettext("Datele trimise nu sunt valide. Verificați formularul.")


def _missing_name(error: ValidationError) -> str | None:
    instance = error.instance if isinstance(error.instance, dict) else {}
    value = error.validator_value
    if error.validator == "required":
        candidates = [n for n in value if isinstance(n, str)] if isinstance(value, list) else []
    else:  # dependentRequired: {"trigger": ["dependency", ...]}
        candidates = [d for deps in (value or {}).values() for d in deps if isinstance(d, str)]
    missing = [n for n in candidates if n not in instance]
    # jsonschema reports one error per missing property, its message starting with repr(name)
    for name in missing:
        if error.message.startswith(repr(name)):
            return name
    return missing[0] if missing else None


def _message(error: ValidationError) -> str:
    kind = error.validator
    value: Any = error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}
    if kind == "required":
        return gettext("Câmpul este obligatoriu.")
    if kind == "minLength":
        return gettext("Introduceți cel puțin %(n)d caractere.", n=value)
    if kind == "maxLength":
        return gettext("Introduceți cel mult %(n)d caractere.", n=value)
    if kind == "const" and value is True and schema.get("type") == "boolean":
        return gettext("Bifați căsuța pentru a continua.")
    if kind in ("enum", "const") or (kind in ("oneOf", "anyOf") and has_choices(schema)):
        return gettext("Alegeți o valoare din listă.")
    if kind == "type":
        types = value if isinstance(value, list) else [value]
        if "integer" in types:
            return gettext("Introduceți un număr întreg.")
        if "number" in types:
            return gettext("Introduceți un număr.")
    if kind == "format":
        if value == "email":
            return gettext("Adresa de e-mail nu este validă.")
        if value == "date":
            return gettext("Data nu este validă (zz.ll.aaaa).")
        return gettext("Valoarea nu are formatul cerut.")
    if kind == "pattern":
        return gettext("Valoarea nu are formatul cerut.")
    if kind in ("minimum", "exclusiveMinimum"):
        return gettext("Valoarea este prea mică (minim %(n)s).", n=_number(value))
    if kind in ("maximum", "exclusiveMaximum"):
        return gettext("Valoarea este prea mare (maxim %(n)s).", n=_number(value))
    if kind == "minItems":
        return gettext("Alegeți cel puțin %(n)d opțiuni.", n=value)
    if kind == "maxItems":
        return gettext("Alegeți cel mult %(n)d opțiuni.", n=value)
    if kind == "uniqueItems":
        return gettext("Nu alegeți aceeași valoare de mai multe ori.")
    return gettext("Valoarea nu este validă.")


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",")  # Romanian decimal comma

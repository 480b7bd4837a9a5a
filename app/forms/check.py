"""Static checks on form definitions, meant for analysts: every problem is a plain sentence."""

from __future__ import annotations

import re
from collections.abc import Iterable

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from .i18n import I18N_KEY, check_texts
from .model import ENUM_NAMES_KEY, OPTIONS_KEY, FormSchemaError, has_choices

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
SUPPORTED_FORMATS = frozenset({"email", "date"})
# Names rjsf knows that map onto what we render anyway are accepted for compatibility.
SUPPORTED_WIDGETS = frozenset(
    {"text", "textarea", "select", "radio", "checkbox", "checkboxes", "updown", "hidden", "file"}
)
SCALAR_TYPES = frozenset({"string", "integer", "number", "boolean"})
# Field names become HTML name/id attributes and keys in stored process data.
FIELD_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
SOURCE_NAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
RESERVED_NAMES = frozenset({"csrf_token"})


def check_form_definition(
    schema: dict,
    ui_schema: dict | None = None,
    *,
    option_sources: Iterable[str] | None = None,
    strict: bool = False,
) -> list[str]:
    """Return the problems of a form definition ([] when usable).

    ``option_sources``: when given, x-options must name one of these sources.
    ``strict``: raise FormSchemaError instead of returning a non-empty list.
    """
    problems = _check(schema, ui_schema, set(option_sources) if option_sources is not None else None)
    if strict and problems:
        raise FormSchemaError(problems)
    return problems


def _check(schema: object, ui_schema: object, sources: set[str] | None) -> list[str]:
    if not isinstance(schema, dict):
        return ["Schema formularului trebuie să fie un obiect JSON."]
    problems: list[str] = []
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "rădăcină"
        problems.append(f"Schema nu este validă conform JSON Schema 2020-12 (la {where}): {exc.message}")
    declared = schema.get("$schema")
    if declared is not None and str(declared).rstrip("#") != DRAFT_2020_12:
        problems.append(f'"$schema" trebuie să fie "{DRAFT_2020_12}", nu "{declared}".')
    if schema.get("type") != "object":
        problems.append('Schema trebuie să aibă "type": "object" la nivelul de sus.')

    props = schema.get("properties", {})
    if not isinstance(props, dict):
        problems.append('"properties" trebuie să fie un obiect cu câmpurile formularului.')
        props = {}
    required = schema.get("required", [])
    if isinstance(required, list):
        for name in required:
            if isinstance(name, str) and name not in props:
                problems.append(f"Câmpul obligatoriu „{name}” nu este definit în „properties”.")

    if ui_schema is None:
        ui_schema = {}
    if not isinstance(ui_schema, dict):
        problems.append("Schema UI trebuie să fie un obiect JSON.")
        ui_schema = {}

    for name, prop in props.items():
        problems.extend(_check_property(name, prop, ui_schema.get(name), sources))

    order = ui_schema.get("ui:order")
    if order is not None:
        if not isinstance(order, list) or not all(isinstance(n, str) for n in order):
            problems.append('"ui:order" trebuie să fie o listă de nume de câmpuri.')
        else:
            for name in order:
                if name != "*" and name not in props:
                    problems.append(f"„ui:order” conține câmpul necunoscut „{name}”.")
            for name in sorted({n for n in order if order.count(n) > 1}):
                problems.append(f"„ui:order” conține câmpul „{name}” de mai multe ori.")
    for key in ui_schema:
        if not key.startswith("ui:") and key not in props and key != I18N_KEY:
            problems.append(f"Schema UI se referă la câmpul necunoscut „{key}”.")
    problems.extend(check_texts(schema))
    problems.extend(f"Schema UI: {p}" for p in check_texts(ui_schema))
    return problems


def _check_property(name: str, prop: object, ui_entry: object, sources: set[str] | None) -> list[str]:
    where = f"Câmpul „{name}”"
    problems: list[str] = []
    if not FIELD_NAME_RE.match(name):
        problems.append(
            f"{where}: numele poate conține doar litere fără diacritice, cifre, „_” și „-” "
            "și trebuie să înceapă cu o literă."
        )
    if name in RESERVED_NAMES:
        problems.append(f"{where}: numele este rezervat de aplicație.")
    if not isinstance(prop, dict):
        return [*problems, f"{where}: definiția trebuie să fie un obiect JSON Schema."]
    if ui_entry is not None and not isinstance(ui_entry, dict):
        problems.append(f"{where}: intrarea din schema UI trebuie să fie un obiect.")
        ui_entry = {}
    ui_entry = ui_entry or {}
    widget = ui_entry.get("ui:widget")
    if widget is not None and widget not in SUPPORTED_WIDGETS:
        problems.append(
            f"{where}: widgetul „{widget}” nu este suportat "
            f"(se pot folosi: {', '.join(sorted(SUPPORTED_WIDGETS))})."
        )
    rows = ui_entry.get("ui:rows")
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 1):
        problems.append(f"{where}: „ui:rows” trebuie să fie un număr întreg pozitiv.")
    if "$ref" in prop:
        return [*problems, f"{where}: referințele „$ref” nu sunt suportate; descrieți câmpul direct."]

    typ = prop.get("type")
    if widget == "file":
        # The view stores uploads and records their references; only the container type matters.
        if typ not in ("string", "array"):
            problems.append(f'{where}: un câmp de tip fișier trebuie să aibă "type" "string" sau "array".')
        return problems
    if typ == "object" or "properties" in prop:
        return [*problems, f"{where}: obiectele imbricate nu sunt suportate; folosiți câmpuri separate."]
    if typ == "array":
        items = prop.get("items")
        if not isinstance(items, dict) or items.get("type") != "string" or not has_choices(items):
            problems.append(
                f"{where}: listele sunt suportate doar ca alegere multiplă dintre valori text "
                '("items" cu "type": "string" și "enum", "oneOf" sau "x-options").'
            )
        else:
            problems.extend(_check_choices(where, items, sources))
        if widget not in (None, "checkboxes", "hidden"):
            problems.append(f"{where}: widgetul „{widget}” nu se potrivește unei liste.")
        return problems
    if typ not in SCALAR_TYPES:
        shown = "lipsește" if typ is None else f"„{typ}”"
        return [
            *problems,
            f'{where}: "type" {shown}; se acceptă doar string, integer, number, boolean sau array.',
        ]

    problems.extend(_check_choices(where, prop, sources))
    fmt = prop.get("format")
    if fmt is not None and fmt not in SUPPORTED_FORMATS:
        problems.append(f"{where}: formatul „{fmt}” nu este suportat (se pot folosi: date, email).")
    choice = has_choices(prop)
    if widget == "textarea" and (typ != "string" or choice):
        problems.append(f"{where}: „textarea” se poate folosi doar pentru text liber.")
    if widget in ("radio", "select") and not choice:
        problems.append(f"{where}: widgetul „{widget}” cere o listă de valori (enum, oneOf sau x-options).")
    expected = {"checkbox": ("boolean",), "checkboxes": ("array",), "updown": ("integer", "number")}
    if widget in expected and typ not in expected[widget]:
        problems.append(f"{where}: widgetul „{widget}” nu se potrivește tipului „{typ}”.")
    return problems


def _check_choices(where: str, schema: dict, sources: set[str] | None) -> list[str]:
    problems: list[str] = []
    source = schema.get(OPTIONS_KEY)
    if source is not None:
        if not isinstance(source, str) or not SOURCE_NAME_RE.match(source):
            problems.append(
                f"{where}: „x-options” trebuie să fie numele unei surse de opțiuni "
                "(litere mici, cifre, „_”, „-”, „.”), de exemplu „compartimente”."
            )
        elif sources is not None and source not in sources:
            problems.append(f"{where}: sursa de opțiuni „{source}” nu există.")
        if "enum" in schema or "oneOf" in schema:
            problems.append(f"{where}: „x-options” nu se combină cu „enum” sau „oneOf”.")
        if schema.get("type") != "string":
            problems.append(f'{where}: „x-options” se poate folosi doar cu "type": "string".')
    one_of = schema.get("oneOf")
    if one_of is not None and not (
        isinstance(one_of, list) and one_of and all(isinstance(o, dict) and "const" in o for o in one_of)
    ):
        problems.append(f'{where}: „oneOf” este suportat doar ca listă de {{"const": ..., "title": ...}}.')
    names = schema.get(ENUM_NAMES_KEY)
    if names is not None:
        enum = schema.get("enum")
        if not isinstance(enum, list) or not isinstance(names, list) or len(names) != len(enum):
            problems.append(
                f"{where}: „x-enumNames” trebuie să aibă câte o etichetă pentru fiecare valoare din „enum”."
            )
    return problems

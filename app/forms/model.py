"""Form definition: a JSON Schema (draft 2020-12) plus an optional rjsf-style UI schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .i18n import SOURCE_LANGUAGE, current_language, localize

OPTIONS_KEY = "x-options"
ENUM_NAMES_KEY = "x-enumNames"
FILE_ACCEPT = "application/pdf,image/jpeg,image/png"

# Option lists supplied at runtime, keyed by the source name used in "x-options".
Options = dict[str, list[tuple[str, str]]]


class FormSchemaError(ValueError):
    """A form definition that cannot be used; ``problems`` lists every issue found."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems) or "Definiția formularului nu este validă.")


@dataclass(frozen=True)
class FormDefinition:
    """``schema`` and ``ui_schema`` are the texts of record (Romanian); the accessors below give the
    texts in the request's language (``x-i18n``, see app/forms/i18n.py), falling back to Romanian."""

    schema: dict
    ui_schema: dict = field(default_factory=dict)
    _localized: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)
    _file_fields: list = field(default_factory=list, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.ui_schema is None:
            # frozen dataclass: normalising None needs object.__setattr__
            object.__setattr__(self, "ui_schema", {})

    def in_language(self, language: str | None = None) -> tuple[dict, dict]:
        """(schema, ui schema) with the texts of ``language`` (default: the request's)."""
        language = language or current_language()
        if language == SOURCE_LANGUAGE:
            return self.schema, self.ui_schema if isinstance(self.ui_schema, dict) else {}
        if language not in self._localized:
            ui = self.ui_schema if isinstance(self.ui_schema, dict) else {}
            self._localized[language] = (localize(self.schema, language), localize(ui, language))
        return self._localized[language]

    @property
    def title(self) -> str:
        return self.in_language()[0].get("title", "")

    @property
    def description(self) -> str:
        return self.in_language()[0].get("description", "")

    @property
    def properties(self) -> dict[str, Any]:
        props = self.in_language()[0].get("properties")
        return props if isinstance(props, dict) else {}

    @property
    def required(self) -> frozenset[str]:
        req = self.schema.get("required")
        return frozenset(r for r in req if isinstance(r, str)) if isinstance(req, list) else frozenset()

    def prop(self, name: str) -> dict:
        prop = self.properties.get(name)
        return prop if isinstance(prop, dict) else {}

    def ui(self, name: str) -> dict:
        entry = self.in_language()[1].get(name)
        return entry if isinstance(entry, dict) else {}

    def widget(self, name: str) -> str | None:
        widget = self.ui(name).get("ui:widget")
        return widget if isinstance(widget, str) else None

    def label(self, name: str) -> str:
        ui_title = self.ui(name).get("ui:title")
        if isinstance(ui_title, str) and ui_title:
            return ui_title
        return str(self.prop(name).get("title") or name)

    def field_names(self) -> list[str]:
        props = list(self.properties)
        order = self.ui_schema.get("ui:order") if isinstance(self.ui_schema, dict) else None
        if not isinstance(order, list):
            return props
        named = [n for n in order if isinstance(n, str) and n in self.properties]
        rest = [n for n in props if n not in named]
        result: list[str] = []
        for item in order:
            if item == "*":  # rjsf wildcard: the fields not named in ui:order go here
                result.extend(n for n in rest if n not in result)
            elif item in named and item not in result:
                result.append(item)
        result.extend(n for n in rest if n not in result)
        return result

    def file_fields(self) -> list[str]:
        """The same in every language (names and widgets are not texts): found once per definition."""
        if not self._file_fields:
            self._file_fields.append([n for n in self.field_names() if self.widget(n) == "file"])
        return list(self._file_fields[0])


def has_choices(schema: dict) -> bool:
    return OPTIONS_KEY in schema or isinstance(schema.get("enum"), list) or _const_one_of(schema) is not None


def _const_one_of(schema: dict) -> list[dict] | None:
    one_of = schema.get("oneOf")
    if isinstance(one_of, list) and one_of and all(isinstance(o, dict) and "const" in o for o in one_of):
        return one_of
    return None


def choices(schema: dict, options: Options | None = None) -> list[tuple[Any, str]]:
    """(value, label) pairs for an enum-like schema: x-options, oneOf consts, enum + x-enumNames."""
    source = schema.get(OPTIONS_KEY)
    if source is not None:
        return [(value, str(label)) for value, label in (options or {}).get(source, [])]
    one_of = _const_one_of(schema)
    if one_of is not None:
        return [(o["const"], str(o.get("title", plain_value(o["const"])))) for o in one_of]
    enum = schema.get("enum")
    if isinstance(enum, list):
        names = schema.get(ENUM_NAMES_KEY)
        if isinstance(names, list) and len(names) == len(enum):
            return [(v, str(n)) for v, n in zip(enum, names, strict=True)]
        return [(v, plain_value(v)) for v in enum]
    return []


def item_schema(schema: dict) -> dict:
    items = schema.get("items")
    return items if isinstance(items, dict) else {}


def plain_value(value: Any) -> str:
    """Value as it travels in HTML form fields (booleans the JSON way)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def widget_kind(form: FormDefinition, name: str) -> str:
    """How a field is rendered: hidden, file, checkbox, checkboxes, radio, select, number,
    textarea, email, date or text."""
    prop = form.prop(name)
    widget = form.widget(name)
    typ = prop.get("type")
    if widget == "hidden":
        return "hidden"
    if widget == "file":
        return "file"
    if typ == "boolean":
        return "checkbox"
    if typ == "array":
        return "checkboxes"
    if has_choices(prop):
        return "radio" if widget == "radio" else "select"
    if typ in ("integer", "number"):
        return "number"
    if widget == "textarea":
        return "textarea"
    if prop.get("format") in ("email", "date"):
        return prop["format"]
    return "text"


def is_required(form: FormDefinition, name: str) -> bool:
    """Whether the user must fill the field in.

    A checkbox always yields a value (absent = False), so for booleans "required" is only
    meaningful as ``"const": true`` (e.g. a consent box that must be ticked).
    """
    prop = form.prop(name)
    if prop.get("type") == "boolean":
        return prop.get("const") is True
    return name in form.required

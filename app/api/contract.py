"""Each view declares its operation once (`@operation`): the schemas of what it reads and answers. The same
declaration validates the request (400 with the refused fields, before the view runs) and builds the OpenAPI
document (openapi.py), so the two cannot drift apart."""

from dataclasses import dataclass, field
from functools import wraps

from flask import g, jsonify, request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

# endpoint name -> its declaration (filled at import of the view modules)
OPERATIONS: dict[str, "Operation"] = {}

ERROR_TEXT = {
    400: "Bad request: the message says what, `fields` which values",
    401: "Missing or invalid token",
    403: "Not allowed for this account",
    404: "Not found or not visible to you",
    409: "Conflict with the current state",
    422: "Data fails the form",
    500: "The route failed (a script or diagram error): nothing was saved",
}


@dataclass
class Operation:
    summary: str
    responses: dict  # status -> (schema class, instance or None, description)
    description: str = ""
    public: bool = False
    query: type[Schema] | None = None
    json: type[Schema] | None = None
    json_required: bool = True
    form: type[Schema] | None = None
    errors: tuple = ()
    error_text: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)  # status -> {header name: description}
    request_headers: dict = field(default_factory=dict)  # name -> (schema dict, description)
    binary: tuple = ()  # content types of a file answer (200)
    tags: tuple = ()
    hint: str = ""  # the message of a refused request, e.g. the body's expected shape


def error(status: int, code: str, message: str, **extra):
    return jsonify({"error": {"code": code, "message": message, **extra}}), status


def _flat(messages) -> list[str]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in _flat(value)]
    return [str(messages)]


def _in_romanian(schema: Schema | None, name: str, english: str, in_query: bool) -> str:
    """marshmallow speaks English; say the same in the user's language, with the field's own limits."""
    declared = schema.fields.items() if schema is not None else ()
    field_obj = next((f for key, f in declared if (f.data_key or key) == name), None)
    if field_obj is None:
        if english == "Unknown field.":
            return _("Câmp necunoscut.")
        return english  # the schema's own checks (validates_schema) already speak Romanian
    ranges = [v for v in field_obj.validators if isinstance(v, validate.Range)]
    lengths = [v for v in field_obj.validators if isinstance(v, validate.Length)]
    if english.startswith("Missing data") or english.startswith("Field may not be null"):
        return _("Câmpul este obligatoriu.")
    if isinstance(field_obj, fields.Integer):
        if in_query and ranges:
            low, high = ranges[0].min, ranges[0].max
            return _(
                "Parametrul %(name)s trebuie să fie un număr întreg între %(min)d și %(max)d.",
                name=name,
                min=low,
                max=high,
            )
        return _("Introduceți un număr întreg.")
    if any(isinstance(v, validate.OneOf) for v in field_obj.validators) and english.startswith(
        "Must be one of"
    ):
        return _("Alegeți o valoare din listă.")
    if isinstance(field_obj, fields.Date):
        return _("Data nu este validă (aaaa-ll-zz).")
    if lengths and english.startswith("Longer"):
        return _("Introduceți cel mult %(n)d caractere.", n=min(v.max for v in lengths if v.max is not None))
    if lengths and english.startswith("Shorter"):
        low = max(v.min or 1 for v in lengths if v.min is not None)
        return (
            _("Câmpul este obligatoriu.") if low == 1 else _("Introduceți cel puțin %(n)d caractere.", n=low)
        )
    if isinstance(field_obj, fields.Dict):
        return _("Trimiteți un obiect JSON.")
    return _("Valoarea nu este validă.")


def refused(exc: ValidationError, schema: Schema | None = None, in_query: bool = False, hint: str = ""):
    """400 naming each refused field, in Romanian; nothing was read or changed."""
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    fields_out = {
        name: [_in_romanian(schema, name, m, in_query) for m in _flat(value)]
        for name, value in messages.items()
    }
    details = "; ".join(
        (m if name.startswith("_") else f"{name}: {m}") for name, ms in fields_out.items() for m in ms
    )
    message = hint or _("Datele trimise nu sunt valide.")
    return error(400, "invalid", f"{message} {details}".strip(), fields=fields_out)


def operation(summary: str, responses: dict, **kwargs):
    """Declare a view's contract; the loaded request is in g.api_input (query, JSON body or form fields)."""

    def decorate(view):
        OPERATIONS[f"api.{view.__name__}"] = Operation(summary=summary, responses=responses, **kwargs)
        declared = OPERATIONS[f"api.{view.__name__}"]

        @wraps(view)
        def wrapper(*args, **kw):
            try:
                g.api_input = _load(declared)
            except Refused as exc:
                return refused(exc.error, exc.schema, exc.in_query, declared.hint)
            return view(*args, **kw)

        return wrapper

    return decorate


class Refused(Exception):
    def __init__(self, error: ValidationError, schema: Schema | None, in_query: bool = False):
        super().__init__(str(error))
        self.error, self.schema, self.in_query = error, schema, in_query


def _load_with(schema_class: type[Schema], data: dict, in_query: bool = False) -> dict:
    schema = schema_class()
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise Refused(exc, schema, in_query) from exc


def _load(declared: Operation) -> dict:
    loaded: dict = {}
    if declared.query is not None:
        loaded.update(_load_with(declared.query, request.args.to_dict(), in_query=True))
    if declared.json is not None:
        body = request.get_json(silent=True)
        if body is None and not declared.json_required and not request.get_data():
            body = {}
        if not isinstance(body, dict):
            raise Refused(ValidationError(_("Trimiteți un obiect JSON."), "_body"), None)
        loaded.update(_load_with(declared.json, body))
    if declared.form is not None:
        loaded.update(_load_with(declared.form, request.form.to_dict()))
    return loaded

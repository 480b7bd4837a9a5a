"""Server-side JSON Schema forms: rendering, parsing and validation of analyst-defined forms.

A form is a JSON Schema (draft 2020-12) plus an optional rjsf-style UI schema. Typical view flow::

    form = FormDefinition(schema, ui_schema)
    data = parse_submission(form, request.form)
    errors = validate_submission(form, data, options)
    html = render_fields(form, data, errors, options)
"""

from .check import check_form_definition
from .display import display_rows
from .model import FILE_ACCEPT, FormDefinition, FormSchemaError
from .parse import parse_submission
from .render import render_fields
from .validate import validate_submission

__all__ = [
    "FILE_ACCEPT",
    "FormDefinition",
    "FormSchemaError",
    "check_form_definition",
    "display_rows",
    "parse_submission",
    "render_fields",
    "validate_submission",
]

"""The OpenAPI 3.1 document served at /api/v1/openapi.json, generated (apispec) from what the views declare with
`@operation` and the marshmallow schemas: nothing here is written by hand per route."""

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from werkzeug.routing import IntegerConverter

from app.api.contract import ERROR_TEXT, OPERATIONS, Operation
from app.api.schemas import SCHEMAS

PREFIX = "/api/v1"
DESCRIPTION = (
    "Submit documents, follow them, answer the institution's completion requests, and work on tasks. Same "
    "permissions as the web UI. Get a token with `flask users token USERNAME`; send it as "
    "`Authorization: Bearer ...` (no cookie, no CSRF token). Times are RFC 3339 with their offset. Errors are "
    '`{"error": {"code", "message", "fields"}}`, the message in Romanian. See docs/integrators.md.'
)


def component_name(schema_class) -> str:
    return schema_class.__name__.removesuffix("Schema")


def _resolver(schema) -> str:
    schema_class = schema if isinstance(schema, type) else type(schema)
    return component_name(schema_class)


def openapi_path(rule: str) -> str:
    """/api/v1/tasks/<int:task_id>/claim -> /tasks/{task_id}/claim (relative to the server /api/v1)."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule[len(PREFIX) :])


def _json(schema, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _responses(declared: Operation) -> dict:
    responses = {}
    for status, (schema, description) in declared.responses.items():
        if declared.binary and status == 200:
            responses["200"] = {
                "description": description,
                "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in declared.binary},
            }
        else:
            responses[str(status)] = _json(schema, description)
    codes = list(declared.errors) + ([] if declared.public else [401])
    for status in codes:
        responses[str(status)] = _json("Error", declared.error_text.get(status, ERROR_TEXT[status]))
    if not declared.public:
        responses["401"]["headers"] = {
            "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer challenge"}
        }
    for status, headers in declared.headers.items():
        responses[str(status)]["headers"] = {
            name: {"schema": {"type": "string"}, "description": text} for name, text in headers.items()
        }
    # What any route may answer besides: a malformed request (400), a wrong method (405, with Allow), a file
    # removed on purpose (410), too large a body (413), too many requests (429), a database outage (503).
    responses["default"] = _json("Error", "Any other error, always in this shape")
    return responses


def _operation(rule, declared: Operation) -> dict:
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer"} if isinstance(converter, IntegerConverter) else {"type": "string"},
        }
        for name, converter in rule._converters.items()
    ]
    if declared.query is not None:
        parameters.append({"in": "query", "schema": declared.query})
    for name, (schema, text) in declared.request_headers.items():
        parameters.append(
            {"name": name, "in": "header", "required": False, "schema": schema, "description": text}
        )
    body = {
        "summary": declared.summary,
        "parameters": parameters,
        "responses": _responses(declared),
    }
    if declared.description:
        body["description"] = declared.description
    if declared.tags:
        body["tags"] = list(declared.tags)
    if declared.public:
        body["security"] = []
    if declared.json is not None:
        body["requestBody"] = {
            "required": declared.json_required,
            "content": {"application/json": {"schema": declared.json}},
        }
    if declared.form is not None:
        body["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": declared.form}},
        }
    return body


def build_document(app) -> dict:
    spec = APISpec(
        title="Registratură electronică API",
        version="1.0.0",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin(schema_name_resolver=_resolver)],
        info={"description": DESCRIPTION},
        servers=[{"url": PREFIX}],
        security=[{"bearer": []}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for schema_class in SCHEMAS:
        spec.components.schema(component_name(schema_class), schema=schema_class)
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        declared = OPERATIONS.get(rule.endpoint)
        if declared is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(openapi_path(rule.rule), {})[method.lower()] = _operation(rule, declared)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def openapi_document() -> dict:
    """Built once per application (the routes and schemas do not change while it runs)."""
    cached = current_app.extensions.get("api_openapi")
    if cached is None:
        cached = current_app.extensions["api_openapi"] = build_document(current_app)
    return cached

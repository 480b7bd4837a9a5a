"""Every answer of /api/v1 checked against the generated OpenAPI document (on in tests: the suite cannot pass
with a response its contract does not describe). A mismatch raises, naming the route and the failing field."""

from flask import request
from jsonschema import Draft202012Validator

from app.api.openapi import PREFIX, openapi_document, openapi_path


class ContractViolation(AssertionError):
    """An answer of the API that its OpenAPI document does not describe."""


def response_violations(
    document: dict, rule: str | None, method: str, status: int, mimetype: str, body
) -> list:
    """What is wrong with one answer, [] when it conforms. Without a route (404, 405) the error shape applies."""
    declared = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if rule is not None:
        operation = document["paths"].get(openapi_path(rule), {}).get(method.lower())
        if operation is None:
            return [f"{method} {rule} is not in the document"]
        declared = operation["responses"].get(str(status)) or operation["responses"].get("default")
        if declared is None:
            return [f"status {status} is not declared"]
    content = declared.get("content", {})
    if mimetype not in content:
        return [f"{mimetype} is not a declared content type of {status} ({sorted(content)})"]
    schema = content[mimetype].get("schema")
    if mimetype != "application/json" or schema is None:
        return []
    validator = Draft202012Validator({**schema, "components": document["components"]})
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in validator.iter_errors(body)
    ]


def install_response_check(app) -> None:
    @app.after_request
    def check_api_response(response):
        if not request.path.startswith(PREFIX + "/"):
            return response
        rule = request.url_rule.rule if request.url_rule is not None else None
        body = response.get_json(silent=True) if response.is_json else None
        problems = response_violations(
            openapi_document(), rule, request.method, response.status_code, response.mimetype, body
        )
        if problems:
            raise ContractViolation(
                f"{request.method} {request.path} -> {response.status_code}: " + "; ".join(problems[:5])
            )
        return response

"""Schemathesis over /api/v1/openapi.json (bounded examples per operation, authenticated as a citizen, then as a
registrar): no server error and every response conforms to the schema the document declares."""

import pytest
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.webflow import issue_token

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.mark.parametrize("username", ["cetatean", "registrator"])
def test_api_conforms_to_its_openapi_document(app, capsys, username):
    import schemathesis

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    token = issue_token(app, username)
    headers = {"Authorization": f"Bearer {token}"}
    counts = {"operations": 0, "calls": 0, "server_errors": 0, "schema_violations": 0}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        counts["operations"] += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def run(case):
            response = case.call(headers=headers)
            counts["calls"] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # noqa: BLE001 - collected, then reported together
                kind = "server_errors" if response.status_code >= 500 else "schema_violations"
                counts[kind] += 1
                failures.append(f"{operation.label}: {response.status_code} {str(exc)[:400]}")

        run()
    with capsys.disabled():
        print(f"\nschemathesis ({username}): {counts}")
    assert failures == [], "\n".join(failures[:20])

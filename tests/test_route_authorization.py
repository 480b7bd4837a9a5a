"""Every route checks who may use it. New routes must be listed here as public, or refuse strangers."""

import re

from tests.conftest import login

# Pages anyone may open without an account.
PUBLIC = {
    "portal.home",
    "portal.track",  # number + access code or phone; the two below need a proven look-up in the session
    "portal.tracked",
    "portal.tracked_status",
    "identity.login",
    "identity.signup",
    "identity.verify_email",  # the e-mail link: its signed token is the credential
    "roeid.start",  # ROeID login: the provider authenticates; 404 when ROeID is not configured
    "roeid.callback",  # state, nonce and PKCE bind it to the browser that started the login
    "roeid.link",  # only with a pending ROeID login in this session
    "self_service.forgot_password",
    "self_service.reset_password",  # the e-mail link: signed, single-use, time-limited
    "self_service.privacy",
    "self_service.confirm_email_change",  # the e-mail link: its signed token is the credential
    "api.openapi",
    "static",
    "vendor",
}

SAMPLE_VALUES = {"int": "1", "default": "0123456789abcdef0123456789abcdef", "path": "x"}


def concrete(rule) -> str:
    def replace(match):
        converter = match.group(1) or "default"
        return SAMPLE_VALUES.get(converter, "x")

    return re.sub(r"<(?:(\w+):)?\w+>", replace, rule.rule)


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_refuses_anonymous_visitors(app):
    client = app.test_client()
    checked = 0
    for rule, method in routes(app):
        response = client.open(concrete(rule), method=method)
        if rule.rule.startswith("/api/"):
            assert response.status_code == 401, (rule.rule, method, response.status_code)
        elif method == "GET":
            assert response.status_code == 302 and "/autentificare" in response.headers["Location"], rule.rule
        else:
            # POSTs fail closed: without a session they never reach the view (CSRF or login).
            assert response.status_code in (400, 302), (rule.rule, method, response.status_code)
        checked += 1
    assert checked >= 15


def test_staff_routes_refuse_citizens(app):
    client = login(app.test_client(), "cetatean")
    for rule, method in routes(app):
        if not (
            rule.endpoint.startswith("inbox.")
            or rule.endpoint in ("registry.documents", "registry.document", "registry.document_bpmn")
        ):
            continue
        response = client.open(concrete(rule), method=method)
        assert response.status_code in (400, 403, 404), (rule.rule, method, response.status_code)

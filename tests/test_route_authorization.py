"""Every route checks who may use it. New routes must be listed here as public, or refuse strangers."""

from tests.webflow import concrete, csrf_token, login

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
    "api.institutions",  # the institutions and the types each receives: what a client needs before it submits
    "static",
    "vendor",
}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_refuses_anonymous_visitors(app):
    client = app.test_client()
    token = csrf_token(client)  # a valid token: the refusal must come from the login rule, not from CSRF
    checked = 0
    for rule, method in routes(app):
        data = None if method == "GET" else {"csrf_token": token}
        headers = None if method == "GET" else {"X-CSRFToken": token}
        response = client.open(concrete(rule), method=method, data=data, headers=headers)
        if rule.rule.startswith("/api/"):
            assert response.status_code == 401, (rule.rule, method, response.status_code)
        elif method == "GET":
            assert response.status_code == 302 and "/autentificare" in response.headers["Location"], rule.rule
        else:
            assert response.status_code == 302 and "/autentificare" in response.headers["Location"], (
                rule.rule,
                method,
                response.status_code,
            )
        checked += 1
    assert checked >= 15


def test_staff_routes_refuse_citizens(app):
    client = login(app.test_client(), "cetatean")
    token = csrf_token(client, "/documentele-mele")
    for rule, method in routes(app):
        if not (
            rule.endpoint.startswith("inbox.")
            or rule.endpoint in ("registry.documents", "registry.document", "registry.document_bpmn")
        ):
            continue
        data = None if method == "GET" else {"csrf_token": token}
        headers = None if method == "GET" else {"X-CSRFToken": token}
        response = client.open(concrete(rule), method=method, data=data, headers=headers)
        assert response.status_code in (403, 404), (rule.rule, method, response.status_code)

"""JSON API /api/v1 over HTTP on PostgreSQL: bearer tokens from `flask users token`, submission, tracking,
downloads and the whole petition route worked through tasks."""

import io
import re
import threading
import time

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select, text

from app.extensions import db
from app.identity.models import ApiToken, Institution, Membership, Role, User
from app.registry.models import Attachment, Document
from app.workflow.models import HumanTask
from tests.webflow import issue_token, login, png_bytes

API = "/api/v1"
SUBJECT = "Iluminat public defect"
CONTENT = "Pe strada Lungă nu funcționează iluminatul public de două săptămâni."
FINAL_ANSWER = "Echipa de întreținere repară iluminatul până la 30.11.2026. Vă mulțumim pentru sesizare."


# --- helpers -------------------------------------------------------------------------------------------------


class Api:
    """A test client that sends one bearer token with every request to /api/v1."""

    def __init__(self, client, token: str):
        self.client = client
        self.token = token

    def _headers(self, headers: dict | None) -> dict:
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path: str, headers: dict | None = None, **kwargs):
        return self.client.get(API + path, headers=self._headers(headers), **kwargs)

    def post(self, path: str, headers: dict | None = None, **kwargs):
        return self.client.post(API + path, headers=self._headers(headers), **kwargs)


@pytest.fixture
def api_as(app):
    """api_as("cetatean") -> an Api client with a token of that account (one token per account and test)."""
    clients: dict[str, Api] = {}

    def make(username: str) -> Api:
        if username not in clients:
            clients[username] = Api(app.test_client(), issue_token(app, username))
        return clients[username]

    return make


def submit(api: Api, subject=SUBJECT, content=CONTENT, files=None, key=None, **fields):
    data = {
        "document_type": "petitie",
        "institution": "cj-brasov",
        "subiect": subject,
        "continut": content,
        **fields,
    }
    if files:
        data["anexe"] = files
    headers = {"Idempotency-Key": key} if key else {}
    return api.post("/documents", data=data, headers=headers, content_type="multipart/form-data")


def submitted_petition(api: Api, **kwargs) -> dict:
    response = submit(api, **kwargs)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def photo():
    return (io.BytesIO(png_bytes()), "poza.png")


def open_task(api: Api, document_id: str, element: str) -> dict:
    tasks = api.get("/tasks").get_json()
    found = [t for t in tasks if t["document"] == document_id and t["element"] == element]
    assert len(found) == 1, f"no single open task {element}: {[(t['element'], t['document']) for t in tasks]}"
    return found[0]


def complete(api: Api, task_id: int, data: dict):
    return api.post(f"/tasks/{task_id}/complete", json={"data": data})


def do(api: Api, document_id: str, element: str, data: dict) -> dict:
    response = complete(api, open_task(api, document_id, element)["id"], data)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def register(api_as, document_id: str) -> None:
    do(api_as("registrator"), document_id, "inregistrare", {"departament": "relatii-publice"})


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def create_citizen(app, username="maria") -> None:
    with app.app_context():
        user = User(username=username, email=f"{username}@example.ro", full_name="Maria Pop")
        user.set_password("parola-lunga-1")
        db.session.add(user)
        db.session.commit()


def create_second_registrar(app, username="registrator2") -> None:
    with app.app_context():
        institution = db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))
        role = db.session.scalar(select(Role).where(Role.code == "registrator"))
        user = User(
            username=username, email=f"{username}@example.ro", full_name="Dan Georgescu", is_staff=True
        )
        user.set_password("demo")
        db.session.add(user)
        db.session.flush()
        db.session.add(
            Membership(
                user_id=user.id,
                institution_id=institution.id,
                department_id=None,
                role_id=role.id,
                function_title="Registrator",
            )
        )
        db.session.commit()


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.is_json, response.content_type
    error = response.get_json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code
    return error


# --- the OpenAPI description -----------------------------------------------------------------------------------


def openapi_path(rule: str) -> str:
    """/api/v1/tasks/<int:task_id>/claim -> /tasks/{task_id}/claim (paths are relative to the server /api/v1)."""
    assert rule.startswith(API)
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule[len(API) :])


def test_openapi_is_served_without_a_token_and_is_openapi_3_1(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200 and response.is_json
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1.")
    assert spec["servers"] == [{"url": API}]
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert spec["paths"]["/openapi.json"]["get"]["security"] == []  # says itself that it needs no token


def test_openapi_describes_every_route_the_api_registers(app, client):
    spec = client.get(f"{API}/openapi.json").get_json()
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")]
    assert len(rules) >= 9
    for rule in rules:
        path = openapi_path(rule.rule)
        assert path in spec["paths"], f"{rule.rule} ({rule.endpoint}) is not in openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = spec["paths"][path].get(method.lower())
            assert operation is not None, f"{method} {path} is not described"
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(rule.arguments), f"path parameters of {method} {path}"
            assert operation["responses"], f"{method} {path} has no responses"


def test_openapi_documents_the_status_codes_the_submission_returns(client):
    responses = client.get(f"{API}/openapi.json").get_json()["paths"]["/documents"]["post"]["responses"]
    assert {"200", "201", "400", "401", "403", "409", "422"} <= set(responses)


def documented(spec: dict, name: str, instance: dict) -> None:
    """The instance validates against the component schema and has no field the schema leaves out."""
    schema = spec["components"]["schemas"][name]
    validator = Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    )
    errors = [e.message for e in validator.iter_errors(instance)]
    assert errors == [], f"{name}: {errors}"
    assert set(instance) <= set(schema["properties"]), (
        f"undocumented: {set(instance) - set(schema['properties'])}"
    )


def test_responses_match_the_documented_schemas(client, api_as):
    spec = client.get(f"{API}/openapi.json").get_json()
    document = submitted_petition(api_as("cetatean"), files=[photo()])
    documented(spec, "Document", document)
    properties = spec["components"]["schemas"]["Document"]["properties"]
    for name in ("files", "history", "current_steps"):
        item = properties[name]["items"]["$ref"].rsplit("/", 1)[-1]
        declared = set(spec["components"]["schemas"][item]["properties"])
        assert document[name], name
        assert all(set(item) <= declared for item in document[name]), name
    task = open_task(api_as("registrator"), document["id"], "inregistrare")
    documented(spec, "Task", task)
    error = api_as("cetatean").get("/documents/nu-exista").get_json()
    documented(spec, "Error", error)


# --- authentication -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-real-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic Y2V0YXRlYW46ZGVtbw=="},  # cetatean:demo is a password, not a token
    ],
    ids=["no-header", "wrong-token", "empty-token", "basic-auth"],
)
def test_requests_without_a_valid_token_get_401_json_with_www_authenticate(client, headers):
    for method, path in [
        ("get", "/document-types"),
        ("get", "/tasks"),
        ("post", "/documents"),
        ("get", "/documents/0123456789abcdef0123456789abcdef"),
        ("post", "/tasks/1/complete"),
    ]:
        response = getattr(client, method)(API + path, headers=headers)
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_refused_token_is_named_in_the_challenge(client):
    no_token = client.get(f"{API}/tasks")
    assert no_token.headers["WWW-Authenticate"] == "Bearer"
    wrong = client.get(f"{API}/tasks", headers={"Authorization": "Bearer not-a-real-token"})
    assert wrong.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_bearer_scheme_is_case_insensitive(app, client):
    token = issue_token(app, "cetatean")
    for scheme in ("Bearer", "bearer", "BEARER"):
        response = client.get(f"{API}/document-types", headers={"Authorization": f"{scheme} {token}"})
        assert response.status_code == 200, scheme


def test_revoked_token_is_refused(app, client):
    token = issue_token(app, "cetatean")
    api = Api(client, token)
    assert api.get("/document-types").status_code == 200
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token)))
        row.revoked = True
        db.session.commit()
    response = api.get("/document-types")
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_of_a_deactivated_account_is_refused(app, client):
    api = Api(client, issue_token(app, "cetatean"))
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "cetatean")).is_active_account = False
        db.session.commit()
    assert_error(api.get("/document-types"), 401, "unauthorized")


def test_cli_refuses_a_token_for_an_unknown_user(app):
    result = app.test_cli_runner().invoke(args=["users", "token", "nimeni"])
    assert result.exit_code == 1
    assert count(app, ApiToken) == 0


def test_session_cookie_alone_does_not_authenticate_the_api(app, client):
    login(client, "cetatean")
    assert client.get("/documentele-mele").status_code == 200  # the cookie works for the UI
    response = client.get(f"{API}/document-types")
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = client.post(
        f"{API}/documents",
        data={
            "document_type": "petitie",
            "institution": "cj-brasov",
            "subiect": SUBJECT,
            "continut": CONTENT,
        },
        content_type="multipart/form-data",
    )
    assert_error(response, 401, "unauthorized")
    assert count(app, Document) == 0


# --- document types -------------------------------------------------------------------------------------------


def test_document_types_include_the_petition_with_its_form_schema(api_as):
    response = api_as("cetatean").get("/document-types")
    assert response.status_code == 200
    petition = {t["code"]: t for t in response.get_json()}["petitie"]
    assert petition["name"] == {"ro": "Petiție", "en": "Petition"}
    assert petition["deadline_days"] == 30 and petition["working_days"] is False
    assert "OG 27/2002" in petition["legal_basis"]
    schema = petition["form"]
    assert schema["type"] == "object"
    assert set(schema["required"]) == {"subiect", "continut"}
    assert schema["properties"]["subiect"]["minLength"] == 5
    assert schema["properties"]["subiect"]["maxLength"] == 200
    assert schema["properties"]["continut"]["minLength"] == 20
    assert {"adresa", "anexe"} <= set(schema["properties"])


# --- submission -------------------------------------------------------------------------------------------------


def test_citizen_submits_a_petition_with_a_photo(app, api_as):
    response = submit(api_as("cetatean"), files=[photo()], adresa="Str. Mureșenilor nr. 3, Brașov")
    assert response.status_code == 201
    body = response.get_json()
    # Numbered at once (the registry's check still follows in the route).
    assert body["status"] == "inregistrat"
    assert body["registration_number"] == 1 and body["registration_label"].startswith("1/")
    assert body["document_type"] == "petitie" and body["institution"] == "cj-brasov"
    assert body["subject"] == SUBJECT
    assert [s["name"] for s in body["current_steps"]] == ["Înregistrare"]
    [file] = body["files"]
    assert file["filename"] == "poza.png"
    assert file["content_type"] == "image/png"
    assert file["kind"] == "depunere"
    assert file["size"] == len(png_bytes())
    with app.app_context():
        document = db.session.scalar(select(Document))
        assert document.public_id == body["id"]
        assert document.sender_address == "Str. Mureșenilor nr. 3, Brașov"
        assert document.attachments[0].public_id == file["id"]


def test_repeating_an_idempotency_key_returns_the_first_document(app, api_as):
    citizen = api_as("cetatean")
    first = submit(citizen, files=[photo()], key="cheie-api-1")
    again = submit(citizen, files=[photo()], key="cheie-api-1")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert count(app, Document) == 1
    assert count(app, Attachment) == 1


def test_idempotency_key_of_another_citizen_is_refused(app, api_as):
    submitted_petition(api_as("cetatean"), key="cheie-api-2")
    create_citizen(app)
    response = submit(api_as("maria"), key="cheie-api-2")
    assert_error(response, 409, "conflict")
    assert count(app, Document) == 1


def test_overlong_idempotency_key_is_a_client_error(app, api_as):
    response = submit(api_as("cetatean"), key="k" * 65)
    error = assert_error(response, 400, "invalid")
    assert "Idempotency-Key" in error["fields"]
    assert count(app, Document) == 0


def wait_for_a_blocked_insert(app, timeout=15.0) -> None:
    """Until a session of the test database waits on a lock to insert a document."""
    deadline = time.monotonic() + timeout
    with app.app_context(), db.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock' "
                    "AND query LIKE 'INSERT INTO documents %'"
                )
            ).scalar()
            if waiting:
                return
            conn.rollback()  # pg_stat_activity is a snapshot per transaction: look again in a new one
            time.sleep(0.05)
    pytest.fail("the second request never waited for the first one")


@pytest.mark.real_commits
def test_retry_overlapping_the_first_request_returns_the_first_document(app, api_as):
    """A client that times out and retries while its first request is still running: the retry waits for the
    first transaction on the unique key and then answers with the first document instead of failing."""
    from app.intake.submission import submit as submit_document
    from app.registry.models import DocumentType

    citizen = api_as("cetatean")
    retry: dict = {}
    with app.test_request_context():
        first = submit_document(
            db.session.scalar(select(User).where(User.username == "cetatean")),
            db.session.scalar(select(Institution).where(Institution.code == "cj-brasov")),
            db.session.scalar(select(DocumentType).where(DocumentType.code == "petitie")),
            {"subiect": SUBJECT, "continut": CONTENT},
            {},
            submission_key="cheie-paralela",
        )  # flushed, not committed: the first request is still running
        first_id = first.public_id
        thread = threading.Thread(target=lambda: retry.update(response=submit(citizen, key="cheie-paralela")))
        thread.start()
        try:
            wait_for_a_blocked_insert(app)
        finally:
            db.session.commit()
            thread.join(timeout=30)
    response = retry["response"]
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.get_json()["id"] == first_id
    assert count(app, Document) == 1


def test_invalid_petition_gets_romanian_messages_per_field_and_creates_nothing(app, api_as):
    response = submit(api_as("cetatean"), subject="abc", content="")
    error = assert_error(response, 422, "invalid")
    assert error["fields"]["continut"] == ["Câmpul este obligatoriu."]
    [too_short] = error["fields"]["subiect"]
    assert "cel puțin 5" in too_short and "caractere" in too_short
    assert set(error["fields"]) == {"subiect", "continut"}
    assert count(app, Document) == 0
    assert count(app, HumanTask) == 0


def test_disguised_file_is_refused_and_nothing_is_stored(app, api_as):
    html = (io.BytesIO(b"<html><script>alert(1)</script></html>"), "x.pdf")
    response = submit(api_as("cetatean"), files=[html])
    error = assert_error(response, 422, "invalid")
    assert error["fields"]["anexe"] == ["Fișierul „x.pdf” nu este PDF, JPEG sau PNG."]
    assert count(app, Document) == 0
    assert count(app, Attachment) == 0


@pytest.mark.parametrize(
    "field, value",
    [("document_type", "nu-exista"), ("institution", "nu-exista"), ("document_type", "")],
)
def test_unknown_document_type_or_institution_is_a_bad_request(app, api_as, field, value):
    response = submit(api_as("cetatean"), **{field: value})
    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == [field]
    assert count(app, Document) == 0


@pytest.mark.parametrize("username", ["registrator", "referent", "admin"])
def test_staff_cannot_submit_through_the_api(app, api_as, username):
    assert_error(submit(api_as(username)), 403, "forbidden")
    assert count(app, Document) == 0


# --- reading documents and files ------------------------------------------------------------------------------


def test_owner_sees_the_document_with_its_history(api_as):
    citizen = api_as("cetatean")
    document_id = submitted_petition(citizen)["id"]
    response = citizen.get(f"/documents/{document_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == document_id and body["status"] == "inregistrat"
    submitted = [h for h in body["history"] if h["element"] == "depunere"]
    assert submitted[0]["event"] == "task_completed"
    assert submitted[0]["actor"] == "Ana Popescu"
    assert submitted[0]["data"] is None  # step data is for staff


def test_citizen_history_shows_the_steps_but_not_engine_plumbing_or_claims(api_as):
    citizen = api_as("cetatean")
    clerk = api_as("registrator")
    document_id = submitted_petition(citizen)["id"]
    task = open_task(clerk, document_id, "inregistrare")
    assert clerk.post(f"/tasks/{task['id']}/claim").status_code == 200
    register(api_as, document_id)

    staff_view = [
        (h["event"], h["element"]) for h in clerk.get(f"/documents/{document_id}").get_json()["history"]
    ]
    assert ("task_claimed", "inregistrare") in staff_view
    assert ("automatic", "gw_anonima") in staff_view

    citizen_view = [
        (h["event"], h["element"]) for h in citizen.get(f"/documents/{document_id}").get_json()["history"]
    ]
    assert ("task_completed", "depunere") in citizen_view
    assert ("task_completed", "inregistrare") in citizen_view
    assert ("automatic", "atribuire_numar") in citizen_view  # the registration number is news to the citizen
    assert ("task_claimed", "inregistrare") not in citizen_view
    assert ("automatic", "gw_anonima") not in citizen_view


def test_another_citizen_cannot_see_the_document_or_its_files(app, api_as):
    document = submitted_petition(api_as("cetatean"), files=[photo()])
    create_citizen(app)
    stranger = api_as("maria")
    assert_error(stranger.get(f"/documents/{document['id']}"), 404, "not_found")
    assert_error(stranger.get(f"/files/{document['files'][0]['id']}"), 404, "not_found")


@pytest.mark.parametrize("username", ["admin", "analist"])
def test_platform_administrators_do_not_read_citizens_documents(api_as, username):
    document = submitted_petition(api_as("cetatean"), files=[photo()])
    outsider = api_as(username)
    assert_error(outsider.get(f"/documents/{document['id']}"), 404, "not_found")
    assert_error(outsider.get(f"/files/{document['files'][0]['id']}"), 404, "not_found")


def test_unknown_document_or_file_is_404(api_as):
    citizen = api_as("cetatean")
    assert_error(citizen.get("/documents/0123456789abcdef0123456789abcdef"), 404, "not_found")
    assert_error(citizen.get("/files/0123456789abcdef0123456789abcdef"), 404, "not_found")


def test_staff_see_documents_within_their_scope_with_step_data(api_as):
    document_id = submitted_petition(api_as("cetatean"))["id"]
    clerk = api_as("registrator")  # the whole institution
    official = api_as("referent")  # public relations only
    response = clerk.get(f"/documents/{document_id}")
    assert response.status_code == 200
    submitted = next(h for h in response.get_json()["history"] if h["element"] == "depunere")
    assert submitted["data"]["subiect"] == SUBJECT
    # Not yet routed to a department: the public relations official does not see it.
    assert_error(official.get(f"/documents/{document_id}"), 404)
    register(api_as, document_id)
    body = official.get(f"/documents/{document_id}").get_json()
    assert body["department"] == "relatii-publice"
    assert body["status"] == "in_lucru"
    assert re.fullmatch(r"1/\d\d\.\d\d\.\d{4}", body["registration_label"])


def test_owner_and_staff_download_a_submitted_file(api_as):
    citizen = api_as("cetatean")
    file_id = submitted_petition(citizen, files=[photo()])["files"][0]["id"]
    for api in (citizen, api_as("registrator")):
        response = api.get(f"/files/{file_id}")
        assert response.status_code == 200
        assert response.data == png_bytes()
        assert response.mimetype == "image/png"
        assert "attachment" in response.headers["Content-Disposition"]
        assert "poza.png" in response.headers["Content-Disposition"]


def test_api_responses_are_not_stored_by_caches(api_as):
    citizen = api_as("cetatean")
    document = submitted_petition(citizen, files=[photo()])
    for path in (f"/documents/{document['id']}", f"/files/{document['files'][0]['id']}", "/tasks"):
        assert "no-store" in citizen.get(path).headers.get("Cache-Control", ""), path


# --- the petition route through the API -----------------------------------------------------------------------


def test_petition_walk_through_the_api_ends_with_a_pdf_answer(api_as, pdftotext, tmp_path):
    citizen = api_as("cetatean")
    document_id = submitted_petition(citizen, files=[photo()])["id"]

    clerk = api_as("registrator")
    tasks = clerk.get("/tasks").get_json()
    assert tasks and all(t["form"]["schema"]["type"] == "object" for t in tasks)
    registration = open_task(clerk, document_id, "inregistrare")
    assert registration["name"] == "Înregistrare" and registration["claimed_by"] is None
    assert "departament" in registration["form"]["schema"]["required"]
    departments = [o["value"] for o in registration["form"]["options"]["departments"]]
    assert {"relatii-publice", "urbanism", "registratura"} == set(departments)
    claimed = clerk.post(f"/tasks/{registration['id']}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["claimed_by"] == "registrator"
    done = complete(clerk, registration["id"], {"departament": "relatii-publice"})
    assert done.status_code == 200 and done.get_json()["status"] == "completed"

    tracked = citizen.get(f"/documents/{document_id}").get_json()
    assert tracked["status"] == "in_lucru" and tracked["registration_number"] == 1
    assert tracked["department"] == "relatii-publice"
    assert tracked["deadline"] is not None

    head = api_as("sef.serviciu")
    assignment = open_task(head, document_id, "repartizare")
    assert [o["value"] for o in assignment["form"]["options"]["department_officials"]] == ["referent"]
    do(head, document_id, "repartizare", {"referent": "referent", "indrumari": "Verificați pe teren."})

    official = api_as("referent")
    draft = open_task(official, document_id, "redactare")
    assert draft["assignee"] == "referent"
    do(official, document_id, "redactare", {"raspuns": "Prima variantă a răspunsului nostru."})
    do(
        head,
        document_id,
        "aprobare",
        {"decizie": "returneaza", "observatii_sef": "Adăugați termenul lucrării."},
    )

    redraft = open_task(official, document_id, "redactare")
    assert redraft["id"] != draft["id"] and redraft["assignee"] == "referent"
    returned = next(
        h
        for h in official.get(f"/documents/{document_id}").get_json()["history"]
        if h["element"] == "aprobare"
    )
    assert returned["data"]["observatii_sef"] == "Adăugați termenul lucrării."
    do(official, document_id, "redactare", {"raspuns": FINAL_ANSWER})
    do(head, document_id, "aprobare", {"decizie": "aproba"})

    # Signing steps: completing one without signing is refused; the official signs, then the head.
    signing = open_task(official, document_id, "semnare_referent")
    assert signing["signature_role"] == "referent" and signing["form"] is None
    assert_error(complete(official, signing["id"], {}), 422, "invalid")
    assert_error(head.post(f"/tasks/{signing['id']}/sign"), 404)  # her step: not his to see or sign
    signed = official.post(f"/tasks/{signing['id']}/sign", json={})
    assert signed.status_code == 200 and signed.get_json()["status"] == "completed"
    assert head.post(f"/tasks/{open_task(head, document_id, 'semnare_sef')['id']}/sign").status_code == 200
    assert [t for t in head.get("/tasks").get_json() if t["document"] == document_id] == []

    body = citizen.get(f"/documents/{document_id}").get_json()
    assert body["status"] == "solutionat"
    assert body["current_steps"] == []
    [answer] = [f for f in body["files"] if f["kind"] == "raspuns"]
    assert answer["content_type"] == "application/pdf"
    pdf = citizen.get(f"/files/{answer['id']}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert len(pdf.data) == answer["size"]
    text = pdftotext(pdf.data, tmp_path)
    assert FINAL_ANSWER in text
    assert f"Nr. {body['registration_label']}" in text


def test_anonymous_petition_is_closed_at_registration(api_as):
    citizen = api_as("cetatean")
    document_id = submitted_petition(citizen)["id"]
    do(
        api_as("registrator"),
        document_id,
        "inregistrare",
        {"departament": "relatii-publice", "anonima": True},
    )
    body = citizen.get(f"/documents/{document_id}").get_json()
    assert body["status"] == "clasat"
    assert body["current_steps"] == []
    assert not [f for f in body["files"] if f["kind"] == "raspuns"]


# --- task errors ----------------------------------------------------------------------------------------------


def test_completing_a_task_twice_is_a_conflict_naming_who_finished_it(api_as):
    document_id = submitted_petition(api_as("cetatean"))["id"]
    clerk = api_as("registrator")
    task_id = open_task(clerk, document_id, "inregistrare")["id"]
    assert complete(clerk, task_id, {"departament": "relatii-publice"}).status_code == 200
    error = assert_error(complete(clerk, task_id, {"departament": "urbanism"}), 409, "conflict")
    assert "deja finalizată de Ioana Marinescu" in error["message"]
    assert clerk.get(f"/documents/{document_id}").get_json()["department"] == "relatii-publice"
    assert_error(clerk.post(f"/tasks/{task_id}/claim"), 409, "conflict")


@pytest.mark.parametrize("username", ["referent", "sef.serviciu", "cetatean"])
def test_someone_who_may_not_do_a_task_gets_404(api_as, username):
    document_id = submitted_petition(api_as("cetatean"))["id"]
    task_id = open_task(api_as("registrator"), document_id, "inregistrare")["id"]
    outsider = api_as(username)
    assert task_id not in [t["id"] for t in outsider.get("/tasks").get_json()]
    assert_error(complete(outsider, task_id, {"departament": "relatii-publice"}), 404, "not_found")
    assert_error(outsider.post(f"/tasks/{task_id}/claim"), 404, "not_found")
    assert_error(outsider.post(f"/tasks/{task_id}/release"), 404, "not_found")
    # The task is untouched for the registrar.
    task = open_task(api_as("registrator"), document_id, "inregistrare")
    assert task["id"] == task_id and task["claimed_by"] is None


def test_unknown_task_is_404(api_as):
    clerk = api_as("registrator")
    assert_error(complete(clerk, 999999, {"departament": "relatii-publice"}), 404, "not_found")
    assert_error(clerk.post("/tasks/999999/claim"), 404, "not_found")


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"departament": "nu-exista"}, "departament", "Alegeți o valoare din listă."),
        ({}, "departament", "Câmpul este obligatoriu."),
        ({"departament": "urbanism", "anonima": "da"}, "anonima", "Valoarea nu este validă."),
    ],
)
def test_invalid_task_data_is_refused_and_the_route_stays_put(api_as, data, field, message):
    document_id = submitted_petition(api_as("cetatean"))["id"]
    clerk = api_as("registrator")
    task_id = open_task(clerk, document_id, "inregistrare")["id"]
    error = assert_error(complete(clerk, task_id, data), 422, "invalid")
    assert error["fields"][field] == [message]
    assert open_task(clerk, document_id, "inregistrare")["id"] == task_id
    body = clerk.get(f"/documents/{document_id}").get_json()
    # The refused step changed nothing: numbered at submission, still without a department.
    assert body["status"] == "inregistrat" and body["registration_number"] == 1 and body["department"] is None


@pytest.mark.parametrize(
    "request_body",
    [
        {"data": "departament=relatii-publice", "content_type": "application/x-www-form-urlencoded"},
        {"data": "{not json", "content_type": "application/json"},
        {"json": ["relatii-publice"]},
        {"json": {"data": "relatii-publice"}},
        {"json": {"data": ["relatii-publice"]}},
        {"json": {"data": None}},
    ],
    ids=["form-encoded", "broken-json", "json-array", "data-string", "data-array", "data-null"],
)
def test_malformed_complete_body_is_a_bad_request(api_as, request_body):
    document_id = submitted_petition(api_as("cetatean"))["id"]
    clerk = api_as("registrator")
    task_id = open_task(clerk, document_id, "inregistrare")["id"]
    assert_error(clerk.post(f"/tasks/{task_id}/complete", **request_body), 400, "invalid")
    assert open_task(clerk, document_id, "inregistrare")["id"] == task_id
    assert clerk.get(f"/documents/{document_id}").get_json()["status"] == "inregistrat"


# --- claims between two registrars ----------------------------------------------------------------------------


def test_task_claimed_by_one_registrar_waits_for_release_before_another_completes(app, api_as):
    create_second_registrar(app)
    document_id = submitted_petition(api_as("cetatean"))["id"]
    first, second = api_as("registrator"), api_as("registrator2")
    task_id = open_task(first, document_id, "inregistrare")["id"]
    assert first.post(f"/tasks/{task_id}/claim").get_json()["claimed_by"] == "registrator"

    blocked = assert_error(complete(second, task_id, {"departament": "urbanism"}), 409, "conflict")
    assert "preluată de Ioana Marinescu" in blocked["message"]
    assert_error(second.post(f"/tasks/{task_id}/claim"), 409, "conflict")
    assert_error(second.post(f"/tasks/{task_id}/release"), 409, "conflict")
    assert open_task(first, document_id, "inregistrare")["claimed_by"] == "registrator"

    released = first.post(f"/tasks/{task_id}/release")
    assert released.status_code == 200 and released.get_json()["claimed_by"] is None
    assert second.post(f"/tasks/{task_id}/claim").get_json()["claimed_by"] == "registrator2"
    assert complete(second, task_id, {"departament": "urbanism"}).status_code == 200
    body = first.get(f"/documents/{document_id}").get_json()
    assert body["department"] == "urbanism" and body["registration_number"] == 1

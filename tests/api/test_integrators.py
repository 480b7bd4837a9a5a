"""What integrators need besides submitting and tasks: the institutions and the types each receives, the register
search for staff, completion requests and the staff comment thread; who may see what (bearer tokens, no cookie,
no CSRF token); refused input as 400 with a message. Every answer here is also checked against the generated
OpenAPI document by the response check the application installs in tests (app/api/checking.py)."""

import copy
import io
import re

import pytest
from openapi_spec_validator import validate

from app.api.checking import ContractViolation, response_violations
from app.api.schemas import ATTACHMENT_KINDS
from app.extensions import db
from app.identity.models import User
from tests.webflow import issue_token, png_bytes

API = "/api/v1"
SUBJECT = "Groapă în asfalt pe strada Lungă"
CONTENT = "Pe strada Lungă din Brașov este o groapă adâncă în asfalt, periculoasă pentru bicicliști."


class Api:
    """A test client that sends one bearer token with every request to /api/v1 (never a session cookie)."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **kwargs):
        return self.client.get(API + path, headers=self.headers, **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post(API + path, headers=self.headers, **kwargs)


@pytest.fixture
def api_as(app):
    clients: dict[str, Api] = {}

    def make(username: str | None) -> Api:
        if username not in clients:
            clients[username] = Api(app.test_client(), issue_token(app, username) if username else None)
        return clients[username]

    return make


def other_citizen(app, username="maria") -> str:
    with app.app_context():
        user = User(username=username, email=f"{username}@example.ro", full_name="Maria Pop")
        user.set_password("parola-lunga-1")
        db.session.add(user)
        db.session.commit()
    return username


def petition(api: Api, institution="cj-brasov", subject=SUBJECT) -> dict:
    response = api.post(
        "/documents",
        data={
            "document_type": "petitie",
            "institution": institution,
            "subiect": subject,
            "continut": CONTENT,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def registration_task(api: Api, document_id: str) -> int:
    [task] = [t for t in api.get("/tasks").get_json() if t["document"] == document_id]
    assert task["element"] == "inregistrare"
    return task["id"]


def refused(response, status=400) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()["error"]
    assert body["message"]
    return body


# --- institutions ---------------------------------------------------------------------------------------------


def test_institutions_and_their_types_are_public_and_their_codes_submit(api_as):
    anonymous = api_as(None).get("/institutions")
    assert anonymous.status_code == 200
    listed = {i["code"]: i for i in anonymous.get_json()}
    assert {"cj-brasov", "pm-sacele"} <= set(listed)
    council = listed["cj-brasov"]
    assert council["kind"] == "consiliu_judetean" and council["name"] == "Consiliul Județean Brașov"
    types = {t["code"]: t for t in council["document_types"]}
    assert types["petitie"]["deadline_days"] == 30 and types["petitie"]["name"]["ro"] == "Petiție"
    # What the list says is what submission accepts: the town hall's code and one of its types.
    town_hall = listed["pm-sacele"]
    assert "petitie" in {t["code"] for t in town_hall["document_types"]}
    document = petition(api_as("cetatean"), institution=town_hall["code"])
    assert document["institution"] == "pm-sacele"


# --- register search ------------------------------------------------------------------------------------------


def test_register_search_finds_by_number_and_subject_without_diacritics(api_as):
    first = petition(api_as("cetatean"))
    petition(api_as("cetatean"), subject="Cerere de informații despre buget")
    clerk = api_as("registrator")
    response = clerk.get("/register", query_string={"subject": "groapa asfalt"})
    assert response.status_code == 200 and response.headers["X-Total-Count"] == "1"
    [entry] = response.get_json()
    assert entry["id"] == first["id"] and entry["registration_number"] == first["registration_number"]
    assert entry["direction"] == "intrare" and entry["sender"] == "Ana Popescu"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", entry["registered_at"])
    by_number = clerk.get("/register", query_string={"number": first["registration_label"]}).get_json()
    assert [e["id"] for e in by_number] == [first["id"]]
    everything = clerk.get("/register", query_string={"limit": 1})
    assert everything.headers["X-Total-Count"] == "2" and len(everything.get_json()) == 1


def test_register_search_is_for_the_staff_of_the_institution_only(api_as):
    document = petition(api_as("cetatean"))
    refused(api_as("cetatean").get("/register"), 403)
    # The town hall's registrar searches the town hall's register: the council's entry is not in it.
    other = api_as("registrator.sacele").get("/register")
    assert other.status_code == 200 and document["id"] not in {e["id"] for e in other.get_json()}
    own = api_as("registrator").get("/register").get_json()
    assert document["id"] in {e["id"] for e in own}


def test_a_role_limited_to_a_department_searches_that_department_only(api_as):
    document = petition(api_as("cetatean"))
    official = api_as("referent")  # referent of public relations
    assert document["id"] not in {e["id"] for e in official.get("/register").get_json()}
    clerk = api_as("registrator")
    routed = clerk.post(
        f"/tasks/{registration_task(clerk, document['id'])}/complete",
        json={"data": {"departament": "urbanism"}},
    )
    assert routed.status_code == 200, routed.get_json()
    assert document["id"] not in {e["id"] for e in official.get("/register").get_json()}
    other = petition(api_as("cetatean"), subject="Cerere privind relațiile cu publicul")
    clerk.post(
        f"/tasks/{registration_task(clerk, other['id'])}/complete",
        json={"data": {"departament": "relatii-publice"}},
    )
    [entry] = official.get("/register").get_json()
    assert entry["id"] == other["id"] and entry["department"] == "relatii-publice"


@pytest.mark.parametrize(
    "query, field",
    [
        ({"from": "2026-12-05", "to": "2026-11-01"}, "_schema"),
        ({"from": "31.02.2026"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "0001-01-01"}, "from"),
        ({"status": "pierdut"}, "status"),
        ({"direction": "sus"}, "direction"),
        ({"limit": "0"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"number": "abc"}, None),
    ],
)
def test_register_search_refuses_bad_filters_with_a_message(api_as, query, field):
    error = refused(api_as("registrator").get("/register", query_string=query))
    if field is not None:
        assert field in error["fields"] and all(isinstance(m, str) and m for m in error["fields"][field])
    else:
        assert "nu este valid" in error["message"]


# --- completion requests --------------------------------------------------------------------------------------


def ask(api_as, document_id: str, message="Atașați o fotografie a locului, vă rugăm.") -> dict:
    clerk = api_as("registrator")
    response = clerk.post(
        f"/tasks/{registration_task(clerk, document_id)}/completion-requests",
        json={"message": message, "due": "2099-01-31"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_citizen_reads_the_request_and_answers_it_with_a_file_and_a_note(api_as):
    citizen = api_as("cetatean")
    document = petition(citizen)
    asked = ask(api_as, document["id"])
    assert asked["status"] == "deschisa" and asked["due"].endswith("+00:00")

    [seen] = citizen.get(f"/documents/{document['id']}/completion-requests").get_json()
    assert seen["id"] == asked["id"] and seen["message"] == "Atașați o fotografie a locului, vă rugăm."
    assert seen["requested_by"] == "Ioana Marinescu"

    answered = citizen.post(
        f"/documents/{document['id']}/completion-requests/{asked['id']}/answer",
        data={"files": [(io.BytesIO(png_bytes()), "groapa.png")], "note": "Fotografia de ieri."},
        content_type="multipart/form-data",
    )
    assert answered.status_code == 200, answered.get_json()
    files = answered.get_json()["files"]
    assert [(f["kind"], f["filename"]) for f in files] == [("completare", "groapa.png")]
    [closed] = citizen.get(f"/documents/{document['id']}/completion-requests").get_json()
    assert closed["status"] == "raspunsa" and closed["answer_note"] == "Fotografia de ieri."
    # Staff see the request and its answer too.
    [staff_view] = api_as("registrator").get(f"/documents/{document['id']}/completion-requests").get_json()
    assert staff_view["status"] == "raspunsa"

    again = citizen.post(
        f"/documents/{document['id']}/completion-requests/{asked['id']}/answer",
        data={"files": [(io.BytesIO(png_bytes()), "a-doua.png")]},
        content_type="multipart/form-data",
    )
    refused(again, 409)
    assert len(citizen.get(f"/documents/{document['id']}").get_json()["files"]) == 1


def test_an_answer_without_a_valid_file_is_refused_and_the_request_stays_open(api_as):
    citizen = api_as("cetatean")
    document = petition(citizen)
    asked = ask(api_as, document["id"])
    path = f"/documents/{document['id']}/completion-requests/{asked['id']}/answer"
    empty = refused(citizen.post(path, data={"note": "fără fișier"}, content_type="multipart/form-data"))
    assert "cel puțin un fișier" in empty["message"]
    fake = citizen.post(
        path,
        data={"files": [(io.BytesIO(b"not a pdf at all"), "x.pdf")]},
        content_type="multipart/form-data",
    )
    assert "x.pdf" in refused(fake)["message"]
    [still] = citizen.get(f"/documents/{document['id']}/completion-requests").get_json()
    assert still["status"] == "deschisa"
    assert citizen.get(f"/documents/{document['id']}").get_json()["files"] == []


def test_another_citizen_neither_sees_nor_answers_the_request(app, api_as):
    document = petition(api_as("cetatean"))
    asked = ask(api_as, document["id"])
    stranger = api_as(other_citizen(app))
    refused(stranger.get(f"/documents/{document['id']}/completion-requests"), 404)
    answer = stranger.post(
        f"/documents/{document['id']}/completion-requests/{asked['id']}/answer",
        data={"files": [(io.BytesIO(png_bytes()), "p.png")]},
        content_type="multipart/form-data",
    )
    refused(answer, 404)
    refused(api_as("registrator.sacele").get(f"/documents/{document['id']}/completion-requests"), 404)


def test_asking_is_for_the_task_holder_and_refuses_bad_requests(api_as):
    citizen = api_as("cetatean")
    document = petition(citizen)
    clerk = api_as("registrator")
    task_id = registration_task(clerk, document["id"])
    path = f"/tasks/{task_id}/completion-requests"
    short = refused(clerk.post(path, json={"message": "prea"}))
    assert short["fields"]["message"] == ["Introduceți cel puțin 10 caractere."]
    assert "due" in refused(clerk.post(path, json={"message": "Atașați actul.", "due": "mâine"}))["fields"]
    past = refused(clerk.post(path, json={"message": "Atașați actul de identitate.", "due": "2020-01-01"}))
    assert "trecut" in past["message"]
    refused(clerk.post(path, data="message=x", content_type="application/x-www-form-urlencoded"))
    refused(citizen.post(path, json={"message": "Atașați actul de identitate."}), 404)
    refused(api_as("registrator.sacele").post(path, json={"message": "Atașați actul de identitate."}), 404)
    assert ask(api_as, document["id"])["status"] == "deschisa"
    twice = refused(clerk.post(path, json={"message": "Încă ceva, vă rugăm."}))
    assert "deja" in twice["message"]
    assert len(citizen.get(f"/documents/{document['id']}/completion-requests").get_json()) == 1


# --- comments -------------------------------------------------------------------------------------------------


def test_staff_comment_on_documents_of_their_institution_and_citizens_never_see_it(api_as):
    citizen = api_as("cetatean")
    document = petition(citizen)
    clerk = api_as("registrator")
    posted = clerk.post(f"/documents/{document['id']}/comments", json={"text": "Verific adresa, @secretar."})
    assert posted.status_code == 201, posted.get_json()
    comment = posted.get_json()
    assert comment["author"] == "Ioana Marinescu" and comment["created_at"].endswith("+00:00")
    [listed] = clerk.get(f"/documents/{document['id']}/comments").get_json()
    assert listed["text"] == "Verific adresa, @secretar." and listed["id"] == comment["id"]

    # The submitter is told the thread does not exist, and cannot write in it.
    refused(citizen.get(f"/documents/{document['id']}/comments"), 404)
    refused(citizen.post(f"/documents/{document['id']}/comments", json={"text": "Și eu."}), 404)
    # Staff of another institution neither.
    other = api_as("registrator.sacele")
    refused(other.get(f"/documents/{document['id']}/comments"), 404)
    refused(other.post(f"/documents/{document['id']}/comments", json={"text": "Salut"}), 404)
    assert len(clerk.get(f"/documents/{document['id']}/comments").get_json()) == 1


@pytest.mark.parametrize(
    "body",
    [{"text": ""}, {"text": "x" * 4001}, {}, {"text": 5}, ["text"], {"text": "Bun", "txet": "Bun"}],
    ids=["empty", "too-long", "missing", "not-text", "not-an-object", "unknown-field"],
)
def test_a_bad_comment_is_a_400_with_a_message_and_nothing_is_added(api_as, body):
    document = petition(api_as("cetatean"))
    clerk = api_as("registrator")
    error = refused(clerk.post(f"/documents/{document['id']}/comments", json=body))
    # Every message is the user's language, never marshmallow's English.
    english = re.compile(r"\b(field|Field|Missing|Length|Not a valid|Unknown)\b")
    assert not english.search(error["message"]) and not english.search(str(error.get("fields")))
    assert clerk.get(f"/documents/{document['id']}/comments").get_json() == []


# --- the contract itself ----------------------------------------------------------------------------------------


def test_the_generated_document_is_valid_openapi_3_1(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    validate(spec)  # raises on the first error
    assert spec["openapi"] == "3.1.0"


def test_the_document_takes_its_enumerations_from_the_code(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    kinds = set(schemas["File"]["properties"]["kind"]["enum"])
    assert {"depunere", "raspuns", "confirmare", "completare", "scrisoare", "proces_verbal"} <= kinds
    assert kinds == set(ATTACHMENT_KINDS)
    assert "anulat" in schemas["Document"]["properties"]["status"]["enum"]
    assert set(schemas["CompletionRequest"]["properties"]["status"]["enum"]) == {
        "deschisa",
        "raspunsa",
        "anulata",
    }
    assert schemas["Document"]["additionalProperties"] is False  # a field added to the code must be declared


def test_an_answer_the_document_does_not_describe_is_caught(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    rule = "/api/v1/documents/<public_id>/comments"
    good = {"id": 1, "author": "A", "text": "t", "mentions": [], "created_at": "2026-11-21T08:30:00+00:00"}
    assert response_violations(spec, rule, "GET", 200, "application/json", [good]) == []
    assert response_violations(spec, rule, "GET", 200, "application/json", [{**good, "secret": 1}])
    assert response_violations(spec, rule, "GET", 200, "text/html", "<p>")
    assert response_violations(spec, rule, "GET", 404, "application/json", {"detail": "x"})
    assert response_violations(spec, "/api/v1/nu-exista", "GET", 200, "application/json", {})


def test_the_response_check_runs_for_every_api_answer_in_the_suite(app, client, monkeypatch):
    """An answer that departs from the document fails the test that caused it (here: a narrowed enumeration)."""
    assert client.get(f"{API}/institutions").status_code == 200
    narrowed = copy.deepcopy(client.get(f"{API}/openapi.json").get_json())
    narrowed["components"]["schemas"]["Institution"]["properties"]["kind"]["enum"] = ["primarie"]
    monkeypatch.setitem(app.extensions, "api_openapi", narrowed)
    with pytest.raises(ContractViolation, match="kind"):
        client.get(f"{API}/institutions")


def test_a_wrong_method_is_405_with_allow_and_the_error_shape(api_as):
    for path, allowed in (("/institutions", "GET"), ("/documents", "POST"), ("/tasks/1/complete", "POST")):
        response = api_as("cetatean").client.delete(API + path)
        error = refused(response, 405)
        assert error["code"] == "method_not_allowed" and allowed in response.headers["Allow"]

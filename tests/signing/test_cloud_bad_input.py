"""Cloud signing refuses bad input with a clear message and changes nothing: wrong or expired one-time code, a
spent SAD, revoked / expired / non-qualified / foreign-root certificates, a provider that signs another hash, answers
garbage, is down or slow (then the signer retries). Authorization: only the signer the route expects, a citizen only
for their own submission, administrators only for their institution's providers."""

import pytest
from sqlalchemy import func, select

from app.correspondence.signed_answer import open_request
from app.extensions import db
from app.identity.models import Institution, Membership, Role, User
from app.registry.models import Attachment, Document
from app.signing.cloud import CloudSigning
from app.signing.providers import SigningProvider
from app.workflow.models import HumanTask, TaskStatus
from tests.routes import open_task
from tests.signing.cloud_steps import (
    flashed_error,
    flashed_error_in,
    reach_code_step,
    sign_in_cloud,
    start,
    type_code,
)
from tests.signing.conftest import CSC_CLIENT_SECRET
from tests.signing.helpers import petition_at_signing
from tests.webflow import csrf_token

pytestmark = pytest.mark.real_commits  # the provider's thread and our pages talk over HTTP


@pytest.fixture
def at_signing(app):
    """A petition waiting for the official's signature: ids and the state to compare with afterwards."""
    with app.test_request_context():
        document = petition_at_signing()
        task = open_task(document, "semnare_referent")
        state = {
            "task_id": task.id,
            "document_id": document.id,
            "public_id": document.public_id,
            "sha256": open_request(document).current_sha256,
        }
        db.session.remove()
    return state


def unchanged(app, state) -> None:
    """Nothing half-signed: the step still waits, the answer is the version before, no file was attached."""
    with app.test_request_context():
        task = db.session.get(HumanTask, state["task_id"])
        document = db.session.get(Document, state["document_id"])
        assert task.status == TaskStatus.READY
        assert open_request(document).current_sha256 == state["sha256"]
        assert open_request(document).fields[0]["signed_at"] is None
        kinds = db.session.scalars(select(Attachment.kind).where(Attachment.document_id == document.id)).all()
        assert "depunere_semnata" not in kinds and "raspuns" not in kinds
        db.session.remove()


def official(login_as, state, provider_id, service, credential="elena-calificat", account="elena"):
    client = login_as("referent")
    page = f"/sarcini/{state['task_id']}"
    html, cloud_page = reach_code_step(
        client, page, f"/semnare-cloud/pas/{state['task_id']}", provider_id, service, account, credential
    )
    return client, html, cloud_page


def test_wrong_then_expired_code_refused_and_a_new_code_signs(
    app, at_signing, csc_provider, csc_service, login_as
):
    client, _r, cloud_page = official(login_as, at_signing, csc_provider, csc_service)
    good = csc_service.last_otp("elena-calificat")
    wrong = "000000" if good != "000000" else "111111"
    assert type_code(client, cloud_page, wrong).status_code == 303
    assert "Codul unic este greșit sau a expirat" in flashed_error(client, cloud_page)
    unchanged(app, at_signing)
    csc_service.otp_valid = 0  # the next code expires at once
    try:
        token = csrf_token(client, cloud_page)
        client.post(f"{cloud_page}/cod-nou", data={"csrf_token": token})
        assert type_code(client, cloud_page, csc_service.last_otp("elena-calificat")).status_code == 303
        assert "Codul unic este greșit sau a expirat" in flashed_error(client, cloud_page)
        unchanged(app, at_signing)
    finally:
        csc_service.otp_valid = 300
    token = csrf_token(client, cloud_page)
    client.post(f"{cloud_page}/cod-nou", data={"csrf_token": token})
    response = type_code(client, cloud_page, csc_service.last_otp("elena-calificat"))
    assert response.headers["Location"].endswith("/sarcini/"), flashed_error(client, cloud_page)


def test_spent_sad_refused(app, at_signing, csc_provider, csc_service, login_as):
    citizen = login_as("cetatean")
    page = f"/documentele-mele/{at_signing['public_id']}"
    response, _p = sign_in_cloud(
        citizen, page, f"/semnare-cloud/depunere/{at_signing['public_id']}", csc_provider, csc_service, "ana",
        "ana-calificat",
    )  # fmt: skip
    assert "#semnatura-calificata" in response.headers["Location"]
    client, _r, cloud_page = official(login_as, at_signing, csc_provider, csc_service)
    csc_service.fault = "stale_sad"  # the provider hands out the SAD the citizen's signature already used
    assert type_code(client, cloud_page, csc_service.last_otp("elena-calificat")).status_code == 303
    assert "autorizarea a expirat sau a fost deja folosită" in flashed_error(client, cloud_page)
    unchanged_task(app, at_signing)


def unchanged_task(app, state) -> None:
    with app.test_request_context():
        assert db.session.get(HumanTask, state["task_id"]).status == TaskStatus.READY
        assert open_request(db.session.get(Document, state["document_id"])).current_sha256 == state["sha256"]
        db.session.remove()


@pytest.mark.parametrize(
    ("account", "credential", "message"),
    [
        ("revocat", "revocat", "a fost revocat de emitent"),
        ("expirat", "expirat", "a expirat"),
        ("strain", "strain", "nu provine de la o autoritate de certificare de încredere"),
    ],
)
def test_bad_certificates_refused_before_signing(
    app, at_signing, csc_provider, csc_service, login_as, account, credential, message
):
    signed_before = csc_service.requests_seen.count("/csc/v1/signatures/signHash")
    _client, html, _cloud_page = official(
        login_as, at_signing, csc_provider, csc_service, credential, account
    )
    assert 'id="la-furnizor"' not in html  # no way on to the provider's authorization of a hash
    error = flashed_error_in(html)
    assert message in error and "Nu s-a semnat nimic" in error, error
    assert csc_service.requests_seen.count("/csc/v1/signatures/signHash") == signed_before
    unchanged(app, at_signing)


def test_citizen_needs_a_qualified_certificate(app, at_signing, csc_provider, csc_service, login_as):
    citizen = login_as("cetatean")
    page = f"/documentele-mele/{at_signing['public_id']}"
    html, _cloud_page = reach_code_step(
        citizen, page, f"/semnare-cloud/depunere/{at_signing['public_id']}", csc_provider, csc_service, "elena",
        "elena-avansat",
    )  # fmt: skip
    assert "nu este un certificat calificat" in flashed_error_in(html)
    unchanged(app, at_signing)


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("other_hash", "o semnătură care nu corespunde documentului"),
        ("malformed", "a trimis un răspuns nevalid"),
        ("down", "nu răspunde acum"),
        ("slow", "nu răspunde acum"),
    ],
)
def test_provider_misbehaving_then_retry_signs(
    app, at_signing, csc_provider, csc_service, login_as, fault, message
):
    client, _r, cloud_page = official(login_as, at_signing, csc_provider, csc_service)
    csc_service.fault = fault
    timeout = app.config["SIGNING_CSC_TIMEOUT"]
    app.config["SIGNING_CSC_TIMEOUT"] = 1
    csc_service.delay = 2
    try:
        assert type_code(client, cloud_page, csc_service.last_otp("elena-calificat")).status_code == 303
    finally:
        csc_service.fault = None
        app.config["SIGNING_CSC_TIMEOUT"] = timeout
    error = flashed_error(client, cloud_page)
    assert message in error, error
    unchanged(app, at_signing)
    # the step waits; the signer asks for a new code and signs
    token = csrf_token(client, cloud_page)
    client.post(f"{cloud_page}/cod-nou", data={"csrf_token": token})
    response = type_code(client, cloud_page, csc_service.last_otp("elena-calificat"))
    assert response.headers["Location"].endswith("/sarcini/"), flashed_error(client, cloud_page)
    with app.test_request_context():
        assert db.session.get(HumanTask, at_signing["task_id"]).status == TaskStatus.COMPLETED
        db.session.remove()


# --- authorization -------------------------------------------------------------------------------------------------


def test_only_the_expected_signer_and_the_submitter(app, at_signing, csc_provider, csc_service, login_as):
    head = login_as("sef.serviciu")  # not the official's turn: refused before going to the provider
    response = start(head, "/sarcini/", f"/semnare-cloud/pas/{at_signing['task_id']}", csc_provider)
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert "/semnare-cloud/" not in response.headers["Location"]
        assert "trebuie semnat acum de Elena Dumitrescu" in flashed_error(head, response.headers["Location"])
    clerk = login_as("registrator")  # not the submitter
    response = start(clerk, "/sarcini/", f"/semnare-cloud/depunere/{at_signing['public_id']}", csc_provider)
    assert response.status_code == 404
    # someone else's signature in progress does not exist for them
    _client, _r, cloud_page = official(login_as, at_signing, csc_provider, csc_service)
    assert clerk.get(cloud_page).status_code == 404
    token = csrf_token(clerk, "/sarcini/")
    assert clerk.post(f"{cloud_page}/cod", data={"csrf_token": token, "cod": "123456"}).status_code == 404
    with app.test_request_context():
        assert db.session.scalar(select(func.count()).select_from(CloudSigning)) >= 1
        db.session.remove()
    unchanged(app, at_signing)


def test_admins_manage_only_their_institutions_providers(app, csc_provider, csc_service, login_as):
    admin = login_as("admin")
    html = admin.get("/administrare/furnizori-semnare").get_data(as_text=True)
    assert "Furnizor calificat TEST" in html
    with app.test_request_context():
        cj = db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))
        sacele = db.session.scalar(select(Institution).where(Institution.code == "pm-sacele"))
        stored = db.session.get(SigningProvider, csc_provider)
        assert CSC_CLIENT_SECRET.encode() not in stored.client_secret_blob  # encrypted at rest
        assert stored.client_secret == CSC_CLIENT_SECRET
        other = User(
            username="admin.sacele",
            email="admin.sacele@demo.example",
            full_name="Admin Săcele",
            is_staff=True,
        )
        other.set_password("demo")
        db.session.add(other)
        db.session.flush()
        role = db.session.scalar(select(Role).where(Role.code == "admin"))
        db.session.add(Membership(user_id=other.id, institution_id=sacele.id, role_id=role.id))
        db.session.commit()
        cj_id = cj.id
        db.session.remove()
    # bad input: refused with the reasons, nothing stored
    token = csrf_token(admin, "/administrare/furnizori-semnare")
    response = admin.post(
        "/administrare/furnizori-semnare",
        data={"csrf_token": token, "institutie": cj_id, "nume": "X", "adresa": "ftp://x", "radacini": "nu"},
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Adresa serviciului CSC" in text and "certificatele rădăcină" in text
    other_admin = login_as("admin.sacele")
    html = other_admin.get("/administrare/furnizori-semnare").get_data(as_text=True)
    assert "Furnizor calificat TEST" not in html
    token = csrf_token(other_admin, "/administrare/furnizori-semnare")
    assert (
        other_admin.post(
            f"/administrare/furnizori-semnare/{csc_provider}/dezactivare", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        other_admin.post(
            "/administrare/furnizori-semnare",
            data={
                "csrf_token": token,
                "institutie": cj_id,
                "nume": "Y",
                "adresa": "https://y",
                "client_id": "a",
            },
        ).status_code
        == 404
    )
    assert login_as("referent").get("/administrare/furnizori-semnare").status_code == 404
    with app.test_request_context():
        assert db.session.scalar(select(func.count()).select_from(SigningProvider)) == 1
        assert db.session.get(SigningProvider, csc_provider).active
        db.session.remove()
    token = csrf_token(admin, "/administrare/furnizori-semnare")
    admin.post(f"/administrare/furnizori-semnare/{csc_provider}/dezactivare", data={"csrf_token": token})
    with app.test_request_context():
        assert not db.session.get(SigningProvider, csc_provider).active
        db.session.remove()


# --- a route that asks for qualified signatures ----------------------------------------------------------------------


@pytest.fixture
def qualified_route(app):
    """The petition deployed again with signatureLevel=qualified on the official's signing step."""
    from pathlib import Path

    from app.workflow.deploy import check_bpmn, store_version

    root = Path(__file__).resolve().parents[2]
    xml = (root / "processes" / "petitie.bpmn").read_text(encoding="utf-8")
    marker = '<spiffworkflow:property name="signatureRole" value="referent" />'
    assert marker in xml
    xml = xml.replace(marker, marker + '<spiffworkflow:property name="signatureLevel" value="qualified" />')
    with app.test_request_context():
        problems, [checked] = check_bpmn(
            "petitie.bpmn", xml.encode(), root / "forms", {r.code for r in db.session.scalars(select(Role))}
        )
        assert not problems, problems
        store_version(checked)
        db.session.commit()
        db.session.remove()


def test_route_asking_for_qualified_refuses_advanced_certificates(
    app, qualified_route, at_signing, csc_provider, csc_service, login_as
):
    from tests.webflow import sign

    referent = login_as("referent")
    response = sign(referent, at_signing["task_id"])  # the institution-held key: not qualified
    assert response.status_code == 400
    assert "cere o semnătură electronică calificată" in response.get_data(as_text=True)
    unchanged(app, at_signing)
    _client, html, _page = official(login_as, at_signing, csc_provider, csc_service, "elena-avansat")
    assert "nu este un certificat calificat" in flashed_error_in(html)
    unchanged(app, at_signing)
    client, _html, cloud_page = official(login_as, at_signing, csc_provider, csc_service)
    response = type_code(client, cloud_page, csc_service.last_otp("elena-calificat"))
    assert response.headers["Location"].endswith("/sarcini/"), flashed_error(client, cloud_page)

"""Natural and legal persons: CNP and CUI validated with python-stdnum, duplicates refused with nothing created, the
CNP masked on every screen and never in a URL, each full view logged."""

import re

from sqlalchemy import func, select

from app.extensions import db
from app.identity.models import Company, PersonalDataAccess, Representation, User
from app.registry.models import Document
from tests.routes import user
from tests.webflow import VALID_CNP, csrf_token, login, signup_ion, submit_petition

INVALID_CNP = "2701116065271"
DEMO_CITIZEN_CNP = "2900101080014"


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def test_signup_with_a_valid_cnp_stores_it_and_shows_it_masked(app, client):
    response = signup_ion(client)
    assert response.status_code == 302
    assert VALID_CNP not in response.headers["Location"]
    with app.app_context():
        assert user("ion.pop@example.ro").cnp == VALID_CNP
    page = client.get("/cont").get_data(as_text=True)
    assert "1**********57" in page and VALID_CNP not in page


def test_invalid_cnp_is_refused_clearly_and_creates_nothing(app, client):
    before = count(app, User)
    response = signup_ion(client, cnp=INVALID_CNP)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "CNP-ul nu este valid" in html
    assert INVALID_CNP not in html  # not echoed back into the form
    assert count(app, User) == before


def test_duplicate_cnp_or_email_gets_the_same_answer_and_creates_nothing(app, client, mail_server):
    """Sign-up does not reveal who has an account: the same answer as a new account, and the owner is told."""
    first = signup_ion(client, sign_in=False)
    assert first.status_code == 302
    first_page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Verificați-vă e-mailul" in first_page
    # a new account is not signed in either: the two answers cannot be told apart
    assert client.get("/cont").status_code == 302
    before = count(app, User)
    mail_before = len(mail_server.wait_for(1))  # the first account's verification link
    for kwargs in ({"email": "alt.email@example.ro"}, {"email": "ION.POP@example.ro", "cnp": ""}):
        other = app.test_client()
        again = signup_ion(other, sign_in=False, **kwargs)
        assert again.status_code == first.status_code
        assert again.headers["Location"] == first.headers["Location"]
        assert sorted(name for name, _ in again.headers) == sorted(name for name, _ in first.headers)
        page = other.get(again.headers["Location"]).get_data(as_text=True)
        assert "Verificați-vă e-mailul" in page and "Există deja" not in page
        assert other.get("/cont").status_code == 302  # not signed in
    assert count(app, User) == before
    told = mail_server.wait_for(mail_before + 2)[mail_before:]
    assert {m["To"] for m in told} == {"ion.pop@example.ro"}
    assert all("Cineva a încercat să creeze un cont nou" in m.get_body().get_content() for m in told)
    demo_address = signup_ion(app.test_client(), email="cetatean@demo.example", cnp="", sign_in=False)
    assert demo_address.status_code == 302
    assert count(app, User) == before


def test_revealing_the_own_cnp_is_an_explicit_logged_action(app, login_as):
    client = login_as("cetatean")
    page = client.get("/cont").get_data(as_text=True)
    assert "2**********14" in page and DEMO_CITIZEN_CNP not in page
    assert count(app, PersonalDataAccess) == 0
    token = csrf_token(client, "/cont")
    revealed = client.post("/cont/cnp", data={"csrf_token": token})
    assert revealed.status_code == 200
    assert DEMO_CITIZEN_CNP in revealed.get_data(as_text=True)
    with app.app_context():
        [access] = db.session.scalars(select(PersonalDataAccess)).all()
        assert access.viewer.username == "cetatean" and access.subject.username == "cetatean"
        assert access.field == "cnp" and access.route == "/cont/cnp"
    # Shown again masked afterwards.
    assert DEMO_CITIZEN_CNP not in client.get("/cont").get_data(as_text=True)


def test_staff_see_the_cnp_masked_and_reveal_it_with_a_reason_logged(app, login_as):
    submit_petition(login_as("cetatean"))
    with app.app_context():
        citizen_id = user("cetatean").id
        assert db.session.scalar(select(func.count(Document.id))) == 1
    clerk = login_as("registrator")
    page = clerk.get(f"/persoane/{citizen_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2**********14" in html and DEMO_CITIZEN_CNP not in html
    token = csrf_token(clerk, f"/persoane/{citizen_id}")
    no_reason = clerk.post(f"/persoane/{citizen_id}", data={"csrf_token": token, "reason": ""})
    assert no_reason.status_code == 400 and DEMO_CITIZEN_CNP not in no_reason.get_data(as_text=True)
    assert count(app, PersonalDataAccess) == 0
    shown = clerk.post(
        f"/persoane/{citizen_id}", data={"csrf_token": token, "reason": "Verificare identitate petent"}
    )
    assert DEMO_CITIZEN_CNP in shown.get_data(as_text=True)
    with app.app_context():
        [access] = db.session.scalars(select(PersonalDataAccess)).all()
        assert access.viewer.username == "registrator" and access.reason == "Verificare identitate petent"
    # The citizen sees who looked at it.
    assert "Ioana Marinescu" in login_as("cetatean").get("/cont").get_data(as_text=True)


def test_staff_without_a_document_of_the_person_get_404(app, login_as):
    with app.app_context():
        citizen_id = user("cetatean").id
    # No document from this citizen in Săcele: its clerk has no reason to see the person.
    submit_petition(login_as("cetatean"))
    assert login_as("registrator.sacele").get(f"/persoane/{citizen_id}").status_code == 404
    assert login_as("analist").get(f"/persoane/{citizen_id}").status_code == 404


def test_the_cnp_never_appears_in_a_url(app, login_as):
    client = login_as("cetatean")
    for path in ("/cont", "/", "/documentele-mele"):
        html = client.get(path).get_data(as_text=True)
        for href in re.findall(r'(?:href|action)="([^"]+)"', html):
            assert DEMO_CITIZEN_CNP not in href and "cnp=" not in href.lower()


def test_invalid_or_repeated_cui_is_refused_and_changes_nothing(app, login_as):
    client = login_as("cetatean")
    before = (count(app, Company), count(app, Representation))
    token = csrf_token(client, "/cont")
    bad = client.post(
        "/cont/firme",
        data={"csrf_token": token, "cui": "18547291", "name": "Firmă", "capacity": "Administrator"},
    )
    assert bad.status_code == 400
    assert "CUI-ul nu este valid" in bad.get_data(as_text=True)
    again = client.post(
        "/cont/firme",
        data={"csrf_token": token, "cui": "RO18547290", "name": "Firmă", "capacity": "Administrator"},
    )
    assert again.status_code == 400
    assert "Reprezentați deja firma cu acest CUI." in again.get_data(as_text=True)
    assert (count(app, Company), count(app, Representation)) == before


def test_login_works_for_new_account(app, client):
    signup_ion(client)
    login(app.test_client(), "ion.pop@example.ro", "parola-lunga-1")

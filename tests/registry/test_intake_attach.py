"""A citizen attaches a paper document to their account with the receipt's number and access code."""

import re

from sqlalchemy import func, select

from app.extensions import db
from app.identity.models import User
from app.registry.models import Document
from app.workflow.models import HistoryEntry
from tests.registry.factory import post_paper
from tests.webflow import csrf_token

PAGE = "/contul-meu/atasare"


def paper_document(login_as):
    html = post_paper(login_as("registrator.sacele")).get_data(as_text=True)
    code = re.search(r'id="cod-acces">([^<]+)<', html).group(1)
    label = re.search(r'id="numar-inregistrare">([^<]+)<', html).group(1)
    return label, code


def attach(client, number, code):
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "numar": number, "cod": code})


def test_citizen_attaches_with_number_and_code(app, login_as):
    label, code = paper_document(login_as)
    citizen = login_as("cetatean")
    assert citizen.get(PAGE).status_code == 200
    response = attach(citizen, label, code.lower())
    assert response.status_code == 302
    with app.app_context():
        document = db.session.scalar(select(Document))
        owner = db.session.scalar(select(User).where(User.username == "cetatean"))
        assert document.submitter_id == owner.id
        entry = db.session.scalar(
            select(HistoryEntry).where(
                HistoryEntry.document_id == document.id, HistoryEntry.event == "attached_to_account"
            )
        )
        assert entry.actor_id == owner.id
        assert response.headers["Location"].endswith(f"/documentele-mele/{document.public_id}")
    assert label in citizen.get("/documentele-mele").get_data(as_text=True)


def test_wrong_code_reveals_nothing_and_changes_nothing(app, login_as):
    label, code = paper_document(login_as)
    citizen = login_as("cetatean")
    with app.app_context():
        before = db.session.scalar(select(func.count(HistoryEntry.id)))
    wrong = "AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB"
    for number, typed in ((label, wrong), ("999", code), ("nimic", code), (label, "")):
        response = attach(citizen, number, typed)
        assert response.status_code == 404
        assert "Nu am găsit un document cu acest număr și acest cod de acces" in response.get_data(
            as_text=True
        )
    with app.app_context():
        assert db.session.scalar(select(Document.submitter_id)) is None
        assert db.session.scalar(select(func.count(HistoryEntry.id))) == before


def test_a_document_already_attached_to_someone_else_is_not_taken(app, login_as):
    label, code = paper_document(login_as)
    assert attach(login_as("cetatean"), label, code).status_code == 302
    with app.app_context():
        other = User(username="maria", email="maria@example.ro", full_name="Maria Pop")
        other.set_password("parola-lunga-1")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    from tests.webflow import login

    response = attach(login(app.test_client(), "maria", "parola-lunga-1"), label, code)
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Document.submitter_id)) != other_id


def test_staff_cannot_use_the_page(app, login_as):
    assert login_as("registrator").get(PAGE).status_code == 403

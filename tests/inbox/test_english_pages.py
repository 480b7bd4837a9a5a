"""The petition's pages in English: step names, instructions, form labels and help, history and validation
messages come from the route's and the form's English texts; nothing Romanian is left but people's data."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.identity.models import Department, Institution, User
from app.registry.models import Register
from tests.webflow import (
    compile_english,
    complete,
    csrf_token,
    romanian_in,
    submit_petition,
    task_id_for,
    visible_text,
)

pytestmark = pytest.mark.date_sensitive

SUBJECT = "Iluminat public defect"
CONTENT = "Pe strada Lungă nu funcționează iluminatul public de două săptămâni."
DRAFT = "Vă comunicăm că lucrarea a fost programată."


def people_and_places() -> list[str]:
    """Proper names the interface shows as they are: institutions, departments, people."""
    names = [*db.session.scalars(select(Institution.name)), *db.session.scalars(select(Department.name))]
    names += db.session.scalars(select(Register.name))
    return [*names, *db.session.scalars(select(User.full_name))]


def in_english(client):
    client.get("/?lang=en")
    return client


def assert_english(client, path: str, allowed: list[str]) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    found = romanian_in(visible_text(html), allowed)
    assert not found, f"Romanian on {path}: {found}"
    return html


def test_the_petition_walk_in_english_shows_no_romanian(app, login_as):
    compile_english(app)
    with app.app_context():
        allowed = [
            SUBJECT,
            CONTENT,
            DRAFT,
            "Română",
            *people_and_places(),
        ]  # the language switch names itself

    citizen = in_english(login_as("cetatean"))
    form = assert_english(citizen, "/depune/petitie", allowed)
    assert "Subject of the petition" in form and "Briefly describe the facts and what you ask for." in form

    # A refused submission: the messages and the labels they name are English.
    refused = submit_petition(citizen, subject="", content="scurt")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Subject of the petition</a>: This field is required." in page
    assert not romanian_in(visible_text(page), [*allowed, "scurt"])

    location = submit_petition(citizen, subject=SUBJECT, content=CONTENT).headers["Location"]
    assert_english(citizen, location, allowed)

    clerk = in_english(login_as("registrator"))
    inbox = assert_english(clerk, "/sarcini/", allowed)
    assert f"Registration: {SUBJECT}" in inbox
    task = task_id_for(clerk, "Registration")
    page = assert_english(clerk, f"/sarcini/{task}", allowed)
    assert "Check the petition, choose the department it is assigned to" in page
    assert "Department it is assigned to" in page
    assert complete(clerk, task, {"departament": "relatii-publice"}).status_code == 302

    head = in_english(login_as("sef.serviciu"))
    task = task_id_for(head, "Assignment")
    page = assert_english(head, f"/sarcini/{task}", allowed)
    assert "Case officer who drafts the answer" in page
    assert complete(head, task, {"referent": "referent"}).status_code == 302

    official = in_english(login_as("referent"))
    task = task_id_for(official, "Drafting the answer")
    page = assert_english(official, f"/sarcini/{task}", allowed)
    # the history: steps by their English names, the submitted data under English labels
    assert "Submitting the petition" in page and "Subject of the petition" in page
    assert complete(official, task, {"raspuns": DRAFT}).status_code == 302

    task = task_id_for(head, "Approval of the answer")
    assert_english(head, f"/sarcini/{task}", allowed)
    token = csrf_token(head, f"/sarcini/{task}")
    refused = head.post(f"/sarcini/{task}", data={"csrf_token": token, "decizie": "returneaza"})
    assert refused.status_code == 400
    assert not romanian_in(visible_text(refused.get_data(as_text=True)), allowed)

    # the citizen's page and the public timeline name the steps in English too
    assert "Registration" in assert_english(citizen, location, allowed)

    # the staff document page, and its diagram with English labels
    public_id = location.rstrip("/").rsplit("/", 1)[-1]
    assert "Approval of the answer" in assert_english(head, f"/documente/{public_id}", allowed)
    diagram = head.get(f"/documente/{public_id}/traseu.bpmn").get_data(as_text=True)
    assert 'name="Submitting the petition"' in diagram and 'name="Depunere petiție"' not in diagram
    assert 'id="depunere"' in diagram  # the same elements: the viewer marks them by id


def test_romanian_stays_the_default_for_the_same_route(app, login_as):
    citizen = login_as("cetatean")
    submit_petition(citizen, subject=SUBJECT, content=CONTENT)
    clerk = login_as("registrator")
    page = clerk.get(f"/sarcini/{task_id_for(clerk, 'Înregistrare')}").get_data(as_text=True)
    assert "Verificați petiția" in page and "Compartimentul căruia i se repartizează" in page
    assert "Check the petition" not in page and re.search(r"<h1[^>]*>Înregistrare</h1>", page)

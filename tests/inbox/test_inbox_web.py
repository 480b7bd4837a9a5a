"""Staff inbox over HTTP: the petition walk, claims, and who may see or do a task."""

import re

from sqlalchemy import select

from app.extensions import db
from app.identity.models import Department, Membership, Role, User
from app.registry.models import Document
from tests.signing.helpers import pdfsig, pyhanko_statuses
from tests.webflow import complete, csrf_token, sign, submit_petition, task_id_for


def test_walk_with_return_for_changes_over_http(app, login_as, tmp_path):
    citizen = login_as("cetatean")
    location = submit_petition(citizen).headers["Location"]

    clerk = login_as("registrator")
    task = task_id_for(clerk, "Înregistrare")
    assert complete(clerk, task, {"departament": "relatii-publice"}).status_code == 302

    head = login_as("sef.serviciu")
    assert complete(head, task_id_for(head, "Repartizare"), {"referent": "referent"}).status_code == 302
    official = login_as("referent")
    assert (
        complete(
            official,
            task_id_for(official, "Redactare răspuns"),
            {"raspuns": "Prima variantă a răspunsului nostru."},
        ).status_code
        == 302
    )
    approve = task_id_for(head, "Aprobare răspuns")
    missing_reason = complete(head, approve, {"decizie": "returneaza"})
    assert missing_reason.status_code == 400  # returning requires comments
    assert (
        complete(head, approve, {"decizie": "returneaza", "observatii_sef": "Adăugați termenul."}).status_code
        == 302
    )
    redo = task_id_for(official, "Redactare răspuns")
    page = official.get(f"/sarcini/{redo}").get_data(as_text=True)
    assert "Adăugați termenul." in page  # the head's comments are in the history
    assert "Prima variantă a răspunsului nostru." in page  # the draft is prefilled
    complete(official, redo, {"raspuns": "Lucrarea se execută până la 30.11.2026."})
    complete(head, task_id_for(head, "Aprobare răspuns"), {"decizie": "aproba"})
    assert "Soluționat" not in citizen.get(location).get_data(as_text=True)  # not before both signatures

    # The signing steps: the official first (she drafted it), then the head who approved it.
    first = task_id_for(official, "Semnare răspuns (referent)")
    page = official.get(f"/sarcini/{first}").get_data(as_text=True)
    assert "Semnează documentul" in page and "Deschide documentul de semnat (PDF)" in page
    assert sign(official, first).status_code == 302
    assert sign(head, task_id_for(head, "Semnare răspuns (șef serviciu)")).status_code == 302

    page = citizen.get(location).get_data(as_text=True)
    assert "Soluționat" in page
    link = re.search(r'href="(/fisiere/[0-9a-f]+)">Descarcă răspunsul', page)
    assert link
    pdf = citizen.get(link.group(1))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # The downloaded file: two signatures, valid for pyhanko against the demo root and for Debian's pdfsig.
    with app.app_context():
        statuses = pyhanko_statuses(pdf.data)
    assert [s.signing_cert.subject.native["common_name"] for _, s in statuses] == [
        "Elena Dumitrescu",
        "Mihai Ionescu",
    ]
    assert all(s.bottom_line and s.trusted and not s.revoked for _, s in statuses)
    assert pdfsig(pdf.data, tmp_path).count("Signature is Valid.") == 2
    assert "Semnături valide" in page and "Semnat de Mihai Ionescu" in page


def test_official_of_another_department_cannot_see_or_complete(app, login_as):
    submit_petition(login_as("cetatean"))
    clerk = login_as("registrator")
    complete(clerk, task_id_for(clerk, "Înregistrare"), {"departament": "relatii-publice"})
    head = login_as("sef.serviciu")
    task = task_id_for(head, "Repartizare")
    with app.app_context():
        urbanism = db.session.scalar(select(Department).where(Department.code == "urbanism"))
        role = db.session.scalar(select(Role).where(Role.code == "sef_serviciu"))
        other = User(username="sef.urbanism", email="u@demo.example", full_name="Sef Urbanism", is_staff=True)
        other.set_password("demo")
        db.session.add(other)
        db.session.flush()
        db.session.add(
            Membership(
                user_id=other.id,
                institution_id=urbanism.institution_id,
                department_id=urbanism.id,
                role_id=role.id,
            )
        )
        db.session.commit()
        document = db.session.scalar(select(Document))
    outsider = login_as("sef.urbanism")
    assert f"/sarcini/{task}" not in outsider.get("/sarcini/").get_data(as_text=True)
    assert outsider.get(f"/sarcini/{task}").status_code == 404
    token = csrf_token(outsider, "/sarcini/")
    assert (
        outsider.post(f"/sarcini/{task}", data={"csrf_token": token, "referent": "referent"}).status_code
        == 404
    )
    assert outsider.post(f"/sarcini/{task}/preia", data={"csrf_token": token}).status_code == 404
    assert outsider.get(f"/documente/{document.public_id}").status_code == 404
    # The official of the right department who is not a head cannot do the head's task either.
    official = login_as("referent")
    assert official.get(f"/sarcini/{task}").status_code == 404


def test_claim_and_release_group_task(app, login_as):
    submit_petition(login_as("cetatean"))
    clerk = login_as("registrator")
    task = task_id_for(clerk, "Înregistrare")
    token = csrf_token(clerk, "/sarcini/")
    assert clerk.post(f"/sarcini/{task}/preia", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        other = User(
            username="registrator2", email="r2@demo.example", full_name="Al Doilea Registrator", is_staff=True
        )
        other.set_password("demo")
        db.session.add(other)
        db.session.flush()
        clerk_role = db.session.scalar(select(Role).where(Role.code == "registrator"))
        first = db.session.scalar(select(Membership).where(Membership.role_id == clerk_role.id))
        db.session.add(
            Membership(user_id=other.id, institution_id=first.institution_id, role_id=clerk_role.id)
        )
        db.session.commit()
    second = login_as("registrator2")
    response = complete(second, task, {"departament": "relatii-publice"})
    assert response.status_code == 302
    assert "preluată de Ioana Marinescu" in second.get("/sarcini/").get_data(as_text=True)
    assert clerk.post(f"/sarcini/{task}/elibereaza", data={"csrf_token": token}).status_code == 302
    assert complete(second, task, {"departament": "relatii-publice"}).status_code == 302


def test_second_completion_gets_a_clear_message(app, login_as):
    submit_petition(login_as("cetatean"))
    clerk = login_as("registrator")
    task = task_id_for(clerk, "Înregistrare")
    assert complete(clerk, task, {"departament": "relatii-publice"}).status_code == 302
    response = complete(clerk, task, {"departament": "urbanism"})
    assert response.status_code == 302
    assert "deja finalizată" in clerk.get("/sarcini/").get_data(as_text=True)


def test_staff_document_page_shows_history_and_diagram_source(app, login_as):
    submit_petition(login_as("cetatean"))
    clerk = login_as("registrator")
    complete(clerk, task_id_for(clerk, "Înregistrare"), {"departament": "relatii-publice"})
    with app.app_context():
        document = db.session.scalar(select(Document))
    page = clerk.get(f"/documente/{document.public_id}").get_data(as_text=True)
    assert "Atribuire număr de înregistrare" in page and document.registration_label in page
    xml = clerk.get(f"/documente/{document.public_id}/traseu.bpmn")
    assert xml.status_code == 200 and b'id="petitie"' in xml.data


def test_document_visibility_follows_role_and_department(app, login_as):
    submit_petition(login_as("cetatean"))
    clerk = login_as("registrator")
    complete(clerk, task_id_for(clerk, "Înregistrare"), {"departament": "urbanism"})
    with app.app_context():
        document = db.session.scalar(select(Document))
    url = f"/documente/{document.public_id}"
    assert clerk.get(url).status_code == 200  # the registry sees the whole institution's register
    assert login_as("secretar").get(url).status_code == 200
    assert login_as("auditor").get(url).status_code == 200
    # Public relations staff do not see a document sent to urbanism; admins and analysts see no documents.
    for username in ("referent", "sef.serviciu", "admin", "analist"):
        client = login_as(username)
        assert client.get(url).status_code == 404, username
        assert document.subject not in client.get("/documente/").get_data(as_text=True), username

"""Internal documents (notă internă) started by staff from the desk pages."""

from sqlalchemy import func, select

from app.extensions import db
from app.identity.models import User
from app.registry.models import Document
from app.workflow.models import HumanTask, TaskStatus
from tests.webflow import csrf_token

PAGE = "/registratura/intern"
CONTENT = "Propunem înlocuirea imprimantei din registratură, defectă de o săptămână."


def post_internal(client, **fields):
    data = {
        "csrf_token": csrf_token(client, PAGE),
        "tip": "nota-interna",
        "subiect": "Imprimantă defectă",
        "continut": CONTENT,
    }
    data.update(fields)
    return client.post(PAGE, data=data, content_type="multipart/form-data")


def test_official_starts_an_internal_memo(app, login_as):
    client = login_as("referent")
    page = client.get(PAGE + "?tip=nota-interna").get_data(as_text=True)
    assert "Notă internă" in page
    response = post_internal(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    with app.app_context():
        document = db.session.scalar(select(Document))
        author = db.session.scalar(select(User).where(User.username == "referent"))
        assert document.submitter_id == author.id and document.direction == "intern"
        assert document.institution.code == "cj-brasov" and document.file_code == "I-1"
        done = db.session.scalar(
            select(HumanTask).where(
                HumanTask.document_id == document.id, HumanTask.status == TaskStatus.COMPLETED
            )
        )
        assert done.completed_by_id == author.id
        assert db.session.scalar(
            select(func.count(HumanTask.id)).where(
                HumanTask.document_id == document.id, HumanTask.status == TaskStatus.READY
            )
        )


def test_citizen_types_and_bad_input_are_refused(app, login_as):
    client = login_as("referent")
    response = post_internal(client, tip="petitie")
    assert response.status_code == 403 and "nu este activat" in response.get_data(as_text=True)
    response = post_internal(client, continut="scurt")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Document.id))) == 0


def test_citizens_and_auditors_cannot_start_internal_documents(app, login_as):
    for username in ("cetatean", "auditor"):
        assert login_as(username).get(PAGE).status_code == 403, username


def test_staff_cannot_start_in_another_institution(app, login_as):
    from app.identity.models import Institution

    with app.app_context():
        sacele = db.session.scalar(select(Institution.id).where(Institution.code == "pm-sacele"))
    response = post_internal(login_as("referent"), institutie=str(sacele))
    assert response.status_code == 403
    assert "Primăria Municipiului Săcele" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Document.id))) == 0

"""Citizen portal over HTTP: submission with attachments, bad input, double submit, privacy between citizens."""

import io

from sqlalchemy import func, select

from app.extensions import db
from app.registry.models import Attachment, Document
from tests.conftest import csrf_token, login
from tests.webflow import png_bytes, submit_petition


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def signup(client, email="maria@example.ro"):
    token = csrf_token(client, "/cont-nou")
    return client.post(
        "/cont-nou",
        data={
            "csrf_token": token,
            "full_name": "Maria Pop",
            "email": email,
            "password": "parola-lunga-1",
            "password_confirm": "parola-lunga-1",
            "confidentialitate": "da",
        },
    )


def test_citizen_submits_with_a_photo_and_sees_the_document(app, login_as):
    client = login_as("cetatean")
    response = submit_petition(client, files=[(io.BytesIO(png_bytes()), "poza.png")])
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Iluminat public defect" in page
    assert "Înregistrare" in page  # where it is now
    assert "poza.png" in page
    with app.app_context():
        document = db.session.scalar(select(Document))
        assert document.attachments[0].content_type == "image/png"


def test_invalid_form_shows_romanian_errors_and_creates_nothing(app, login_as):
    client = login_as("cetatean")
    response = submit_petition(client, subject="", content="scurt")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Câmpul este obligatoriu." in html
    assert "cel puțin 20 de caractere" in html or "cel puțin 20 caractere" in html
    with app.app_context():
        assert count(Document) == 0


def test_disguised_upload_is_refused_and_nothing_is_stored(app, login_as):
    client = login_as("cetatean")
    response = submit_petition(
        client, files=[(io.BytesIO(b"<html><script>alert(1)</script></html>"), "factura.pdf")]
    )
    assert response.status_code == 400
    assert "nu este PDF, JPEG sau PNG" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Document) == 0 and count(Attachment) == 0


def test_oversized_upload_is_refused(app, login_as):
    client = login_as("cetatean")
    big = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024) + b"\n%%EOF\n"
    response = submit_petition(client, files=[(io.BytesIO(big), "mare.pdf")])
    assert response.status_code == 400
    assert "depășește limita de 2 MB" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Document) == 0


def test_double_submit_creates_one_document(app, login_as):
    client = login_as("cetatean")
    first = submit_petition(client, key="cheie-unica-123")
    second = submit_petition(client, key="cheie-unica-123")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert count(Document) == 1


def test_a_citizen_never_sees_another_citizens_document(app, login_as):
    owner = login_as("cetatean")
    location = submit_petition(owner, files=[(io.BytesIO(png_bytes()), "poza.png")]).headers["Location"]
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
    stranger = app.test_client()
    assert signup(stranger).status_code == 302
    assert stranger.get(location).status_code == 404
    assert stranger.get(location + "/stare").status_code == 404
    assert stranger.get(f"/fisiere/{attachment.public_id}").status_code == 404
    assert "Iluminat" not in stranger.get("/documentele-mele").get_data(as_text=True)
    assert owner.get(f"/fisiere/{attachment.public_id}").status_code == 200


def test_anonymous_visitors_are_sent_to_login(client):
    for path in ("/depune/petitie", "/documentele-mele", "/sarcini/", "/documente/"):
        response = client.get(path)
        assert response.status_code == 302 and "/autentificare" in response.headers["Location"], path


def test_citizen_cannot_open_staff_pages(login_as):
    client = login_as("cetatean")
    assert client.get("/sarcini/").status_code == 403
    assert client.get("/documente/").status_code == 403


def test_post_without_csrf_token_is_refused(app, login_as):
    client = login_as("cetatean")
    response = client.post("/depune/petitie", data={"subiect": "x" * 10, "continut": "y" * 30})
    assert response.status_code == 400
    with app.app_context():
        assert count(Document) == 0


def test_signup_validates_and_login_works(client):
    token = csrf_token(client, "/cont-nou")
    bad = client.post(
        "/cont-nou",
        data={
            "csrf_token": token,
            "full_name": "M",
            "email": "nu-e-email",
            "password": "scurta",
            "password_confirm": "scurta",
        },
    )
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Adresa de e-mail nu este validă." in html and "cel puțin 10 caractere" in html
    assert signup(client).status_code == 302
    fresh = client.application.test_client()
    login(fresh, "maria@example.ro", "parola-lunga-1")


def test_wrong_password_is_refused(client):
    token = csrf_token(client)
    response = client.post(
        "/autentificare", data={"csrf_token": token, "username": "cetatean", "password": "gresit"}
    )
    assert response.status_code == 401
    assert "Utilizatorul sau parola nu sunt corecte." in response.get_data(as_text=True)


def test_english_ui(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in html

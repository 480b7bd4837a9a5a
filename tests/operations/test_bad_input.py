"""Bad input gets a clear answer, never a 500: NUL bytes, integers beyond 64 bits, dates out of range (400 with a
message); a database outage (503 with Retry-After); a damaged stored file (an error page and an incident); 405
carries Allow; API timestamps carry their offset."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.operations.models import PlatformIncident
from app.registry.models import Attachment
from tests.webflow import csrf_token, issue_token, png_bytes, submit_petition

NUL = "Cererea conține un caracter nepermis (NUL)."


def test_nul_bytes_in_query_form_and_path(app, client, login_as):
    response = client.get("/urmarire", query_string={"numar": "1\x00", "cod": "AAAA-BBBB"})
    assert response.status_code == 400 and NUL in response.get_data(as_text=True)
    token = csrf_token(client)
    response = client.post(
        "/autentificare", data={"username": "admin\x00", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 400 and NUL in response.get_data(as_text=True)
    staff = login_as("registrator")
    response = staff.get("/documente/abc%00def")
    assert response.status_code == 400 and NUL in response.get_data(as_text=True)
    api = app.test_client().get("/api/v1/document-types?x=%00")
    assert api.status_code == 400 and api.get_json()["error"]["message"] == NUL


def test_integers_beyond_64_bits(app, login_as):
    staff = login_as("registrator")
    page = staff.get("/registratura/?pagina=99999999999999999999")
    assert page.status_code == 400 and "pagina trebuie să fie un număr întreg" in page.get_data(as_text=True)
    task = staff.get("/sarcini/99999999999999999999")
    assert task.status_code == 400 and "Identificatorul din adresă este prea mare" in task.get_data(
        as_text=True
    )
    person = staff.get("/persoane/99999999999999999999")
    assert person.status_code == 400
    token = issue_token(app, "registrator")
    headers = {"Authorization": f"Bearer {token}"}
    for query in ("offset=5e34", "offset=99999999999999999999", "limit=-3"):
        response = app.test_client().get(f"/api/v1/tasks?{query}", headers=headers)
        assert response.status_code == 400, query
        assert "trebuie să fie un număr întreg" in response.get_json()["error"]["message"]
    assert app.test_client().get("/api/v1/tasks?offset=0&limit=5", headers=headers).status_code == 200


def test_dates_out_of_range(login_as):
    staff = login_as("registrator")
    for value in ("31.12.99999", "01.01.0000", "99999-01-01"):
        response = staff.get("/registratura/", query_string={"de_la": value})
        assert response.status_code in (200, 400), value
        assert response.status_code != 500


@pytest.mark.real_commits  # another connection or application sees the data
def test_database_outage_is_503_with_retry_after(app):
    from app import create_app

    down = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": "postgresql://postgres@127.0.0.1:1/nimic"})
    response = down.test_client().get("/")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "temporar indisponibil" in response.get_data(as_text=True)
    api = down.test_client().get("/api/v1/document-types", headers={"Authorization": "Bearer x"})
    assert api.status_code == 503 and api.headers["Retry-After"] == "30"


@pytest.mark.real_commits  # another connection or application sees the data
def test_a_damaged_stored_file_gives_an_error_page_and_an_incident(app, login_as):
    citizen = login_as("cetatean")
    assert (
        submit_petition(citizen, files=[(__import__("io").BytesIO(png_bytes()), "poza.png")]).status_code
        == 302
    )
    with app.app_context():
        attachment = db.session.scalar(select(Attachment).where(Attachment.filename == "poza.png"))
        public_id, sha256 = attachment.public_id, attachment.sha256
        stored = Path(app.config["STORAGE_DIR"]) / sha256[:2] / sha256[2:4] / sha256
        if not stored.exists():
            stored = next(Path(app.config["STORAGE_DIR"]).rglob(sha256))
        stored.chmod(0o644)
        stored.write_bytes(b"altered behind the application's back")
        db.session.remove()
    response = citizen.get(f"/fisiere/{public_id}")
    assert response.status_code == 500
    assert "nu a trecut verificarea de integritate" in response.get_data(as_text=True)
    with app.app_context():
        [incident] = db.session.scalars(
            select(PlatformIncident).where(PlatformIncident.kind == "file_integrity")
        ).all()
        assert incident.element == sha256
        db.session.remove()


def test_405_carries_allow(client):
    response = client.get("/iesire")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    api = client.delete("/api/v1/document-types")
    assert api.status_code == 405 and "GET" in api.headers["Allow"]


def test_api_timestamps_carry_their_offset(app, login_as):
    citizen = login_as("cetatean")
    response = submit_petition(citizen)
    public_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    token = issue_token(app, "cetatean")
    document = app.test_client().get(
        f"/api/v1/documents/{public_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert document.status_code == 200, document.get_data(as_text=True)
    body = document.get_json()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", body["registered_at"])
    assert all(e["at"].endswith("+00:00") for e in body.get("history", []))

"""Tracking without an account: number + access code (from the registration e-mail) or number + phone; the same
answer for a wrong code and an unknown number; failed guesses limited; no personal data on the page."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.portal.lookup import MAX_FAILURES_PER_NUMBER
from app.portal.models import TrackingAttempt
from app.registry.models import Document
from tests.smtp import body_of
from tests.webflow import csrf_token, submit_petition

pytestmark = pytest.mark.date_sensitive

NOT_FOUND = "Nu am găsit un document cu aceste date."


def submitted(app, login_as, mail_server, phone=None):
    client = login_as("cetatean")
    response = submit_petition(client, phone=phone)
    assert response.status_code == 302
    [message] = mail_server.wait_for(1)
    body = body_of(message)
    code = re.search(r"Codul de acces pentru urmărire fără cont: ([A-Z0-9]{4}-[A-Z0-9]{4})", body).group(1)
    link = re.search(r"(http://\S+/urmarire\?\S+)", body).group(1)
    with app.app_context():
        document = db.session.scalar(select(Document))
        return document.registration_label, code, link, document.public_id


def attempts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(TrackingAttempt.id)))


def test_number_is_given_at_once_and_the_email_link_opens_tracking(app, login_as, mail_server):
    label, code, link, public_id = submitted(app, login_as, mail_server)
    message = mail_server.messages[0]
    assert message["To"] == "cetatean@demo.example"  # the demo citizen's address
    assert f"nr. {label}" in message["Subject"]
    query = parse_qs(urlparse(link).query)
    assert query == {"numar": [label], "cod": [code]}

    visitor = app.test_client()
    response = visitor.get("/urmarire", query_string={"numar": label, "cod": code})
    assert response.status_code == 302 and response.headers["Location"] == f"/urmarire/{public_id}"
    page = visitor.get(f"/urmarire/{public_id}").get_data(as_text=True)
    assert label in page and "Înregistrare" in page and "Termen legal" in page
    # No personal data: not the citizen's name, e-mail, the content or the files.
    for private in ("Ana Popescu", "@example", "Pe strada Lungă", "poza.png", "Iluminat public defect"):
        assert private not in page, private
    assert "Solicitant" in page
    fragment = visitor.get(f"/urmarire/{public_id}/stare")
    assert fragment.status_code == 200 and label in fragment.get_data(as_text=True)
    # Another browser has not proved anything: the same URLs answer 404.
    stranger = app.test_client()
    assert stranger.get(f"/urmarire/{public_id}").status_code == 404
    assert stranger.get(f"/urmarire/{public_id}/stare").status_code == 404


def test_wrong_code_and_unknown_number_get_the_same_answer_and_change_nothing(app, login_as, mail_server):
    label, code, _link, _id = submitted(app, login_as, mail_server)
    with app.app_context():
        before = db.session.scalar(select(Document)).access_code_hash
    visitor = app.test_client()
    wrong_code = visitor.get("/urmarire", query_string={"numar": label, "cod": "AAAA-BBBB"})
    unknown = visitor.get("/urmarire", query_string={"numar": "999/01.01.2026", "cod": code})
    assert wrong_code.status_code == unknown.status_code == 404
    assert NOT_FOUND in wrong_code.get_data(as_text=True) and NOT_FOUND in unknown.get_data(as_text=True)
    assert "Ana Popescu" not in wrong_code.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Document)).access_code_hash == before
    assert attempts(app) == 2


def test_too_many_guesses_are_refused_even_with_the_right_code(app, login_as, mail_server):
    label, code, _link, _id = submitted(app, login_as, mail_server)
    visitor = app.test_client()
    for _ in range(MAX_FAILURES_PER_NUMBER):
        assert visitor.get("/urmarire", query_string={"numar": label, "cod": "AAAA-BBBB"}).status_code == 404
    blocked = visitor.get("/urmarire", query_string={"numar": label, "cod": code})
    assert blocked.status_code == 429
    assert "Prea multe încercări greșite" in blocked.get_data(as_text=True)
    assert attempts(app) == MAX_FAILURES_PER_NUMBER  # the refused attempt is not even looked up


def test_number_and_phone_open_tracking_by_post(app, login_as, mail_server):
    label, _code, _link, public_id = submitted(app, login_as, mail_server, phone="0722 123 456")
    visitor = app.test_client()
    token = csrf_token(visitor, "/urmarire")
    wrong = visitor.post("/urmarire", data={"csrf_token": token, "numar": label, "telefon": "0733000000"})
    assert wrong.status_code == 404 and NOT_FOUND in wrong.get_data(as_text=True)
    right = visitor.post("/urmarire", data={"csrf_token": token, "numar": label, "telefon": "+40722123456"})
    assert right.status_code == 302 and right.headers["Location"] == f"/urmarire/{public_id}"


def test_incomplete_lookup_is_explained(client):
    response = client.get("/urmarire", query_string={"numar": "12"})
    assert response.status_code == 400
    assert "Introduceți numărul de înregistrare și codul de acces" in response.get_data(as_text=True)
    assert client.get("/urmarire").status_code == 200


def test_failed_guesses_are_counted_per_number_however_it_is_typed(app, login_as, mail_server):
    """`0101/...` and `101` are the same number: writing it differently (from different addresses, too) buys no
    extra tries."""
    label, code, _link, _id = submitted(app, login_as, mail_server)
    number, day = label.split("/")
    spellings = [number, f"0{number}", f"00{number}", f" {number} / {day}", f"000{number}/{day}"]
    assert len(spellings) == MAX_FAILURES_PER_NUMBER
    for n, spelling in enumerate(spellings):
        visitor = app.test_client()
        response = visitor.get(
            "/urmarire",
            query_string={"numar": spelling, "cod": "AAAA-BBBB"},
            environ_base={"REMOTE_ADDR": f"203.0.113.{n + 1}"},
        )
        assert response.status_code == 404
    blocked = app.test_client().get(
        "/urmarire",
        query_string={"numar": f"0000{number}", "cod": code},
        environ_base={"REMOTE_ADDR": "203.0.113.99"},
    )
    assert blocked.status_code == 429

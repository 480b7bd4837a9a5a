"""Two-way communication over HTTP: a completion request from a task page, the citizen's upload, the route going
on; formal messages; the staff comment thread with @mentions that the citizen never sees; the paper answer."""

import io
import re

from sqlalchemy import func, select

from app.communication.models import CompletionRequest, StaffComment
from app.extensions import db
from app.identity.models import ApiToken
from app.notifications.models import Notification
from app.registry.models import Attachment, Document
from app.workflow.models import HistoryEntry, HumanTask, TaskStatus
from tests.routes import open_task, user
from tests.signing.helpers import do
from tests.smtp import body_of
from tests.webflow import complete, csrf_token, png_bytes, signup, submit_petition

ASK = "Vă rugăm să atașați o fotografie a stâlpului de iluminat defect."


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def petition_with_official(app, login_as):
    """A citizen's petition (HTTP) at the official's drafting step; returns (citizen client, document id, task id)."""
    citizen = login_as("cetatean")
    assert submit_petition(citizen).status_code == 302
    with app.app_context():
        document = db.session.scalar(select(Document))
        do(document, "inregistrare", "registrator", {"departament": "relatii-publice", "anonima": False})
        do(document, "repartizare", "sef.serviciu", {"referent": "referent"})
        return citizen, document.public_id, open_task(document, "redactare").id


def ask(client, task_id, message=ASK, due=""):
    token = csrf_token(client, f"/sarcini/{task_id}")
    return client.post(
        f"/sarcini/{task_id}/completare", data={"csrf_token": token, "mesaj": message, "termen": due}
    )


def answer(client, document_id, request_id, files, note=""):
    path = f"/documentele-mele/{document_id}/completare/{request_id}"
    token = csrf_token(client, f"/documentele-mele/{document_id}")
    return client.post(
        path, data={"csrf_token": token, "fisiere": files, "nota": note}, content_type="multipart/form-data"
    )


def test_completion_request_answered_by_the_citizen_and_the_route_goes_on(app, login_as, mail_server):
    citizen, document_id, task_id = petition_with_official(app, login_as)
    official = login_as("referent")
    assert "Cere completarea" in official.get(f"/sarcini/{task_id}").get_data(as_text=True)
    assert ask(official, task_id).status_code == 302
    page = official.get(f"/sarcini/{task_id}").get_data(as_text=True)
    assert "Se așteaptă completarea cerută solicitantului" in page
    assert "Așteaptă solicitantul" in official.get("/sarcini/").get_data(as_text=True)

    asked = [m for m in mail_server.wait_for(3) if "Completare solicitată" in m["Subject"]]
    assert len(asked) == 1 and ASK in body_of(asked[0])
    document_page = citizen.get(f"/documentele-mele/{document_id}").get_data(as_text=True)
    assert "Instituția vă cere o completare" in document_page and ASK in document_page
    request_id = re.search(
        rf"/documentele-mele/{document_id}/completare/([0-9a-f]{{32}})", document_page
    ).group(1)
    assert "Vi se cere o completare." in citizen.get("/documentele-mele").get_data(as_text=True)

    response = answer(
        citizen, document_id, request_id, [(io.BytesIO(png_bytes()), "stalp.png")], "Poza cerută."
    )
    assert response.status_code == 302
    with app.app_context():
        request = db.session.scalar(select(CompletionRequest))
        assert request.status == CompletionRequest.ANSWERED and request.answer_note == "Poza cerută."
        [added] = db.session.scalars(select(Attachment).where(Attachment.kind == "completare")).all()
        assert added.filename == "stalp.png" and added.content_type == "image/png"
        events = db.session.scalars(select(HistoryEntry.event).order_by(HistoryEntry.id)).all()
        assert events.index("completion_requested") < events.index("completion_answered")
        notice = db.session.scalar(select(Notification).where(Notification.user_id == user("referent").id))
        assert "a trimis completarea" in notice.message
    inbox = official.get("/sarcini/").get_data(as_text=True)
    assert "Completare primită" in inbox and "a trimis completarea" in inbox
    assert "stalp.png" in official.get(f"/sarcini/{task_id}").get_data(as_text=True)
    # The citizen sees the request and the answer in the document's history.
    history = citizen.get(f"/documentele-mele/{document_id}").get_data(as_text=True)
    assert "Completare cerută solicitantului" in history and "stalp.png" in history

    assert (
        complete(official, task_id, {"raspuns": "Lucrarea se execută până la 30.11.2026."}).status_code == 302
    )
    with app.app_context():
        assert db.session.get(HumanTask, task_id).status == TaskStatus.COMPLETED


def test_bad_completion_uploads_change_nothing(app, login_as, mail_server):
    citizen, document_id, task_id = petition_with_official(app, login_as)
    official = login_as("referent")
    assert ask(official, task_id).status_code == 302
    with app.app_context():
        request_id = db.session.scalar(select(CompletionRequest.public_id))
        attachments = count(Attachment)
        history = count(HistoryEntry)

    disguised = answer(citizen, document_id, request_id, [(io.BytesIO(b"<html>nu</html>"), "act.pdf")])
    assert disguised.status_code == 400 and "nu este PDF, JPEG sau PNG" in disguised.get_data(as_text=True)
    big = answer(
        citizen,
        document_id,
        request_id,
        [(io.BytesIO(b"\xff\xd8\xff" + b"0" * (3 * 1024 * 1024)), "mare.jpg")],
    )
    assert big.status_code == 400 and "depășește limita de 2 MB" in big.get_data(as_text=True)
    nothing = answer(citizen, document_id, request_id, [])
    assert nothing.status_code == 400 and "Atașați cel puțin un fișier" in nothing.get_data(as_text=True)

    stranger = app.test_client()
    assert signup(stranger, "ion@example.ro").status_code == 302
    assert stranger.get(f"/documentele-mele/{document_id}/completare/{request_id}").status_code == 404
    assert answer(stranger, document_id, request_id, [(io.BytesIO(png_bytes()), "x.png")]).status_code == 404

    # The official finishes the step without the answer: the request closes; a late upload is refused.
    assert (
        complete(official, task_id, {"raspuns": "Răspuns fără completare, cu datele existente."}).status_code
        == 302
    )
    late = answer(citizen, document_id, request_id, [(io.BytesIO(png_bytes()), "tarziu.png")])
    assert late.status_code == 400 and "a fost deja închisă" in late.get_data(as_text=True)
    with app.app_context():
        assert count(Attachment) == attachments
        assert db.session.scalar(select(CompletionRequest)).status == CompletionRequest.CANCELLED
        assert count(HistoryEntry) > history  # the step and the closing, never the refused uploads
        assert not db.session.scalar(
            select(func.count()).select_from(HistoryEntry).where(HistoryEntry.event == "completion_answered")
        )


def test_only_candidates_of_the_task_may_ask_and_input_is_checked(app, login_as, mail_server):
    _citizen, _document_id, task_id = petition_with_official(app, login_as)
    other_institution = login_as("registrator.sacele")
    token = csrf_token(other_institution, "/sarcini/")
    refused = other_institution.post(
        f"/sarcini/{task_id}/completare", data={"csrf_token": token, "mesaj": ASK}
    )
    assert refused.status_code == 404
    official = login_as("referent")
    short = ask(official, task_id, message="scurt")
    assert short.status_code == 302
    assert "cel puțin 10 caractere" in official.get(f"/sarcini/{task_id}").get_data(as_text=True)
    past = ask(official, task_id, due="2020-01-01")
    assert past.status_code == 302
    with app.app_context():
        assert count(CompletionRequest) == 0


def test_staff_comments_notify_mentioned_colleagues_and_stay_hidden_from_the_citizen(
    app, login_as, mail_server
):
    citizen, document_id, task_id = petition_with_official(app, login_as)
    official = login_as("referent")
    secret = "Intern: @sef.serviciu verificați contractul; @registrator.sacele nu vede documentul."
    token = csrf_token(official, f"/sarcini/{task_id}")
    response = official.post(
        f"/documente/{document_id}/comentarii",
        data={"csrf_token": token, "comentariu": secret, "inapoi": f"/sarcini/{task_id}"},
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/sarcini/{task_id}"
    with app.app_context():
        comment = db.session.scalar(select(StaffComment))
        assert comment.mentions == ["sef.serviciu"]
        notified = {n.user_id for n in db.session.scalars(select(Notification))}
        assert notified == {user("sef.serviciu").id}
        token_value = ApiToken.issue(user("cetatean"))
        db.session.commit()
    assert "verificați contractul" in official.get(f"/documente/{document_id}").get_data(as_text=True)
    assert "Elena Dumitrescu v-a menționat" in login_as("sef.serviciu").get("/sarcini/").get_data(
        as_text=True
    )
    for path in (f"/documentele-mele/{document_id}", f"/documentele-mele/{document_id}/stare"):
        assert "verificați contractul" not in citizen.get(path).get_data(as_text=True)
    api = app.test_client().get(
        f"/api/v1/documents/{document_id}", headers={"Authorization": f"Bearer {token_value}"}
    )
    assert api.status_code == 200 and "verificați contractul" not in api.get_data(as_text=True)
    # A citizen cannot post into the thread.
    citizen_token = csrf_token(citizen, "/documentele-mele")
    assert (
        citizen.post(
            f"/documente/{document_id}/comentarii", data={"csrf_token": citizen_token, "comentariu": "x"}
        ).status_code
        == 404
    )
    with app.app_context():
        assert count(StaffComment) == 1


def test_formal_message_is_recorded_and_sent(app, login_as, mail_server):
    citizen, document_id, _task_id = petition_with_official(app, login_as)
    official = login_as("referent")
    token = csrf_token(official, f"/documente/{document_id}")
    text = "Vă informăm că am solicitat punctul de vedere al furnizorului de energie."
    assert (
        official.post(
            f"/documente/{document_id}/mesaj", data={"csrf_token": token, "mesaj": text}
        ).status_code
        == 302
    )
    assert text in citizen.get(f"/documentele-mele/{document_id}").get_data(as_text=True)
    sent = [m for m in mail_server.wait_for(3) if m["Subject"].startswith("Mesaj privind")]
    assert len(sent) == 1 and text in body_of(sent[0])
    with app.app_context():
        entry = db.session.scalar(select(HistoryEntry).where(HistoryEntry.event == "message_to_citizen"))
        assert entry.message == text and entry.actor_id == user("referent").id
    # Empty message: refused, nothing recorded.
    official.post(f"/documente/{document_id}/mesaj", data={"csrf_token": token, "mesaj": " "})
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(HistoryEntry.id)).where(HistoryEntry.event == "message_to_citizen")
            )
            == 1
        )

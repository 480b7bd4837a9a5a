"""Annulling asks for confirmation first (saying who will be told), then tells the citizen: e-mail with the reason,
and the citizen's page shows "Anulat" and the reason."""

from sqlalchemy import select

from app.extensions import db
from app.notifications.models import OutboxMessage
from app.registry.models import Document
from tests.routes import do, submit_petition
from tests.webflow import csrf_token


def petition(app) -> str:
    with app.app_context():
        document = submit_petition(subject="Sesizare înregistrată din greșeală")
        do(document, "inregistrare", "registrator", {"departament": "relatii-publice"})
        return document.public_id


def annul(client, public_id, reason, confirm):
    token = csrf_token(client, f"/documente/{public_id}")
    data = {"csrf_token": token, "motiv": reason}
    if confirm:
        data["confirmare"] = "da"
    return client.post(f"/registratura/{public_id}/anulare", data=data)


def annulment_messages(app, public_id):
    with app.app_context():
        document = db.session.scalar(select(Document).where(Document.public_id == public_id))
        return list(
            db.session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.document_id == document.id, OutboxMessage.event == "anulare"
                )
            )
        ), document.status


def test_confirmation_then_the_citizen_is_told(app, login_as):
    public_id = petition(app)
    clerk = login_as("registrator")
    page = annul(clerk, public_id, "Depusă de două ori", confirm=False)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Confirm anularea" in html
    assert "e-mail" in html and "Solicitantul este anunțat" in html
    messages, status = annulment_messages(app, public_id)
    assert messages == [] and status != "anulat"  # only asked

    assert annul(clerk, public_id, "Depusă de două ori", confirm=True).status_code == 302
    messages, status = annulment_messages(app, public_id)
    assert status == "anulat"
    assert len(messages) == 1 and "Depusă de două ori" in messages[0].body and "anulat" in messages[0].subject
    text = login_as("cetatean").get(f"/documentele-mele/{public_id}").get_data(as_text=True)
    assert "Anulat" in text and "Depusă de două ori" in text


def test_bad_annulments_are_refused_before_asking(app, login_as):
    public_id = petition(app)
    clerk = login_as("registrator")
    for reason in ("", "x" * 1001):
        response = annul(clerk, public_id, reason, confirm=False)
        assert response.status_code == 302
    assert annul(login_as("referent"), public_id, "Vreau să anulez", confirm=True).status_code in (302, 404)
    messages, status = annulment_messages(app, public_id)
    assert messages == [] and status != "anulat"

"""The outbox: written with the event, sent after commit through a real SMTP server; a rollback sends nothing; a
failed send stays in the outbox and is retried; SMS through the log provider; the answer leaves with its PDF."""

import logging

from sqlalchemy import func, select

from app.correspondence.signed_answer import sign_task
from app.extensions import db
from app.identity.models import User
from app.notifications import events
from app.notifications.models import NotificationPreference, OutboxMessage
from app.notifications.outbox import queue, send_pending
from app.registry.models import Document
from tests.routes import open_task, user
from tests.signing.helpers import petition_at_signing
from tests.smtp import body_of, free_port
from tests.webflow import csrf_token, submit_petition


def outbox():
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_rolled_back_event_sends_nothing(app, ctx, mail_server):
    document = petition_at_signing()
    before = len(mail_server.wait_for(2))  # registration, assignment to a department
    events.formal_message(document, "Vă rugăm să ne contactați pentru o programare.")
    db.session.rollback()
    assert send_pending() == (0, 0)
    assert len(mail_server.messages) == before
    assert not any(m.event == events.MESSAGE for m in outbox())


def test_a_failed_send_stays_queued_and_is_retried(app, ctx, mail_server):
    document = petition_at_signing()
    before = len(mail_server.wait_for(2))
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nobody listens there: the SMTP connection is refused
    try:
        events.formal_message(document, "Vă rugăm să ne contactați pentru o programare.")
        db.session.commit()  # the after-commit send fails; the user's action is committed anyway
    finally:
        app.config["MAIL_PORT"] = port
    [pending] = [m for m in outbox() if m.event == events.MESSAGE]
    assert pending.sent_at is None and pending.attempts == 1 and pending.last_error
    assert pending.next_attempt_at is not None
    assert send_pending() == (0, 0)  # not due yet
    pending.next_attempt_at = None
    db.session.commit()
    assert send_pending() == (1, 0)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, pending.id).sent_at is not None
    assert "programare" in body_of(mail_server.wait_for(before + 1)[-1])


def test_registration_email_with_code_and_sms_through_the_log_provider(app, login_as, mail_server, caplog):
    with app.app_context():
        db.session.add(
            NotificationPreference(user_id=user("cetatean").id, email=True, sms=True, phone="0722123456")
        )
        db.session.commit()
    caplog.set_level(logging.WARNING)
    assert submit_petition(login_as("cetatean")).status_code == 302
    [message] = mail_server.wait_for(1)
    assert "Codul de acces pentru urmărire fără cont:" in body_of(message)
    assert any("SMS (log provider) to 0722123456" in r.getMessage() for r in caplog.records)
    with app.app_context():
        rows = outbox()
        assert {(m.channel, m.event) for m in rows} == {("email", "inregistrare"), ("sms", "inregistrare")}
        assert all(m.sent_at is not None for m in rows)


def test_answer_email_carries_the_signed_pdf(app, ctx, mail_server):
    document = petition_at_signing()
    sign_task(open_task(document, "semnare_referent").id, user("referent"))
    db.session.commit()
    sign_task(open_task(document, "semnare_sef").id, user("sef.serviciu"))
    db.session.commit()
    messages = mail_server.wait_for(3)
    answer = [m for m in messages if m["Subject"].startswith("Răspuns la documentul")]
    assert len(answer) == 1
    [pdf] = [p for p in answer[0].iter_attachments()]
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF") and pdf.get_filename() == document.answer().filename
    subjects = [m["Subject"] for m in messages]
    assert any("repartizat" in s for s in subjects)


def test_paper_answer_is_announced_without_attachment(app, ctx, mail_server):
    document = petition_at_signing()
    document.answer_by = "hartie"
    db.session.commit()
    sign_task(open_task(document, "semnare_referent").id, user("referent"))
    db.session.commit()
    sign_task(open_task(document, "semnare_sef").id, user("sef.serviciu"))
    db.session.commit()
    [answer] = [m for m in mail_server.wait_for(3) if m["Subject"].startswith("Răspuns la documentul")]
    assert "prin poștă" in body_of(answer)
    assert list(answer.iter_attachments()) == []


def test_paper_document_without_email_gets_nothing(app, ctx, mail_server):
    document = petition_at_signing()
    before = len(mail_server.wait_for(2))  # registration, assignment to a department
    document.submitter_id = None
    document.sender_email = None
    db.session.commit()
    assert events.formal_message(document, "Un mesaj oarecare pentru solicitant.") == 0
    db.session.commit()
    assert len(mail_server.wait_for(before + 1, timeout=0.5)) == before


def test_preferences_page_saves_channels_and_refuses_sms_without_phone(app, login_as):
    client = login_as("cetatean")
    token = csrf_token(client, "/contul-meu/notificari")
    bad = client.post(
        "/contul-meu/notificari", data={"csrf_token": token, "email": "1", "sms": "1", "telefon": "12"}
    )
    assert bad.status_code == 400 and "număr de telefon mobil valid" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0
    good = client.post(
        "/contul-meu/notificari", data={"csrf_token": token, "sms": "1", "telefon": "0722 123 456"}
    )
    assert good.status_code == 302
    with app.app_context():
        pref = db.session.get(NotificationPreference, user("cetatean").id)
        assert (pref.email, pref.sms, pref.phone) == (False, True, "0722 123 456")


def test_notifications_cli_sends_what_is_waiting(app, ctx, mail_server):
    app.config["NOTIFICATIONS_SEND_AFTER_COMMIT"] = False
    try:
        document = db.session.scalar(select(Document))
        assert document is None
        citizen = db.session.scalar(select(User).where(User.username == "cetatean"))
        queue("email", citizen.email, "Test", "Corp", "test")
        db.session.commit()
    finally:
        app.config["NOTIFICATIONS_SEND_AFTER_COMMIT"] = True
    assert mail_server.messages == []
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert "1 sent, 0 failed" in result.output
    assert mail_server.wait_for(1)[0]["Subject"] == "Test"


def test_a_petition_closed_without_answer_is_told(app, ctx, mail_server):
    from app.identity.models import Institution
    from app.intake.submission import submit
    from app.registry.models import DocumentType
    from tests.signing.helpers import do

    doc_type = db.session.scalar(select(DocumentType).where(DocumentType.code == "petitie"))
    institution = db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))
    document = submit(
        user("cetatean"), institution, doc_type, {"subiect": "Fără nume", "continut": "x" * 30}, {}
    )
    db.session.commit()
    do(document, "inregistrare", "registrator", {"departament": "relatii-publice", "anonima": True})
    closed = [m for m in mail_server.wait_for(2) if "a fost închis" in m["Subject"]]
    assert len(closed) == 1 and "OG 27/2002" in body_of(closed[0])
    assert {"inregistrare", "clasare"} <= {m.event for m in outbox()}

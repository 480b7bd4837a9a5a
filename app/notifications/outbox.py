"""The outbox: messages are rows written in the transaction of the event they tell about, and sent after that
transaction commits. A rollback removes the rows with everything else (nothing is sent about something that did
not happen); a failed send leaves the row unsent with its error, and the next attempt comes later (after every
commit that queues something, every scheduler tick, `flask notifications send`)."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from app.dates import now_utc
from app.extensions import db
from app.mail import MailError
from app.notifications.channels import SmsError, send_email, send_sms
from app.notifications.models import OutboxMessage

MAX_ATTEMPTS = 8
_QUEUED = "outbox_queued"


def queue(
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    event_name: str,
    document=None,
    user=None,
    attachment=None,
) -> OutboxMessage:
    """Add a message to the outbox in the current transaction; `attachment` is an Attachment to send along."""
    message = OutboxMessage(
        channel=channel,
        recipient=recipient,
        subject=subject[:300],
        body=body,
        event=event_name,
        document_id=document.id if document is not None else None,
        user_id=user.id if user is not None else None,
        attachment_sha256=attachment.sha256 if attachment is not None else None,
        attachment_name=attachment.filename if attachment is not None else None,
        attachment_type=attachment.content_type if attachment is not None else None,
    )
    db.session.add(message)
    db.session.info[_QUEUED] = True
    return message


def _deliver(message: OutboxMessage) -> None:
    if message.channel == OutboxMessage.EMAIL:
        attachments = []
        if message.attachment_sha256:
            from app.storage import current_store

            data = current_store().get(message.attachment_sha256)
            attachments.append((message.attachment_name, message.attachment_type, data))
        send_email(message.recipient, message.subject, message.body, attachments)
    elif message.channel == OutboxMessage.SMS:
        send_sms(message.recipient, message.body)
    else:
        raise SmsError(f"unknown channel {message.channel}")


def send_pending(limit: int = 50) -> tuple[int, int]:
    """Send what is due, each row locked (SKIP LOCKED: two workers never send the same message). Returns (sent,
    failed). Runs in its own session, so it can be called right after another session's commit."""
    sent = failed = 0
    now = now_utc()
    with Session(db.engine) as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.attempts < MAX_ATTEMPTS,
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for message in rows:
            try:
                _deliver(message)
            except (MailError, SmsError, OSError) as exc:
                message.attempts += 1
                message.last_error = str(exc)[:2000]
                # 1, 2, 4 ... minutes, at most an hour between attempts.
                message.next_attempt_at = now_utc() + timedelta(minutes=min(60, 2 ** (message.attempts - 1)))
                failed += 1
                current_app.logger.warning("notification %s not sent: %s", message.id, exc)
            else:
                message.attempts += 1
                message.sent_at = now_utc()
                message.last_error = None
                sent += 1
        session.commit()
    return sent, failed


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    if not session.info.pop(_QUEUED, False):
        return
    if not current_app.config.get("NOTIFICATIONS_SEND_AFTER_COMMIT", True):
        return
    try:
        send_pending()
    except Exception:  # noqa: BLE001 - the user's action is committed; the scheduler retries
        current_app.logger.exception("sending notifications after commit failed")


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_QUEUED, None)


def outbox_tick(app) -> int:
    with app.app_context():
        try:
            return send_pending()[0]
        finally:
            db.session.remove()


def add_outbox_job(scheduler, app) -> None:
    """Beside the timer job: retry unsent notifications every SCHEDULER_INTERVAL_SECONDS."""
    scheduler.add_job(
        outbox_tick,
        "interval",
        seconds=app.config["SCHEDULER_INTERVAL_SECONDS"],
        args=[app],
        max_instances=1,
        coalesce=True,
        id="notifications-outbox",
    )


def register_cli(app) -> None:
    import click

    @app.cli.group("notifications")
    def notifications():
        """Citizen notifications (e-mail, SMS)."""

    @notifications.command("send")
    def send():
        """Send the notifications waiting in the outbox (and retry failed ones whose time has come)."""
        sent, failed = send_pending(limit=1000)
        click.echo(f"{sent} sent, {failed} failed")

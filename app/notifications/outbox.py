"""The outbox: messages are rows written in the transaction of the event they tell about, and sent after that
transaction commits. A rollback removes the rows with everything else (nothing is sent about something that did
not happen); each message is sent and its outcome committed on its own; a failed send (whatever the error) leaves the row
unsent with its attempts, error and next try (backoff), and after MAX_ATTEMPTS it is marked failed and listed for
operators. Sending runs in the jobs process (`flask jobs run`) and `flask notifications send`; only the embedded
demo and the tests also send right after the commit that queued something."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import event, insert, or_, select
from sqlalchemy.orm import Session

from app.dates import now_utc
from app.extensions import db, own_session
from app.notifications.channels import SmsError, send_email, send_sms
from app.notifications.models import OutboxMessage

MAX_ATTEMPTS = 8
_QUEUED = "outbox_queued"


def _message_fields(channel, recipient, subject, body, event_name, document, user, attachment) -> dict:
    return {
        "channel": channel,
        "recipient": recipient,
        "subject": subject[:300],
        "body": body,
        "event": event_name,
        "document_id": document.id if document is not None else None,
        "user_id": user.id if user is not None else None,
        "attachment_sha256": attachment.sha256 if attachment is not None else None,
        "attachment_name": attachment.filename if attachment is not None else None,
        "attachment_type": attachment.content_type if attachment is not None else None,
    }


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
        **_message_fields(channel, recipient, subject, body, event_name, document, user, attachment)
    )
    db.session.add(message)
    db.session.info[_QUEUED] = True
    return message


def queue_row(
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    event_name: str,
    document=None,
    user=None,
    attachment=None,
) -> None:
    """`queue` for a caller that needs no object back: the row is inserted at once, as a plain INSERT, instead of
    being tracked by the session until a flush (a route step's messages: one flush fewer per step)."""
    fields = _message_fields(channel, recipient, subject, body, event_name, document, user, attachment)
    db.session.execute(insert(OutboxMessage.__table__).values(**fields))
    db.session.info[_QUEUED] = True


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


def _due(now):
    return select(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
        OutboxMessage.attempts < MAX_ATTEMPTS,
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    )


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after the n-th failed attempt, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def send_one(session: Session, skip: set[int]) -> bool | None:
    """Send the oldest due message and commit its outcome alone: True sent, False failed, None nothing due.
    The row stays locked (SKIP LOCKED) until its own commit, so two senders never send the same message, and a
    message that fails, whatever the error, never undoes another one's `sent_at`."""
    query = _due(now_utc())
    if skip:
        query = query.where(OutboxMessage.id.not_in(skip))
    message = session.scalars(
        query.order_by(OutboxMessage.id).limit(1).with_for_update(skip_locked=True)
    ).first()
    if message is None:
        session.rollback()
        return None
    skip.add(message.id)
    message.attempts += 1
    try:
        _deliver(message)
    except Exception as exc:  # noqa: BLE001 - any error: counted and kept on the message, the others go on
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            message.failed_at = now_utc()
            message.next_attempt_at = None
            current_app.logger.error("notification %s failed for good: %s", message.id, message.last_error)
        else:
            message.next_attempt_at = now_utc() + backoff(message.attempts)
            current_app.logger.warning("notification %s not sent: %s", message.id, message.last_error)
        outcome = False
    else:
        message.sent_at = now_utc()
        message.last_error = None
        message.next_attempt_at = None
        outcome = True
    session.commit()
    return outcome


def send_pending(limit: int = 50) -> tuple[int, int]:
    """Send what is due, one message per transaction. Returns (sent, failed). Runs in its own session, so it can
    be called right after another session's commit."""
    sent = failed = 0
    skip: set[int] = set()
    with own_session() as session:
        for _ in range(limit):
            outcome = send_one(session, skip)
            if outcome is None:
                break
            if outcome:
                sent += 1
            else:
                failed += 1
    return sent, failed


def failed_messages(limit: int = 200) -> list[OutboxMessage]:
    """Messages given up after MAX_ATTEMPTS, newest first: the operators' list."""
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.failed_at.is_not(None))
        .order_by(OutboxMessage.failed_at.desc())
        .limit(limit)
    ).all()


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    """Only where the configuration asks for it (the embedded demo and the tests): in production the jobs process
    sends, so a citizen's request never waits for an SMTP server or an SMS provider."""
    if session.in_nested_transaction():
        return  # a savepoint was released (each script of a route runs in one): the real commit comes later
    if not session.info.pop(_QUEUED, False):
        return
    if not current_app.config.get("NOTIFICATIONS_SEND_AFTER_COMMIT", False):
        return
    try:
        send_pending()
    except Exception:  # noqa: BLE001 - the user's action is committed; the jobs process retries
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

    @notifications.command("failed")
    def failed():
        """List the messages given up after the last attempt."""
        for message in failed_messages():
            click.echo(
                f"{message.id}\t{message.channel}\t{message.recipient}\t{message.event}\t"
                f"{message.attempts} attempts\t{message.last_error}"
            )

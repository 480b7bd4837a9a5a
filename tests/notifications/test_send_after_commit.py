"""Messages queued inside a savepoint (each script of a route runs in one) leave at the real commit, not when the
savepoint is released (then the row is not yet visible to the sender's own connection and would wait for the jobs
process)."""

from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.outbox import queue


def test_a_message_queued_inside_a_savepoint_is_sent_at_the_real_commit(ctx, mail_server):
    with db.session.begin_nested():
        message = queue(OutboxMessage.EMAIL, "ana@example.ro", "Răspuns", "Text", "test")
    assert mail_server.messages == []  # the savepoint's release sends nothing
    db.session.commit()
    assert [m["Subject"] for m in mail_server.wait_for(1)] == ["Răspuns"]
    db.session.refresh(message)
    assert message.sent_at is not None and message.attempts == 1

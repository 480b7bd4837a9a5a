"""The outbox is reliable: each message's outcome commits alone, so one message failing with any error (a provider
bug, a storage error) never makes the others be sent again; failures are counted with backoff and given up after
the last attempt, listed for operators; production sends only from the jobs process."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.config import Config
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.outbox import MAX_ATTEMPTS, backoff, failed_messages, queue, send_pending

DELIVERED: list[tuple[str, str]] = []


class FlakyProvider:
    """An SMS provider with a bug for one number: it raises something that is neither an SMS nor an OS error."""

    name = "flaky"

    def __init__(self, config=None):
        pass

    def send(self, phone: str, text: str) -> None:
        if phone == "0700000000":
            raise KeyError("provider bug: no route for this prefix")
        DELIVERED.append((phone, text))


def _queue_three():
    queue("sms", "0722000001", "", "Primul mesaj", "test")
    queue("sms", "0700000000", "", "Mesajul care eșuează", "test")
    queue("sms", "0722000003", "", "Al treilea mesaj", "test")
    db.session.commit()


def _rows():
    db.session.expire_all()
    return {
        m.recipient: m for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.event == "test"))
    }


@pytest.mark.real_commits  # sent, woken or recorded through their own sessions
@pytest.mark.date_sensitive
def test_one_failing_message_never_resends_the_others(app, ctx, time_machine):
    time_machine.move_to(datetime.now(UTC), tick=False)
    DELIVERED.clear()
    app.config["SMS_PROVIDER"] = f"{__name__}:FlakyProvider"
    app.config["NOTIFICATIONS_SEND_AFTER_COMMIT"] = False
    try:
        _queue_three()
        assert send_pending() == (2, 1)
        for _tick in range(3):  # three scheduler ticks, the failing message due again each time
            time_machine.shift(timedelta(hours=2))
            send_pending()
        assert sorted(DELIVERED) == [("0722000001", "Primul mesaj"), ("0722000003", "Al treilea mesaj")]
        rows = _rows()
        assert rows["0722000001"].sent_at is not None and rows["0722000001"].attempts == 1
        bad = rows["0700000000"]
        assert bad.sent_at is None and bad.attempts == 4 and bad.failed_at is None
        assert "KeyError" in bad.last_error and "no route for this prefix" in bad.last_error
        assert bad.next_attempt_at is not None
    finally:
        app.config.pop("SMS_PROVIDER")
        app.config["NOTIFICATIONS_SEND_AFTER_COMMIT"] = True


@pytest.mark.real_commits  # sent, woken or recorded through their own sessions
@pytest.mark.date_sensitive
def test_backoff_then_failed_for_good_and_listed_for_operators(app, ctx, time_machine):
    time_machine.move_to(datetime.now(UTC), tick=False)
    DELIVERED.clear()
    app.config["SMS_PROVIDER"] = f"{__name__}:FlakyProvider"
    app.config["NOTIFICATIONS_SEND_AFTER_COMMIT"] = False
    try:
        queue("sms", "0700000000", "", "Mesajul care eșuează", "test")
        db.session.commit()
        assert send_pending() == (0, 1)
        assert send_pending() == (0, 0)  # not due before its backoff
        for attempt in range(2, MAX_ATTEMPTS + 1):
            time_machine.shift(backoff(attempt - 1) + timedelta(seconds=1))
            assert send_pending() == (0, 1)
        message = _rows()["0700000000"]
        assert message.attempts == MAX_ATTEMPTS and message.failed_at is not None
        assert message.next_attempt_at is None
        time_machine.shift(timedelta(days=1))
        assert send_pending() == (0, 0)  # given up: never tried again
        assert [m.id for m in failed_messages()] == [message.id]
        output = app.test_cli_runner().invoke(args=["notifications", "failed"]).output
        assert "0700000000" in output and "KeyError" in output and f"{MAX_ATTEMPTS} attempts" in output
    finally:
        app.config.pop("SMS_PROVIDER")
        app.config["NOTIFICATIONS_SEND_AFTER_COMMIT"] = True


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() // 60 for n in (1, 2, 3, 4, 7, 8)] == [1, 2, 4, 8, 60, 60]


@pytest.mark.real_commits  # sent, woken or recorded through their own sessions
def test_production_never_sends_inside_the_request(app, ctx, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/registratura")
    assert Config().NOTIFICATIONS_SEND_AFTER_COMMIT is False
    monkeypatch.delenv("DATABASE_URL")
    assert Config().NOTIFICATIONS_SEND_AFTER_COMMIT is True  # the embedded demo
    DELIVERED.clear()
    app.config["SMS_PROVIDER"] = f"{__name__}:FlakyProvider"
    app.config["NOTIFICATIONS_SEND_AFTER_COMMIT"] = False
    try:
        queue("sms", "0722000001", "", "După commit", "test")
        db.session.commit()
        assert DELIVERED == []  # the commit did not send: the jobs process will
        assert send_pending() == (1, 0) and DELIVERED == [("0722000001", "După commit")]
    finally:
        app.config.pop("SMS_PROVIDER")
        app.config["NOTIFICATIONS_SEND_AFTER_COMMIT"] = True


@pytest.mark.real_commits  # sent, woken or recorded through their own sessions
def test_operators_see_failed_messages_and_incidents(app, login_as):
    from app.dates import now_utc
    from app.operations.incidents import record_incident

    with app.app_context():
        message = queue("sms", "0700000009", "", "Nu pleacă", "test")
        message.attempts, message.failed_at, message.last_error = (
            MAX_ATTEMPTS,
            now_utc(),
            "KeyError: fără rută",
        )
        db.session.commit()
        record_incident("timer", "ValueError: stare ilizibilă", element="termen_25")
        db.session.remove()
    page = login_as("platforma").get("/operare/platforma/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "0700000009" in html and "KeyError: fără rută" in html
    assert "termen_25" in html and "ValueError: stare ilizibilă" in html
    assert login_as("admin").get("/operare/platforma/").status_code == 403

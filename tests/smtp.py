"""A real SMTP server in process (aiosmtpd) for every test that sends mail: the application sends it there (the
fixture `mail_server`, available to all tests through tests/conftest.py)."""

import socket
import time
from email import message_from_bytes, policy

import pytest


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's handler API
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 5.0) -> list:
        """The server's thread delivers asynchronously to this list: wait until `count` messages arrived."""
        end = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < end:
            time.sleep(0.05)
        return self.messages

    def wait_for_subject(self, prefix: str, timeout: float = 10.0) -> list:
        """The messages whose subject starts with `prefix`, once at least one has arrived (or the timeout)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = [m for m in self.messages if (m["Subject"] or "").startswith(prefix)]
            if found:
                return found
            time.sleep(0.05)
        return []

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:  # the controller's start-up check cannot connect to port 0
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mail_server(app):
    """A real SMTP server on 127.0.0.1 (a free port); the app sends its mail there during the test."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield inbox
    finally:
        app.config.update(saved)
        controller.stop()


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()

from tests.notifications.smtp import mail_server  # noqa: F401

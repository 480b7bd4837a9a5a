"""Outgoing e-mail through SMTP (MAIL_SERVER, MAIL_PORT, MAIL_SENDER). Plain functions; the notifications
package builds on `send_mail`.

Without MAIL_SERVER (the quick local demo) a message is written to the application log instead of being
sent, so a person trying the demo can read a confirmation code in the terminal."""

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app


class MailError(Exception):
    """The message could not be handed to the SMTP server."""


def build_message(
    to: str, subject: str, body: str, attachments: list[tuple[str, str, bytes]] | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="registratura.example")
    message.set_content(body)  # UTF-8, so ș and ț arrive intact
    for filename, content_type, data in attachments or []:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=filename)
    return message


def send_mail(
    to: str, subject: str, body: str, attachments: list[tuple[str, str, bytes]] | None = None
) -> EmailMessage:
    """Send one plain-text message, with optional (filename, content type, bytes) attachments; raises MailError
    when the server refuses or cannot be reached."""
    message = build_message(to, subject, body, attachments)
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        current_app.logger.warning("MAIL_SERVER not set; e-mail to %s not sent:\n%s\n\n%s", to, subject, body)
        return message
    try:
        timeout = config.get("MAIL_TIMEOUT_SECONDS", 15)
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(str(exc)) from exc
    return message

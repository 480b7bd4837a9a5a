"""Delivery channels: e-mail through app/mail (SMTP), SMS through a provider interface.

SMS providers differ per deployment (a national operator's HTTP API, an aggregator): the application only needs
`send(phone, text)`. SMS_PROVIDER names one as "package.module:Class" (constructed with the Flask config); the
default `log` provider writes the message to the application log, and the outbox row is the record."""

import importlib
import os
import re
from typing import Protocol

from flask import current_app

from app.mail import send_mail


class SmsError(Exception):
    """The provider did not accept the message; the outbox retries it later."""


class SmsProvider(Protocol):
    name: str

    def send(self, phone: str, text: str) -> None:
        """Hand the message over, or raise SmsError."""


class LogSmsProvider:
    """Writes every SMS to the log instead of sending it (the default: no operator contract needed to run)."""

    name = "log"

    def __init__(self, config=None):
        self.config = config

    def send(self, phone: str, text: str) -> None:
        current_app.logger.warning("SMS (log provider) to %s: %s", phone, text)


def sms_provider() -> SmsProvider:
    spec = current_app.config.get("SMS_PROVIDER") or os.environ.get("SMS_PROVIDER") or "log"
    if spec == "log":
        return LogSmsProvider(current_app.config)
    module_name, _, class_name = spec.partition(":")
    provider_class = getattr(importlib.import_module(module_name), class_name)
    return provider_class(current_app.config)


def send_email(to: str, subject: str, body: str, attachments=None) -> None:
    send_mail(to, subject, body, attachments)


def send_sms(phone: str, text: str) -> None:
    # One SMS segment with diacritics holds 70 characters; a notice stays short and points to the portal.
    sms_provider().send(phone, text[:320])


def phone_digits(text: str | None) -> str:
    """The national part of a Romanian phone number: "+40 722 123 456", "0722.123.456" -> "722123456"."""
    digits = re.sub(r"\D", "", text or "")
    if digits.startswith("0040"):
        digits = digits[4:]
    elif digits.startswith("40") and len(digits) == 11:
        digits = digits[2:]
    return digits.lstrip("0")

"""Annulling a registration is confirmed first and told to the citizen: the registrar sees who will be told and
how, confirms, and the citizen receives the notice (e-mail / SMS through the outbox, the reason on their page).

`check` refuses what `entries.annul` would refuse, before anything is asked or written."""

from flask_babel import gettext as _

from app.identity.models import User
from app.registry.entries import annulment_of, annulment_reason
from app.registry.models import Document, RegistryError


def check(document: Document, reason: str, operator: User) -> str:
    reason = annulment_reason(document, reason, operator)
    if len(reason) > 1000:
        raise RegistryError(_("Motivul are cel mult %(n)d de caractere.", n=1000))
    if annulment_of(document) is not None:
        raise RegistryError(
            _("Înregistrarea nr. %(label)s a fost deja anulată.", label=document.registration_label)
        )
    return reason


# The package that tells citizens (notifications) says who would be told, and tells them.
RECIPIENTS: list = []  # document -> [(channel, address)]
ON_ANNULLED: list = []  # (document, reason) -> messages queued


def who_is_told(document: Document) -> list[tuple[str, str]]:
    """(channel, address) the notice goes to, for the confirmation page."""
    return [recipient for find in RECIPIENTS for recipient in find(document)]


def tell_citizen(document: Document, reason: str) -> int:
    return sum(tell(document, reason) or 0 for tell in ON_ANNULLED)

"""Formal messages from the institution to the citizen: recorded in the document's history (which the citizen
sees) and sent on the citizen's channels. Unlike staff comments, they are part of the official record."""

from flask_babel import gettext as _

from app.audit import record
from app.communication.requests import MAX_MESSAGE, CommunicationError
from app.extensions import db
from app.identity.models import User
from app.notifications import events as citizen_events
from app.registry.models import Document
from app.workflow.models import HistoryEntry

MESSAGE_TO_CITIZEN = "message_to_citizen"
ANSWER_POSTED = "answer_posted"


def send_formal_message(document: Document, user: User, text: str) -> HistoryEntry:
    text = (text or "").strip()
    if len(text) < 10:
        raise CommunicationError(_("Scrieți mesajul către solicitant (cel puțin 10 caractere)."))
    if len(text) > MAX_MESSAGE:
        raise CommunicationError(_("Mesajul este prea lung (cel mult 4000 de caractere)."))
    entry = HistoryEntry(document_id=document.id, actor_id=user.id, event=MESSAGE_TO_CITIZEN, message=text)
    db.session.add(entry)
    record(MESSAGE_TO_CITIZEN, actor=user, document=document, data={"message": text})
    citizen_events.formal_message(document, text)
    return entry


def record_paper_dispatch(document: Document, user: User) -> HistoryEntry:
    """The registry posted the printed answer (answer by paper)."""
    if document.answer() is None:
        raise CommunicationError(_("Documentul nu are încă un răspuns emis."))
    from app.registry.entries import record_dispatch
    from app.registry.models import RegistryError

    try:  # the register entry gets its dispatch date and recipient (art. 9), under the same number
        record_dispatch(document, recipient=document.sender_name, actor=user)
    except RegistryError as exc:
        raise CommunicationError(str(exc)) from exc
    entry = HistoryEntry(
        document_id=document.id,
        actor_id=user.id,
        event=ANSWER_POSTED,
        message="Răspunsul a fost expediat prin poștă.",
    )
    db.session.add(entry)
    record(ANSWER_POSTED, actor=user, document=document, target=document.registration_label or None)
    return entry

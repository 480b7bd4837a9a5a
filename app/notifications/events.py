"""What the citizen is told, and when: registration (with the number and the tracking code), assignment to a
department, a completion request, a formal message, the answer, a closing without answer. Each function queues
the messages in the current transaction (app.notifications.outbox) on the channels the citizen chose.

Messages are written in Romanian: they go out from background steps too, where no request tells the language."""

import os

from flask import current_app, has_request_context, url_for
from sqlalchemy import exists, select
from sqlalchemy.orm.attributes import set_committed_value

from app.dates import format_date
from app.extensions import db
from app.identity.models import User
from app.notifications.models import NotificationPreference, OutboxMessage
from app.notifications.outbox import queue_row
from app.registry.models import Document, DocumentStatus

REGISTERED = "inregistrare"
DEPARTMENT = "repartizare"
COMPLETION = "completare"
MESSAGE = "mesaj"
ANSWER = "raspuns"
CLOSED = "clasare"


def _default_preference(user_id: int) -> NotificationPreference:
    """E-mail on, SMS off - not added to the session."""
    return NotificationPreference(user_id=user_id, email=True, sms=False, phone=None)


def preferences_for(user) -> NotificationPreference:
    """The citizen's saved choice, or the default."""
    return db.session.get(NotificationPreference, user.id) or _default_preference(user.id)


_CITIZEN = "notifications_citizen"


def _told_clause(document: Document, event_name: str):
    return exists().where(OutboxMessage.document_id == document.id, OutboxMessage.event == event_name)


def _submitter_and_preferences(document: Document, told_event: str | None = None):
    """(submitter, their saved preference or None, whether `told_event` was already sent about the document) in one
    statement. The submitter and preference are kept for the transaction, so a step that tells the citizen twice
    (registered, then assigned) reads them once; the `told` answer is always read afresh (None when not asked)."""
    transaction = db.session().get_transaction()
    memo = db.session.info.get(_CITIZEN)
    if memo is None or memo[0] is not transaction:
        memo = db.session.info[_CITIZEN] = (transaction, {})
    known = memo[1]
    submitter_id = document.submitter_id
    if submitter_id is None or (told_event is None and submitter_id in known):
        submitter, saved = known.get(submitter_id, (None, None))
        told = db.session.scalar(select(_told_clause(document, told_event))) if told_event else None
        return submitter, saved, told
    columns = [User, NotificationPreference]
    if told_event:
        columns.append(_told_clause(document, told_event))
    row = db.session.execute(
        select(*columns)
        .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(User.id == submitter_id)
    ).first()
    if row is None:
        return None, None, False if told_event else None
    known[submitter_id] = (row[0], row[1])
    set_committed_value(document, "submitter", row[0])  # kept on the document, as a lazy load would
    return row[0], row[1], (bool(row[2]) if told_event else None)


def _recipients_of(document: Document, submitter, saved) -> list[tuple[str, str]]:
    if submitter is not None and not submitter.is_staff:
        pref = saved or _default_preference(submitter.id)
        found = []
        if pref.email and submitter.email:
            found.append((OutboxMessage.EMAIL, submitter.email))
        phone = pref.phone or submitter.phone or document.sender_phone
        if pref.sms and phone:
            found.append((OutboxMessage.SMS, phone))
        return found
    if document.sender_email:
        return [(OutboxMessage.EMAIL, document.sender_email)]
    return []


def _recipients(document: Document) -> list[tuple[str, str]]:
    """(channel, address) pairs. With an account, the citizen's choice; without one (paper, another
    institution), the e-mail given at submission, or nothing."""
    submitter, saved, _told = _submitter_and_preferences(document)
    return _recipients_of(document, submitter, saved)


def external_url(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    # Background steps (timers, the command line) have no request to take the host from.
    base = (
        current_app.config.get("PUBLIC_BASE_URL") or os.environ.get("PUBLIC_BASE_URL") or "http://localhost"
    )
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def _send(
    document: Document, event_name: str, subject: str, body: str, sms: str, attachment=None, recipients=None
) -> int:
    """`recipients`: `_recipients(document)` when the caller has just read them."""
    count = 0
    for channel, address in _recipients(document) if recipients is None else recipients:
        if channel == OutboxMessage.EMAIL:
            footer = "\n\n--\n" + document.institution.name + "\nMesaj trimis automat de Ghișeul Unic."
            queue_row(
                channel, address, subject, body + footer, event_name, document, document.submitter, attachment
            )
        else:
            queue_row(channel, address, "", sms, event_name, document, document.submitter)
        count += 1
    return count


def _label(document: Document) -> str:
    return document.registration_label or "-"


def document_registered(document: Document, code: str | None = None) -> int:
    """Once per document. A new access code is issued only if the document has none yet: a paper document's
    receipt already carries one, and issuing again would invalidate the printed code. `code`: one just issued
    for an online submission's on-screen receipt, sent in the e-mail too."""
    if document.registration_number is None:
        return 0
    submitter, saved, told = _submitter_and_preferences(document, told_event=REGISTERED)
    if told:
        return 0
    recipients = _recipients_of(document, submitter, saved)
    if not recipients:
        return 0
    from app.registry.access_codes import issue_access_code

    if code is None:
        code = issue_access_code(document) if document.access_code_hash is None else None
    label = _label(document)
    if code:
        link = external_url("portal.track", numar=label, cod=code)
        access = f"Codul de acces pentru urmărire fără cont: {code}\nUrmăriți documentul aici: {link}\n"
        sms_access = f" Cod acces: {code}."
    else:
        access = (
            "Urmăriți documentul cu numărul de înregistrare și codul de acces de pe recipisă: "
            f"{external_url('portal.track')}\n"
        )
        sms_access = ""
    deadline = format_date(document.deadline_at) if document.deadline_at else "-"
    body = (
        "Bună ziua,\n\n"
        f"Documentul dumneavoastră „{document.subject}” ({document.document_type.name_ro}) a fost înregistrat "
        f"la {document.institution.name} cu nr. {label}.\n"
        f"Termenul legal de răspuns: {deadline}.\n\n{access}"
    )
    sms = f"{document.institution.name}: documentul dvs. a fost inregistrat cu nr. {label}.{sms_access}"
    return _send(
        document, REGISTERED, f"Document înregistrat cu nr. {label}", body, sms, recipients=recipients
    )


def department_assigned(document: Document) -> int:
    if document.department is None:
        return 0
    label = _label(document)
    body = (
        "Bună ziua,\n\n"
        f"Documentul nr. {label} („{document.subject}”) a fost repartizat compartimentului "
        f"{document.department.name}, care îl soluționează.\n"
    )
    sms = f"Documentul nr. {label} a fost repartizat: {document.department.name}."
    return _send(document, DEPARTMENT, f"Documentul nr. {label} a fost repartizat", body, sms)


def completion_requested(document: Document, message: str, due_at=None) -> int:
    label = _label(document)
    link = external_url("portal.document", public_id=document.public_id)
    due = f"Vă rugăm să răspundeți până la {format_date(due_at)}.\n" if due_at else ""
    body = (
        "Bună ziua,\n\n"
        f"Pentru soluționarea documentului nr. {label} („{document.subject}”) instituția vă solicită completarea "
        f"lui:\n\n{message}\n\n{due}Încărcați documentele cerute din contul dumneavoastră: {link}\n"
    )
    sms = f"Documentul nr. {label}: vi se cere o completare. Detalii in contul de pe Ghiseul Unic."
    return _send(document, COMPLETION, f"Completare solicitată pentru documentul nr. {label}", body, sms)


def formal_message(document: Document, text: str) -> int:
    label = _label(document)
    body = f"Bună ziua,\n\nÎn legătură cu documentul nr. {label} („{document.subject}”):\n\n{text}\n"
    sms = f"Documentul nr. {label}: aveti un mesaj de la institutie. Detalii pe Ghiseul Unic."
    return _send(document, MESSAGE, f"Mesaj privind documentul nr. {label}", body, sms)


def answer_ready(document: Document, attachment) -> int:
    """The answer is ready: by e-mail with the signed PDF attached, unless paper was asked for."""
    label = _label(document)
    paper = document.answer_by == "hartie"
    if paper:
        body = (
            "Bună ziua,\n\n"
            f"Răspunsul la documentul nr. {label} („{document.subject}”) a fost emis și vă va fi trimis prin poștă, "
            "așa cum ați solicitat. Îl puteți descărca și din contul dumneavoastră, dacă aveți unul.\n"
        )
    else:
        body = (
            "Bună ziua,\n\n"
            f"Răspunsul la documentul nr. {label} („{document.subject}”) este atașat acestui mesaj, semnat "
            "electronic. Îl găsiți și în contul dumneavoastră de pe Ghișeul Unic.\n"
        )
    sms = f"Raspunsul la documentul nr. {label} a fost emis." + (" Va fi trimis prin posta." if paper else "")
    return _send(
        document,
        ANSWER,
        f"Răspuns la documentul nr. {label}",
        body,
        sms,
        attachment=None if paper else attachment,
    )


def document_closed(document: Document) -> int:
    """Closed without an answer letter (e.g. an anonymous petition, OG 27/2002 art. 7)."""
    label = _label(document)
    reason = document.resolution or ""
    body = f"Bună ziua,\n\nDocumentul nr. {label} („{document.subject}”) a fost închis.\n{reason}\n"
    sms = f"Documentul nr. {label} a fost inchis."
    return _send(document, CLOSED, f"Documentul nr. {label} a fost închis", body, sms)


# --- what the route's own steps announce (app/registry/route_steps.py hooks) ------------------------------------


def on_registered(document: Document, department_assigned_too: bool) -> None:
    document_registered(document)  # once per document (online ones were told at submission)
    if department_assigned_too:
        department_assigned(document)


def on_closed(document: Document, actor) -> None:
    if document.status == DocumentStatus.CLOSED_NO_ACTION:
        document_closed(document)


ANNULLED = "anulare"


def document_annulled(document: Document, reason: str) -> int:
    """The registration was annulled (a mistake at the registry): the citizen learns it and why."""
    label = _label(document)
    body = (
        f"Bună ziua,\n\nÎnregistrarea documentului nr. {label} („{document.subject}”) a fost anulată.\n"
        f"Motivul: {reason}\n\nNumărul nu se refolosește. Pentru lămuriri răspundeți la acest mesaj sau contactați "
        "registratura instituției.\n"
    )
    sms = f"Inregistrarea documentului nr. {label} a fost anulata. Motivul il gasiti pe Ghiseul Unic."
    return _send(document, ANNULLED, f"Documentul nr. {label} a fost anulat", body, sms)

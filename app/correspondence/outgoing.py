"""Formal outgoing letters: an address (adresă) from one institution of the platform to another, and a letter to a
person. An address is an outgoing document of the sender and, in the same transaction, an incoming document of
the recipient (registered there, its route started): both numbers point at each other (domain: "formal
communication between institutions is an outgoing document of one that becomes an incoming document of the
other"). Every function works in the caller's transaction; the caller commits once."""

from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.audit import record
from app.correspondence import outgoing_signing
from app.correspondence.answer_pdf import AnswerLetter, render_answer_pdf
from app.correspondence.issuing import function_title
from app.correspondence.models import OutgoingLetter
from app.dates import format_date, to_local
from app.extensions import db
from app.identity.models import Institution, User
from app.intake.submission import submission_form
from app.registry.access import DOCUMENT_ROLES, staff_can_view
from app.registry.catalogue import file_code, is_enabled
from app.registry.models import Attachment, Direction, Document, DocumentStatus, DocumentType
from app.registry.numbering import register
from app.signing.citizen import UploadRefused, inspect_upload
from app.signing.validation import store_report
from app.storage import UploadRejected, check_upload, current_store, safe_filename
from app.workflow.models import HistoryEntry, HumanTask, TaskStatus
from app.workflow.runtime import FormInvalid, complete_task, start_route

ADDRESS_TYPE = "adresa"  # the document type an address is registered as at the recipient (processes/adresa.*)
CHANNEL = "institutie"  # Document.channel of both sides: sent through the platform
LETTER_KIND = "scrisoare"  # Attachment.kind of the letter PDF on the outgoing document

LETTER_SENT = "letter_sent"
LETTER_RECEIVED = "letter_received"


class LetterRefused(PermissionError):
    """Not allowed (who sends, to whom); Romanian message; nothing was written."""


class LetterInvalid(ValueError):
    """Per-field Romanian messages ("subiect", "continut", "anexe", "destinatar"); nothing was written."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(str(errors))


def may_send_from(user: User, institution: Institution) -> bool:
    """Staff who work with documents in the institution (not auditors) write its letters."""
    return (
        user is not None
        and user.is_authenticated
        and any(
            m.role.code in DOCUMENT_ROLES and m.role.code != "auditor" and m.institution_id == institution.id
            for m in user.memberships
        )
    )


def _check_text(subject: str, content: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not 5 <= len(subject.strip()) <= 200:
        errors["subiect"] = [_("Subiectul are între 5 și 200 de caractere.")]
    if not 10 <= len(content.strip()) <= 10000:
        errors["continut"] = [_("Conținutul are între 10 și 10000 de caractere.")]
    return errors


def _check_files(attachments: Iterable) -> tuple[list, list[str]]:
    """Attachment rows are reused by content (they were checked when they entered); (name, bytes) pairs are
    checked by content like any upload."""
    accepted, errors = [], []
    max_bytes = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    for item in attachments or ():
        if isinstance(item, Attachment):
            accepted.append((item.filename, item.content_type, None, item.sha256, None))
            continue
        name, data = item
        name = safe_filename(name)
        try:
            content_type = check_upload(name, data, max_bytes)
            report = inspect_upload(data, name) if content_type == "application/pdf" else None
        except (UploadRejected, UploadRefused) as exc:
            errors.append(str(exc))
            continue
        accepted.append((name, content_type, data, None, report))
    return accepted, errors


def _attach(
    document: Document, files: list, actor: User, kind: str = Attachment.SUBMISSION
) -> list[Attachment]:
    rows = []
    store = current_store()
    for name, content_type, data, sha256, report in files:
        if sha256 is None:
            sha256 = store.put(data)
            size = len(data)
        else:
            size = len(store.get(sha256))
        row = Attachment(
            document_id=document.id,
            kind=kind,
            filename=name,
            content_type=content_type,
            size=size,
            sha256=sha256,
            uploaded_by_id=actor.id,
        )
        db.session.add(row)
        db.session.flush()
        if report is not None:
            store_report(row, report, "intrare")
        rows.append(row)
    return rows


def _letter_pdf(outgoing: Document, actor: User, recipient_name: str, recipient_address: str | None) -> tuple:
    letter = AnswerLetter(
        institution_name=outgoing.institution.name,
        department_name=outgoing.department.name if outgoing.department else "",
        registration_label=f"Nr. {outgoing.registration_label}",
        issue_date_label=format_date(outgoing.registered_at),
        recipient_name=recipient_name,
        recipient_address=recipient_address,
        subject=outgoing.subject,
        body=outgoing.content or "",
        signers=[(actor.full_name, function_title(actor, outgoing))],
    )
    pdf = render_answer_pdf(letter, current_app.config["FONT_DIR"])
    try:  # signed and e-sealed before it leaves
        pdf = outgoing_signing.sign_letter(outgoing, actor, letter, pdf)
    except outgoing_signing.LetterSigningRefused as exc:
        raise LetterRefused(str(exc)) from exc
    name = f"adresa-{outgoing.registration_number}-{outgoing.registration_year}.pdf"
    return (name, "application/pdf", pdf, None, None)


def _actor_department(actor: User, institution: Institution):
    return next(
        (
            m.department_id
            for m in actor.memberships
            if m.institution_id == institution.id and m.department_id
        ),
        None,
    )


def _outgoing(
    institution: Institution, actor: User, subject: str, content: str, recipient: str, source: Document | None
) -> Document:
    address_type = _address_type()
    outgoing = Document(
        institution_id=institution.id,
        document_type_id=address_type.id,
        department_id=(source.department_id if source is not None else None)
        or _actor_department(actor, institution),
        direction=Direction.OUTGOING,
        channel=CHANNEL,
        sender_name=institution.name,
        sender_address=institution.address,
        subject=subject.strip()[:300],
        content=content.strip(),
        recipient=recipient[:300],
        file_code=file_code(institution, address_type) or None,
    )
    db.session.add(outgoing)
    db.session.flush()
    register(outgoing)
    # An outgoing letter waits for nothing here: it leaves now (any answer comes back as a new incoming document).
    outgoing.deadline_at = None
    outgoing.dispatched_at = outgoing.registered_at
    outgoing.status = DocumentStatus.RESOLVED
    outgoing.closed_at = outgoing.registered_at
    return outgoing


def _address_type() -> DocumentType:
    address_type = db.session.scalar(select(DocumentType).where(DocumentType.code == ADDRESS_TYPE))
    if address_type is None:
        raise LetterRefused(_("Tipul de document „adresă” nu este instalat pe platformă."))
    return address_type


def _check_sender(document: Document | None, institution: Institution, actor: User) -> None:
    if not may_send_from(actor, institution):
        raise LetterRefused(
            _(
                "Nu lucrați la %(institution)s: nu puteți trimite corespondență în numele ei.",
                institution=institution.name,
            )
        )
    if document is not None and (
        document.institution_id != institution.id or not staff_can_view(actor, document)
    ):
        raise LetterRefused(_("Nu aveți acces la documentul de la care porniți această corespondență."))


def _history(document: Document, actor: User, event: str, message: str, data: dict) -> None:
    db.session.add(
        HistoryEntry(document_id=document.id, actor_id=actor.id, event=event, message=message, data=data)
    )


def send_to_institution(
    document: Document | None,
    target_institution: Institution,
    actor: User,
    subject: str,
    content: str,
    attachments: Iterable = (),
    from_institution: Institution | None = None,
) -> OutgoingLetter:
    """Send an address (adresă) from `document`'s institution (or `from_institution` when there is no source
    document) to `target_institution`, both on the platform.

    - At the sender: an outgoing document (direction "iesire", the sender's next number), with the letter PDF
      (numbered, signature box for `actor`) and the attachments; it is closed as dispatched.
    - At the recipient: an incoming document of type "adresa" (the recipient's next number, the sender's number
      and date as its sender reference), with the same files; its route is started and its first step (the
      sender's form) completed by `actor`, so it waits in the recipient's registry like any incoming address.
    - An `OutgoingLetter` links the two and `document` (the source: the petition forwarded, the matter answered);
      the source's history records the letter.

    `attachments`: Attachment rows (e.g. the petition's own files, reused by content) or (file name, bytes) pairs
    (checked by content). Raises LetterRefused (actor not of the sending institution or without access to the
    source, same institution, recipient not receiving addresses) or LetterInvalid (subject, content, files);
    nothing is written then. The caller commits.

    Used to forward a petition to the competent institution (OG 27/2002 art. 6(2)) as well as for any formal
    letter between institutions."""
    origin = from_institution or (document.institution if document is not None else None)
    if origin is None:
        raise LetterRefused(_("Alegeți instituția care trimite adresa."))
    _check_sender(document, origin, actor)
    if target_institution.id == origin.id:
        raise LetterRefused(_("Adresa se trimite altei instituții, nu propriei instituții."))
    address_type = _address_type()
    if not is_enabled(target_institution, address_type):
        raise LetterRefused(
            _("%(institution)s nu primește adrese prin platformă.", institution=target_institution.name)
        )
    errors = _check_text(subject, content)
    files, file_errors = _check_files(attachments)
    if file_errors:
        errors["anexe"] = file_errors
    if errors:
        raise LetterInvalid(errors)

    outgoing = _outgoing(origin, actor, subject, content, target_institution.name, document)
    letter_file = _letter_pdf(outgoing, actor, target_institution.name, target_institution.address)
    [sent] = _attach(outgoing, [letter_file], actor, kind=LETTER_KIND)
    outgoing_signing.keep_report(sent, outgoing, "iesire")
    _attach(outgoing, files, actor)

    incoming = Document(
        institution_id=target_institution.id,
        document_type_id=address_type.id,
        direction=Direction.INCOMING,
        channel=CHANNEL,
        sender_name=origin.name,
        sender_address=origin.address,
        sender_reference=str(outgoing.registration_number),
        sender_reference_date=to_local(outgoing.registered_at).date(),
        subject=outgoing.subject,
        content=outgoing.content,
        file_code=file_code(target_institution, address_type) or None,
        annex_count=len(files) or None,
    )
    db.session.add(incoming)
    db.session.flush()
    received = _attach(incoming, [letter_file, *files], actor)
    outgoing_signing.keep_report(received[0], incoming, "intrare")  # the recipient validates on arrival
    register(incoming)  # automatically, at arrival: the recipient's route keeps this number
    letter = OutgoingLetter(
        outgoing_document_id=outgoing.id,
        incoming_document_id=incoming.id,
        source_document_id=document.id if document is not None else None,
        from_institution_id=origin.id,
        to_institution_id=target_institution.id,
        recipient_name=target_institution.name,
        recipient_address=target_institution.address,
        created_by_id=actor.id,
    )
    db.session.add(letter)
    _start_incoming_route(incoming, actor, outgoing, [a.public_id for a in received])

    summary = {
        "outgoing": outgoing.registration_label,
        "incoming": incoming.registration_label,
        "from": origin.code,
        "to": target_institution.code,
    }
    message = (
        f"Adresa nr. {outgoing.registration_label} înregistrată la {target_institution.name} cu nr. "
        + (f"{incoming.registration_label}.")
    )
    _history(outgoing, actor, LETTER_SENT, message, summary)
    if document is not None:
        _history(document, actor, LETTER_SENT, message, summary)
        record(LETTER_SENT, actor=actor, document=document, target=outgoing.registration_label, data=summary)
    record(LETTER_SENT, actor=actor, document=outgoing, target=target_institution.name, data=summary)
    record(LETTER_RECEIVED, actor=actor, document=incoming, target=origin.name, data=summary)
    db.session.flush()
    return letter


def _start_incoming_route(incoming: Document, actor: User, outgoing: Document, file_ids: list[str]) -> None:
    sub = submission_form(incoming.document_type)
    data = {
        "institutie_expeditoare": outgoing.institution.name,
        "numar_expeditor": str(outgoing.registration_number),
        "data_expeditor": to_local(outgoing.registered_at).date().isoformat(),
        "subiect": incoming.subject,
        "continut": incoming.content,
    }
    data = {k: v for k, v in data.items() if k in sub.form.properties}
    instance = start_route(incoming, actor)
    first = db.session.scalar(
        select(HumanTask).where(
            HumanTask.instance_id == instance.id,
            HumanTask.bpmn_id == sub.bpmn_id,
            HumanTask.status == TaskStatus.READY,
        )
    )
    if first is None:
        raise LookupError("the address route did not stop at its submission step")
    first.assignee_id = actor.id  # the sender fills the step "Transmitere adresă": the sending official
    files = sub.form.file_fields()
    try:
        complete_task(first.id, actor, data, extra_data={files[0]: file_ids} if files else None)
    except FormInvalid as exc:
        raise LetterInvalid(exc.errors) from exc
    # The history and the audit log keep who sent it. The task projection forgets the person: whoever completed a
    # task keeps sight of the document (registry.access), and the sending institution must not see how the
    # recipient handles it (each institution sees only its own documents and what was sent to it).
    first.assignee_id = first.claimed_by_id = first.completed_by_id = None


def send_to_person(
    document: Document | None,
    actor: User,
    recipient_name: str,
    recipient_address: str | None,
    subject: str,
    content: str,
    attachments: Iterable = (),
    from_institution: Institution | None = None,
) -> OutgoingLetter:
    """A letter to a person (not an answer, which leaves under the number of the document it answers): an outgoing
    document with its own number and the letter PDF, linked to `document` when given. The caller commits."""
    origin = from_institution or (document.institution if document is not None else None)
    if origin is None:
        raise LetterRefused(_("Alegeți instituția care trimite scrisoarea."))
    _check_sender(document, origin, actor)
    errors = _check_text(subject, content)
    if not 3 <= len((recipient_name or "").strip()) <= 200:
        errors["destinatar"] = [_("Scrieți numele destinatarului (între 3 și 200 de caractere).")]
    files, file_errors = _check_files(attachments)
    if file_errors:
        errors["anexe"] = file_errors
    if errors:
        raise LetterInvalid(errors)
    outgoing = _outgoing(origin, actor, subject, content, recipient_name.strip(), document)
    [sent] = _attach(
        outgoing,
        [_letter_pdf(outgoing, actor, recipient_name.strip(), recipient_address)],
        actor,
        LETTER_KIND,
    )
    outgoing_signing.keep_report(sent, outgoing, "iesire")
    _attach(outgoing, files, actor)
    letter = OutgoingLetter(
        outgoing_document_id=outgoing.id,
        source_document_id=document.id if document is not None else None,
        from_institution_id=origin.id,
        recipient_name=recipient_name.strip()[:200],
        recipient_address=(recipient_address or "").strip()[:300] or None,
        created_by_id=actor.id,
    )
    db.session.add(letter)
    summary = {"outgoing": outgoing.registration_label, "recipient": letter.recipient_name}
    message = f"Scrisoarea nr. {outgoing.registration_label} expediată către {letter.recipient_name}."
    _history(outgoing, actor, LETTER_SENT, message, summary)
    if document is not None:
        _history(document, actor, LETTER_SENT, message, summary)
    record(LETTER_SENT, actor=actor, document=outgoing, target=letter.recipient_name, data=summary)
    db.session.flush()
    return letter


def letters_for(document: Document) -> list[OutgoingLetter]:
    """Letters this document sent, received or started (as source), oldest first."""
    return list(
        db.session.scalars(
            select(OutgoingLetter)
            .where(
                or_(
                    OutgoingLetter.outgoing_document_id == document.id,
                    OutgoingLetter.incoming_document_id == document.id,
                    OutgoingLetter.source_document_id == document.id,
                )
            )
            .order_by(OutgoingLetter.created_at, OutgoingLetter.id)
        )
    )


def letter_lines(document: Document) -> list[str]:
    """What a document's page says about its correspondence, e.g. "Înregistrat la Primăria Municipiului Săcele
    cu nr. 4/21.11.2026" on the sender's side and "Primit de la Consiliul Județean Brașov, nr. 12/21.11.2026" on
    the recipient's side."""
    lines = []
    for letter in letters_for(document):
        out, inc = letter.outgoing_document, letter.incoming_document
        if inc is not None and inc.id == document.id:
            lines.append(
                _(
                    "Primit de la %(institution)s, unde este înregistrat cu nr. %(number)s.",
                    institution=letter.from_institution.name,
                    number=out.registration_label,
                )
            )
        elif inc is not None:
            prefix = (
                "" if out.id == document.id else _("Adresa nr. %(number)s: ", number=out.registration_label)
            )
            lines.append(
                prefix
                + _(
                    "Înregistrat la %(institution)s cu nr. %(number)s.",
                    institution=letter.to_institution.name,
                    number=inc.registration_label,
                )
            )
        else:
            lines.append(
                _(
                    "Scrisoarea nr. %(number)s expediată către %(recipient)s.",
                    number=out.registration_label,
                    recipient=letter.recipient_name,
                )
            )
    return lines

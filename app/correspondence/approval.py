"""An outgoing letter is approved before it is signed: the official drafts it, the head of the department (or the
secretary general) reads it as the PDF letter it will become and approves it or returns it with comments; the
author redrafts (the comments at the top of the page) and, once approved, signs it and it leaves e-sealed by the
institution (`outgoing.send_to_*`). A draft takes no number: a returned or abandoned draft leaves no gap in the
register. Every function works in the caller's transaction; the caller commits once."""

from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, true

from app.audit import record
from app.correspondence.answer_pdf import AnswerLetter, render_answer_pdf
from app.correspondence.models import DraftStatus, LetterDraft, OutgoingLetter
from app.correspondence.outgoing import (
    LetterInvalid,
    LetterRefused,
    _actor_department,
    _address_type,
    _check_files,
    _check_sender,
    _check_text,
    send_to_institution,
    send_to_person,
)
from app.dates import format_date, now_utc
from app.extensions import db
from app.identity.models import Department, Institution, Membership, Role, User
from app.registry.catalogue import is_enabled
from app.registry.models import Document
from app.storage import current_store
from app.workflow.models import HistoryEntry

APPROVER_ROLES = ("sef_serviciu", "secretar_general")

LETTER_DRAFTED = "letter_drafted"
LETTER_APPROVED = "letter_approved"
LETTER_RETURNED = "letter_returned"


def _approver_clause(draft_institution_id: int, department_id: int | None):
    """Heads of the draft's department (or institution-wide heads) and the secretary general. A draft of no
    department (the registry's) may be approved by any head of the institution."""
    head_scope = (
        true()
        if department_id is None
        else or_(Membership.department_id == department_id, Membership.department_id.is_(None))
    )
    return (Membership.institution_id == draft_institution_id) & or_(
        (Role.code == "sef_serviciu") & head_scope, Role.code == "secretar_general"
    )


def approvers(institution_id: int, department_id: int | None, author_id: int | None = None) -> list[User]:
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id)
        .where(_approver_clause(institution_id, department_id), User.is_active_account.is_(True))
        .distinct()
        .order_by(User.full_name)
    )
    return [u for u in db.session.scalars(query) if u.id != author_id]


def may_decide(user: User, draft: LetterDraft) -> bool:
    """The author never approves their own letter (separation of duties)."""
    if user is None or not user.is_authenticated or user.id == draft.author_id:
        return False
    return any(
        m.institution_id == draft.institution_id
        and (
            m.role.code == "secretar_general"
            or (
                m.role.code == "sef_serviciu"
                and (
                    draft.department_id is None
                    or m.department_id is None
                    or m.department_id == draft.department_id
                )
            )
        )
        for m in user.memberships
    )


def may_see(user: User, draft: LetterDraft) -> bool:
    return (
        user is not None and user.is_authenticated and (user.id == draft.author_id or may_decide(user, draft))
    )


def _function_title(user: User, institution_id: int) -> str:
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.institution_id == institution_id)
    )
    return "" if membership is None else membership.function_title or membership.role.name


def _history(draft: LetterDraft, actor: User, event: str, message: str) -> None:
    if draft.source_document_id is not None:
        db.session.add(
            HistoryEntry(
                document_id=draft.source_document_id,
                actor_id=actor.id,
                event=event,
                message=message,
                data={"draft": draft.public_id, "subject": draft.subject},
            )
        )


def submit(
    document: Document | None,
    institution: Institution,
    actor: User,
    *,
    subject: str,
    content: str,
    to_institution: Institution | None = None,
    recipient_name: str = "",
    recipient_address: str | None = None,
    attachments: Iterable = (),
    include_source_files: bool = False,
) -> LetterDraft:
    """A new draft waiting for approval. Checked as the letter will be when it leaves (sender, recipient, text,
    files by content); the files are stored now. Raises LetterRefused / LetterInvalid; nothing is written then."""
    _check_sender(document, institution, actor)
    errors = _check_text(subject, content)
    if to_institution is not None:
        if to_institution.id == institution.id:
            raise LetterRefused(_("Adresa se trimite altei instituții, nu propriei instituții."))
        if not is_enabled(to_institution, _address_type()):
            raise LetterRefused(
                _("%(institution)s nu primește adrese prin platformă.", institution=to_institution.name)
            )
        recipient_name, recipient_address = to_institution.name, to_institution.address
    elif not 3 <= len((recipient_name or "").strip()) <= 200:
        errors["destinatar"] = [_("Scrieți numele destinatarului (între 3 și 200 de caractere).")]
    files, file_errors = _check_files(attachments)
    if file_errors:
        errors["anexe"] = file_errors
    if errors:
        raise LetterInvalid(errors)
    department_id = (document.department_id if document is not None else None) or _actor_department(
        actor, institution
    )
    if not approvers(institution.id, department_id, actor.id):
        raise LetterRefused(
            _("Nu există un șef de compartiment sau un secretar general care să aprobe scrisoarea.")
        )
    store = current_store()
    stored = [{"name": name, "sha256": store.put(data)} for name, _type, data, _sha, _report in files]
    draft = LetterDraft(
        institution_id=institution.id,
        department_id=department_id,
        source_document_id=document.id if document is not None else None,
        author_id=actor.id,
        to_institution_id=to_institution.id if to_institution is not None else None,
        recipient_name=recipient_name.strip()[:200],
        recipient_address=(recipient_address or "").strip()[:300] or None,
        subject=subject.strip()[:300],
        content=content.strip(),
        include_source_files=bool(include_source_files and document is not None),
        files=stored,
        status=DraftStatus.WAITING,
    )
    db.session.add(draft)
    db.session.flush()
    _history(draft, actor, LETTER_DRAFTED, f"Scrisoare către {draft.recipient_name} trimisă spre aprobare.")
    record(
        LETTER_DRAFTED, actor=actor, document=document, institution_id=institution.id, target=draft.subject
    )
    return draft


def redraft(draft: LetterDraft, actor: User, subject: str, content: str) -> None:
    """The author corrects a returned draft and sends it for approval again."""
    if actor.id != draft.author_id or draft.status != DraftStatus.RETURNED:
        raise LetterRefused(_("Doar autorul poate reface o scrisoare returnată."))
    errors = _check_text(subject, content)
    if errors:
        raise LetterInvalid(errors)
    draft.subject, draft.content = subject.strip()[:300], content.strip()
    draft.status, draft.updated_at = DraftStatus.WAITING, now_utc()
    _history(draft, actor, LETTER_DRAFTED, f"Scrisoare către {draft.recipient_name} refăcută și retrimisă.")
    record(LETTER_DRAFTED, actor=actor, institution_id=draft.institution_id, target=draft.subject)


def decide(draft: LetterDraft, actor: User, approve: bool, comments: str = "") -> None:
    """Approve, or return with comments (required: the author must know what to change)."""
    if not may_decide(actor, draft):
        raise LetterRefused(_("Nu puteți aproba această scrisoare."))
    if draft.status != DraftStatus.WAITING:
        raise LetterRefused(_("Scrisoarea nu mai așteaptă aprobarea."))
    comments = (comments or "").strip()
    if len(comments) > 2000:
        raise LetterInvalid({"observatii": [_("Observațiile au cel mult 2000 de caractere.")]})
    if not approve and not comments:
        raise LetterInvalid({"observatii": [_("Scrieți ce trebuie modificat.")]})
    draft.status = DraftStatus.APPROVED if approve else DraftStatus.RETURNED
    draft.comments = comments or None
    draft.decided_by_id, draft.decided_at = actor.id, now_utc()
    draft.updated_at = draft.decided_at
    event = LETTER_APPROVED if approve else LETTER_RETURNED
    message = (
        f"Scrisoarea către {draft.recipient_name} aprobată de {actor.full_name}."
        if approve
        else f"Scrisoarea către {draft.recipient_name} returnată de {actor.full_name}: {comments}"
    )
    _history(draft, actor, event, message)
    record(
        event,
        actor=actor,
        institution_id=draft.institution_id,
        target=draft.subject,
        data={"comments": comments},
    )


def send(draft: LetterDraft, actor: User) -> OutgoingLetter:
    """The approved letter signed by its author, e-sealed, registered and sent (`outgoing`)."""
    if actor.id != draft.author_id:
        raise LetterRefused(_("Scrisoarea o semnează autorul ei."))
    if draft.status != DraftStatus.APPROVED:
        raise LetterRefused(_("Scrisoarea se semnează după aprobare."))
    store = current_store()
    files: list = list(draft.source_document.attachments) if draft.include_source_files else []
    files += [(f["name"], store.get(f["sha256"])) for f in draft.files or ()]
    if draft.to_institution_id is not None:
        letter = send_to_institution(
            draft.source_document,
            draft.to_institution,
            actor,
            draft.subject,
            draft.content,
            files,
            from_institution=draft.institution,
        )
    else:
        letter = send_to_person(
            draft.source_document,
            actor,
            draft.recipient_name,
            draft.recipient_address,
            draft.subject,
            draft.content,
            files,
            from_institution=draft.institution,
        )
    draft.letter_id, draft.status, draft.updated_at = letter.id, DraftStatus.SENT, now_utc()
    return letter


def preview(draft: LetterDraft) -> bytes:
    """The draft as the letter it will become, unsigned and without a number yet."""
    department = draft.source_document.department if draft.source_document is not None else None
    if department is None and draft.department_id is not None:
        department = db.session.get(Department, draft.department_id)
    letter = AnswerLetter(
        institution_name=draft.institution.name,
        department_name=department.name if department else "",
        registration_label="Nr. ____ (previzualizare, nesemnat)",
        issue_date_label=format_date(now_utc()),
        recipient_name=draft.recipient_name,
        recipient_address=draft.recipient_address,
        subject=draft.subject,
        body=draft.content,
        signers=[(draft.author.full_name, _function_title(draft.author, draft.institution_id))],
    )
    return render_answer_pdf(letter, current_app.config["FONT_DIR"])


def to_decide(user: User) -> list[LetterDraft]:
    """Drafts waiting for `user`'s decision, oldest first."""
    waiting = db.session.scalars(
        select(LetterDraft)
        .where(LetterDraft.status == DraftStatus.WAITING, LetterDraft.author_id != user.id)
        .where(LetterDraft.institution_id.in_({m.institution_id for m in user.memberships}))
        .order_by(LetterDraft.updated_at)
    )
    return [d for d in waiting if may_decide(user, d)]


def my_open_drafts(user: User) -> list[LetterDraft]:
    """The author's drafts not yet sent: returned ones first (they need work), then approved, then waiting."""
    order = {DraftStatus.RETURNED: 0, DraftStatus.APPROVED: 1, DraftStatus.WAITING: 2}
    drafts = db.session.scalars(
        select(LetterDraft).where(LetterDraft.author_id == user.id, LetterDraft.status != DraftStatus.SENT)
    )
    return sorted(drafts, key=lambda d: (order.get(d.status, 3), d.updated_at))

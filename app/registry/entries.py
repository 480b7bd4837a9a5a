"""Operations on a register entry after registration: annulment, linking (conexare), recording the dispatch.

The number, date, sender and subject never change (registry/models.py and the trigger of migration 0004); what
the 1996 instructions (art. 9) fill in later, the dispatch of the answer and the link to the first document of
the same matter, is recorded here. Each function checks everything first and raises RegistryError (a Romanian
message, nothing changed) or changes the entry and queues its audit entry; the caller commits once."""

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import record
from app.dates import as_utc, format_date, format_datetime, now_utc, to_local
from app.extensions import db
from app.identity.models import User
from app.registry.models import Document, DocumentAnnulment, DocumentStatus, RegistryError
from app.registry.numbering import may_register
from app.workflow.models import HistoryEntry, HumanTask, InstanceStatus, TaskStatus, WorkflowInstance

# Audit actions of the register (values are stored; keep them stable).
ANNULMENT = "registry_annulment"
LINK = "registry_link"
DISPATCH = "registry_dispatch"
COMPLETED = "registry_entry_completed"

MIN_REASON_LENGTH = 5


def _lock(document: Document) -> Document:
    """Row lock on the entry: two clerks annulling or linking it at once queue here, the second sees the first."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Document.id).where(Document.id == document.id).with_for_update())
    return document


def annulment_of(document: Document) -> DocumentAnnulment | None:
    return db.session.scalar(select(DocumentAnnulment).where(DocumentAnnulment.document_id == document.id))


def annulment_reason(document: Document, reason: str, operator: User) -> str:
    """The reason, stripped, when `operator` may annul `document`'s registration with it; else RegistryError."""
    reason = (reason or "").strip()
    if document.registration_number is None:
        raise RegistryError(_("Documentul nu este înregistrat: nu există o înregistrare de anulat."))
    if not may_register(operator, document.institution_id):
        raise RegistryError(
            _("Doar registratorul sau secretarul general al instituției pot anula o înregistrare.")
        )
    if len(reason) < MIN_REASON_LENGTH:
        raise RegistryError(
            _(
                "Scrieți motivul anulării (cel puțin %(n)d caractere): rămâne vizibil în registru.",
                n=MIN_REASON_LENGTH,
            )
        )
    return reason


def annul(document: Document, reason: str, operator: User, when: datetime | None = None) -> DocumentAnnulment:
    """Annul a registration: the entry stays in the register with its number (never reused), marked annulled with
    the reason, the operator and the time; its route stops. Only the institution's registrar or secretary
    general may do it."""
    reason = annulment_reason(document, reason, operator)
    _lock(document)
    existing = annulment_of(document)
    if existing is not None:
        raise RegistryError(
            _(
                "Înregistrarea nr. %(label)s a fost deja anulată la %(at)s de %(who)s. O anulare nu se repetă.",
                label=document.registration_label,
                at=format_datetime(existing.annulled_at),
                who=existing.operator.full_name,
            )
        )
    when = as_utc(when or now_utc())
    annulment = DocumentAnnulment(
        document_id=document.id, reason=reason, operator_id=operator.id, annulled_at=when
    )
    db.session.add(annulment)
    document.status = DocumentStatus.ANNULLED
    document.closed_at = when
    instance = db.session.scalar(select(WorkflowInstance).where(WorkflowInstance.document_id == document.id))
    # An annulled entry is not worked on: its open tasks are cancelled and its timers no longer fire.
    for task in db.session.scalars(
        select(HumanTask).where(HumanTask.document_id == document.id, HumanTask.status == TaskStatus.READY)
    ):
        task.status = TaskStatus.CANCELLED
    if instance is not None and instance.status == InstanceStatus.RUNNING:
        instance.status = InstanceStatus.COMPLETE
        instance.next_timer_at = None
    db.session.add(
        HistoryEntry(
            document_id=document.id,
            instance_id=instance.id if instance is not None else None,
            at=when,
            actor_id=operator.id,
            event="anulare",
            message=f"Înregistrare anulată: {reason}",
        )
    )
    record(
        ANNULMENT,
        actor=operator,
        document=document,
        target=document.registration_label,
        data={"reason": reason},
        at=when,
    )
    db.session.flush()
    return annulment


def first_of_matter(document: Document) -> Document:
    seen = set()
    while document.linked_document_id is not None and document.id not in seen:
        seen.add(document.id)
        document = document.linked_document
    return document


def link(document: Document, other: Document, actor: User) -> Document:
    """Conexare: link `document` to the first document of the matter `other` belongs to (its number is recorded
    on the entry). Documents already linked to `document` follow it. Returns the first document."""
    if document.institution_id != other.institution_id:
        raise RegistryError(_("Se pot conexa doar documente din registrul aceleiași instituții."))
    if document.registration_number is None or other.registration_number is None:
        raise RegistryError(_("Se pot conexa doar documente înregistrate."))
    if not may_register(actor, document.institution_id):
        raise RegistryError(
            _("Doar registratorul sau secretarul general al instituției pot conexa documente.")
        )
    first = first_of_matter(other)
    if first.id == document.id or first_of_matter(document).id == first.id:
        raise RegistryError(
            _(
                "Documentul nr. %(label)s este deja conexat la nr. %(first)s.",
                label=document.registration_label,
                first=first.registration_label,
            )
        )
    if document.linked_document_id is not None:
        raise RegistryError(
            _(
                "Documentul nr. %(label)s este deja conexat la nr. %(first)s.",
                label=document.registration_label,
                first=first_of_matter(document).registration_label,
            )
        )
    if as_utc(first.registered_at) > as_utc(document.registered_at):
        raise RegistryError(
            _(
                "Conexarea se face la primul document al problemei: nr. %(first)s a fost înregistrat după "
                "nr. %(label)s. Conexați documentul mai nou la cel mai vechi.",
                first=first.registration_label,
                label=document.registration_label,
            )
        )
    _lock(document)
    followers = list(db.session.scalars(select(Document).where(Document.linked_document_id == document.id)))
    document.linked_document_id = first.id
    for follower in followers:
        follower.linked_document_id = first.id
    record(
        LINK,
        actor=actor,
        document=document,
        target=document.registration_label,
        data={"linked_to": first.registration_label, "followers": [f.registration_label for f in followers]},
    )
    db.session.flush()
    return first


def linked_documents(document: Document) -> list[Document]:
    """The documents linked to this one (it is the first of their matter), oldest first."""
    return list(
        db.session.scalars(
            select(Document)
            .where(Document.linked_document_id == document.id)
            .order_by(Document.registration_year, Document.registration_number)
        )
    )


def record_dispatch(
    document: Document,
    *,
    recipient: str | None = None,
    resolution: str | None = None,
    when: datetime | None = None,
    actor: User | None = None,
) -> bool:
    """The answer leaves under the number of the document it answers: the entry gets the dispatch date, the
    recipient (by default the sender) and how it was resolved; no new number is taken. Returns False for a document
    that was never registered (no entry to record it on: a route's answer step must not fail for it)."""
    if document.registration_number is None:
        return False
    if document.status == DocumentStatus.ANNULLED:
        raise RegistryError(
            _(
                "Înregistrarea nr. %(label)s este anulată: nu se mai expediază.",
                label=document.registration_label,
            )
        )
    when = as_utc(when or now_utc())
    document.dispatched_at = when
    document.recipient = (recipient or document.recipient or document.sender_name)[:300]
    if resolution:
        document.resolution = resolution
    record(
        DISPATCH,
        actor=actor,
        document=document,
        target=document.registration_label,
        data={"recipient": document.recipient, "resolution": document.resolution},
        at=when,
    )
    return True


# The art. 9 fields the registrar may fill in or correct after registration (the number, date, sender and subject
# never change). Form field name -> (column, label).
COMPLETABLE = {
    "nr_expeditor": ("sender_reference", _l("Nr. la expeditor")),
    "data_expeditor": ("sender_reference_date", _l("Data la expeditor")),
    "file": ("page_count", _l("Număr de file")),
    "anexe": ("annex_count", _l("Număr de anexe")),
    "destinatar": ("recipient", _l("Destinatar")),
    "dosar": ("file_code", _l("Indicativ dosar")),
}
_MAX_LENGTH = {"sender_reference": 60, "recipient": 300, "file_code": 60}


def _read_completion(form: dict) -> tuple[dict, list[str]]:
    values, errors = {}, []
    for name, (column, label) in COMPLETABLE.items():
        if name not in form:
            continue
        raw = (form.get(name) or "").strip()
        if not raw:
            values[column] = None
        elif column in ("page_count", "annex_count"):
            if not raw.isdigit() or int(raw) > 100_000:
                errors.append(
                    _(
                        "%(label)s: scrieți un număr întreg între 0 și 100000, nu „%(raw)s”.",
                        label=label,
                        raw=raw,
                    )
                )
            else:
                values[column] = int(raw)
        elif column == "sender_reference_date":
            parsed = None
            for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
                try:
                    parsed = datetime.strptime(raw, fmt).date()
                    break
                except ValueError:
                    continue
            if parsed is None:
                errors.append(
                    _("%(label)s: data „%(raw)s” nu este validă (zz.ll.aaaa).", label=label, raw=raw)
                )
            else:
                values[column] = parsed
        elif len(raw) > _MAX_LENGTH[column]:
            errors.append(_("%(label)s: cel mult %(n)d de caractere.", label=label, n=_MAX_LENGTH[column]))
        else:
            values[column] = raw
    return values, errors


def complete_entry(document: Document, form: dict, actor: User) -> dict:
    """Fill in the art. 9 fields that come later (sender's number and date, pages, annexes, recipient, file code).
    Every value is checked first; one bad value refuses them all. Returns the changes {column: [old, new]}."""
    if document.registration_number is None:
        raise RegistryError(_("Documentul nu este înregistrat."))
    if not may_register(actor, document.institution_id):
        raise RegistryError(
            _("Doar registratorul sau secretarul general al instituției completează registrul.")
        )
    if document.status == DocumentStatus.ANNULLED:
        raise RegistryError(
            _(
                "Înregistrarea nr. %(label)s este anulată: nu se mai completează.",
                label=document.registration_label,
            )
        )
    values, errors = _read_completion(form)
    reference_date = values.get("sender_reference_date")
    if isinstance(reference_date, date) and reference_date > to_local(document.registered_at).date():
        errors.append(
            _(
                "Data la expeditor (%(date)s) nu poate fi după data înregistrării (%(registered)s).",
                date=format_date(reference_date),
                registered=format_date(document.registered_at),
            )
        )
    if errors:
        raise RegistryError(" ".join(errors))
    changes = {}
    for column, value in values.items():
        old = getattr(document, column)
        if old != value:
            setattr(document, column, value)
            changes[column] = [_plain(old), _plain(value)]
    if changes:
        record(COMPLETED, actor=actor, document=document, target=document.registration_label, data=changes)
    return changes


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value

"""Forwarding a document to the institution that is competent for it (OG 27/2002 art. 6(2): within 5 days of
registration, and the petitioner is told). The letter goes through formal correspondence, so the other institution
registers it as incoming with its own number, both numbers linked."""

from sqlalchemy import select

from app.dates import now_utc, to_local
from app.extensions import db
from app.identity.models import Institution
from app.registry.models import DocumentStatus
from app.workflow.models import HistoryEntry
from app.workflow.runtime import RouteError, RunContext

LEGAL_DAYS = 5  # OG 27/2002 art. 6(2)


def forward(ctx: RunContext, institution_code: str, reason: str, close_document) -> str:
    from app.correspondence.letters import LetterInvalid, LetterRefused, send_to_institution
    from app.registry.models import Attachment, Document

    document = ctx.document
    if not isinstance(reason, str) or not reason.strip():
        raise RouteError("forward_to_institution: give the reason (the petitioner is told)")
    target = db.session.scalar(select(Institution).where(Institution.code == institution_code))
    if target is None or target.id == document.institution_id:
        raise RouteError(
            f"forward_to_institution: {institution_code!r} is not another institution on the platform"
        )
    reason = reason.strip()[:1000]
    try:
        sent = send_to_institution(
            document,
            target,
            ctx.actor,
            subject=f"Redirecționare petiție: {document.subject}"[:200],
            content=(
                f"Vă transmitem, conform art. 6 alin. (2) din OG 27/2002, petiția înregistrată la noi cu nr. "
                f"{document.registration_label}, de la {document.sender_name}, care este de competența instituției "
                f"dumneavoastră. Motivul: {reason}\n\nConținutul petiției:\n{document.content or document.subject}"
            )[:10000],
            # the petitioner's own files travel with the letter (reused by content hash)
            attachments=[a for a in document.attachments if a.kind == Attachment.SUBMISSION],
        )
    except LetterRefused as exc:
        raise RouteError(str(exc)) from exc
    except LetterInvalid as exc:
        raise RouteError("; ".join(m for messages in exc.errors.values() for m in messages)) from exc
    incoming = db.session.get(Document, sent.incoming_document_id)
    # Calendar days: the law does not say working days (domain.md, Deadlines).
    elapsed = (to_local(now_utc()).date() - to_local(document.registered_at).date()).days
    late = (
        f" (după {elapsed} zile de la înregistrare, peste termenul de {LEGAL_DAYS} zile)"
        if elapsed > LEGAL_DAYS
        else ""
    )
    message = (
        f"Petiția a fost redirecționată către {target.name}, unde a fost înregistrată cu nr. "
        f"{incoming.registration_label}, conform art. 6 alin. (2) din OG 27/2002{late}. Motivul: {reason}"
    )
    db.session.add(
        HistoryEntry(
            document_id=document.id,
            instance_id=ctx.instance.id,
            actor_id=ctx.actor.id if ctx.actor else None,
            event="forwarded",
            message=message,
            data={
                "institution": target.code,
                "number": incoming.registration_label,
                "late_days": elapsed if late else 0,
            },
        )
    )
    close_document(DocumentStatus.RESOLVED, message)
    return incoming.registration_label

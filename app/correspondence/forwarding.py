"""Forwarding a document to the institution that is competent for it (OG 27/2002 art. 6(2): within 5 days of
registration, and the petitioner is told). The letter goes through formal correspondence, so the other institution
registers it as incoming with its own number, both numbers linked."""

from sqlalchemy import select

from app.correspondence.outgoing import LetterInvalid, LetterRefused, send_to_institution
from app.dates import now_utc, to_local
from app.extensions import db
from app.identity.models import Institution
from app.registry.models import Attachment, Document, DocumentStatus
from app.registry.route_steps import close, close_stand_in
from app.workflow.models import HistoryEntry
from app.workflow.runtime import RouteError, RunContext

LEGAL_DAYS = 5  # OG 27/2002 art. 6(2)


def forward(ctx: RunContext, institution_code: str, reason: str) -> str:
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
    close(ctx, DocumentStatus.RESOLVED, message)
    return incoming.registration_label


def _forward_to_institution(ctx):
    def forward_to_institution(institution_code: str, reason: str) -> str:
        """Send the document to the competent institution on the platform, where it is registered as incoming
        (both numbers linked), close it here and tell the petitioner where and why (OG 27/2002 art. 6(2)).
        Returns the number it got there."""
        return forward(ctx, institution_code, reason)

    return forward_to_institution


def _forward_to_institution_stand_in(run):
    def forward_to_institution(institution_code, reason):
        known = run.config.get("institutions")
        if known is not None and institution_code not in known:
            raise ValueError(f"forward_to_institution: unknown institution {institution_code}")
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError("forward_to_institution: give the reason (the petitioner is told)")
        run.document.forwarded_to = institution_code
        close_stand_in(
            run, DocumentStatus.RESOLVED, f"Petiție redirecționată către {institution_code}: {reason}"
        )
        return f"1/{to_local(run.clock):%d.%m.%Y}"

    return forward_to_institution

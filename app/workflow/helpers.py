"""The vetted functions BPMN scripts may call. Each is bound to the document of the current run; everything they
change happens in the same transaction as the step that ran them."""

from sqlalchemy import select

from app.correspondence.issuing import issue_answer
from app.extensions import db
from app.identity.models import Department
from app.inbox.notices import notify_document_handlers
from app.notifications import events as citizen_events
from app.registry.entries import record_dispatch
from app.registry.models import DocumentStatus
from app.registry.numbering import register
from app.workflow.models import HistoryEntry
from app.workflow.route_helpers import DatabaseEnv, bind_route_helpers
from app.workflow.runtime import RouteError, RunContext


def bind_helpers(ctx: RunContext) -> dict:
    document = ctx.document

    def register_document(department_code: str | None = None) -> str:
        """Give the document its registration number; optionally route it to a department (by code)."""
        if department_code:
            department = db.session.scalar(
                select(Department).where(
                    Department.institution_id == document.institution_id, Department.code == department_code
                )
            )
            if department is None:
                raise RouteError(f"unknown department {department_code}")
            document.department_id = department.id
        label = register(document)
        db.session.flush()
        citizen_events.document_registered(
            document
        )  # once per document (online ones were told at submission)
        if department_code:
            citizen_events.department_assigned(document)
        return label

    def close_document(status: str, reason: str = "") -> None:
        """Close the document: "solutionat" (answered) or "clasat" (closed without action, as the law allows)."""
        if status not in DocumentStatus.CLOSED:
            raise RouteError(f"close_document: status must be one of {DocumentStatus.CLOSED}")
        from app.dates import now_utc

        document.status = status
        document.resolution = reason
        document.closed_at = now_utc()
        if status == DocumentStatus.CLOSED_NO_ACTION:
            citizen_events.document_closed(document)
        from app.archive.disposal import on_document_closed

        on_document_closed(
            document, ctx.actor
        )  # a disposal proposal's route ends: destroy or reject (archive)

    def issue_answer_helper(text: str) -> str:
        """Render the answer letter PDF, attach it to the document and close it as answered."""
        attachment = issue_answer(document, text, approver=ctx.actor)
        close_document(DocumentStatus.RESOLVED, "Răspuns transmis petentului.")
        record_dispatch(document, actor=ctx.actor)  # the answer leaves under the petition's own number
        citizen_events.answer_ready(document, attachment)
        return attachment.public_id

    def prepare_answer(text: str, signers: list) -> str:
        """Render the answer letter (number and all content first), with one empty signature field per signer
        (usernames, in signing order); the signing steps that follow fill the fields."""
        from app.signing.route import prepare_answer as prepare

        return prepare(document, text, list(signers)).public_id

    def issue_signed_answer() -> str:
        """Validate the answer every planned signer has signed, attach it for the citizen, close the document."""
        from app.signing.route import issue_signed_answer as issue

        attachment = issue(document, ctx.actor)
        close_document(DocumentStatus.RESOLVED, "Răspuns semnat electronic, transmis petentului.")
        record_dispatch(document, actor=ctx.actor)  # the answer leaves under the petition's own number
        citizen_events.answer_ready(document, attachment)
        return attachment.public_id

    def current_user() -> str | None:
        """The username of the person whose step started this script (e.g. the head who approved)."""
        return ctx.actor.username if ctx.actor else None

    def remind() -> None:
        """Tell whoever holds the document, and the heads of its department, that the deadline is near."""
        notify_document_handlers(document, "reminder")
        db.session.add(
            HistoryEntry(
                document_id=document.id,
                instance_id=ctx.instance.id,
                event="reminder",
                message="Reamintire: termenul legal se apropie.",
            )
        )

    def mark_overdue() -> None:
        document.overdue = True
        notify_document_handlers(document, "overdue")
        db.session.add(
            HistoryEntry(
                document_id=document.id,
                instance_id=ctx.instance.id,
                event="overdue",
                message="Termenul legal a fost depășit.",
            )
        )

    def forward_to_institution(institution_code: str, reason: str) -> str:
        """Send the document to the competent institution on the platform, where it is registered as incoming
        (both numbers linked), close it here and tell the petitioner where and why (OG 27/2002 art. 6(2)).
        Returns the number it got there."""
        from app.workflow.forwarding import forward

        return forward(ctx, institution_code, reason, close_document)

    return {
        **bind_route_helpers(DatabaseEnv(ctx)),  # dates, deadlines, registry lookups
        "register_document": register_document,
        "close_document": close_document,
        "issue_answer": issue_answer_helper,
        "prepare_answer": prepare_answer,
        "issue_signed_answer": issue_signed_answer,
        "current_user": current_user,
        "remind": remind,
        "mark_overdue": mark_overdue,
        "forward_to_institution": forward_to_institution,
    }

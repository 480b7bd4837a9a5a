"""The helpers BPMN scripts call to answer: the unsigned answer letter, the answer prepared for signing and issued
once signed, forwarding to the competent institution; each with the side-effect-free stand-in scenario tests use.
`init_app` (app/correspondence/__init__.py) registers them with the engine."""

from app.correspondence.forwarding import _forward_to_institution, _forward_to_institution_stand_in
from app.correspondence.issuing import issue_answer
from app.correspondence.signed_answer import issue_signed_answer, prepare_answer
from app.notifications import events as citizen_events
from app.registry.entries import record_dispatch
from app.registry.models import DocumentStatus
from app.registry.route_steps import close, close_stand_in
from app.workflow.script_helpers import register_helper


def _issue_answer(ctx):
    def issue_answer_helper(text: str) -> str:
        """Render the answer letter PDF, attach it to the document and close it as answered."""
        document = ctx.document
        attachment = issue_answer(document, text, approver=ctx.actor)
        close(ctx, DocumentStatus.RESOLVED, "Răspuns transmis petentului.")
        record_dispatch(document, actor=ctx.actor)  # the answer leaves under the petition's own number
        citizen_events.answer_ready(document, attachment)
        return attachment.public_id

    return issue_answer_helper


def _prepare_answer(ctx):
    def prepare_answer_helper(text: str, signers: list) -> str:
        """Render the answer letter (number and all content first), with one empty signature field per signer
        (usernames, in signing order); the signing steps that follow fill the fields."""
        return prepare_answer(ctx.document, text, list(signers)).public_id

    return prepare_answer_helper


def _issue_signed_answer(ctx):
    def issue_signed_answer_helper() -> str:
        """Validate the answer every planned signer has signed, attach it for the citizen, close the document."""
        document = ctx.document
        attachment = issue_signed_answer(document, ctx.actor)
        close(ctx, DocumentStatus.RESOLVED, "Răspuns semnat electronic, transmis petentului.")
        record_dispatch(document, actor=ctx.actor)  # the answer leaves under the petition's own number
        citizen_events.answer_ready(document, attachment)
        return attachment.public_id

    return issue_signed_answer_helper


# --- stand-ins: the scenario runner's in-memory document, no PDF rendered, nobody told -------------------------


def _issue_answer_stand_in(run):
    def issue_answer(text):
        run.document.answers.append(str(text))
        close_stand_in(run, DocumentStatus.RESOLVED, "Răspuns transmis petentului.")
        return f"raspuns-{len(run.document.answers)}"

    return issue_answer


def _prepare_answer_stand_in(run):
    def prepare_answer(text, signers):
        run.document.answers.append(str(text))
        return f"raspuns-{len(run.document.answers)}"

    return prepare_answer


def _issue_signed_answer_stand_in(run):
    def issue_signed_answer():
        close_stand_in(run, DocumentStatus.RESOLVED, "Răspuns semnat electronic, transmis petentului.")
        return f"raspuns-{len(run.document.answers)}"

    return issue_signed_answer


# --- replay stand-ins: the answer the real run attached, nothing rendered (app/auditors/replay.py) -------------


def _issue_answer_replay(replay):
    def issue_answer(text: str) -> str | None:
        replay.calls.append(("issue_answer", (text,)))
        replay.closed_as = DocumentStatus.RESOLVED  # the real helper closes the document as answered
        return replay.answer_id()

    return issue_answer


def _prepare_answer_replay(replay):
    def prepare_answer(text: str, signers: list) -> str | None:
        replay.calls.append(("prepare_answer", (text, tuple(signers))))
        return replay.answer_id()

    return prepare_answer


def _issue_signed_answer_replay(replay):
    def issue_signed_answer() -> str | None:
        replay.calls.append(("issue_signed_answer", ()))
        replay.closed_as = DocumentStatus.RESOLVED
        return replay.answer_id()

    return issue_signed_answer


def register_route_steps() -> None:
    register_helper("issue_answer", _issue_answer, _issue_answer_stand_in, _issue_answer_replay)
    register_helper("prepare_answer", _prepare_answer, _prepare_answer_stand_in, _prepare_answer_replay)
    register_helper(
        "issue_signed_answer",
        _issue_signed_answer,
        _issue_signed_answer_stand_in,
        _issue_signed_answer_replay,
    )
    register_helper("forward_to_institution", _forward_to_institution, _forward_to_institution_stand_in)

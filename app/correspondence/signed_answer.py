"""Signing inside a route: the answer is prepared with one field per planned signer, each signing step (a BPMN user
task with the spiffworkflow property `signatureRole`) fills the next field, and the signed file is validated and
issued to the citizen.

Everything happens in the caller's transaction: a refused signature changes nothing (a file stored before the
refusal stays as an unreferenced blob, like any rolled-back upload)."""

import contextvars
from contextlib import contextmanager

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from app.correspondence.answer_pdf import render_answer_pdf, signature_boxes
from app.correspondence.issuing import answer_letter, function_title
from app.dates import now_utc
from app.extensions import db
from app.identity.models import Membership, User
from app.registry.models import Attachment, Document
from app.signing import deputy
from app.signing.keys import SigningRefused, active_credential, check_signing_certificate, load_signer
from app.signing.models import ReportStatus, SignatureRequest, SignatureRequestStatus
from app.signing.pdf import add_signature_fields, sign_pdf
from app.signing.pki import current_pki
from app.signing.providers import institution_pki
from app.signing.qualified import is_qualified
from app.signing.validation import first_problem, store_report, validate_pdf
from app.storage import current_store
from app.workflow import engine
from app.workflow.models import HistoryEntry, HumanTask, TaskStatus
from app.workflow.runtime import (
    FormInvalid,
    NotCandidate,
    RouteError,
    TaskUnavailable,
    complete_task,
    is_candidate,
    lock_task,
    task_data,
)

SIGNATURE_PROPERTY = "signatureRole"
LEVEL_PROPERTY = "signatureLevel"
ANSWER_PURPOSE = "raspuns"

_signing = contextvars.ContextVar("signing_in_progress", default=False)


# --- which tasks are signing steps ------------------------------------------------------------------------------


def task_properties(task: HumanTask) -> dict:
    version = task.instance.process_version
    specs = engine.version_specs(version)
    for spec in [specs.spec, *specs.subprocess_specs.values()]:
        task_spec = spec.task_specs.get(task.bpmn_id)
        if task_spec is not None:
            return (getattr(task_spec, "extensions", {}) or {}).get("properties", {}) or {}
    return {}


def signing_role(task: HumanTask) -> str | None:
    """The role code a signing step names, or None for an ordinary task."""
    return task_properties(task).get(SIGNATURE_PROPERTY) or None


def refuse_plain_completion(task: HumanTask) -> None:
    """Registered with the runtime: a signing step is completed by signing, never by an empty form."""
    if not _signing.get() and signing_role(task):
        raise FormInvalid(
            {"": ["Acest pas se finalizează prin semnarea documentului (butonul „Semnează documentul”)."]}
        )


@contextmanager
def _signing_allowed():
    token = _signing.set(True)
    try:
        yield
    finally:
        _signing.reset(token)


# --- preparing the answer --------------------------------------------------------------------------------------


def open_request(document: Document) -> SignatureRequest | None:
    return db.session.scalar(
        select(SignatureRequest)
        .where(
            SignatureRequest.document_id == document.id,
            SignatureRequest.status == SignatureRequestStatus.SIGNING,
        )
        .order_by(SignatureRequest.id.desc())
        .limit(1)
    )


def _role_code(user: User, document: Document) -> str:
    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.institution_id == document.institution_id
        )
    )
    return membership.role.code if membership else ""


def prepare_answer(document: Document, text: str, usernames: list[str]) -> SignatureRequest:
    """Render the answer letter with its registration number and every line of content, then add one empty
    signature field per planned signer, in the boxes the letter drew under each name."""
    signers: list[User] = []
    for username in usernames:
        user = (
            db.session.scalar(select(User).where(User.username == username))
            if isinstance(username, str)
            else None
        )
        if user is None:
            raise RouteError(f"prepare_answer: unknown signer {username!r}")
        if user not in signers:
            signers.append(user)
    if not signers:
        raise RouteError("prepare_answer: no signers")
    previous = open_request(document)
    if previous is not None:  # an answer returned and prepared again: the old one is void
        previous.status = "anulat"
    letter = answer_letter(document, text, signers)
    font_dir = current_app.config["FONT_DIR"]
    pdf = render_answer_pdf(letter, font_dir)
    boxes = signature_boxes(letter, font_dir)
    pdf, names = add_signature_fields(pdf, boxes)
    sha256 = current_store().put(pdf)
    request = SignatureRequest(
        document_id=document.id,
        purpose=ANSWER_PURPOSE,
        filename=f"raspuns-{document.registration_number}-{document.registration_year}.pdf",
        original_sha256=sha256,
        current_sha256=sha256,
        fields=[
            {
                "field": name,
                "user_id": user.id,
                "username": user.username,
                "name": user.full_name,
                "function": function_title(user, document),
                "role": _role_code(user, document),
                "box": list(box),
                "signed_at": None,
                "sha256": None,
            }
            for name, user, box in zip(names, signers, boxes, strict=True)
        ],
    )
    db.session.add(request)
    db.session.flush()
    return request


# --- one signing step ------------------------------------------------------------------------------------------


def expected_field(task: HumanTask) -> tuple[SignatureRequest, dict]:
    request = open_request(task.document)
    if request is None:
        raise SigningRefused(_("Nu există niciun document pregătit pentru semnare la acest pas."))
    field = request.next_field()
    if field is None:
        raise SigningRefused(_("Documentul a fost deja semnat de toate persoanele prevăzute."))
    return request, field


def signing_target(task_id: int, user: User) -> tuple[HumanTask, SignatureRequest, dict]:
    """The locked signing step, its answer being signed and the field `user` fills now; refused (nothing changed)
    when the task is gone, not a signing step, or it is not `user`'s turn in the order the route set."""
    task = lock_task(task_id)
    if task.status != TaskStatus.READY:
        raise TaskUnavailable(_("Sarcina nu mai este activă: traseul documentului a mers mai departe."))
    if not is_candidate(user, task):
        # A deputy whose delegation ended is told so (deputy.stands_in raises); anyone else learns nothing.
        pending = open_request(task.document) if signing_role(task) else None
        planned = pending.next_field() if pending is not None else None
        if planned is not None:
            deputy.stands_in(user, planned, task.institution_id)
        raise NotCandidate()
    role = signing_role(task)
    if not role:
        raise SigningRefused("Acest pas nu este un pas de semnare.")
    request, field = expected_field(task)
    if field["role"] != role or (
        field["user_id"] != user.id and not deputy.stands_in(user, field, task.institution_id)
    ):
        raise SigningRefused(
            _(
                "Documentul trebuie semnat acum de %(person)s (%(function)s), în ordinea stabilită de traseu.",
                person=field["name"],
                function=field["function"] or field["role"],
            )
        )
    return task, request, field


def requires_qualified(task: HumanTask) -> bool:
    """A signing step may ask for a qualified signature (spiffworkflow property signatureLevel=qualified)."""
    return task_properties(task).get(LEVEL_PROPERTY) == "qualified"


def signing_reason(task: HumanTask) -> str:
    return f"Semnarea răspunsului la petiția nr. {task.document.registration_label}"


def sign_task(task_id: int, user: User, secret: str | None = None) -> HumanTask:
    """Sign the document of a signing step with `user`'s key, then complete the step.

    Refused with a clear message (SigningRefused) when: the task is not a signing step, the user is not the signer
    the route expects now, the user has no key, the passphrase is wrong, or the certificate is expired, revoked or
    of unknown origin (checked before signing)."""
    task, request, field = signing_target(task_id, user)
    credential = active_credential(user=user)
    if credential is None:
        raise SigningRefused(
            _(
                "Nu aveți o cheie de semnare înregistrată. Cereți administratorului să vă încarce "
                "certificatul."
            )
        )
    signer = load_signer(credential, secret)
    if requires_qualified(task) and not is_qualified(signer.signing_cert):
        raise SigningRefused(
            _(
                "Acest pas cere o semnătură electronică calificată, iar certificatul cheii dumneavoastră nu este "
                "calificat. Semnați cu certificatul calificat de la furnizor."
            )
        )
    pki = current_pki()
    check_signing_certificate(signer, pki, user.full_name)
    index = request.fields.index(field)
    data = current_store().get(request.current_sha256)
    name, function = deputy.stamp_identity(user, field)
    signed = sign_pdf(
        data,
        signer,
        field_name=field["field"],
        certify=index == 0,
        name=name,
        function=function,
        reason=signing_reason(task),
        timestamper=pki.timestamper,
    )
    return record_signature(task, user, request, field, signed)


def record_signature(
    task: HumanTask, user: User, request: SignatureRequest, field: dict, signed: bytes, how: str | None = None
) -> HumanTask:
    """The file with `user`'s signature becomes the current version and the step is completed (same transaction)."""
    sha256 = current_store().put(signed)
    field["signed_at"] = now_utc().isoformat()
    field["sha256"] = sha256
    deputy.note_signer(field, user)
    request.current_sha256 = sha256
    flag_modified(request, "fields")
    extra = {"camp": field["field"], "semnatar": user.username, "sha256": sha256}
    if field.get("signed_by"):
        extra["pentru"] = field["username"]
    if how:
        extra["mod"] = how
    with _signing_allowed():
        return complete_task(task.id, user, {}, extra_data={"semnatura": extra})


# --- issuing ---------------------------------------------------------------------------------------------------


def issue_signed_answer(document: Document, actor: User | None) -> Attachment:
    """The last step: the fully signed answer is validated, attached for the citizen, and its report stored."""
    request = open_request(document)
    if request is None:
        raise RouteError("issue_signed_answer: no answer was prepared (call prepare_answer first)")
    missing = [f["name"] for f in request.fields if not f.get("signed_at")]
    if missing:
        raise RouteError(f"issue_signed_answer: not signed yet by {', '.join(missing)}")
    data = current_store().get(request.current_sha256)
    # Officials may sign with certificates of the institution's remote signing providers: trust their roots too.
    report = validate_pdf(data, institution_pki(document.institution_id))
    if report["status"] != ReportStatus.VALID:
        raise RouteError(f"the signed answer does not validate: {first_problem(report)}")
    attachment = Attachment(
        document_id=document.id,
        kind=Attachment.ANSWER,
        filename=request.filename,
        content_type="application/pdf",
        size=len(data),
        sha256=request.current_sha256,
        uploaded_by_id=actor.id if actor else None,
    )
    db.session.add(attachment)
    db.session.flush()
    store_report(attachment, report, "iesire")
    request.status = SignatureRequestStatus.SIGNED
    request.completed_at = now_utc()
    request.attachment_id = attachment.id
    db.session.add(
        HistoryEntry(
            document_id=document.id,
            event="signed",
            message=f"Răspuns semnat electronic de {', '.join(deputy.signer_label(f) for f in request.fields)}; "
            "semnături verificate.",
        )
    )
    return attachment


def signing_page(task: HumanTask, user: User) -> dict:
    """What a signing step's page shows: the document being signed, who signed, whose turn it is, the key."""
    signing = open_request(task.document)
    expected = signing.next_field() if signing else None
    try:
        data = task_data(task)
    except RouteError:
        data = {}
    return {
        "signing_step": True,
        "signing": signing,
        "expected": expected,
        "credential": active_credential(user=user),
        "answer_text": data.get("raspuns"),
    }

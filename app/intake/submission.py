"""Submitting a document: the form of the route's first step in the submitter's lane, the attachments, the
document row and the started route, all in one transaction."""

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, false, join, select
from werkzeug.datastructures import FileStorage

from app.audit import REGISTRATION, record
from app.extensions import db
from app.forms import FormDefinition, parse_submission, validate_submission
from app.identity.models import Institution, User
from app.identity.roles import SUBMITTER_LANE
from app.notifications.channels import phone_digits
from app.notifications.events import document_registered
from app.registry.catalogue import is_enabled
from app.registry.models import Attachment, Document, DocumentType, Register
from app.registry.numbering import register
from app.signing.citizen import UploadRefused, inspect_upload
from app.signing.validation import store_report
from app.storage import UploadRejected, check_upload, current_store
from app.storage.uploads import stored_name, upload_limits
from app.workflow import engine
from app.workflow.deploy import form_definition
from app.workflow.models import HistoryEntry, ProcessVersion
from app.workflow.ownership import current_version_column, known_version
from app.workflow.runtime import RouteError, current_version, start_and_complete

ANSWER_CHANNELS = (
    "electronic",
    "hartie",
)  # OUG 38/2020: electronic in, electronic out, unless paper is asked


class SubmissionInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(str(errors))


@dataclass
class SubmissionForm:
    version: ProcessVersion
    bpmn_id: str
    form: FormDefinition


def submission_form(
    doc_type: DocumentType, institution_id: int | None = None, version: ProcessVersion | None = None
) -> SubmissionForm:
    """The user task that follows the start event in the submitter's lane (of the institution's own version of
    the route when it has one). Without an institution, a type that has no platform template (one created in the
    modeler by an institution) shows the form of the institution that owns it. `version`: the institution's
    current version when the caller knows it (`submission_target`)."""
    if version is None and institution_id is None:
        from app.workflow.ownership import current_for

        version = current_for(doc_type.process_id, None) or db.session.scalar(
            select(ProcessVersion)
            .where(ProcessVersion.process_id == doc_type.process_id, ProcessVersion.is_current.is_(True))
            .order_by(ProcessVersion.id)
            .limit(1)
        )
        if version is None:
            raise RouteError(f"process {doc_type.process_id} is not deployed")
    elif version is None:
        version = current_version(doc_type.process_id, institution_id)
    specs = engine.specs_for(version.id, version.content_hash, version.process_id, version.bpmn_xml)
    for task_spec in specs.spec.task_specs.values():
        if getattr(task_spec, "manual", False) and getattr(task_spec, "lane", None) == SUBMITTER_LANE:
            properties = task_spec.extensions.get("properties", {}) or {}
            form = form_definition(
                version, properties.get("formJsonSchemaFilename"), properties.get("formUiSchemaFilename")
            )
            if form is not None:
                return SubmissionForm(version, task_spec.bpmn_id, form)
    raise LookupError(f"process {doc_type.process_id} has no submission step in lane {SUBMITTER_LANE}")


def check_uploads(uploads: list[FileStorage]) -> tuple[list, list[str]]:
    """Each file checked by content (PDF, JPEG, PNG; size limit; a PDF is opened and a signed one must carry only
    valid signatures). Returns ([(filename, content_type, data, report)], [error messages])."""
    accepted, errors = [], []
    config = current_app.config
    max_bytes = config["MAX_UPLOAD_MB"] * 1024 * 1024
    uploads = [u for u in uploads if u and u.filename]
    limits = upload_limits()
    if len(uploads) > limits["files"]:
        return [], [_("Trimiteți cel mult %(n)d fișiere odată.", n=limits["files"])]
    total = 0
    for upload in uploads:
        data = upload.read(max_bytes + 1)
        total += len(data)
        if total > limits["total_mb"] * 1024 * 1024:
            return [], [_("Fișierele depășesc împreună %(mb)d MB.", mb=limits["total_mb"])]
        try:
            content_type = check_upload(
                upload.filename, data, max_bytes, config.get("UPLOAD_MAX_PIXELS", 50_000_000)
            )
            name = stored_name(upload.filename, content_type)
            report = inspect_upload(data, name) if content_type == "application/pdf" else None
        except (UploadRejected, UploadRefused) as exc:
            errors.append(str(exc))
            continue
        accepted.append((name, content_type, data, report))
    return accepted, errors


def store_attachment(document: Document, kind: str, checked: tuple, user: User | None) -> Attachment:
    """Store one file accepted by check_uploads and attach it to the document (with its signature report)."""
    filename, content_type, content, report = checked
    attachment = Attachment(
        document_id=document.id,
        kind=kind,
        filename=filename,
        content_type=content_type,
        size=len(content),
        sha256=current_store().put(content),
        uploaded_by_id=user.id if user is not None else None,
    )
    db.session.add(attachment)
    db.session.flush()
    if report is not None:
        store_report(attachment, report, "intrare")
    return attachment


def _check_files(form: FormDefinition, files: dict[str, list[FileStorage]]) -> tuple[list, dict]:
    accepted, errors = [], {}
    for field_name in form.file_fields():
        ok, problems = check_uploads(files.get(field_name, []))
        accepted.extend((field_name, checked) for checked in ok)
        if problems:
            errors.setdefault(field_name, []).extend(problems)
    return accepted, errors


@dataclass
class SubmissionTarget:
    doc_type: DocumentType | None
    institution: Institution | None
    enabled: bool | None  # None: not asked (one of the two is missing)
    previous: Document | None  # the document already submitted with the Idempotency-Key
    register: Register | None = None  # the institution's general register (None: not created yet)
    version: ProcessVersion | None = None  # the route's current version for the institution


def submission_target(type_code: str, institution_code: str, key: str | None) -> SubmissionTarget:
    """What a submission names, read in one statement: the type, the institution, whether it receives the type,
    the document a repeated Idempotency-Key already made, the register it is numbered in and which version of
    the route it runs on (the version itself from `known_version`). When the type or the institution does not
    exist, each is looked up alone so the refusal can say which."""
    from app.registry.catalogue import InstitutionDocumentType

    named = (
        join(DocumentType, Institution, Institution.code == institution_code)
        .outerjoin(
            InstitutionDocumentType,
            and_(
                InstitutionDocumentType.institution_id == Institution.id,
                InstitutionDocumentType.document_type_id == DocumentType.id,
                InstitutionDocumentType.enabled.is_(True),
            ),
        )
        .outerjoin(Document, Document.submission_key == key if key else false())
        .outerjoin(
            Register, and_(Register.institution_id == Institution.id, Register.code == Register.GENERAL)
        )
    )
    row = db.session.execute(
        select(
            DocumentType,
            Institution,
            InstitutionDocumentType.id,
            Document,
            Register,
            current_version_column(ProcessVersion.id, DocumentType.process_id, Institution.id),
            current_version_column(ProcessVersion.content_hash, DocumentType.process_id, Institution.id),
        )
        .select_from(named)
        .where(DocumentType.code == type_code)
    ).first()
    if row is None:
        return SubmissionTarget(
            db.session.scalar(select(DocumentType).where(DocumentType.code == type_code)),
            db.session.scalar(select(Institution).where(Institution.code == institution_code)),
            None,
            existing_submission(key),
        )
    doc_type, institution, enabled_id, previous, register, version_id, content_hash = row
    enabled = enabled_id is not None and doc_type.active
    return SubmissionTarget(
        doc_type, institution, enabled, previous, register, known_version(version_id, content_hash)
    )


def existing_submission(key: str | None) -> Document | None:
    if not key:
        return None
    return db.session.scalar(select(Document).where(Document.submission_key == key))


def submit(
    user: User,
    institution: Institution,
    doc_type: DocumentType,
    data: dict,
    files: dict[str, list[FileStorage]],
    submission_key: str | None = None,
    phone: str | None = None,
    answer_by: str = "electronic",
    channel: str = "portal",
    company=None,
    sub: SubmissionForm | None = None,
    enabled: bool | None = None,
) -> Document:
    """Raises SubmissionInvalid with per-field messages; nothing is written in that case. The portal then calls
    `register_on_submission` in the same transaction. `sub` and `enabled`: the institution's submission form and
    whether it receives the type, when the caller has just read them (`submission_form`, `submission_target`)."""
    if sub is None:
        sub = submission_form(doc_type, institution.id if institution is not None else None)
    file_fields = set(sub.form.file_fields())
    data = {k: v for k, v in data.items() if k not in file_fields}
    errors = validate_submission(sub.form, data)
    if not (is_enabled(institution, doc_type) if enabled is None else enabled):
        errors.setdefault("", []).append(_("Instituția aleasă nu primește acest tip de document."))
    if answer_by not in ANSWER_CHANNELS:
        errors.setdefault("", []).append(_("Alegeți cum doriți să primiți răspunsul."))
    if answer_by == "hartie" and not (data.get("adresa") or user.address):
        errors.setdefault("", []).append(
            _("Pentru răspuns prin poștă completați adresa în contul dumneavoastră.")
        )
    if phone and len(phone_digits(phone)) != 9:
        errors.setdefault("", []).append(_("Numărul de telefon nu este valid (de exemplu 0722 123 456)."))
    accepted, file_errors = _check_files(sub.form, files)
    for field_name, messages in file_errors.items():
        errors.setdefault(field_name, []).extend(messages)
    if errors:
        raise SubmissionInvalid(errors)

    document = Document(
        institution_id=institution.id,
        document_type_id=doc_type.id,
        submitter_id=user.id,
        # On a company's behalf: the company is the sender, through the representative who submitted.
        company_id=company.id if company is not None else None,
        sender_name=(
            f"{company.name} (CUI {company.cui}), prin {user.full_name}"[:200] if company else user.full_name
        ),
        sender_email=user.email,
        sender_address=data.get("adresa") or user.address,
        subject=str(data.get(doc_type.subject_field, ""))[:300] or doc_type.name_ro,
        content=data.get(doc_type.content_field) if doc_type.content_field else None,
        submission_key=submission_key or None,
        sender_phone=phone or None,
        answer_by=answer_by,
        channel=channel,
    )
    db.session.add(document)
    db.session.flush()
    references: dict[str, list[str]] = {}
    for field_name, checked in accepted:
        attachment = store_attachment(document, Attachment.SUBMISSION, checked, user)
        references.setdefault(field_name, []).append(attachment.public_id)
    start_and_complete(document, user, sub.bpmn_id, data, references, sub.version)
    return document


def register_on_submission(document: Document, user: User, into: Register | None = None) -> str | None:
    """An online submission is registered at once: number it now, record it, and tell the citizen (number and
    tracking code), all in the submission's transaction; the e-mail leaves after commit. A route that keeps a
    clerk's check still has it: its registration step then only routes the document (numbering is idempotent).
    `into`: the institution's general register when the caller has read it (`submission_target`)."""
    if document.registration_number is None:
        label = register(document, into=into)
        db.session.add(
            HistoryEntry(
                document_id=document.id,
                event="registered",
                message=f"Înregistrat automat la depunerea online cu nr. {label}.",  # HISTORY_MESSAGES
            )
        )
        record(
            REGISTRATION,
            actor=user,
            document=document,
            target=label,
            data={
                "number": document.registration_number,
                "year": document.registration_year,
                "label": label,
                "deadline_at": document.deadline_at.isoformat() if document.deadline_at else None,
                "channel": document.channel,
            },
        )
    # The access code is issued here so the page can show it at once; the e-mail carries the same code.
    code = None
    if document.access_code_hash is None and document.registration_number is not None:
        from app.registry.access_codes import issue_access_code

        code = issue_access_code(document)
    document_registered(document, code=code)
    return code


def parse_posted(doc_type: DocumentType, posted) -> dict:
    return parse_submission(submission_form(doc_type).form, posted)

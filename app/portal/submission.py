"""Submitting a document: the form of the route's first step in the submitter's lane, the attachments, the
document row and the started route, all in one transaction."""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.correspondence.issuing import file_store
from app.extensions import db
from app.forms import FormDefinition, parse_submission, validate_submission
from app.identity.models import Institution, User
from app.identity.roles import SUBMITTER_LANE
from app.registry.models import Attachment, Document, DocumentType
from app.signing.citizen import UploadRefused, inspect_upload
from app.signing.route import store_report
from app.storage import UploadRejected, check_upload, safe_filename
from app.workflow import engine
from app.workflow.deploy import form_definition
from app.workflow.models import HumanTask, ProcessVersion, TaskStatus
from app.workflow.runtime import complete_task, current_version, start_route


class SubmissionInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(str(errors))


@dataclass
class SubmissionForm:
    version: ProcessVersion
    bpmn_id: str
    form: FormDefinition


def submission_form(doc_type: DocumentType) -> SubmissionForm:
    """The user task that follows the start event in the submitter's lane."""
    version = current_version(doc_type.process_id)
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


def _check_files(form: FormDefinition, files: dict[str, list[FileStorage]]) -> tuple[list, dict]:
    accepted, errors = [], {}
    max_bytes = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    for field_name in form.file_fields():
        for upload in files.get(field_name, []):
            if not upload or not upload.filename:
                continue
            data = upload.read(max_bytes + 1)
            try:
                content_type = check_upload(upload.filename, data, max_bytes)
                # A PDF is opened; a signed one must carry only valid signatures (app/signing).
                report = (
                    inspect_upload(data, safe_filename(upload.filename))
                    if content_type == "application/pdf"
                    else None
                )
            except (UploadRejected, UploadRefused) as exc:
                errors.setdefault(field_name, []).append(str(exc))
                continue
            accepted.append((field_name, safe_filename(upload.filename), content_type, data, report))
    return accepted, errors


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
) -> Document:
    """Raises SubmissionInvalid with per-field messages; nothing is written in that case."""
    sub = submission_form(doc_type)
    data = {k: v for k, v in data.items() if k not in sub.form.file_fields()}
    errors = validate_submission(sub.form, data)
    accepted, file_errors = _check_files(sub.form, files)
    for field_name, messages in file_errors.items():
        errors.setdefault(field_name, []).extend(messages)
    if errors:
        raise SubmissionInvalid(errors)

    document = Document(
        institution_id=institution.id,
        document_type_id=doc_type.id,
        submitter_id=user.id,
        sender_name=user.full_name,
        sender_email=user.email,
        sender_address=data.get("adresa") or user.address,
        subject=str(data.get(doc_type.subject_field, ""))[:300] or doc_type.name_ro,
        content=data.get(doc_type.content_field) if doc_type.content_field else None,
        submission_key=submission_key or None,
    )
    db.session.add(document)
    db.session.flush()
    store = file_store()
    references: dict[str, list[str]] = {}
    for field_name, filename, content_type, content, report in accepted:
        attachment = Attachment(
            document_id=document.id,
            kind=Attachment.SUBMISSION,
            filename=filename,
            content_type=content_type,
            size=len(content),
            sha256=store.put(content),
            uploaded_by_id=user.id,
        )
        db.session.add(attachment)
        db.session.flush()
        if report is not None:
            store_report(attachment, report, "intrare")
        references.setdefault(field_name, []).append(attachment.public_id)
    instance = start_route(document, user)
    first = db.session.scalar(
        select(HumanTask).where(
            HumanTask.instance_id == instance.id,
            HumanTask.bpmn_id == sub.bpmn_id,
            HumanTask.status == TaskStatus.READY,
        )
    )
    if first is None:
        raise LookupError("the route did not stop at its submission step")
    complete_task(first.id, user, data, extra_data=references)
    return document


def parse_posted(doc_type: DocumentType, posted) -> dict:
    return parse_submission(submission_form(doc_type).form, posted)

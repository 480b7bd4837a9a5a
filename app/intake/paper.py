"""Paper intake for the transition period: the registry clerk scans a paper document at the desk, types the sender's
data and the form of the type, and the document takes the same route as an online submission.

One call, one transaction (the caller commits): the Document (no submitter, channel "hartie"), the scan as one PDF,
the registration number, the access code for the receipt, the started route and its first step (the submitter's
form, completed by the clerk for the sender). Also the internal documents staff start themselves (notă internă).
Any refusal raises IntakeInvalid / IntakeRefused before anything is written."""

import io
import re
import warnings
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from sqlalchemy import select
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ro import cnp as stdnum_cnp
from werkzeug.datastructures import FileStorage

from app.audit import record
from app.extensions import db
from app.forms import FormDefinition, validate_submission
from app.identity.models import Institution, User
from app.intake.submission import submission_form
from app.registry.access import DOCUMENT_ROLES
from app.registry.access_codes import issue_access_code
from app.registry.catalogue import file_code, is_enabled
from app.registry.models import Attachment, Direction, Document, DocumentType, RegistryError
from app.registry.numbering import REGISTERING_ROLES, register
from app.signing.citizen import UploadRefused, inspect_upload
from app.signing.validation import store_report
from app.storage import UploadRejected, check_upload, current_store, safe_filename
from app.workflow.runtime import FormInvalid, start_and_complete

PAPER_INTAKE = "paper_intake"
INTERNAL_STARTED = "internal_document_started"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ().-]{6,30}$")


class IntakeInvalid(ValueError):
    """Per-field Romanian messages ("" = the whole form); nothing was written."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(str(errors))


class IntakeRefused(PermissionError):
    """The person may not register into this institution (or use this type there); nothing was written."""


@dataclass
class Sender:
    name: str
    email: str = ""
    phone: str = ""
    address: str = ""

    @classmethod
    def from_form(cls, posted) -> "Sender":
        return cls(
            **{k: (posted.get(f"expeditor_{k}") or "").strip() for k in ("name", "email", "phone", "address")}
        )

    def errors(self) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        if len(self.name) < 3:
            errors["expeditor_name"] = [_("Scrieți numele expeditorului (cel puțin 3 caractere).")]
        elif len(self.name) > 200:
            errors["expeditor_name"] = [_("Numele expeditorului are cel mult 200 de caractere.")]
        if self.email and (len(self.email) > 254 or not _EMAIL.match(self.email)):
            errors["expeditor_email"] = [_("Adresa de e-mail nu este validă.")]
        if self.phone and not _PHONE.match(self.phone):
            errors["expeditor_phone"] = [_("Numărul de telefon nu este valid (doar cifre, spații și +).")]
        if len(self.address) > 300:
            errors["expeditor_address"] = [_("Adresa are cel mult 300 de caractere.")]
        return errors


def cnp_errors(form: FormDefinition, data: dict) -> dict[str, list[str]]:
    """A type whose form asks for a CNP (a field named "cnp" or "cnp_*") gets it checked with its control digit
    (python-stdnum); the desk asks for no CNP otherwise (GDPR: only what the purpose needs)."""
    errors = {}
    for name in form.properties:
        if (name == "cnp" or name.startswith("cnp_")) and data.get(name):
            try:
                stdnum_cnp.validate(str(data[name]))
            except StdnumError:
                errors[name] = [_("CNP-ul nu este valid: verificați cele 13 cifre.")]
    return errors


def may_register_into(user: User, institution: Institution) -> bool:
    """Registry clerks and the secretary general register into their own institution only."""
    return (
        user is not None
        and user.is_authenticated
        and any(
            m.role.code in REGISTERING_ROLES and m.institution_id == institution.id for m in user.memberships
        )
    )


def intake_institutions(user: User) -> list[Institution]:
    ids = {m.institution_id for m in user.memberships if m.role.code in REGISTERING_ROLES}
    if not ids:
        return []
    return list(
        db.session.scalars(select(Institution).where(Institution.id.in_(ids)).order_by(Institution.name))
    )


def internal_institutions(user: User) -> list[Institution]:
    """Institutions where the person works with documents (and so may start an internal one)."""
    ids = {
        m.institution_id
        for m in user.memberships
        if m.role.code in DOCUMENT_ROLES and m.role.code != "auditor"
    }
    if not ids:
        return []
    return list(
        db.session.scalars(select(Institution).where(Institution.id.in_(ids)).order_by(Institution.name))
    )


def form_without_files(form: FormDefinition) -> FormDefinition:
    """The type's form minus its file fields: at the desk the scan takes their place."""
    files = set(form.file_fields())
    schema = dict(form.schema)
    schema["properties"] = {k: v for k, v in form.properties.items() if k not in files}
    schema["required"] = [r for r in form.schema.get("required", []) if r not in files]
    return FormDefinition(schema, form.ui_schema)


# --- the scan -------------------------------------------------------------------------------------------------


def _image_pages(images: list[tuple[str, bytes]]) -> bytes:
    """JPEG/PNG photos of the pages, in the order given, as one PDF: each upright (EXIF), at most 2000 px on its
    long side, JPEG-encoded and fitted on an A4 page (a phone photo prints at its paper size)."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    page_width, page_height = A4
    margin = 10 * mm
    for name, data in images:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data)) as img:
                    img.load()
                    page = ImageOps.exif_transpose(img).convert("RGB")
        except Exception as exc:  # Pillow raises many types for a damaged image
            raise UploadRejected(_("Imaginea „%(name)s” nu poate fi citită.", name=name)) from exc
        page.thumbnail((2000, 2000))
        encoded = io.BytesIO()
        page.save(encoded, "JPEG", quality=80)
        scale = min((page_width - 2 * margin) / page.width, (page_height - 2 * margin) / page.height)
        width, height = page.width * scale, page.height * scale
        pdf.drawImage(
            ImageReader(io.BytesIO(encoded.getvalue())),
            (page_width - width) / 2,
            (page_height - height) / 2,
            width,
            height,
        )
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def combine_scan(files: list[FileStorage]) -> tuple[str, bytes, dict | None]:
    """One PDF, or several JPEG/PNG photos made into one PDF: (file name, bytes, signature report or None).
    Each file is checked by content; an unreadable or damaged one raises UploadRejected / UploadRefused."""
    max_bytes = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    uploads = [f for f in files if f and f.filename]
    if not uploads:
        raise UploadRejected(_("Încărcați documentul scanat (PDF) sau fotografiile paginilor (JPEG, PNG)."))
    read = []
    for upload in uploads:
        name = safe_filename(upload.filename)
        data = upload.read(max_bytes + 1)
        read.append((name, data, check_upload(name, data, max_bytes)))
    pdfs = [r for r in read if r[2] == "application/pdf"]
    if pdfs and len(read) > 1:
        raise UploadRejected(
            _("Încărcați un singur PDF sau una ori mai multe fotografii ale paginilor, nu amândouă.")
        )
    if pdfs:
        name, data, _kind = pdfs[0]
        # Opened, not just sniffed: a damaged or encrypted PDF is refused; a signed one must validate.
        return name, data, inspect_upload(data, name)
    combined = _image_pages([(name, data) for name, data, _kind in read])
    if len(combined) > max_bytes:
        raise UploadRejected(
            _("Documentul scanat depășește limita de mărime; scanați la o rezoluție mai mică.")
        )
    stem = re.sub(r"\.(jpe?g|png)$", "", read[0][0], flags=re.IGNORECASE)
    return f"{stem}.pdf", combined, None


# --- intake -----------------------------------------------------------------------------------------------------


def _check_type(institution: Institution, doc_type: DocumentType, internal: bool) -> None:
    if not is_enabled(institution, doc_type) or doc_type.citizen_can_submit == internal:
        raise IntakeRefused(
            _(
                "Tipul de document „%(type)s” nu este folosit de %(institution)s.",
                type=doc_type.name_ro,
                institution=institution.name,
            )
        )


def _start(document: Document, actor: User, sub, data: dict, references: dict, as_sender: bool) -> None:
    """Start the route and complete its first step (the submitter's form) with the entered data."""
    try:
        start_and_complete(document, actor, sub.bpmn_id, data, references, assign_actor=as_sender)
    except FormInvalid as exc:
        raise IntakeInvalid(exc.errors) from exc


def _store_scan(document: Document, actor: User, scan: tuple[str, bytes, dict | None]) -> Attachment:
    name, data, report = scan
    attachment = Attachment(
        document_id=document.id,
        kind=Attachment.SUBMISSION,
        filename=name,
        content_type="application/pdf",
        size=len(data),
        sha256=current_store().put(data),
        uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    db.session.flush()
    if report is not None:
        store_report(attachment, report, "intrare")
    return attachment


def register_paper(
    clerk: User,
    institution: Institution,
    doc_type: DocumentType,
    sender: Sender,
    data: dict,
    scan_files: list[FileStorage],
    page_count: int | None = None,
) -> tuple[Document, str]:
    """Register a paper document brought to the desk; returns (document, access code for the receipt).

    `data` is the type's submission form without its file fields (the scan takes their place). Raises
    IntakeRefused (not this clerk's institution, type not enabled) or IntakeInvalid (per-field messages);
    nothing is written then. The caller commits."""
    if not may_register_into(clerk, institution):
        raise IntakeRefused(
            _(
                "Nu aveți dreptul să înregistrați documente la %(institution)s: puteți înregistra doar în "
                "registrul instituției dumneavoastră.",
                institution=institution.name,
            )
        )
    _check_type(institution, doc_type, internal=False)
    sub = submission_form(doc_type)
    files = sub.form.file_fields()
    data = {k: v for k, v in data.items() if k not in files}
    errors = sender.errors()
    for name, messages in validate_submission(form_without_files(sub.form), data).items():
        errors.setdefault(name, []).extend(messages)
    for name, messages in cnp_errors(sub.form, data).items():
        errors.setdefault(name, []).extend(messages)
    scan = None
    try:
        scan = combine_scan(scan_files)
    except (UploadRejected, UploadRefused) as exc:
        errors.setdefault("scan", []).append(str(exc))
    if errors:
        raise IntakeInvalid(errors)

    document = Document(
        institution_id=institution.id,
        document_type_id=doc_type.id,
        submitter_id=None,
        direction=Direction.INCOMING,
        channel="hartie",
        sender_name=sender.name,
        sender_email=sender.email or None,
        sender_phone=sender.phone or None,
        sender_address=sender.address or data.get("adresa") or None,
        subject=str(data.get(doc_type.subject_field, ""))[:300] or doc_type.name_ro,
        content=data.get(doc_type.content_field) if doc_type.content_field else None,
        page_count=page_count,
        file_code=file_code(institution, doc_type) or None,
    )
    db.session.add(document)
    db.session.flush()
    attachment = _store_scan(document, clerk, scan)
    try:
        # Numbered at the desk, in the order documents arrive; the route's own registration step keeps it.
        register(document, clerk=clerk)
    except RegistryError as exc:
        raise IntakeRefused(str(exc)) from exc
    code = issue_access_code(document)
    references = {files[0]: [attachment.public_id]} if files else {"scan": attachment.public_id}
    _start(document, clerk, sub, data, references, as_sender=True)
    record(
        PAPER_INTAKE,
        actor=clerk,
        document=document,
        target=document.registration_label,
        data={
            "sender": sender.name,
            "type": doc_type.code,
            "scan_sha256": attachment.sha256,
        },
    )
    return document, code


def start_internal(
    author: User,
    institution: Institution,
    doc_type: DocumentType,
    data: dict,
    files: list[FileStorage] | None = None,
) -> Document:
    """An internal document (notă internă, referat: a type citizens cannot submit) started by a staff member, who
    is its submitter: the route's first step is theirs. Its route registers it. The caller commits."""
    if not any(
        m.role.code in DOCUMENT_ROLES and m.role.code != "auditor" and m.institution_id == institution.id
        for m in author.memberships
    ):
        raise IntakeRefused(
            _(
                "Nu lucrați la %(institution)s: nu puteți porni documente interne acolo.",
                institution=institution.name,
            )
        )
    _check_type(institution, doc_type, internal=True)
    sub = submission_form(doc_type)
    file_fields = sub.form.file_fields()
    data = {k: v for k, v in data.items() if k not in file_fields}
    errors = validate_submission(form_without_files(sub.form), data, {})
    scans = []
    for upload in [f for f in (files or []) if f and f.filename]:
        try:
            scans.append(combine_scan([upload]))
        except (UploadRejected, UploadRefused) as exc:
            errors.setdefault("anexe", []).append(str(exc))
    if errors:
        raise IntakeInvalid(errors)
    document = Document(
        institution_id=institution.id,
        document_type_id=doc_type.id,
        submitter_id=author.id,
        direction=Direction.INTERNAL,
        channel="intern",
        sender_name=author.full_name,
        sender_email=author.email,
        subject=str(data.get(doc_type.subject_field, ""))[:300] or doc_type.name_ro,
        content=data.get(doc_type.content_field) if doc_type.content_field else None,
        file_code=file_code(institution, doc_type) or None,
    )
    db.session.add(document)
    db.session.flush()
    references = [_store_scan(document, author, scan).public_id for scan in scans]
    extra = {file_fields[0]: references} if file_fields and references else {}
    _start(document, author, sub, data, extra, as_sender=False)
    record(INTERNAL_STARTED, actor=author, document=document, data={"type": doc_type.code})
    return document

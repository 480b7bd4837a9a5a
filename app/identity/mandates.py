"""Representing a company: a person asks with a mandate (împuternicire) or a trade-register extract (PDF, JPEG or
PNG); a registry clerk of the platform's first institution approves or refuses it, with a reason. Only approved
representatives submit on the company's behalf, and all of them see the company's documents.

When the CUI is already enrolled under a registered name other than the one typed, the name is not replaced
silently: the person is shown the registered name and asked to confirm it."""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import record
from app.dates import now_utc
from app.extensions import db
from app.identity.companies import clean_cui
from app.identity.models import Company, Institution, Representation, RepresentationStatus, User
from app.storage import UploadRejected, check_upload, safe_filename

MANDATE_REQUESTED = "mandate_requested"
MANDATE_APPROVED = "mandate_approved"
MANDATE_REFUSED = "mandate_refused"
MANDATE_REVOKED = "mandate_revoked"
MANDATE_FILE_REFUSED = "mandate_file_refused"
SUBMISSION_REFUSED_NOT_REPRESENTATIVE = "submission_refused_not_representative"

REVIEWER_ROLES = ("registrator", "secretar_general")


class MandateError(ValueError):
    def __init__(
        self, errors: dict[str, str], registered_name: str | None = None, refused_file: str | None = None
    ):
        self.errors = errors
        self.refused_file = refused_file  # the caller logs MANDATE_FILE_REFUSED after rolling back
        self.registered_name = registered_name  # set when the person must confirm the registered name
        super().__init__(str(errors))


def first_institution() -> Institution | None:
    return db.session.scalar(select(Institution).order_by(Institution.id).limit(1))


def may_review(user: User) -> bool:
    if not (user.is_authenticated and user.is_staff):
        return False
    institution = first_institution()
    return institution is not None and any(user.has_role(role, institution.id) for role in REVIEWER_ROLES)


def approved_companies(user: User) -> list[Company]:
    return list(
        db.session.scalars(
            select(Company)
            .join(Representation, Representation.company_id == Company.id)
            .where(Representation.user_id == user.id, Representation.status == RepresentationStatus.APPROVED)
            .order_by(Company.name)
        )
    )


def approved_representation(user: User, company_id: int, lock: bool = False) -> Representation | None:
    query = select(Representation).where(
        Representation.user_id == user.id,
        Representation.company_id == company_id,
        Representation.status == RepresentationStatus.APPROVED,
    )
    if lock:  # a clerk's withdrawal and a submission do not interleave
        query = query.with_for_update()
    return db.session.scalar(query)


def may_see_document(user: User, document) -> bool:
    if not user.is_authenticated:
        return False
    if document.submitter_id == user.id:
        return True
    return document.company_id is not None and approved_representation(user, document.company_id) is not None


def request_representation(
    user: User,
    cui: str,
    name: str,
    address: str,
    capacity: str,
    upload,
    confirmed_name: str | None = None,
) -> Representation:
    """A request with its document; MandateError (nothing written) for bad input or when the registered name must
    be confirmed first (`registered_name` set). The file is refused unless it really is PDF, JPEG or PNG."""
    errors: dict[str, str] = {}
    digits, vat, error = clean_cui(cui)
    if error:
        errors["cui"] = error
    name, address, capacity = (name or "").strip(), (address or "").strip(), (capacity or "").strip()
    if len(capacity) < 3:
        errors["capacity"] = _("Precizați calitatea în care reprezentați firma (de exemplu: administrator).")
    company = db.session.scalar(select(Company).where(Company.cui == digits)) if digits else None
    existing = None
    if company is not None:
        existing = db.session.scalar(
            select(Representation).where(
                Representation.user_id == user.id, Representation.company_id == company.id
            )
        )
        if existing is not None and existing.status == RepresentationStatus.APPROVED:
            errors["cui"] = _("Reprezentați deja firma cu acest CUI.")
        elif existing is not None and existing.status == RepresentationStatus.PENDING:
            errors["cui"] = _("Cererea pentru această firmă așteaptă verificarea.")
    elif len(name) < 2:
        errors["name"] = _("Introduceți denumirea firmei.")
    content, content_type, filename, refused_file = None, None, None, None
    if upload is None or not getattr(upload, "filename", ""):
        errors["mandate"] = _(
            "Atașați împuternicirea sau certificatul constatator de la Registrul Comerțului (PDF, JPEG sau PNG)."
        )
    else:
        max_bytes = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
        content = upload.read(max_bytes + 1)
        filename = safe_filename(upload.filename)
        try:
            content_type = check_upload(upload.filename, content, max_bytes)
        except UploadRejected as exc:
            errors["mandate"] = str(exc)
            refused_file = filename
    if errors:
        raise MandateError(errors, refused_file=refused_file)
    if (
        company is not None
        and name
        and name.casefold() != company.name.casefold()
        and confirmed_name != company.name
    ):
        raise MandateError(
            {
                "name": _(
                    "Firma cu acest CUI este înregistrată ca „%(registered)s”. Confirmați denumirea înregistrată "
                    "pentru a continua.",
                    registered=company.name,
                )
            },
            registered_name=company.name,
        )
    if company is None:
        company = Company(
            cui=digits, name=name[:200], address=address[:300] or None, vat_payer=vat, created_by_id=user.id
        )
        db.session.add(company)
        db.session.flush()
    from app.storage import current_store

    sha256 = current_store().put(content)
    representation = existing or Representation(user_id=user.id, company_id=company.id)
    representation.capacity = capacity[:100]
    representation.status = RepresentationStatus.PENDING
    representation.mandate_filename = filename
    representation.mandate_content_type = content_type
    representation.mandate_sha256 = sha256
    representation.decided_by_id = representation.decided_at = representation.refusal_reason = None
    if existing is None:
        db.session.add(representation)
    db.session.flush()
    record(
        MANDATE_REQUESTED,
        actor=user,
        target=company.cui,
        data={"capacity": representation.capacity, "file": sha256},
    )
    return representation


def pending_requests() -> list[Representation]:
    return list(
        db.session.scalars(
            select(Representation)
            .where(Representation.status == RepresentationStatus.PENDING)
            .order_by(Representation.created_at)
        )
    )


def decide(clerk: User, representation: Representation, approve: bool, reason: str = "") -> None:
    """Approve or refuse a pending request (a reason is required to refuse); revoke an approved one (reason)."""
    reason = (reason or "").strip()
    institution = first_institution()
    if representation.status == RepresentationStatus.APPROVED and not approve:
        if len(reason) < 5:
            raise MandateError({"reason": _("Scrieți motivul retragerii (cel puțin 5 caractere).")})
        representation.status = RepresentationStatus.REVOKED
        action = MANDATE_REVOKED
    elif representation.status != RepresentationStatus.PENDING:
        raise MandateError({"": _("Cererea a fost deja soluționată.")})
    elif approve:
        representation.status = RepresentationStatus.APPROVED
        action = MANDATE_APPROVED
    else:
        if len(reason) < 5:
            raise MandateError({"reason": _("Scrieți motivul refuzului (cel puțin 5 caractere).")})
        representation.status = RepresentationStatus.REFUSED
        action = MANDATE_REFUSED
    representation.decided_by_id = clerk.id
    representation.decided_at = now_utc()
    representation.refusal_reason = reason[:500] or None
    record(
        action,
        actor=clerk,
        institution_id=institution.id if institution else None,
        target=representation.company.cui,
        data={"representative": representation.user_id, "reason": representation.refusal_reason},
    )


def refuse_submission(user: User, company_id: int) -> None:
    """Log a submission for a company the person no longer (or never) represented; the caller commits only this."""
    company = db.session.get(Company, company_id)
    record(
        SUBMISSION_REFUSED_NOT_REPRESENTATIVE,
        actor=user,
        target=company.cui if company else str(company_id),
    )

"""Legal persons: a company (CUI checked with python-stdnum) enrolled by a person who represents it. A person may
represent several companies; the portal offers "submit on behalf of" from `companies_represented`."""

from flask_babel import gettext as _
from sqlalchemy import select
from stdnum.exceptions import ValidationError
from stdnum.ro import cui as stdnum_cui

from app.audit import record
from app.extensions import db
from app.identity.models import Company, Representation, RepresentationStatus, User

COMPANY_ENROLLED = "company_enrolled"


class CompanyError(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(str(errors))


def clean_cui(value: str) -> tuple[str | None, bool, str | None]:
    """(digits, VAT payer, None) or (None, False, error). "RO18547290" means a VAT payer with CUI 18547290."""
    raw = (value or "").strip().upper().replace(" ", "")
    vat = raw.startswith("RO")
    try:
        return stdnum_cui.validate(raw), vat, None
    except ValidationError:
        return None, False, _("CUI-ul nu este valid: verificați cifrele (cifra de control nu corespunde).")


def companies_represented(user: User) -> list[Company]:
    """Companies `user` may act for (approved mandates), by name."""
    return list(
        db.session.scalars(
            select(Company)
            .join(Representation, Representation.company_id == Company.id)
            .where(Representation.user_id == user.id, Representation.status == RepresentationStatus.APPROVED)
            .order_by(Company.name)
        )
    )


def represents(user: User, company: Company) -> bool:
    return (
        db.session.scalar(
            select(Representation.id).where(
                Representation.user_id == user.id,
                Representation.company_id == company.id,
                Representation.status == RepresentationStatus.APPROVED,
            )
        )
        is not None
    )


def enrol_company(user: User, cui: str, name: str, address: str, capacity: str) -> Representation:
    """Enrol a company (or join one already enrolled) as its representative. Raises CompanyError, adding nothing."""
    errors: dict[str, str] = {}
    digits, vat, error = clean_cui(cui)
    if error:
        errors["cui"] = error
    name, address, capacity = (name or "").strip(), (address or "").strip(), (capacity or "").strip()
    if len(name) < 2:
        errors["name"] = _("Introduceți denumirea firmei.")
    if len(capacity) < 3:
        errors["capacity"] = _("Precizați calitatea în care reprezentați firma (de exemplu: administrator).")
    company = None
    if digits:
        company = db.session.scalar(select(Company).where(Company.cui == digits))
        if company is not None and represents(user, company):
            errors["cui"] = _("Reprezentați deja firma cu acest CUI.")
    if errors:
        raise CompanyError(errors)
    if company is None:
        company = Company(
            cui=digits, name=name[:200], address=address[:300] or None, vat_payer=vat, created_by_id=user.id
        )
        db.session.add(company)
        db.session.flush()
    representation = Representation(user_id=user.id, company_id=company.id, capacity=capacity[:100])
    db.session.add(representation)
    db.session.flush()
    record(COMPANY_ENROLLED, actor=user, target=company.cui, data={"capacity": representation.capacity})
    return representation

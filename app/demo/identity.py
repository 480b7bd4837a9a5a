"""Demo identity data beside app/demo: the platform administrator, the demo citizen's CNP and company, the kinds
of the demo institutions. Idempotent; called at the end of `load_demo()`. No TOTP and no delegation by default:
the tests log in as any demo account with the password only, and see only their own tasks."""

from sqlalchemy import select

from app.extensions import db
from app.identity.models import Company, Institution, InstitutionKind, Representation, User

PLATFORM_ADMIN = ("platforma", "Daniela Petrescu")
CITIZEN_CNP = "2900101080014"  # valid (python-stdnum), fictitious
DEMO_COMPANY = ("18547290", "Transilvania Construct SRL", "Str. Lungă nr. 1, Brașov")


def seed_demo_identity() -> None:
    from app.demo.data import DEMO_PASSWORD

    username, full_name = PLATFORM_ADMIN
    if db.session.scalar(select(User.id).where(User.username == username)) is None:
        admin = User(
            username=username,
            email=f"{username}@demo.example",
            full_name=full_name,
            is_staff=True,
            is_platform_admin=True,
        )
        admin.set_password(DEMO_PASSWORD)
        db.session.add(admin)
    kinds = {"cj-brasov": InstitutionKind.COUNTY_COUNCIL, "pm-sacele": InstitutionKind.TOWN_HALL}
    for institution in db.session.scalars(select(Institution).where(Institution.code.in_(kinds))):
        institution.kind = kinds[institution.code]
    citizen = db.session.scalar(select(User).where(User.username == "cetatean"))
    if citizen is not None:
        if citizen.cnp is None and db.session.scalar(select(User.id).where(User.cnp == CITIZEN_CNP)) is None:
            citizen.cnp = CITIZEN_CNP
        cui, name, address = DEMO_COMPANY
        company = db.session.scalar(select(Company).where(Company.cui == cui))
        if company is None:
            company = Company(cui=cui, name=name, address=address, vat_payer=True, created_by_id=citizen.id)
            db.session.add(company)
            db.session.flush()
        if (
            db.session.scalar(
                select(Representation.id).where(
                    Representation.user_id == citizen.id, Representation.company_id == company.id
                )
            )
            is None
        ):
            db.session.add(
                Representation(
                    user_id=citizen.id, company_id=company.id, capacity="Administrator", status="aprobata"
                )
            )
    db.session.flush()

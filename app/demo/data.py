"""Demo data: one county council, two departments and one account per role (password `demo`)."""

from sqlalchemy import select

from app.extensions import db
from app.identity.models import Department, Institution, Membership, User
from app.identity.roles import ensure_standard_roles
from app.workflow.deploy import deploy_all

DEMO_PASSWORD = "demo"  # noqa: S105 - demo data only, printed by `make run`

DEPARTMENTS = [
    ("relatii-publice", "Serviciul Relații cu Publicul"),
    ("urbanism", "Direcția Urbanism și Amenajarea Teritoriului"),
    ("registratura", "Registratura generală"),
]

# username, full name, role, department code (None = whole institution), function title, description
ACCOUNTS = [
    ("cetatean", "Ana Popescu", None, None, None, "citizen (portal)"),
    ("registrator", "Ioana Marinescu", "registrator", None, "Registrator", "registry clerk"),
    (
        "sef.serviciu",
        "Mihai Ionescu",
        "sef_serviciu",
        "relatii-publice",
        "Șef serviciu",
        "head of unit, public relations",
    ),
    (
        "referent",
        "Elena Dumitrescu",
        "referent",
        "relatii-publice",
        "Consilier",
        "official, public relations",
    ),
    (
        "secretar",
        "Gheorghe Stănescu",
        "secretar_general",
        None,
        "Secretar general al județului",
        "secretary general",
    ),
    ("auditor", "Cristina Vasilescu", "auditor", None, "Auditor intern", "auditor (read-only)"),
    ("analist", "Radu Munteanu", "analist", None, "Analist de procese", "process analyst"),
    ("admin", "Adrian Constantinescu", "admin", None, "Administrator", "administrator"),
]


def load_demo() -> list[tuple[str, str]]:
    """Idempotent: running it twice changes nothing."""
    from flask import current_app

    roles = ensure_standard_roles()
    institution = db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))
    if institution is None:
        institution = Institution(
            code="cj-brasov", name="Consiliul Județean Brașov", address="Bd. Eroilor nr. 5, Brașov"
        )
        db.session.add(institution)
        db.session.flush()
    departments = {}
    for code, name in DEPARTMENTS:
        dept = db.session.scalar(
            select(Department).where(Department.institution_id == institution.id, Department.code == code)
        )
        if dept is None:
            dept = Department(institution_id=institution.id, code=code, name=name)
            db.session.add(dept)
            db.session.flush()
        departments[code] = dept
    for username, full_name, role, dept_code, function, _description in ACCOUNTS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(
                username=username,
                email=f"{username}@demo.example",
                full_name=full_name,
                is_staff=role is not None,
            )
            if role is None:
                user.address = "Str. Republicii nr. 10, Brașov"
                user.phone = "0722000000"
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.flush()
        if role is not None and not user.memberships:
            db.session.add(
                Membership(
                    user_id=user.id,
                    institution_id=institution.id,
                    department_id=departments[dept_code].id if dept_code else None,
                    role_id=roles[role].id,
                    function_title=function,
                )
            )
    deploy_all(current_app.config["PROCESSES_DIR"], current_app.config["FORMS_DIR"])
    if current_app.config.get("SIGNING_TEST_PKI"):
        load_demo_keys(institution)
    db.session.flush()
    return [(a[0], a[5]) for a in ACCOUNTS]


def load_demo_keys(institution: Institution) -> None:
    """Signing keys from the committed TEST PKI (app/signing/testpki): one PKCS#12 per official, uploaded as an
    administrator would, and the institution's e-seal. Skipped for anyone who already has a key."""
    from app.signing import testpki
    from app.signing.keys import active_credential
    from app.signing.models import SigningCredential

    for username, label in testpki.DEMO_SIGNERS.items():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None and active_credential(user=user) is None:
            db.session.add(
                SigningCredential(
                    user_id=user.id, label=f"{user.full_name} (TEST)", **_demo_key_columns(label)
                )
            )
    if active_credential(institution=institution) is None:
        db.session.add(
            SigningCredential(
                institution_id=institution.id,
                label="Sigiliu electronic (TEST)",
                **_demo_key_columns(testpki.SEAL),
            )
        )


_demo_columns: dict[tuple, dict] = {}


def _demo_key_columns(label: str) -> dict:
    """Checked and encrypted once per process and encryption key: the tests reload the demo before each test."""
    from app.signing import testpki
    from app.signing.keys import encryption_key_id, pkcs12_columns

    key = (label, encryption_key_id())
    if key not in _demo_columns:
        _demo_columns[key] = pkcs12_columns(testpki.demo_pkcs12(label), None)
    return dict(_demo_columns[key])

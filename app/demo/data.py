"""Demo data: the county council with one account per role, a town hall of the county with its own registry, and
the document types both receive (password `demo`)."""

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


# The second institution: a town hall of the county, a separate creator of documents with its own register.
SACELE = ("pm-sacele", "Primăria Municipiului Săcele", "Piața Libertății nr. 17, Săcele")
SACELE_DEPARTMENTS = [
    ("registratura", "Registratură și relații cu publicul"),
    ("urbanism", "Compartimentul Urbanism"),
    ("relatii-publice", "Serviciul Administrație Publică Locală"),
]
SACELE_ACCOUNTS = [
    (
        "registrator.sacele",
        "Maria Cojocaru",
        "registrator",
        None,
        "Registrator",
        "registry clerk, Săcele town hall",
    ),
    (
        "sef.sacele",
        "Dan Moldovan",
        "sef_serviciu",
        "relatii-publice",
        "Șef serviciu",
        "head of unit, Săcele town hall",
    ),
    (
        "referent.sacele",
        "Irina Barbu",
        "referent",
        "relatii-publice",
        "Consilier",
        "official, Săcele town hall",
    ),
    (
        "analist.sacele",
        "Sorin Pavel",
        "analist",
        None,
        "Analist de procese",
        "process analyst, Săcele town hall (its own routes only)",
    ),
]
# Săcele's officials sign with keys of the committed TEST PKI too (its certificates carry the council's names).
SACELE_SIGNERS = {
    "referent.sacele": "referent",
    "sef.sacele": "sef-serviciu",
    "registrator.sacele": "registrator",
}


def _institution(code: str, name: str, address: str) -> Institution:
    institution = db.session.scalar(select(Institution).where(Institution.code == code))
    if institution is None:
        institution = Institution(code=code, name=name, address=address)
        db.session.add(institution)
        db.session.flush()
    return institution


def _departments(institution: Institution, rows) -> dict[str, Department]:
    departments = {}
    for code, name in rows:
        dept = db.session.scalar(
            select(Department).where(Department.institution_id == institution.id, Department.code == code)
        )
        if dept is None:
            dept = Department(institution_id=institution.id, code=code, name=name)
            db.session.add(dept)
            db.session.flush()
        departments[code] = dept
    return departments


def _accounts(institution: Institution, departments: dict, roles: dict, rows) -> None:
    for username, full_name, role, dept_code, function, _description in rows:
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


def _enable_all_types(institution: Institution) -> None:
    """Both demo institutions receive every type in processes/, filed under the manifest's file-plan class."""
    from flask import current_app

    from app.registry.catalogue import enable, is_enabled
    from app.registry.models import DocumentType
    from app.workflow.manifest import manifest_for

    for doc_type in db.session.scalars(select(DocumentType)):
        if is_enabled(institution, doc_type):
            continue
        manifest = manifest_for(doc_type.code, current_app.config["PROCESSES_DIR"]) or {}
        plan = manifest.get("file_plan") or {}
        enable(institution, doc_type, file_code=str(plan.get("class", "")))


def load_demo() -> list[tuple[str, str]]:
    """Idempotent: running it twice changes nothing."""
    from flask import current_app

    roles = ensure_standard_roles()
    institution = _institution("cj-brasov", "Consiliul Județean Brașov", "Bd. Eroilor nr. 5, Brașov")
    departments = _departments(institution, DEPARTMENTS)
    _accounts(institution, departments, roles, ACCOUNTS)
    sacele = _institution(*SACELE)
    _accounts(sacele, _departments(sacele, SACELE_DEPARTMENTS), roles, SACELE_ACCOUNTS)
    deploy_all(current_app.config["PROCESSES_DIR"], current_app.config["FORMS_DIR"])
    for each in (institution, sacele):
        _enable_all_types(each)
    if current_app.config.get("SIGNING_TEST_PKI"):
        load_demo_keys(institution)
        load_demo_keys(sacele, SACELE_SIGNERS)
    from app.demo.identity import seed_demo_identity  # platform administrator, the citizen's CNP and company

    seed_demo_identity()
    from app.demo.archive import seed_demo_archive  # file plan and archivist

    seed_demo_archive()
    db.session.flush()
    return [(a[0], a[5]) for a in ACCOUNTS + SACELE_ACCOUNTS] + [
        ("arhivar", "archivist, county council (file plan, fixity, E-ARK export, disposal)"),
        ("platforma", "platform administrator (creates institutions)"),
    ]


def load_demo_keys(institution: Institution, signers: dict[str, str] | None = None) -> None:
    """Signing keys from the committed TEST PKI (app/signing/testpki): one PKCS#12 per official (username -> key
    label; the council's officials by default), uploaded as an administrator would, and the institution's e-seal.
    Skipped for anyone who already has a key."""
    from app.signing import testpki
    from app.signing.keys import active_credential
    from app.signing.models import SigningCredential

    for username, label in (signers or testpki.DEMO_SIGNERS).items():
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

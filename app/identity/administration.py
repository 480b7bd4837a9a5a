"""Administration: the platform administrator creates institutions; an institution's administrator (role `admin`
there) manages its departments, staff accounts and their memberships, and whether TOTP is mandatory. Nobody
administers an institution they do not belong to."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import record
from app.extensions import db
from app.identity.accounts import check_new_account
from app.identity.companies import clean_cui
from app.identity.models import Department, Institution, InstitutionKind, Membership, Role, User

INSTITUTION_CREATED = "institution_created"
DEPARTMENT_CREATED = "department_created"
STAFF_CREATED = "staff_created"
MEMBERSHIP_ADDED = "membership_added"
MEMBERSHIP_REMOVED = "membership_removed"
INSTITUTION_SETTINGS = "institution_settings"

KIND_LABELS = {
    InstitutionKind.COUNTY_COUNCIL: _l("Consiliu județean"),
    InstitutionKind.TOWN_HALL: _l("Primărie"),
    InstitutionKind.SUBORDINATE: _l("Instituție subordonată"),
}
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


class AdminError(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(str(errors))


def administered_institutions(user: User) -> list[Institution]:
    """Institutions `user` administers: every one for the platform administrator, else where they hold `admin`."""
    if user.is_platform_admin:
        return list(db.session.scalars(select(Institution).order_by(Institution.name)))
    ids = {m.institution_id for m in user.memberships if m.role.code == "admin"}
    if not ids:
        return []
    return list(
        db.session.scalars(select(Institution).where(Institution.id.in_(ids)).order_by(Institution.name))
    )


def administers(user: User, institution: Institution) -> bool:
    # The platform administrator sets up every institution (its first administrator included); an institution's
    # own administrators manage only theirs.
    if user.is_platform_admin:
        return True
    return any(m.institution_id == institution.id and m.role.code == "admin" for m in user.memberships)


def create_institution(
    actor: User, code: str, name: str, kind: str, parent_id: int | None, address: str, cui: str
) -> Institution:
    errors: dict[str, str] = {}
    code, name, address = code.strip().lower(), name.strip(), address.strip()
    if not CODE_RE.match(code):
        errors["code"] = _(
            "Codul are 2-40 de caractere: litere mici, cifre și cratimă (de exemplu: primaria-fagaras)."
        )
    elif db.session.scalar(select(Institution.id).where(Institution.code == code)):
        errors["code"] = _("Există deja o instituție cu acest cod.")
    if len(name) < 3:
        errors["name"] = _("Introduceți denumirea instituției.")
    if kind not in KIND_LABELS:
        errors["kind"] = _("Alegeți tipul instituției.")
    parent = db.session.get(Institution, parent_id) if parent_id else None
    if parent_id and parent is None:
        errors["parent_id"] = _("Instituția coordonatoare nu există.")
    elif kind == InstitutionKind.SUBORDINATE and parent is None:
        errors["parent_id"] = _("O instituție subordonată are o instituție coordonatoare.")
    digits = None
    if cui.strip():
        digits, _vat, error = clean_cui(cui)
        if error:
            errors["cui"] = error
    if errors:
        raise AdminError(errors)
    institution = Institution(
        code=code,
        name=name[:200],
        kind=kind,
        parent_id=parent.id if parent else None,
        address=address[:300] or None,
        cui=digits,
    )
    db.session.add(institution)
    db.session.flush()
    record(INSTITUTION_CREATED, actor=actor, institution_id=institution.id, target=code, data={"name": name})
    return institution


def create_department(actor: User, institution: Institution, code: str, name: str) -> Department:
    errors: dict[str, str] = {}
    code, name = code.strip().lower(), name.strip()
    if not CODE_RE.match(code):
        errors["code"] = _("Codul are 2-40 de caractere: litere mici, cifre și cratimă.")
    elif db.session.scalar(
        select(Department.id).where(Department.institution_id == institution.id, Department.code == code)
    ):
        errors["code"] = _("Instituția are deja un compartiment cu acest cod.")
    if len(name) < 3:
        errors["name"] = _("Introduceți denumirea compartimentului.")
    if errors:
        raise AdminError(errors)
    department = Department(institution_id=institution.id, code=code, name=name[:200])
    db.session.add(department)
    db.session.flush()
    record(DEPARTMENT_CREATED, actor=actor, institution_id=institution.id, target=code, data={"name": name})
    return department


def _role_and_department(errors, institution: Institution, role_code: str, department_id: int | None):
    role = db.session.scalar(select(Role).where(Role.code == role_code))
    if role is None:
        errors["role"] = _("Alegeți rolul.")
    department = None
    if department_id:
        department = db.session.get(Department, department_id)
        if department is None or department.institution_id != institution.id:
            errors["department_id"] = _("Compartimentul nu aparține instituției.")
            department = None
    return role, department


def create_staff(
    actor: User,
    institution: Institution,
    username: str,
    full_name: str,
    email: str,
    password: str,
    role_code: str,
    department_id: int | None,
    function_title: str,
) -> User:
    errors: dict[str, str] = {}
    username, email, full_name = username.strip().lower(), email.strip().lower(), full_name.strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{2,79}", username):
        errors["username"] = _(
            "Numele de utilizator are 3-80 de caractere: litere mici, cifre, punct, cratimă."
        )
    check_new_account(errors, full_name, email, password, password, username=username)
    role, department = _role_and_department(errors, institution, role_code, department_id)
    if errors:
        raise AdminError(errors)
    user = User(username=username, email=email, full_name=full_name[:200], is_staff=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    db.session.add(
        Membership(
            user_id=user.id,
            institution_id=institution.id,
            department_id=department.id if department else None,
            role_id=role.id,
            function_title=function_title.strip()[:100] or None,
        )
    )
    db.session.flush()
    record(
        STAFF_CREATED,
        actor=actor,
        institution_id=institution.id,
        target=username,
        data={"role": role.code, "department": department.code if department else None},
    )
    return user


def add_membership(
    actor: User,
    institution: Institution,
    user: User | None,
    role_code: str,
    department_id: int | None,
    function_title: str,
) -> Membership:
    errors: dict[str, str] = {}
    if (
        user is None
        or not user.is_staff
        or not any(m.institution_id == institution.id for m in user.memberships)
    ):
        errors["user_id"] = _("Alegeți un angajat al instituției.")
    role, department = _role_and_department(errors, institution, role_code, department_id)
    if not errors and db.session.scalar(
        select(Membership.id).where(
            Membership.user_id == user.id,
            Membership.institution_id == institution.id,
            Membership.role_id == role.id,
            Membership.department_id.is_(None)
            if department is None
            else Membership.department_id == department.id,
        )
    ):
        errors["role"] = _("Angajatul are deja acest rol în acest compartiment.")
    if errors:
        raise AdminError(errors)
    membership = Membership(
        user_id=user.id,
        institution_id=institution.id,
        department_id=department.id if department else None,
        role_id=role.id,
        function_title=function_title.strip()[:100] or None,
    )
    db.session.add(membership)
    db.session.flush()
    record(
        MEMBERSHIP_ADDED,
        actor=actor,
        institution_id=institution.id,
        target=user.username,
        data={"role": role.code, "department": department.code if department else None},
    )
    return membership


def remove_membership(actor: User, institution: Institution, membership: Membership) -> None:
    if membership.institution_id != institution.id:
        raise AdminError({"": _("Rolul nu aparține instituției.")})
    if membership.user_id == actor.id and membership.role.code == "admin":
        raise AdminError({"": _("Nu vă puteți retrage singur rolul de administrator.")})
    record(
        MEMBERSHIP_REMOVED,
        actor=actor,
        institution_id=institution.id,
        target=membership.user.username,
        data={"role": membership.role.code},
    )
    db.session.delete(membership)


def set_require_totp(actor: User, institution: Institution, required: bool) -> None:
    if institution.require_totp != required:
        institution.require_totp = required
        record(
            INSTITUTION_SETTINGS, actor=actor, institution_id=institution.id, data={"require_totp": required}
        )


def institution_staff(institution: Institution) -> list[tuple[User, list[Membership]]]:
    rows = db.session.scalars(
        select(Membership).where(Membership.institution_id == institution.id).order_by(Membership.id)
    ).all()
    grouped: dict[int, tuple[User, list[Membership]]] = {}
    for m in rows:
        grouped.setdefault(m.user_id, (m.user, []))[1].append(m)
    return sorted(grouped.values(), key=lambda pair: pair[0].full_name)

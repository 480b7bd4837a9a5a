"""The demo file plan and archivist (called once at the end of `load_demo`; idempotent)."""

from sqlalchemy import select

from app.extensions import db

# department code, class code, name, retention, document type codes mapped to it
DEMO_PLAN = [
    ("relatii-publice", "II-1", "Petiții și răspunsuri", 5, ["petitie"]),
    ("relatii-publice", "II-3", "Adeverințe eliberate", 5, ["adeverinta"]),
    (
        "relatii-publice",
        "II-4",
        "Cereri și răspunsuri privind informațiile de interes public",
        5,
        ["informatii-publice"],
    ),
    ("urbanism", "V-3", "Certificate de urbanism emise", "permanent", ["certificat-urbanism"]),
    ("registratura", "I-1", "Note interne și referate", 10, ["nota-interna"]),
    ("registratura", "I-2", "Corespondență cu alte instituții", 10, ["adresa"]),
    (
        "registratura",
        "I-9",
        "Procese-verbale de selecționare și eliminare",
        "permanent",
        ["eliminare-arhiva"],
    ),
]


def seed_demo_archive() -> None:
    from app.archive.records import define_class, map_type
    from app.identity.models import Department, Institution, Membership, User
    from app.identity.roles import ensure_standard_roles
    from app.registry.models import DocumentType

    institution = db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))
    if institution is None:
        return
    roles = ensure_standard_roles()
    user = db.session.scalar(select(User).where(User.username == "arhivar"))
    if user is None:
        from app.demo.data import DEMO_PASSWORD

        user = User(
            username="arhivar", email="arhivar@demo.example", full_name="Doina Petrescu", is_staff=True
        )
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.flush()
    if "arhivar" in roles and not user.memberships:
        db.session.add(
            Membership(
                user_id=user.id,
                institution_id=institution.id,
                role_id=roles["arhivar"].id,
                function_title="Arhivar",
            )
        )
    departments = {
        d.code: d
        for d in db.session.scalars(select(Department).where(Department.institution_id == institution.id))
    }
    types = {t.code: t for t in db.session.scalars(select(DocumentType))}
    for dept_code, code, name, retention, type_codes in DEMO_PLAN:
        department = departments.get(dept_code)
        if department is None:
            continue
        file_class = define_class(institution.id, department.id, code, name, retention)
        for type_code in type_codes:
            if type_code in types:
                # Institution-wide mapping: whichever department handles it, the type lands in this class.
                map_type(institution.id, types[type_code], None, file_class)
    db.session.flush()

"""Administration: the platform administrator creates institutions; an institution's administrator manages its
departments, staff and memberships, never another institution's; bad input changes nothing."""

from sqlalchemy import func, select

from app.extensions import db
from app.identity.models import Department, Institution, Membership, User
from tests.routes import user
from tests.webflow import csrf_token, login


def institution_id(app, code) -> int:
    with app.app_context():
        return db.session.scalar(select(Institution.id).where(Institution.code == code))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def post(client, path, page, **data):
    token = csrf_token(client, page)
    return client.post(path, data={"csrf_token": token, **data})


def test_platform_admin_creates_a_subordinate_institution(app, login_as):
    client = login_as("platforma")
    parent = institution_id(app, "cj-brasov")
    response = post(
        client,
        "/administrare/",
        "/administrare/",
        code="dgaspc-brasov",
        name="DGASPC Brașov",
        kind="subordonata",
        parent_id=str(parent),
        address="Str. Iuliu Maniu nr. 6, Brașov",
        cui="RO18547290",
    )
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalar(select(Institution).where(Institution.code == "dgaspc-brasov"))
        assert created.parent_id == parent and created.kind == "subordonata" and created.cui == "18547290"
    assert "DGASPC Brașov" in client.get("/administrare/").get_data(as_text=True)


def test_bad_institution_input_is_refused_and_creates_nothing(app, login_as):
    client = login_as("platforma")
    before = count(app, Institution)
    for data, message in (
        (
            {"code": "cj-brasov", "name": "Dublură", "kind": "primarie"},
            "Există deja o instituție cu acest cod.",
        ),
        (
            {"code": "pm-rasnov", "name": "Primăria Râșnov", "kind": "primarie", "cui": "18547291"},
            "CUI-ul nu este valid",
        ),
        ({"code": "muzeu", "name": "Muzeul Județean", "kind": "subordonata"}, "instituție coordonatoare"),
    ):
        response = post(client, "/administrare/", "/administrare/", **data)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert count(app, Institution) == before


def test_only_the_platform_admin_creates_institutions(app, login_as):
    before = count(app, Institution)
    response = post(
        login_as("admin"), "/administrare/", "/administrare/", code="x-y", name="Alta", kind="primarie"
    )
    assert response.status_code == 403
    assert login_as("referent").get("/administrare/").status_code == 403
    assert login_as("cetatean").get("/administrare/").status_code == 403
    assert count(app, Institution) == before


def test_institution_admin_manages_departments_staff_and_roles(app, login_as):
    client = login_as("admin")
    cj = institution_id(app, "cj-brasov")
    page = f"/administrare/institutii/{cj}"
    assert (
        post(client, f"{page}/compartimente", page, code="juridic", name="Serviciul Juridic").status_code
        == 302
    )
    with app.app_context():
        juridic = db.session.scalar(select(Department).where(Department.code == "juridic")).id
    response = post(
        client,
        f"{page}/angajati",
        page,
        username="consilier.juridic",
        full_name="Andrei Matei",
        email="andrei.matei@cjbrasov.example",
        password="parola-initiala",
        role="referent",
        department_id=str(juridic),
        function_title="Consilier juridic",
    )
    assert response.status_code == 302
    login(app.test_client(), "consilier.juridic", "parola-initiala")
    with app.app_context():
        new = user("consilier.juridic")
        [m] = new.memberships
        assert (
            new.is_staff
            and m.role.code == "referent"
            and m.department_id == juridic
            and m.institution_id == cj
        )
        new_id = new.id
    assert post(client, f"{page}/roluri", page, user_id=str(new_id), role="registrator").status_code == 302
    with app.app_context():
        membership = db.session.scalar(
            select(Membership).where(Membership.user_id == new_id, Membership.department_id.is_(None))
        )
        assert membership.role.code == "registrator"
        membership_id = membership.id
    assert post(client, f"{page}/roluri/{membership_id}/stergere", page).status_code == 302
    with app.app_context():
        assert [m.role.code for m in user("consilier.juridic").memberships] == ["referent"]


def test_bad_staff_input_is_refused_and_changes_nothing(app, login_as):
    client = login_as("admin")
    cj = institution_id(app, "cj-brasov")
    sacele_department = None
    with app.app_context():
        sacele_department = db.session.scalar(
            select(Department.id).join(Institution).where(Institution.code == "pm-sacele")
        )
    page = f"/administrare/institutii/{cj}"
    before = (count(app, User), count(app, Membership), count(app, Department))
    cases = [
        (
            f"{page}/angajati",
            {
                "username": "referent",
                "full_name": "Dublură",
                "email": "nou@example.ro",
                "password": "parola-lunga",
                "role": "referent",
            },
            "Numele de utilizator este deja folosit.",
        ),
        (
            f"{page}/angajati",
            {
                "username": "nou.nou",
                "full_name": "Nou",
                "email": "referent@demo.example",
                "password": "parola-lunga",
                "role": "referent",
            },
            "Există deja un cont cu această adresă",
        ),
        (
            f"{page}/angajati",
            {
                "username": "nou.nou",
                "full_name": "Nou Angajat",
                "email": "nou@example.ro",
                "password": "parola-lunga",
                "role": "referent",
                "department_id": str(sacele_department),
            },
            "Compartimentul nu aparține instituției.",
        ),
        (
            f"{page}/compartimente",
            {"code": "urbanism", "name": "Dublură"},
            "Instituția are deja un compartiment",
        ),
    ]
    for path, data, message in cases:
        response = post(client, path, page, **data)
        assert response.status_code == 400, path
        assert message in response.get_data(as_text=True)
    assert (count(app, User), count(app, Membership), count(app, Department)) == before


def test_institution_admin_never_reaches_another_institution(app, login_as):
    client = login_as("admin")
    sacele = institution_id(app, "pm-sacele")
    cj = institution_id(app, "cj-brasov")
    before = count(app, Department)
    assert client.get(f"/administrare/institutii/{sacele}").status_code == 404
    response = post(
        client,
        f"/administrare/institutii/{sacele}/compartimente",
        f"/administrare/institutii/{cj}",
        code="intrus",
        name="Compartiment străin",
    )
    assert response.status_code == 404
    assert count(app, Department) == before
    listing = client.get("/administrare/").get_data(as_text=True)
    assert "Consiliul Județean Brașov" in listing and "Primăria Municipiului Săcele" not in listing


def test_staff_of_another_institution_never_see_its_documents(app, login_as):
    from app.registry.models import Document
    from tests.webflow import submit_petition

    assert submit_petition(login_as("cetatean")).status_code == 302  # to the county council
    with app.app_context():
        document = db.session.scalar(select(Document))
        public_id = document.public_id
    clerk = login_as("registrator.sacele")
    assert clerk.get(f"/documente/{public_id}").status_code == 404
    assert public_id not in clerk.get("/documente/").get_data(as_text=True)
    assert "Iluminat public defect" not in clerk.get("/sarcini/").get_data(as_text=True)
    # The county council's own clerk does see it.
    assert login_as("registrator").get(f"/documente/{public_id}").status_code == 200


def test_the_first_platform_admin_is_named_from_the_command_line(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["identity", "platform-admin", "secretar"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert user("secretar").is_platform_admin is True
    assert runner.invoke(args=["identity", "platform-admin", "nimeni"]).exit_code == 1
    assert runner.invoke(args=["identity", "platform-admin", "secretar", "--revoke"]).exit_code == 0
    with app.app_context():
        assert user("secretar").is_platform_admin is False

"""Who sees what: archive pages for arhivar, secretar_general and auditor (read-only) of the institution; search
results and record cards only for the file classes of a staff member's department; citizens and other
institutions see nothing. Full-text search uses PostgreSQL's Romanian configuration (stems)."""

from sqlalchemy import func, select

from app.archive.models import ArchiveFile, FileClass
from app.archive.search import search_records
from app.extensions import db
from app.identity.models import Department, Institution, Membership, Role, User
from tests.archive.helpers import Web, archived_petition
from tests.routes import user


def test_archive_pages_by_role(ctx, app):
    record = archived_petition()
    file_url = f"/arhiva/dosar/{record.archive_file.public_id}"
    for username in ("arhivar", "secretar", "auditor"):
        web = Web(app, username)
        page = web.get("/arhiva/").get_data(as_text=True)
        assert "Nomenclatorul arhivistic" in page and "Petiții și răspunsuri" in page, username
        assert record.registration_label in web.get(file_url).get_data(as_text=True)
        card = web.get(f"/arhiva/inregistrare/{record.public_id}").get_data(as_text=True)
        assert record.public_id in card and "Consiliul Județean Brașov" in card
    # Only the archivist sees the actions; the auditor's POSTs are refused application-wide.
    assert "Reține dosarul" in Web(app, "arhivar").get(file_url).get_data(as_text=True)
    assert "Reține dosarul" not in Web(app, "secretar").get(file_url).get_data(as_text=True)
    auditor = Web(app, "auditor")
    response = auditor.post(f"{file_url}/retinere", data={"motiv": "x", "csrf_token": auditor.csrf()})
    assert response.status_code == 403
    secretary = Web(app, "secretar")
    response = secretary.post(f"{file_url}/retinere", data={"motiv": "x", "csrf_token": secretary.csrf()})
    assert response.status_code == 403
    db.session.expire_all()
    assert not db.session.get(ArchiveFile, record.archive_file_id).on_hold
    # Staff without an archive role: no archive pages; a citizen: nothing at all.
    assert Web(app, "referent").get("/arhiva/").status_code == 403
    assert Web(app, "registrator").get(file_url).status_code == 404
    assert Web(app, "cetatean").get("/arhiva/cautare?q=iluminat").status_code == 403
    assert Web(app, "cetatean").get(f"/arhiva/inregistrare/{record.public_id}").status_code == 403


def test_search_is_romanian_full_text_and_limited_to_the_department(ctx, app):
    record = archived_petition("Iluminatul public din cartierul Tractorul")
    # Stemming: "iluminatului" and "cartierului" find "Iluminatul ... cartierul".
    assert [r.id for r in search_records(user("arhivar"), "iluminatului cartierului")] == [record.id]
    assert search_records(user("arhivar"), "canalizare") == []
    # The answer the official drafted is searchable too ("întreținere" is in the signed answer's text).
    assert [r.id for r in search_records(user("arhivar"), "echipa de întreținere")] == [record.id]
    # The official of the petitions' department finds it; the urban planning official does not.
    assert [r.id for r in search_records(user("referent"), "Tractorul")] == [record.id]
    institution = db.session.scalar(select(Institution).where(Institution.code == "cj-brasov"))
    urbanism = db.session.scalar(
        select(Department).where(Department.institution_id == institution.id, Department.code == "urbanism")
    )
    planner = User(
        username="urbanist", email="urbanist@demo.example", full_name="Ion Urbanist", is_staff=True
    )
    planner.set_password("demo")
    db.session.add(planner)
    db.session.flush()
    referent_role = db.session.scalar(select(Role).where(Role.code == "referent"))
    db.session.add(
        Membership(
            user_id=planner.id,
            institution_id=institution.id,
            department_id=urbanism.id,
            role_id=referent_role.id,
        )
    )
    db.session.commit()
    assert search_records(planner, "Tractorul") == []
    web = Web(app, "urbanist")
    page = web.get("/arhiva/cautare?q=Tractorul").get_data(as_text=True)
    assert "Rezultate (0)" in page and record.public_id not in page
    assert web.get(f"/arhiva/inregistrare/{record.public_id}").status_code == 404
    page = Web(app, "referent").get("/arhiva/cautare?q=tractorul").get_data(as_text=True)
    assert record.registration_label in page
    # Another institution's archivist-free staff see nothing of this one.
    assert search_records(user("referent.sacele"), "Tractorul") == []


def test_inventory_pdf_per_department(ctx, app, pdftotext, tmp_path):
    record = archived_petition()
    department = record.archive_file.file_class.department
    response = Web(app, "arhivar").get(
        f"/arhiva/inventar/{record.archive_file.year}.pdf?compartiment={department.id}"
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdftotext(response.data, tmp_path)
    assert f"Inventarul dosarelor pe anul {record.archive_file.year}" in text
    assert "II-1" in text and "Petiții și răspunsuri" in text and department.name in text
    assert Web(app, "referent").get(f"/arhiva/inventar/{record.archive_file.year}.pdf").status_code == 403


def test_demo_file_plan_is_seeded(ctx):
    codes = set(db.session.scalars(select(FileClass.code)))
    assert {"II-1", "II-3", "II-4", "V-3", "I-1", "I-2", "I-9"} <= codes
    assert user("arhivar").has_role("arhivar")
    from app.demo.archive import seed_demo_archive

    before = db.session.scalar(select(func.count(FileClass.id)))
    seed_demo_archive()  # idempotent
    assert db.session.scalar(select(func.count(FileClass.id))) == before


def test_export_of_an_open_file_is_refused_in_the_ui(ctx, app):
    record = archived_petition()
    web = Web(app, "arhivar")
    response = web.get(f"/arhiva/dosar/{record.archive_file.public_id}/export", follow_redirects=True)
    assert response.mimetype == "text/html"
    assert "nu este închis: închideți-l înainte de export" in response.get_data(as_text=True)
    # The single record of a closed document exports (zip) even while its yearly file is still open.
    response = web.get(f"/arhiva/inregistrare/{record.public_id}/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert any(n.endswith("/METS.xml") for n in names) and any("-arhiva-blta.pdf" in n for n in names)

"""Enabled document types per institution."""

from sqlalchemy import select

from app.extensions import db
from app.identity.models import Institution
from app.registry.catalogue import InstitutionDocumentType, enable, enabled_types, file_code, is_enabled
from app.registry.models import DocumentType


def _institution(code):
    return db.session.scalar(select(Institution).where(Institution.code == code))


def _type(code):
    return db.session.scalar(select(DocumentType).where(DocumentType.code == code))


def test_demo_institutions_enable_every_type_with_the_manifest_file_code(ctx):
    all_types = set(db.session.scalars(select(DocumentType.code)))
    for code in ("cj-brasov", "pm-sacele"):
        institution = _institution(code)
        pairs = enabled_types(institution)
        assert {t.code for _, t in pairs} == all_types
        assert all(i.id == institution.id for i, _ in pairs)
    assert file_code(_institution("pm-sacele"), _type("petitie")) == "II-1"
    assert len(enabled_types()) == 2 * len(all_types)


def test_disabled_or_missing_type_is_not_enabled(ctx):
    sacele, petition = _institution("pm-sacele"), _type("petitie")
    enable(sacele, petition, enabled=False)
    assert not is_enabled(sacele, petition)
    assert is_enabled(_institution("cj-brasov"), petition)
    assert petition not in [t for _, t in enabled_types(sacele)]

    newcomer = Institution(code="pm-codlea", name="Primăria Orașului Codlea")
    db.session.add(newcomer)
    db.session.flush()
    assert enabled_types(newcomer) == []
    assert not is_enabled(newcomer, petition)


def test_inactive_type_is_not_enabled_anywhere(ctx):
    petition = _type("petitie")
    petition.active = False
    db.session.flush()
    assert not is_enabled(_institution("cj-brasov"), petition)
    assert all(t.code != "petitie" for _, t in enabled_types())


def test_internal_types_filter(ctx):
    council = _institution("cj-brasov")
    internal = {t.code for _, t in enabled_types(council, citizen_can_submit=False)}
    public = {t.code for _, t in enabled_types(council, citizen_can_submit=True)}
    staff_only = set(
        db.session.scalars(select(DocumentType.code).where(DocumentType.citizen_can_submit.is_(False)))
    )
    assert "nota-interna" in internal and internal == staff_only
    assert "petitie" in public and "nota-interna" not in public


def test_enable_is_idempotent(ctx):
    council, petition = _institution("cj-brasov"), _type("petitie")
    before = db.session.scalar(select(db.func.count(InstitutionDocumentType.id)))
    enable(council, petition, file_code="II-9")
    enable(council, petition)
    assert db.session.scalar(select(db.func.count(InstitutionDocumentType.id))) == before
    assert file_code(council, petition) == "II-9"


def _types_form(client, institution_id, changes=None):
    from tests.webflow import csrf_token

    data = {
        "csrf_token": csrf_token(client, "/registratura/tipuri-documente"),
        "institutie": str(institution_id),
    }
    for row in db.session.scalars(
        select(InstitutionDocumentType).where(InstitutionDocumentType.institution_id == institution_id)
    ):
        if row.enabled:
            data[f"activ_{row.document_type_id}"] = "1"
        data[f"cod_{row.document_type_id}"] = row.file_code
    data.update(changes or {})
    return {k: v for k, v in data.items() if v is not None}


def test_secretary_general_chooses_the_types_received(app, login_as):
    client = login_as("secretar")
    with app.app_context():
        council = _institution("cj-brasov")
        petition = _type("petitie")
        form = _types_form(client, council.id, {f"activ_{petition.id}": None, f"cod_{petition.id}": "II-7"})
        council_id, petition_id = council.id, petition.id
    assert client.get("/registratura/tipuri-documente").status_code == 200
    response = client.post("/registratura/tipuri-documente", data=form)
    assert response.status_code == 302
    with app.app_context():
        council, petition = db.session.get(Institution, council_id), db.session.get(DocumentType, petition_id)
        assert not is_enabled(council, petition) and file_code(council, petition) == "II-7"
        assert is_enabled(_institution("pm-sacele"), petition)  # the town hall's choice is its own
        from app.audit.models import AuditEntry

        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "document_types_changed"))
        assert entry.data == {"petitie": {"activ": False, "indicativ": "II-7"}}


def test_bad_file_code_changes_nothing_and_others_are_refused(app, login_as):
    client = login_as("secretar")
    with app.app_context():
        council = _institution("cj-brasov")
        petition = _type("petitie")
        form = _types_form(
            client, council.id, {f"activ_{petition.id}": None, f"cod_{petition.id}": "<script>" * 3}
        )
        council_id, sacele_id = council.id, _institution("pm-sacele").id
        before = [
            (r.document_type_id, r.enabled, r.file_code)
            for r in db.session.scalars(select(InstitutionDocumentType).order_by(InstitutionDocumentType.id))
        ]
    response = client.post("/registratura/tipuri-documente", data=form)
    assert response.status_code == 400 and "Nimic nu a fost salvat" in response.get_data(as_text=True)
    # the secretary general of the council does not manage the town hall
    assert client.get(f"/registratura/tipuri-documente?institutie={sacele_id}").status_code == 403
    with app.app_context():
        refused = _types_form(client, sacele_id)
    assert client.post("/registratura/tipuri-documente", data=refused).status_code == 403
    for username in ("registrator", "referent", "cetatean"):
        assert login_as(username).get("/registratura/tipuri-documente").status_code == 403, username
    with app.app_context():
        after = [
            (r.document_type_id, r.enabled, r.file_code)
            for r in db.session.scalars(select(InstitutionDocumentType).order_by(InstitutionDocumentType.id))
        ]
        assert after == before
        assert council_id

"""Each institution owns its routes: what an analyst deploys runs only at their institution; they see, deploy and
migrate nothing of another institution's; the platform templates stay as published."""

from sqlalchemy import select

from app.extensions import db
from app.workflow.deploy import CheckedProcess, store_version
from app.workflow.migration import plan
from app.workflow.models import HistoryEntry, ProcessVersion
from app.workflow.ownership import current_for
from tests.console.steps import (
    COUNCIL,
    LETTER_XML,
    SACELE,
    instance_of,
    institution,
    letter,
    modeler,
    post_json,
    renamed,
)
from tests.webflow import csrf_token, login


def test_a_deploy_belongs_to_the_analysts_institution_only(app):
    client, token = modeler(app, "analist.sacele")
    deployed = post_json(
        client, "/modelare/adresa/implementare", {"xml": renamed(LETTER_XML, "Repartizare Săcele")}, token
    )
    assert deployed.status_code == 201, deployed.get_json()
    with app.app_context():
        sacele, council = institution(SACELE), institution(COUNCIL)
        own = current_for("adresa", sacele.id)
        own_version = own.version
        assert own.institution_id == sacele.id and own.deployed_by.username == "analist.sacele"
        template = current_for("adresa", council.id)
        assert template.institution_id is None and "Repartizare Săcele" not in template.bpmn_xml
        # New documents: Săcele's run on its own version, the council's on the template.
        assert instance_of(letter(SACELE)).process_version_id == own.id
        assert instance_of(letter(COUNCIL)).process_version_id == template.id

    # The council's analyst sees the template, never Săcele's diagram or its version in the list.
    council_client = login(app.test_client(), "analist")
    assert "Repartizare Săcele" not in council_client.get("/modelare/adresa/bpmn").get_data(as_text=True)
    listing = council_client.get("/modelare/").get_data(as_text=True)
    assert f"v{own_version}" not in listing
    # Säcele's analyst sees their own.
    assert "Repartizare Săcele" in client.get("/modelare/adresa/bpmn").get_data(as_text=True)


def template_forms() -> dict:
    return current_for("adresa", None).forms


def test_the_councils_deploy_never_reaches_a_sacele_document(app):
    """The issue's case: the council's analyst deploys a route whose script forwards the petition into the
    council's register. Săcele's documents do not run it, and Săcele's running ones cannot be migrated onto it."""
    with app.app_context():
        waiting = letter(SACELE, "repartizare")
        before = instance_of(waiting).process_version_id
        label = waiting.registration_label
    client, _token = modeler(app, "analist")
    hostile = LETTER_XML.replace(
        'close_document("solutionat", "Adresa a fost luată la cunoștință; nu cere răspuns.")',
        'forward_to_institution("cj-brasov", "preluare")',
    )
    with app.app_context():  # stored as the council's version (its scenarios would refuse it in the modeler)
        store_version(
            CheckedProcess("adresa", "Adresă", "modeler:adresa.bpmn", hostile, template_forms()),
            institution(COUNCIL).id,
        )
        db.session.commit()
    # The council analyst's migration page lists no Săcele document, and posting it moves none.
    page = client.get("/modelare/adresa/migrare").get_data(as_text=True)
    assert label not in page
    moved = client.post(
        "/modelare/adresa/migrare", data={"csrf_token": csrf_token(client, "/modelare/adresa/migrare")}
    )
    assert moved.status_code == 200
    with app.app_context():
        assert instance_of(waiting).process_version_id == before
        fresh = letter(SACELE)
        assert "forward_to_institution" not in instance_of(fresh).process_version.bpmn_xml
        assert not db.session.scalar(
            select(HistoryEntry.id).where(
                HistoryEntry.document_id.in_([waiting.id, fresh.id]), HistoryEntry.event == "route_migrated"
            )
        )


def test_an_analyst_migrates_only_their_institutions_documents(app):
    with app.app_context():
        at_council, at_sacele = letter(COUNCIL), letter(SACELE)
        council_label, sacele_label = at_council.registration_label, at_sacele.registration_label
    client, token = modeler(app, "analist.sacele")
    changed = renamed(LETTER_XML, "Repartizare (Săcele)")
    assert post_json(client, "/modelare/adresa/implementare", {"xml": changed}, token).status_code == 201
    # The council's analyst sees nothing to move: their documents are on their current version (the template).
    council = login(app.test_client(), "analist")
    assert sacele_label not in council.get("/modelare/adresa/migrare").get_data(as_text=True)
    page = client.get("/modelare/adresa/migrare").get_data(as_text=True)
    assert sacele_label in page and page.count("poate fi mutat") == 1
    with app.app_context():
        [only] = plan("adresa", institution(SACELE).id)
        assert only.document_id == at_sacele.id and council_label  # the council's letter is not in it
    client.post(
        "/modelare/adresa/migrare", data={"csrf_token": csrf_token(client, "/modelare/adresa/migrare")}
    )
    with app.app_context():
        assert instance_of(at_sacele).process_version.institution_id == institution(SACELE).id
        assert instance_of(at_council).process_version.institution_id is None


def test_the_platform_administrator_publishes_templates(app):
    client, token = modeler(app, "platforma")
    deployed = post_json(
        client, "/modelare/adresa/implementare", {"xml": renamed(LETTER_XML, "Repartizare nouă")}, token
    )
    assert deployed.status_code == 201
    with app.app_context():
        template = current_for("adresa", None)
        assert template.institution_id is None and "Repartizare nouă" in template.bpmn_xml
        # Both institutions adopted the template: both run it.
        assert current_for("adresa", institution(SACELE).id).id == template.id
        assert (
            db.session.scalar(
                select(db.func.count()).where(
                    ProcessVersion.process_id == "adresa", ProcessVersion.is_current.is_(True)
                )
            )
            == 1
        )


def test_auditors_clerks_and_citizens_are_refused_and_nothing_changes(app):
    with app.app_context():
        count = db.session.scalar(select(db.func.count()).select_from(ProcessVersion))
    for username in ("auditor", "registrator.sacele", "sef.sacele", "cetatean"):
        client = login(app.test_client(), username)
        token = csrf_token(client, "/documentele-mele" if username == "cetatean" else "/sarcini/")
        refused = post_json(client, "/modelare/adresa/implementare", {"xml": renamed(LETTER_XML, "X")}, token)
        assert refused.status_code == 403, username
        assert client.post("/modelare/adresa/migrare", data={"csrf_token": token}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ProcessVersion)) == count


def test_a_type_the_institution_deploys_is_offered_there_with_the_file_plan_class(app):
    from app.registry.catalogue import InstitutionDocumentType
    from app.registry.models import DocumentType

    with app.app_context():
        adresa = db.session.scalar(select(DocumentType).where(DocumentType.code == "adresa"))
        adresa_id = adresa.id
        row = db.session.scalar(
            select(InstitutionDocumentType).where(
                InstitutionDocumentType.institution_id == institution(SACELE).id,
                InstitutionDocumentType.document_type_id == adresa_id,
            )
        )
        db.session.delete(row)
        db.session.commit()
    client, token = modeler(app, "analist.sacele")
    assert (
        post_json(
            client, "/modelare/adresa/implementare", {"xml": renamed(LETTER_XML, "Repartizare S")}, token
        ).status_code
        == 201
    )
    with app.app_context():
        offered = db.session.scalar(
            select(InstitutionDocumentType).where(
                InstitutionDocumentType.institution_id == institution(SACELE).id,
                InstitutionDocumentType.document_type_id == adresa_id,
            )
        )
        assert offered.enabled and offered.file_code == "I-2"

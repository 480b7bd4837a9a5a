"""A new document type created in the browser by an institution's analyst: checked, its scenarios run, deployed as
the institution's own route and offered there with the manifest's file-plan code; nobody else sees or touches it;
every refusal leaves nothing behind."""

import html
import json
import re
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.identity.models import Institution
from app.intake.submission import submit
from app.registry.catalogue import InstitutionDocumentType
from app.registry.models import DocumentType
from app.workflow.models import ProcessVersion
from tests.routes import open_tasks, user
from tests.webflow import login

ROOT = Path(__file__).resolve().parents[2]
CODE = "atestat-sacele"
PID = "atestat_sacele"
DMN = (ROOT / "processes" / "taxa-certificat-urbanism.dmn").read_text(encoding="utf-8")


def open_new_type(client, code=CODE, name="Atestat de producător"):
    response = client.get(f"/modelare/tip-nou?cod={code}&nume={name}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:300]
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    starter = json.loads(html.unescape(re.search(r'id="tip-nou-start">(.*?)</script>', page, re.S).group(1)))
    return token, starter


def payload(starter, **changes) -> dict:
    body = {
        "xml": starter["xml"],
        "forms": starter["forms"],
        "manifest": {**starter["manifest"], "file_plan": {"class": "III-7", "retention_years": 10}},
        "scenarios": starter["scenarios"],
        "decisions": {},
    }
    body.update(changes)
    return body


def post(client, action: str, body: dict, token: str, code=CODE):
    return client.post(
        f"/modelare/tip-nou/{code}/{action}",
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )


def counts(app) -> tuple:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(ProcessVersion.id))),
            db.session.scalar(select(func.count(DocumentType.id))),
            db.session.scalar(select(func.count(InstitutionDocumentType.id))),
        )


def sacele() -> Institution:
    return db.session.scalar(select(Institution).where(Institution.code == "pm-sacele"))


def test_an_analyst_creates_deploys_and_a_citizen_submits_the_new_type(app):
    client = login(app.test_client(), "analist.sacele")
    assert "/modelare/tip-nou" in client.get("/modelare/").get_data(as_text=True)
    token, starter = open_new_type(client)
    assert starter["manifest"]["process_id"] == PID and f"{CODE}-depunere.json" in starter["forms"]
    checked = post(client, "verificare", payload(starter), token)
    assert checked.status_code == 200 and checked.get_json() == {"ok": True, "problems": []}
    with app.app_context():  # a check stores nothing
        assert db.session.scalar(select(DocumentType).where(DocumentType.code == CODE)) is None

    deployed = post(client, "implementare", payload(starter), token)
    assert deployed.status_code == 201, deployed.get_json()
    assert deployed.get_json()["url"] == f"/modelare/{PID}"
    with app.app_context():
        version = db.session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == PID))
        assert (
            version.institution_id == sacele().id and version.manifest["code"] == CODE and version.scenarios
        )
        assert version.deployed_by.username == "analist.sacele"
        first, manifest = version.version, version.manifest
        doc_type = db.session.scalar(select(DocumentType).where(DocumentType.code == CODE))
        offered = db.session.scalar(
            select(InstitutionDocumentType).where(InstitutionDocumentType.document_type_id == doc_type.id)
        )
        assert (offered.institution_id, offered.enabled, offered.file_code) == (sacele().id, True, "III-7")
    page = client.get(f"/modelare/{PID}").get_data(as_text=True)
    assert 'id="versiune-curenta">v' in page

    # Offered in Săcele's catalogue; a citizen submits it and the route starts.
    assert "Atestat de producător" in app.test_client().get("/?institutie=pm-sacele").get_data(as_text=True)
    citizen = login(app.test_client(), "cetatean")
    form_page = citizen.get(f"/depune/{CODE}?institutie=pm-sacele")
    assert form_page.status_code == 200 and "Subiectul cererii" in form_page.get_data(as_text=True)
    with app.test_request_context():
        doc_type = db.session.scalar(select(DocumentType).where(DocumentType.code == CODE))
        document = submit(user("cetatean"), sacele(), doc_type, {"subiect": "Atestat pentru legume"}, {})
        db.session.commit()
        assert document.institution_id == sacele().id
        assert open_tasks(document) == ["inregistrare"]  # the route runs: the registry clerk has it

    # A later edit in the modeler keeps the type's manifest and scenarios (its deploy gate).
    edited = starter["xml"].replace('name="Redactare răspuns"', 'name="Redactarea răspunsului"')
    again = client.post(
        f"/modelare/{PID}/implementare",
        data=json.dumps({"xml": edited, "forms": {}}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert again.status_code == 201, again.get_json()
    with app.app_context():
        latest = db.session.scalar(
            select(ProcessVersion).where(
                ProcessVersion.process_id == PID, ProcessVersion.is_current.is_(True)
            )
        )
        assert latest.version == first + 1 and latest.manifest == manifest


def test_the_county_councils_analyst_cannot_see_or_touch_it(app):
    client = login(app.test_client(), "analist.sacele")
    token, starter = open_new_type(client)
    assert post(client, "implementare", payload(starter), token).status_code == 201
    before = counts(app)
    council = login(app.test_client(), "analist")
    council_token = re.search(
        r'data-csrf="([^"]+)"', council.get("/modelare/adresa").get_data(as_text=True)
    ).group(1)
    assert PID not in council.get("/modelare/").get_data(as_text=True)
    assert council.get(f"/modelare/{PID}").status_code == 404
    assert council.get(f"/modelare/{PID}/bpmn").status_code == 404
    assert council.get(f"/modelare/{PID}/versiuni").status_code == 404
    body = json.dumps({"xml": starter["xml"], "forms": {}})
    for action in ("verificare", "implementare"):
        response = council.post(
            f"/modelare/{PID}/{action}",
            data=body,
            content_type="application/json",
            headers={"X-CSRFToken": council_token},
        )
        assert response.status_code == 404
    # The same code cannot be taken over by creating it again.
    assert council.get(f"/modelare/tip-nou?cod={CODE}&nume=Altceva").status_code == 422
    refused = post(council, "implementare", payload(starter), council_token)
    [problem] = refused.get_json()["problems"]
    assert refused.status_code == 422 and "already used" in problem["message"]
    # Shown in the interface language (Romanian by default).
    assert problem["text"] == f"{CODE}.manifest.json: code: codul „{CODE}” este deja folosit: alegeți altul"
    # The council's administrator is not offered a type the council has no route for.
    admin = login(app.test_client(), "admin")
    assert "Atestat de producător" not in admin.get("/registratura/tipuri-documente").get_data(as_text=True)
    assert counts(app) == before


def test_auditors_citizens_and_other_staff_are_refused(app):
    analyst = login(app.test_client(), "analist.sacele")
    _token, starter = open_new_type(analyst)
    before = counts(app)
    for username in ("auditor", "cetatean", "registrator.sacele", "admin"):
        client = login(app.test_client(), username)
        assert client.get(f"/modelare/tip-nou?cod={CODE}&nume=Atestat").status_code == 403
        response = client.post(
            f"/modelare/tip-nou/{CODE}/implementare",
            data=json.dumps(payload(starter)),
            content_type="application/json",
        )
        assert response.status_code in (400, 403), username  # CSRF or role: refused either way
    assert counts(app) == before


def refused(app, client, token, starter, **changes) -> list[str]:
    before = counts(app)
    response = post(client, "implementare", payload(starter, **changes), token)
    assert response.status_code == 422, response.get_json()
    assert counts(app) == before
    # The technical wording, as the checker states it (the page shows `text`, in the interface language).
    return [
        ": ".join(filter(None, (p["file"], p["element"], p["message"])))
        for p in response.get_json()["problems"]
    ]


def test_each_refusal_leaves_nothing_behind(app):
    client = login(app.test_client(), "analist.sacele")
    token, starter = open_new_type(client)
    manifest = payload(starter)["manifest"]

    assert client.get("/modelare/tip-nou?cod=Nu%20asa&nume=Atestat").status_code == 422
    assert client.get("/modelare/tip-nou?cod=petitie&nume=Petiție").status_code == 422  # a shipped type
    assert any(
        "retention_years" in p
        for p in refused(
            app,
            client,
            token,
            starter,
            manifest={**manifest, "file_plan": {"class": "X", "retention_years": 7}},
        )
    )
    assert any(
        "manifest's code" in p
        for p in refused(app, client, token, starter, manifest={**manifest, "code": "alt-cod"})
    )
    assert any(
        "at least one scenario" in p
        for p in refused(app, client, token, starter, scenarios={"scenarios": []})
    )
    failing = json.loads(json.dumps(starter["scenarios"]))
    failing["scenarios"][0]["expect"]["status"] = "clasat"
    assert any(
        'scenario "Cererea primește răspuns" fails' in p
        for p in refused(app, client, token, starter, scenarios=failing)
    )
    hostile = starter["xml"].replace(
        "numar = register_document(departament)", "__import__('os').system('id')"
    )
    assert any("atribuire_numar: script" in p for p in refused(app, client, token, starter, xml=hostile))
    other_process = (
        starter["xml"]
        .replace(f'id="{PID}"', 'id="alt_proces"')
        .replace(f'processRef="{PID}"', 'processRef="alt_proces"')
    )
    assert any("exactly one process" in p for p in refused(app, client, token, starter, xml=other_process))
    assert any(
        "subject_field" in p
        for p in refused(app, client, token, starter, manifest={**manifest, "subject_field": "inexistent"})
    )


def test_a_new_type_with_its_own_decision_table(app):
    """The route calls a decision table drafted beside it; a hostile table is refused, a good one deploys."""
    client = login(app.test_client(), "analist.sacele")
    token, starter = open_new_type(client)
    task = (
        '<bpmn:businessRuleTask id="calcul" name="Calcul"><bpmn:extensionElements>'
        "<spiffworkflow:calledDecisionId>taxa_atestat</spiffworkflow:calledDecisionId></bpmn:extensionElements>"
        "<bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f4b</bpmn:outgoing></bpmn:businessRuleTask>"
        '<bpmn:sequenceFlow id="f4b" sourceRef="calcul" targetRef="redactare" />'
    )
    xml = (
        starter["xml"]
        .replace(
            '<bpmn:sequenceFlow id="f4" sourceRef="atribuire_numar" targetRef="redactare" />',
            '<bpmn:sequenceFlow id="f4" sourceRef="atribuire_numar" targetRef="calcul" />' + task,
        )
        .replace(
            "<bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>",
            "<bpmn:incoming>f4b</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>",
        )
        .replace(
            "<bpmn:flowNodeRef>emitere</bpmn:flowNodeRef>",
            "<bpmn:flowNodeRef>emitere</bpmn:flowNodeRef><bpmn:flowNodeRef>calcul</bpmn:flowNodeRef>",
        )
    )
    table = (
        DMN.replace('id="taxa_certificat_urbanism"', 'id="taxa_atestat"')
        .replace("<text>suprafata_mp</text>", "<text>len(subiect)</text>")
        .replace("suprafata_mp - 1000", "len(subiect) - 1000")
    )
    scenarios = json.loads(json.dumps(starter["scenarios"]))
    scenarios["scenarios"][0]["steps"][1]["expect"] = {"data": {"taxa_lei": 6}}
    hostile = table.replace("<text>7</text>", "<text>open('/etc/passwd').read()</text>")
    problems = refused(
        app, client, token, starter, xml=xml, scenarios=scenarios, decisions={"taxa-atestat.dmn": hostile}
    )
    assert any(p.startswith("taxa-atestat.dmn: regula_250: rule 2, result") for p in problems), problems
    entity = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + table.split("?>", 1)[1]
    )
    problems = refused(
        app, client, token, starter, xml=xml, scenarios=scenarios, decisions={"taxa-atestat.dmn": entity}
    )
    assert any("DOCTYPE" in p for p in problems), problems
    response = post(
        client,
        "implementare",
        payload(starter, xml=xml, scenarios=scenarios, decisions={"taxa-atestat.dmn": table}),
        token,
    )
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        version = db.session.scalar(select(ProcessVersion).where(ProcessVersion.process_id == PID))
        assert set(version.decisions) == {"taxa-atestat.dmn"}
    assert client.get(f"/modelare/{PID}/decizii/taxa-atestat.dmn").get_data(as_text=True) == table


def test_flask_processes_test_runs_the_scenarios_of_a_type_made_in_the_browser(app):
    client = login(app.test_client(), "analist.sacele")
    token, starter = open_new_type(client)
    assert post(client, "implementare", payload(starter), token).status_code == 201
    runner = app.test_cli_runner()

    passed = runner.invoke(args=["processes", "test"])
    assert passed.exit_code == 0, passed.output
    stored_lines = [line for line in passed.output.splitlines() if f"{PID} v" in line and "(stored)" in line]
    assert stored_lines and all(line.startswith(("ok  ", "coverage ")) for line in stored_lines), (
        passed.output
    )
    files_only = runner.invoke(args=["processes", "test", "--files-only"])
    assert files_only.exit_code == 0 and "(stored)" not in files_only.output

    # A scenario that cannot pass on the stored diagram fails the command, naming the stored type.
    with app.app_context():
        version = db.session.scalar(
            select(ProcessVersion).where(
                ProcessVersion.process_id == PID, ProcessVersion.is_current.is_(True)
            )
        )
        scenarios = json.loads(json.dumps(version.scenarios))
        scenarios["scenarios"] = [
            {**scenarios["scenarios"][0], "name": "nu se termină", "expect": {"completed": True}}
        ]
        scenarios["scenarios"][0]["steps"] = scenarios["scenarios"][0]["steps"][:1]
        version.scenarios = scenarios
        db.session.commit()
    failed = runner.invoke(args=["processes", "test"])
    assert failed.exit_code == 1, failed.output
    assert f"FAIL {PID} v" in failed.output and "nu se termină" in failed.output
    assert "Traceback" not in failed.output

"""The modeler: only process analysts may use it; check and deploy through HTTP with broken and good diagrams;
forms edited with validation; a browser deployment survives the deploy that runs at every start."""

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.workflow.models import ProcessVersion
from tests.webflow import csrf_token, login

ROOT = Path(__file__).resolve().parents[2]
LETTER_XML = (ROOT / "processes" / "adresa.bpmn").read_text(encoding="utf-8")
EVERY_OTHER_ACCOUNT = ["cetatean", "registrator", "sef.serviciu", "referent", "secretar", "auditor", "admin"]


def modeling_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("modeling."):
            url = re.sub(
                r"<(?:\w+:)?(\w+)>",
                lambda m: {
                    "name": "adresa-depunere.json",
                    "number": "1",
                    "dmn": "taxa-certificat-urbanism.dmn",
                }.get(m.group(1), "adresa"),
                rule.rule,
            )
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield url, method


def post_json(client, url: str, payload: dict, token: str):
    return client.post(
        url, data=json.dumps(payload), content_type="application/json", headers={"X-CSRFToken": token}
    )


def test_every_modeler_route_is_for_analysts_only(app):
    routes = list(modeling_routes(app))
    assert len(routes) >= 8
    anonymous = app.test_client()
    anonymous_token = csrf_token(anonymous)  # valid: the refusal comes from the login rule, not from CSRF
    for url, method in routes:
        if method == "GET":
            response = anonymous.get(url)
        else:
            response = anonymous.post(
                url, data={"csrf_token": anonymous_token}, headers={"X-CSRFToken": anonymous_token}
            )
        assert response.status_code == 302 and "/autentificare" in response.headers["Location"], (url, method)
    for username in EVERY_OTHER_ACCOUNT:
        client = login(app.test_client(), username)
        token = csrf_token(client, "/documentele-mele" if username == "cetatean" else "/sarcini/")
        for url, method in routes:
            if method == "GET":
                response = client.get(url)
            else:  # with a valid CSRF token: refused for the role, not for the token
                response = client.post(
                    url,
                    data={"csrf_token": token, "xml": "x"},
                    headers={"X-CSRFToken": token},
                )
            assert response.status_code == 403, (username, url, method, response.status_code)
    analyst = login(app.test_client(), "analist")
    for url, method in routes:
        if method == "GET":
            assert analyst.get(url).status_code == 200, url


def test_only_analysts_see_the_menu_entry(app):
    assert "/modelare/" in login(app.test_client(), "analist").get("/sarcini/").get_data(as_text=True)
    assert "/modelare/" not in login(app.test_client(), "registrator").get("/sarcini/").get_data(as_text=True)


def test_check_and_deploy_a_broken_then_a_good_diagram(app):
    client = login(app.test_client(), "analist")
    page = client.get("/modelare/adresa").get_data(as_text=True)
    assert "/vendor/registratura/modeler.js" in page and 'id="proprietati"' in page
    assert "adresa-repartizare.json" in re.search(r'data-forms="([^"]+)"', page).group(1)
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    assert client.get("/modelare/adresa/bpmn").get_data(as_text=True) == LETTER_XML

    broken = LETTER_XML.replace("issue_answer(raspuns)", "__import__('os').system('id')")
    checked = post_json(client, "/modelare/adresa/verificare", {"xml": broken}, token).get_json()
    assert checked["ok"] is False
    [problem] = [p for p in checked["problems"] if p["element"] == "emitere"]
    assert problem["text"].startswith("adresa.bpmn: emitere: script:") and "__import__" in problem["text"]

    refused = post_json(client, "/modelare/adresa/implementare", {"xml": broken}, token)
    assert refused.status_code == 422 and refused.get_json()["ok"] is False
    doctype = post_json(
        client, "/modelare/adresa/verificare", {"xml": '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'}, token
    )
    assert "DOCTYPE" in doctype.get_json()["problems"][0]["message"]
    other_id = post_json(
        client, "/modelare/adresa/verificare", {"xml": LETTER_XML.replace('"adresa"', '"alta"')}, token
    )
    assert 'must keep the process id "adresa"' in other_id.get_json()["problems"][0]["message"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).where(ProcessVersion.process_id == "adresa")) == 1

    good = LETTER_XML.replace('name="Repartizare"', 'name="Repartizare către funcționar"')
    assert post_json(client, "/modelare/adresa/verificare", {"xml": good}, token).get_json() == {
        "ok": True,
        "problems": [],
    }
    deployed = post_json(client, "/modelare/adresa/implementare", {"xml": good}, token)
    assert deployed.status_code == 201 and deployed.get_json() == {"ok": True, "version": 2, "new": True}
    again = post_json(client, "/modelare/adresa/implementare", {"xml": good}, token)
    assert again.status_code == 200 and again.get_json() == {"ok": True, "version": 2, "new": False}

    # The deploy that runs at every start (files unchanged) keeps the browser's version current.
    from app.workflow.deploy import deploy_all

    with app.app_context():
        deploy_all(app.config["PROCESSES_DIR"], app.config["FORMS_DIR"])
        db.session.commit()
        current = db.session.scalar(
            select(ProcessVersion).where(
                ProcessVersion.process_id == "adresa", ProcessVersion.is_current.is_(True)
            )
        )
        assert current.version == 2 and current.source_file == "modeler:adresa.bpmn"
        assert "Repartizare către funcționar" in current.bpmn_xml
    assert "Repartizare către funcționar" in client.get("/modelare/adresa/bpmn").get_data(as_text=True)
    assert "v2" in client.get("/modelare/").get_data(as_text=True)


def test_a_new_form_drafted_in_the_browser_is_checked_and_deployed_with_the_diagram(app):
    client = login(app.test_client(), "analist")
    page = client.get("/modelare/adresa").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    xml = LETTER_XML.replace('value="adresa-repartizare.json"', 'value="adresa-repartizare-v2.json"')
    # The step's form with one more field, under a new file name.
    form = json.loads((ROOT / "forms" / "adresa-repartizare.json").read_text(encoding="utf-8"))
    form["properties"]["termen_intern"] = {"type": "string", "format": "date", "title": "Termen intern"}
    # Without the new file the diagram names a form nobody has.
    missing = post_json(client, "/modelare/adresa/verificare", {"xml": xml}, token).get_json()
    assert missing["ok"] is False and any(
        "adresa-repartizare-v2.json" in p["text"] for p in missing["problems"]
    )
    # A broken new form is refused on its own, before the route check.
    broken = {**form, "properties": {"referent": {"type": "nu-exista"}}}
    refused = post_json(
        client,
        "/modelare/adresa/implementare",
        {"xml": xml, "forms": {"adresa-repartizare-v2.json": broken}},
        token,
    )
    assert refused.status_code == 422
    assert refused.get_json()["problems"][0]["text"].startswith("adresa-repartizare-v2.json")
    # A file name that could reach outside forms/ is not accepted at all.
    for name in ("../x.json", "X.json", "a.txt"):
        assert (
            post_json(
                client, "/modelare/adresa/verificare", {"xml": xml, "forms": {name: form}}, token
            ).status_code
            == 400
        )
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).where(ProcessVersion.process_id == "adresa")) == 1

    payload = {"xml": xml, "forms": {"adresa-repartizare-v2.json": form}}
    assert post_json(client, "/modelare/adresa/verificare", payload, token).get_json() == {
        "ok": True,
        "problems": [],
    }
    deployed = post_json(client, "/modelare/adresa/implementare", payload, token)
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 2
    with app.app_context():
        current = db.session.scalar(
            select(ProcessVersion).where(
                ProcessVersion.process_id == "adresa", ProcessVersion.is_current.is_(True)
            )
        )
        assert current.forms["adresa-repartizare-v2.json"]["properties"]["termen_intern"]["format"] == "date"
    assert "adresa-repartizare-v2.json" in client.get("/modelare/adresa").get_data(as_text=True)


def test_form_editing_validates_json_the_form_and_the_route(app):
    client = login(app.test_client(), "analist")
    url = "/modelare/adresa/formulare/adresa-inregistrare.json"
    page = client.get(url).get_data(as_text=True)
    assert "cere_raspuns" in page
    token = csrf_token(client, url)

    bad_json = client.post(url, data={"csrf_token": token, "continut": "{nu e json", "actiune": "verifica"})
    assert bad_json.status_code == 422 and "JSON invalid" in bad_json.get_data(as_text=True)

    with app.app_context():
        schema = db.session.scalar(
            select(ProcessVersion).where(
                ProcessVersion.process_id == "adresa", ProcessVersion.is_current.is_(True)
            )
        ).forms["adresa-inregistrare.json"]
    renamed = json.loads(json.dumps(schema))
    renamed["properties"]["raspuns_cerut"] = renamed["properties"].pop("cere_raspuns")
    # The form check first: the UI schema still orders the old name.
    ui_break = client.post(
        url, data={"csrf_token": token, "continut": json.dumps(renamed), "actiune": "verifica"}
    )
    assert (
        ui_break.status_code == 422
        and "„ui:order” conține câmpul necunoscut „cere_raspuns”" in ui_break.get_data(as_text=True)
    )
    # Drop the field from the UI schema (a valid change, deployed as version 2), then rename it: the route check
    # finds the condition that still reads the old name.
    ui_url = "/modelare/adresa/formulare/adresa-inregistrare-uischema.json"
    ui = {
        "ui:order": ["departament", "observatii_registratura"],
        "observatii_registratura": {"ui:widget": "textarea"},
    }
    assert (
        client.post(
            ui_url, data={"csrf_token": token, "continut": json.dumps(ui), "actiune": "implementeaza"}
        ).status_code
        == 302
    )
    route_break = client.post(
        url, data={"csrf_token": token, "continut": json.dumps(renamed), "actiune": "verifica"}
    )
    assert route_break.status_code == 422
    assert "gw_raspuns: condiția spre luare_cunostinta citește „cere_raspuns”" in route_break.get_data(
        as_text=True
    )
    bad_form = dict(schema, properties={**schema["properties"], "cere_raspuns": {"type": "obiect"}})
    assert client.post(url, data={"csrf_token": token, "continut": json.dumps(bad_form)}).status_code == 422

    better = json.loads(json.dumps(schema))
    better["properties"]["cere_raspuns"]["title"] = "Adresa cere un răspuns scris"
    deployed = client.post(
        url, data={"csrf_token": token, "continut": json.dumps(better), "actiune": "implementeaza"}
    )
    assert deployed.status_code == 302
    with app.app_context():
        current = db.session.scalar(
            select(ProcessVersion).where(
                ProcessVersion.process_id == "adresa", ProcessVersion.is_current.is_(True)
            )
        )
        assert current.version == 3
        assert current.forms["adresa-inregistrare-uischema.json"] == ui
        assert current.forms["adresa-inregistrare.json"]["properties"]["cere_raspuns"]["title"].endswith(
            "scris"
        )
    # A new letter uses the edited form.
    clerk_page = client.get("/modelare/adresa/formulare/adresa-inregistrare.json").get_data(as_text=True)
    assert "Adresa cere un răspuns scris" in clerk_page


@pytest.mark.parametrize("username", ["analist"])
def test_migration_page_lists_and_moves_documents(app, username, tmp_path):
    from tests.routes import deploy_changed, letter_at

    with app.test_request_context():
        document = letter_at("redactare")
        deploy_changed(tmp_path, lambda xml: xml.replace('name="Redactare răspuns"', 'name="Redactare"'))
        label = document.registration_label
        db.session.remove()
    client = login(app.test_client(), username)
    page = client.get("/modelare/adresa/migrare").get_data(as_text=True)
    assert label in page and "poate fi mutat" in page
    token = csrf_token(client, "/modelare/adresa/migrare")
    moved = client.post("/modelare/adresa/migrare", data={"csrf_token": token}).get_data(as_text=True)
    assert "mutat" in moved and "1 document(e) mutat(e)" in moved

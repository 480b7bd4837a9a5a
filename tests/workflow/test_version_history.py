"""The versions page: who deployed each version and when, documents per version, the differences of two, deploying
an earlier one again; another institution's versions are not even listed."""

from sqlalchemy import select

from app.extensions import db
from app.workflow.models import ProcessVersion
from app.workflow.ownership import current_for
from app.workflow.versions import diff
from tests.console.steps import LETTER_XML, SACELE, institution, letter, modeler, post_json, renamed
from tests.webflow import csrf_token, login


def test_the_diff_lists_added_removed_and_changed_elements():
    changed = renamed(LETTER_XML, "Repartizare nouă").replace(
        "<bpmn:script>remind()</bpmn:script>", "<bpmn:script>remind()\nx = 1</bpmn:script>"
    )
    result = diff(LETTER_XML, changed)
    assert {e["id"] for e in result["changed"]} == {"repartizare", "reamintire"}
    assert result["added"] == [] and result["removed"] == []
    # The drawing and comments are not differences.
    assert diff(LETTER_XML, LETTER_XML.replace("<bpmn:process ", "<!-- notă --><bpmn:process ")) == {
        "added": [],
        "removed": [],
        "changed": [],
    }


def test_versions_page_diff_and_redeploying_an_earlier_version(app):
    client, token = modeler(app, "analist.sacele")
    assert (
        post_json(
            client, "/modelare/adresa/implementare", {"xml": renamed(LETTER_XML, "Pasul 2")}, token
        ).status_code
        == 201
    )
    with app.app_context():
        letter(SACELE)
        own = current_for("adresa", institution(SACELE).id)
        own_number, template_number = own.version, own.version - 1
    page = client.get("/modelare/adresa/versiuni").get_data(as_text=True)
    assert f'data-version="{own_number}"' in page and "Sorin Pavel" in page
    assert "1 / 1" in page  # the new letter runs on Săcele's version
    differences = client.get(f"/modelare/adresa/diferente?a={template_number}&b={own_number}").get_data(
        as_text=True
    )
    assert "<code>repartizare</code>" in differences and 'id="diagrama-b"' in differences
    assert client.get(f"/modelare/adresa/versiuni/{own_number}.bpmn").status_code == 200

    # The council's analyst sees neither Săcele's version nor its diagram.
    council = login(app.test_client(), "analist")
    assert f'data-version="{own_number}"' not in council.get("/modelare/adresa/versiuni").get_data(
        as_text=True
    )
    assert council.get(f"/modelare/adresa/versiuni/{own_number}.bpmn").status_code == 404
    council_token = csrf_token(council, "/modelare/adresa/versiuni")
    assert (
        council.post(
            f"/modelare/adresa/versiuni/{own_number}/reimplementare", data={"csrf_token": council_token}
        ).status_code
        == 404
    )

    # Deploying the template's content again: Săcele's current version has it, Săcele's other stays listed.
    token = csrf_token(client, "/modelare/adresa/versiuni")
    assert (
        client.post(
            f"/modelare/adresa/versiuni/{template_number}/reimplementare", data={"csrf_token": token}
        ).status_code
        == 303
    )
    with app.app_context():
        now = current_for("adresa", institution(SACELE).id)
        assert now.institution_id == institution(SACELE).id and "Pasul 2" not in now.bpmn_xml
        assert db.session.scalar(select(db.func.count()).where(ProcessVersion.process_id == "adresa")) == 3

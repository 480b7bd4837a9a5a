"""Deployment: checks that stop bad BPMN with file + element + message, and versions that keep documents pinned."""

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.workflow.deploy import DeploymentFailed, check_bpmn, deploy_all
from app.workflow.models import ProcessVersion

ROOT = Path(__file__).resolve().parents[2]
PETITION = (ROOT / "processes" / "petitie.bpmn").read_bytes()
ROLES = {"registrator", "referent", "sef_serviciu", "secretar_general"}


def problems_of(xml: bytes, forms_dir: Path = ROOT / "forms") -> list[str]:
    problems, _ = check_bpmn("test.bpmn", xml, forms_dir, ROLES)
    return [str(p) for p in problems]


def test_the_petition_route_passes_every_check():
    assert problems_of(PETITION) == []


def test_malformed_xml_names_the_file_and_line():
    [message] = problems_of(
        b"<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'><oops>"
    )
    assert message.startswith("test.bpmn: ") and "not well-formed" in message


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><d>&b;</d>',
    ],
)
def test_entities_are_refused(payload):
    [message] = problems_of(payload)
    assert "DOCTYPE" in message
    assert "root:" not in message  # nothing from /etc/passwd leaks into the message


def test_non_executable_process_is_reported_not_skipped():
    xml = PETITION.replace(b'isExecutable="true"', b'isExecutable="false"')
    [message] = problems_of(xml)
    assert "test.bpmn: petitie: process is not executable" in message


def test_user_task_without_form_names_the_element():
    xml = re.sub(
        rb'<spiffworkflow:property name="formJsonSchemaFilename" value="petitie-raspuns.json" />',
        b"",
        PETITION,
    )
    messages = problems_of(xml)
    assert any(m.startswith("test.bpmn: redactare: user task without a form") for m in messages)


def test_missing_form_file_and_unknown_lane(tmp_path):
    messages = problems_of(PETITION.replace(b'name="referent"', b'name="paznic"'), forms_dir=tmp_path)
    assert any("form file petitie-depunere.json not found" in m for m in messages)
    assert any('redactare: lane "paznic" maps to no role' in m for m in messages)


def test_scripts_that_escape_the_sandbox_are_rejected_at_deploy():
    xml = PETITION.replace(b"numar = register_document(departament)", b"import os; os.system('id')")
    messages = problems_of(xml)
    assert any(m.startswith("test.bpmn: atribuire_numar: script:") for m in messages)


def test_condition_with_dunder_access_is_rejected():
    xml = PETITION.replace(b'decizie == "returneaza"', b"().__class__")
    messages = problems_of(xml)
    assert any("gw_aprobat: condition" in m for m in messages)


def test_parser_errors_become_messages_with_element():
    # A non-default exclusive flow without a condition is a parse error in SpiffWorkflow.
    xml = PETITION.replace(
        b'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">decizie == "returneaza"'
        b"</bpmn:conditionExpression>",
        b"",
    )
    assert xml != PETITION
    messages = problems_of(xml)
    assert messages and all(m.startswith("test.bpmn") for m in messages)


def _copy_tree(tmp_path: Path) -> tuple[Path, Path]:
    processes, forms = tmp_path / "processes", tmp_path / "forms"
    shutil.copytree(ROOT / "processes", processes)
    shutil.copytree(ROOT / "forms", forms)
    return processes, forms


def test_bad_file_stops_the_whole_deployment(ctx, tmp_path):
    processes, forms = _copy_tree(tmp_path)
    # A valid change that would become version 2, beside a broken file: neither is deployed.
    (processes / "petitie.bpmn").write_bytes(PETITION.replace(b"Aprobat?", b"Aprobat oare?"))
    (processes / "stricat.bpmn").write_text("<not-bpmn/>")
    before = db.session.scalar(select(db.func.count(ProcessVersion.id)))
    with pytest.raises(DeploymentFailed) as exc:
        deploy_all(processes, forms)
    db.session.rollback()
    assert any(p.file == "stricat.bpmn" for p in exc.value.problems)
    assert db.session.scalar(select(db.func.count(ProcessVersion.id))) == before


def test_changed_bpmn_becomes_a_new_version_and_unchanged_does_not(ctx, tmp_path):
    processes, forms = _copy_tree(tmp_path)
    [v1] = [v for v in deploy_all(processes, forms) if v.process_id == "petitie"]
    assert v1.version == 1 and v1.is_current  # the demo already deployed the same content
    (processes / "petitie.bpmn").write_bytes(PETITION.replace(b"Repartizare", "Repartizare internă".encode()))
    [v2] = [v for v in deploy_all(processes, forms) if v.process_id == "petitie"]
    db.session.commit()
    assert v2.version == 2 and v2.is_current and not v1.is_current
    assert "Repartizare internă" in v2.bpmn_xml and "Repartizare internă" not in v1.bpmn_xml
    # Forms are snapshotted with the version, so old versions stay runnable after files change.
    assert "petitie-depunere.json" in v1.forms


def test_cli_check_prints_problems_and_exits_non_zero(app, tmp_path):
    processes, forms = _copy_tree(tmp_path)
    (processes / "extra.bpmn").write_bytes(
        PETITION.replace(b'id="petitie"', b'id="alta"').replace(
            b'formJsonSchemaFilename" value="petitie-aprobare.json"',
            b'formJsonSchemaFilename" value="lipsa.json"',
        )
    )
    result = app.test_cli_runner().invoke(args=["processes", "check", str(processes)])
    assert result.exit_code == 1
    assert "extra.bpmn: aprobare: form file lipsa.json not found in forms/" in result.output
    assert "Traceback" not in result.output
    ok = app.test_cli_runner().invoke(args=["processes", "check"])
    assert ok.exit_code == 0, ok.output
    shipped = len(list((ROOT / "processes").glob("*.manifest.json")))
    assert f"OK: {shipped} process(es), {shipped} document type(s)." in ok.output

"""Deploy gates and checks: scenarios gate the modeler's deploy; `flask processes check FILE` judges that file; a
comment inside a process is harmless; untriggerable starts, reads before any setter and schema-order errors are
reported with their element."""

from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.workflow.models import ProcessVersion
from tests.console.steps import LETTER_XML, ROOT, modeler, post_json

REMINDER = "<bpmn:script>remind()</bpmn:script>"


def check_file(app, tmp_path: Path, xml: str, name: str = "adresa.bpmn"):
    path = tmp_path / name
    path.write_text(xml, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["processes", "check", str(path)])


def test_check_judges_one_file(app, tmp_path):
    good = check_file(app, tmp_path, LETTER_XML)
    assert good.exit_code == 0 and "OK: 1 process(es)" in good.output
    broken = check_file(app, tmp_path, LETTER_XML.replace("issue_answer(raspuns)", "issue_answer(rapsuns)"))
    assert broken.exit_code == 1 and 'adresa.bpmn: emitere: script reads "rapsuns"' in broken.output
    missing = app.test_cli_runner().invoke(args=["processes", "check", str(tmp_path / "nu-exista.bpmn")])
    assert missing.exit_code == 2


def test_a_comment_inside_a_process_is_harmless(app, tmp_path):
    commented = LETTER_XML.replace(
        '<bpmn:process id="adresa" name="Adresă de la altă instituție" isExecutable="true">',
        '<bpmn:process id="adresa" name="Adresă de la altă instituție" isExecutable="true"><!-- notă -->',
    )
    assert commented != LETTER_XML
    result = check_file(app, tmp_path, commented)
    assert result.exit_code == 0, result.output


def test_a_message_start_and_a_schema_order_error_are_reported_with_element_and_line(app, tmp_path):
    message_start = LETTER_XML.replace(
        '<bpmn:startEvent id="start"',
        '<bpmn:startEvent id="start_mesaj"><bpmn:messageEventDefinition /></bpmn:startEvent><bpmn:startEvent id="start"',
    )
    result = check_file(app, tmp_path, message_start)
    assert result.exit_code == 1 and "start_mesaj: a message start event" in result.output
    old = "<bpmn:incoming>f_aprobat</bpmn:incoming><bpmn:outgoing>f_emitere</bpmn:outgoing>"
    assert old in LETTER_XML
    swapped = LETTER_XML.replace(
        old, "<bpmn:outgoing>f_emitere</bpmn:outgoing><bpmn:incoming>f_aprobat</bpmn:incoming>"
    )
    result = check_file(app, tmp_path, swapped)
    line = next(i for i, text in enumerate(swapped.splitlines(), 1) if 'id="emitere"' in text)
    assert (
        result.exit_code == 1
        and f"adresa.bpmn: emitere: line {line}: Element 'bpmn:incoming'" in result.output
    )


def test_reads_no_path_sets_before_are_warned(app, tmp_path):
    # The reminder runs in the branch parallel to the assignment: `referent` is not set there.
    parallel = LETTER_XML.replace(REMINDER, "<bpmn:script>remind()\nx = referent</bpmn:script>")
    result = check_file(app, tmp_path, parallel)
    assert result.exit_code == 0  # a warning, not an error
    assert 'warning: adresa.bpmn: reamintire: script reads "referent", which some path' in result.output
    petition = app.test_cli_runner().invoke(
        args=["processes", "check", str(ROOT / "processes" / "petitie.bpmn")]
    )
    assert 'redactare: the assignee variable "referent" may not be set on every path' in petition.output


def test_the_modeler_refuses_a_deploy_whose_scenarios_fail(app):
    client, token = modeler(app, "analist")
    with app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(ProcessVersion))
    failing = LETTER_XML.replace(
        'close_document("solutionat", "Adresa a fost luată la cunoștință; nu cere răspuns.")',
        'close_document("solutionat", "Închisă.")',
    )
    refused = post_json(client, "/modelare/adresa/implementare", {"xml": failing}, token)
    assert refused.status_code == 422
    [problem] = refused.get_json()["problems"]
    assert problem["file"] == "adresa.scenarios.json" and "se ia la cunoștință" in problem["message"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ProcessVersion)) == before


def test_scenario_coverage_names_the_elements_no_scenario_passes(app, tmp_path):
    import json
    import shutil

    for name in ("adresa.bpmn", "adresa.manifest.json"):
        shutil.copy(ROOT / "processes" / name, tmp_path / name)
    scenarios = json.loads((ROOT / "processes" / "adresa.scenarios.json").read_text(encoding="utf-8"))
    full = app.test_cli_runner().invoke(
        args=["processes", "test", str(ROOT / "processes" / "adresa.scenarios.json")]
    )
    assert "coverage adresa.scenarios.json: 19 of 19 elements, 19 of 19 flows" in full.output
    scenarios["scenarios"] = scenarios["scenarios"][:1]  # the answered letter only
    (tmp_path / "adresa.scenarios.json").write_text(
        json.dumps(scenarios, ensure_ascii=False), encoding="utf-8"
    )
    result = app.test_cli_runner().invoke(args=["processes", "test", str(tmp_path)])
    assert result.exit_code == 0, result.output
    line = next(
        text for text in result.output.splitlines() if text.startswith("coverage adresa.scenarios.json")
    )
    assert "elements no scenario passes:" in line and "luare_cunostinta" in line and "emitere" not in line

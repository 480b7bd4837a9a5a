"""Decision tables (DMN) at deployment: a business-rule task's table is checked like a script; hostile or
malformed DMN is refused with the file, the element and a clear message."""

from pathlib import Path

from app.identity.roles import STANDARD_ROLES
from app.workflow.deploy import check_bpmn

ROOT = Path(__file__).resolve().parents[2]
BPMN = (ROOT / "processes" / "certificat-urbanism.bpmn").read_bytes()
DMN = (ROOT / "processes" / "taxa-certificat-urbanism.dmn").read_text(encoding="utf-8")
NAME = "taxa-certificat-urbanism.dmn"


def check(dmn: str | None, extra: dict | None = None) -> list[str]:
    decisions = {} if dmn is None else {NAME: dmn.encode()}
    problems, checked = check_bpmn(
        "certificat-urbanism.bpmn", BPMN, ROOT / "forms", set(STANDARD_ROLES), {**decisions, **(extra or {})}
    )
    if not problems:
        assert checked and checked[0].decisions == {NAME: dmn}
    return [str(p) for p in problems]


def test_the_shipped_table_passes_and_travels_with_the_process():
    assert check(DMN) == []


def test_an_input_reading_a_variable_the_route_never_sets_is_refused():
    typo = DMN.replace("<text>suprafata_mp</text>", "<text>suprafata_m2 * 1</text>")
    assert check(typo) == [
        "certificat-urbanism.bpmn: calcul_taxa: decision table taxa_certificat_urbanism input reads "
        '"suprafata_m2", which no form, script or helper provides'
    ]


def test_an_input_some_path_may_leave_unset_is_a_warning():
    import json

    from lxml import etree

    from app.workflow.checking import unset_read_warnings
    from app.workflow.deploy import _decision_reads

    process = next(p for p in etree.fromstring(BPMN).iter("{*}process") if p.get("isExecutable") == "true")
    reads = _decision_reads(process, {NAME: DMN})
    assert reads == {"calcul_taxa": ("taxa_certificat_urbanism", {"suprafata_mp"})}
    form_name = "certificat-urbanism-depunere.json"
    form = json.loads((ROOT / "forms" / form_name).read_text(encoding="utf-8"))
    assert "suprafata_mp" in form["required"]  # the shipped form always sets it: no warning
    assert not [
        w for w in unset_read_warnings(process, {form_name: form}, set(), reads) if w[0] == "calcul_taxa"
    ]
    optional = {**form, "required": [name for name in form["required"] if name != "suprafata_mp"]}
    assert (
        "calcul_taxa",
        'decision table taxa_certificat_urbanism input reads "suprafata_mp", which some path '
        "reaches this element without setting",
    ) in unset_read_warnings(process, {form_name: optional}, set(), reads)


def test_a_task_calling_a_decision_no_file_defines_is_refused():
    assert check(None) == [
        'certificat-urbanism.bpmn: calcul_taxa: no DMN file defines the decision "taxa_certificat_urbanism"'
    ]


def test_an_entity_declaration_is_refused_before_anything_is_read():
    hostile = DMN.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    ).replace("<text>6</text>", "<text>&x;</text>")
    problems = check(hostile)
    assert problems[0] == f"{NAME}: the file declares a DOCTYPE (entities are refused: XML entity attacks)"
    assert not any("root:" in p for p in problems)


def test_a_malformed_file_is_refused_with_its_line():
    problems = check(DMN.replace("</decisionTable>", ""))
    assert any(p.startswith(NAME) and "not well-formed" in p for p in problems), problems


def test_a_cell_that_would_run_forbidden_code_is_refused():
    problems = check(DMN.replace("<text>7</text>", "<text>__import__('os').system('id')</text>"))
    assert any(p.startswith(f"{NAME}: regula_250: rule 2, result") for p in problems), problems


def test_an_input_condition_that_does_not_compile_is_refused():
    problems = check(DMN.replace("<text>&lt;= 250</text>", "<text>&lt;= = 250</text>"))
    assert any(p.startswith(f"{NAME}: regula_250: rule 2, condition") for p in problems), problems


def test_an_input_column_without_expression_is_refused():
    problems = check(DMN.replace("<text>suprafata_mp</text>", "<text></text>"))
    assert any("intrare_suprafata: input column without an expression" in p for p in problems), problems


def test_a_rule_missing_a_cell_is_refused():
    problems = check(DMN.replace('<outputEntry id="regula_500_out"><text>9</text></outputEntry>', ""))
    assert f"{NAME}: regula_500: rule 3 does not have one cell per column" in problems


def test_a_file_that_is_not_dmn_is_refused():
    problems = check(BPMN.decode().replace('id="calcul_taxa"', 'id="x"'))
    assert problems, problems


def test_two_files_defining_the_same_decision_are_refused():
    problems = check(DMN, {"copie.dmn": DMN.encode()})
    assert any("decision id also defined in" in p for p in problems), problems


def test_a_literal_expression_instead_of_a_table_is_refused():
    start = DMN.index("<decisionTable")
    end = DMN.index("</decisionTable>") + len("</decisionTable>")
    literal = DMN[:start] + "<literalExpression id='l'><text>1</text></literalExpression>" + DMN[end:]
    assert any("must be one decision table" in p for p in check(literal))


def test_flask_processes_check_judges_a_dmn_file_and_a_bpmn_with_its_tables(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["processes", "check", str(ROOT / "processes" / NAME)]).exit_code == 0
    bpmn = runner.invoke(args=["processes", "check", str(ROOT / "processes" / "certificat-urbanism.bpmn")])
    assert bpmn.exit_code == 0, bpmn.output
    broken = tmp_path / NAME
    broken.write_text(DMN.replace("<text>7</text>", "<text>7 +</text>"), encoding="utf-8")
    result = runner.invoke(args=["processes", "check", str(broken)])
    assert result.exit_code == 1 and f"{NAME}: regula_250:" in result.output

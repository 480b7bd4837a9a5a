"""Scenario tests: every shipped process's scenarios pass (so CI runs them), and the runner explains failures."""

import json
import shutil
from pathlib import Path

import pytest

from app.workflow.scenarios import run_all, run_file

pytestmark = pytest.mark.date_sensitive

ROOT = Path(__file__).resolve().parents[2]
PROCESSES, FORMS = ROOT / "processes", ROOT / "forms"


def test_every_document_type_has_scenarios():
    codes = {p.name.removesuffix(".manifest.json") for p in PROCESSES.glob("*.manifest.json")}
    with_scenarios = {p.name.removesuffix(".scenarios.json") for p in PROCESSES.glob("*.scenarios.json")}
    assert codes <= with_scenarios, f"document types without scenarios: {sorted(codes - with_scenarios)}"


def test_all_shipped_scenarios_pass(app):
    with app.app_context():
        results = run_all(PROCESSES, FORMS)
    report = [f"{r.file}: {problem}" for r in results for problem in r.problems] + [
        f"{r.file}: {s.name}: {failure}" for r in results for s in r.scenarios for failure in s.failures
    ]
    assert report == [], "\n".join(report)
    assert sum(len(r.scenarios) for r in results) >= 15


@pytest.fixture
def workspace(tmp_path):
    processes = tmp_path / "processes"
    shutil.copytree(PROCESSES, processes)
    return processes


def write(processes: Path, code: str, scenarios: list, **extra) -> Path:
    path = processes / f"{code}.scenarios.json"
    path.write_text(
        json.dumps({"start": "2026-11-23T09:00:00+02:00", **extra, "scenarios": scenarios}), "utf-8"
    )
    return path


LETTER = {
    "institutie_expeditoare": "Primăria Brașov",
    "numar_expeditor": "12",
    "data_expeditor": "2026-11-20",
    "subiect": "Solicitare de date",
    "continut": "Vă rugăm să ne transmiteți datele de trafic.",
}


def run(app, path: Path):
    with app.app_context():
        return run_file(path, path.parent, FORMS)


def test_failures_name_the_step_and_say_what_differs(app, workspace):
    path = write(
        workspace,
        "adresa",
        [
            {
                "name": "greșit",
                "steps": [
                    {"task": "depunere", "data": LETTER},
                    {"task": "inregistrare", "data": {"departament": "relatii-publice"}},
                    {"task": "redactare", "data": {"raspuns": "Prea devreme: nu a fost repartizată."}},
                ],
            },
            {
                "name": "formular respins",
                "steps": [{"task": "depunere", "data": {**LETTER, "data_expeditor": "ieri"}}],
            },
            {
                "name": "așteptări neîndeplinite",
                "steps": [
                    {"task": "depunere", "data": LETTER},
                    {
                        "task": "inregistrare",
                        "data": {"departament": "relatii-publice", "cere_raspuns": False},
                    },
                ],
                "expect": {
                    "status": "clasat",
                    "path": ["start"],
                    "passes": ["emitere"],
                    "deadline": "2026-12-01",
                },
            },
        ],
    )
    result = run(app, path)
    assert result.problems == []
    wrong_order, refused, unmet = result.scenarios
    assert wrong_order.failures == [
        'step 3: the route does not wait for task "redactare"; it waits for: repartizare'
    ]
    assert (
        len(refused.failures) == 1
        and "step 1 (depunere): the form refuses the data: data_expeditor" in (refused.failures[0])
    )
    messages = "\n".join(unmet.failures)
    assert 'end: status is "solutionat", expected "clasat"' in messages
    assert "end: path differs:" in messages and "actual   ['start', 'depunere'" in messages
    assert "end: the path does not pass ['emitere']" in messages
    assert "end: deadline is 2026-12-23, expected 2026-12-01" in messages


def test_waiting_fires_the_timers_due_in_order(app, workspace):
    path = write(
        workspace,
        "adresa",
        [
            {
                "name": "timere",
                "steps": [
                    {"task": "depunere", "data": LETTER},
                    {"task": "inregistrare", "data": {"departament": "relatii-publice"}},
                    {"wait": "P1M", "expect": {"reminders": 1, "overdue": False}},
                    {"wait": "P1D", "expect": {"overdue": True}},
                ],
                "expect": {"passes": ["termen_reamintire", "reamintire", "termen_legal", "depasire"]},
            }
        ],
    )
    [scenario] = run(app, path).scenarios
    assert scenario.ok, scenario.failures


def test_a_broken_file_is_reported_not_raised(app, workspace):
    (workspace / "adresa.scenarios.json").write_text(
        '{"scenarios": [{"name": "x", "steps": [{"wait": "2 zile"}]}]}'
    )
    result = run(app, workspace / "adresa.scenarios.json")
    assert result.problems and "scenarios/0/steps/0" in result.problems[0]
    (workspace / "necunoscut.scenarios.json").write_text('{"scenarios": [{"name": "x", "steps": []}]}')
    result = run(app, workspace / "necunoscut.scenarios.json")
    assert result.problems == ["no readable manifest necunoscut.manifest.json for document type necunoscut"]
    bpmn = workspace / "adresa.bpmn"
    bpmn.write_text(bpmn.read_text().replace("issue_answer(raspuns)", "issue_answer(raspunss)"))
    write(workspace, "adresa", [{"name": "x", "steps": []}])
    result = run(app, workspace / "adresa.scenarios.json")
    assert result.problems == [
        'the process does not pass the checks: adresa.bpmn: emitere: script reads "raspunss", which no form, '
        "script or helper provides"
    ]


def test_helpers_are_stand_ins_with_the_real_names(app, workspace):
    # A scenario cannot call a helper the application does not have, and helpers change nothing real.
    bpmn = workspace / "adresa.bpmn"
    bpmn.write_text(
        bpmn.read_text().replace("issue_answer(raspuns)", "issue_answer(raspuns)\ntrimite_email()")
    )
    write(workspace, "adresa", [{"name": "x", "steps": []}])
    result = run(app, workspace / "adresa.scenarios.json")
    assert any('reads "trimite_email"' in p for p in result.problems)


def test_cli_runs_scenarios_and_exits_non_zero_on_failure(app, workspace):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["processes", "test"])
    assert ok.exit_code == 0, ok.output
    assert "scenario(s) passed." in ok.output and "FAIL" not in ok.output
    path = write(
        workspace,
        "adresa",
        [{"name": "eșuează", "steps": [{"task": "depunere", "data": LETTER}], "expect": {"completed": True}}],
    )
    failed = runner.invoke(args=["processes", "test", str(path)])
    assert failed.exit_code == 1
    assert "FAIL adresa.scenarios.json: eșuează" in failed.output
    assert "end: the route has not ended (waits for ['inregistrare'])" in failed.output
    assert "0 of 1 scenario(s) passed." in failed.output
    assert "Traceback" not in failed.output

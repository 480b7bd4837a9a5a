"""Deploy gates: a route is deployed only when its scenario tests pass. The modeler's deploy and
`flask processes deploy` run the scenarios of the process's document type (processes/<code>.scenarios.json) on the
candidate diagram; one failing scenario refuses the deployment with the scenario's name and failure."""

import json
import shutil
import tempfile
from pathlib import Path

from app.workflow.deploy import Problem


def _scenario_problems(results) -> list[Problem]:
    problems = []
    for result in results:
        for problem in result.problems:
            problems.append(Problem(result.file, "", f"scenario tests cannot run: {problem}"))
        for scenario in result.scenarios:
            if not scenario.ok:
                first = scenario.failures[0] if scenario.failures else "failed"
                problems.append(Problem(result.file, "", f'scenario "{scenario.name}" fails: {first}'))
    return problems


def scenario_run_for(
    bpmn_name: str,
    bpmn_xml: bytes,
    code: str,
    processes_dir: Path,
    forms: dict,
    forms_dir: Path,
    decisions: dict | None = None,
    stored: tuple[dict, dict] | None = None,
):
    """Run `<code>.scenarios.json` against a candidate diagram (not yet deployed) and its forms and decision
    tables: (results, coverage of the first file or None); ([], None) when the type has no scenarios. `stored`:
    (manifest, scenarios) of a type created in the browser, which has no files in processes/."""
    if stored is not None:
        manifest, scenarios = stored
    else:
        scenarios_path = processes_dir / f"{code}.scenarios.json"
        manifest_path = processes_dir / f"{code}.manifest.json"
        if not scenarios_path.is_file() or not manifest_path.is_file():
            return (
                [],
                None,
            )  # a type without scenarios has nothing to run (the checker asks for them separately)
        manifest = manifest_path.read_text(encoding="utf-8")
        scenarios = scenarios_path.read_text(encoding="utf-8")
    return _run(bpmn_name, bpmn_xml, code, manifest, scenarios, forms, forms_dir, decisions or {})


def _run(bpmn_name, bpmn_xml, code, manifest, scenarios, forms, forms_dir, decisions):
    from app.workflow.coverage import coverage_of
    from app.workflow.scenarios import run_all

    def text(value) -> str:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "processes").mkdir()
        (root / "forms").mkdir()
        for path in forms_dir.glob("*.json"):
            shutil.copy(path, root / "forms" / path.name)
        for name, body in forms.items():
            if "/" not in name and "\\" not in name and not name.startswith("."):
                (root / "forms" / name).write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        for name, xml in decisions.items():
            if "/" not in name and "\\" not in name and not name.startswith("."):
                (root / "processes" / name).write_bytes(xml.encode() if isinstance(xml, str) else xml)
        (root / "processes" / f"{code}.scenarios.json").write_text(text(scenarios), encoding="utf-8")
        (root / "processes" / f"{code}.manifest.json").write_text(text(manifest), encoding="utf-8")
        (root / "processes" / bpmn_name).write_bytes(bpmn_xml)
        results = run_all(root / "processes", root / "forms")
        covered = coverage_of(results[0], root / "processes") if results else None
        return results, covered


def scenario_problems_of(
    bpmn_name: str,
    bpmn_xml: bytes,
    manifest: dict,
    scenarios: dict,
    forms: dict,
    forms_dir: Path,
    decisions: dict | None = None,
) -> list[Problem]:
    """The scenarios of a type created in the browser, run on its diagram before it is first deployed."""
    results, _coverage = _run(
        bpmn_name, bpmn_xml, manifest["code"], manifest, scenarios, forms, forms_dir, decisions or {}
    )
    if not any(r.scenarios for r in results) and not any(r.problems for r in results):
        return [Problem(f"{manifest['code']}.scenarios.json", "", "no scenario ran")]
    return _scenario_problems(results)


def scenario_problems_for(
    bpmn_name: str,
    bpmn_xml: bytes,
    code: str,
    processes_dir: Path,
    forms: dict,
    forms_dir: Path,
    decisions: dict | None = None,
    stored: tuple[dict, dict] | None = None,
) -> list[Problem]:
    results, _coverage = scenario_run_for(
        bpmn_name, bpmn_xml, code, processes_dir, forms, forms_dir, decisions, stored
    )
    return _scenario_problems(results)


def stored_scenario_runs(forms_dir: Path) -> list[tuple[str, list, object]]:
    """The scenario tests of the types created in the browser (kept with their current versions, not in
    processes/), each run on its current diagram: [(label, results, coverage)]."""
    from sqlalchemy import select

    from app.extensions import db
    from app.workflow.models import ProcessVersion

    runs = []
    versions = db.session.scalars(
        select(ProcessVersion)
        .where(ProcessVersion.is_current, ProcessVersion.scenarios.is_not(None))
        .order_by(ProcessVersion.process_id, ProcessVersion.institution_id)
    )
    for version in versions:
        manifest = version.manifest
        if not isinstance(manifest, dict) or not manifest.get("code"):
            continue
        results, covered = _run(
            f"{version.process_id}.bpmn",
            version.bpmn_xml.encode(),
            manifest["code"],
            manifest,
            version.scenarios,
            dict(version.forms or {}),
            forms_dir,
            dict(version.decisions or {}),
        )
        runs.append((f"{version.process_id} v{version.version} (stored)", results, covered))
    return runs


def scenario_problems_in(processes_dir: Path, forms_dir: Path) -> list[Problem]:
    """Every scenario file of a folder (the files deployment)."""
    from app.workflow.scenarios import run_all

    return _scenario_problems(run_all(processes_dir, forms_dir))

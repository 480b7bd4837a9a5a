"""The manifest's format: every field is checked before deployment, with the file, the field and a message."""

import json
import shutil
from pathlib import Path

from app.workflow.manifest import manifest_for, manifest_problems

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_manifests_are_valid_and_readable():
    for path in (ROOT / "processes").glob("*.manifest.json"):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        assert manifest_problems(manifest) == [], path.name
    cu = manifest_for("certificat-urbanism", ROOT / "processes")
    assert cu["deadline"] == {
        "days": 15,
        "working_days": True,
        "legal_basis": "Legea nr. 50/1991: cel mult 15 zile lucrătoare de la înregistrarea cererii",
    }
    assert cu["file_plan"]["retention_years"] == "permanent" and cu["signature_level"] == "qualified"
    assert manifest_for("../etc/passwd", ROOT / "processes") is None


def test_every_problem_names_the_field():
    problems = manifest_problems(
        {
            "code": "Tip Nou",
            "process_id": "tip",
            "name": {"fr": "x"},
            "deadline": {"days": 0},
            "who_may_submit": "oricine",
            "file_plan": {"class": "A", "retention_years": 7},
            "signature_level": "aur",
            "culoare": "roșu",
            "subject_field": "titlu",
        },
        submission_fields={"subiect"},
    )
    fields = [field for field, _ in problems]
    assert "" in fields  # unknown top-level field
    for field in (
        "code",
        "name",
        "deadline/days",
        "who_may_submit",
        "file_plan/retention_years",
        "signature_level",
    ):
        assert field in fields, (field, problems)
    assert ("subject_field", 'the submission form has no field "titlu"') in problems


def test_cli_check_reports_manifest_problems(app, tmp_path):
    processes = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", processes)
    path = processes / "adresa.manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["signature_level"] = "aur"
    manifest["content_field"] = "text"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    (processes / "copie.manifest.json").write_text(json.dumps({**manifest, "signature_level": "none"}))
    result = app.test_cli_runner().invoke(args=["processes", "check", str(processes)])
    assert result.exit_code == 1
    assert "adresa.manifest.json: signature_level: signature_level must be one of" in result.output
    assert 'adresa.manifest.json: content_field: the submission form has no field "text"' in result.output
    assert "copie.manifest.json: code: name the file adresa.manifest.json" in result.output
    assert "Traceback" not in result.output

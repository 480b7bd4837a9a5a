"""`bench/run.py --quick` runs at HEAD: the engine stubs, the route data, the API's answers and the server set-up
the bench relies on still match the application. It asserts that the bench ran and its checks passed, never a
time (figures on a shared test machine mean nothing)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_bench_runs_and_its_checks_pass(tmp_path):
    output = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--output", str(output)],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    report = json.loads(output.read_text(encoding="utf-8"))
    assert report["verdict"] == "OK", report["failures"]
    for variant in report["engine"]["variants"].values():
        assert variant["instances"] > 0 and variant["user_task_completions"] > 0
    http = report["http"]
    for phase in ("submissions", "completions", "burst_submissions", "spread_submissions"):
        assert http[phase]["ok"] == http[phase]["planned"] and http[phase]["errors"] == 0
    check = report["database_check"]
    assert check["problems"] == []
    numbers = check["registration_numbers"]
    assert (
        check["documents"] == numbers["given"] == numbers["distinct"] and numbers["gapless_per_institution"]
    )
    assert numbers["institutions"] == len(http["spread_institutions"]) == 2
    figures = report["figures"]
    for key in ("cpu_ms_per_completion", "cpu_ms_per_submission"):
        assert figures[key]["app_plus_postgres"] > 0
    assert figures["completions_over_engine_ceiling"] > 0
    assert figures["burst_submissions"]["p95_ms"] > 0 and figures["spread_submissions"]["p95_ms"] > 0
    loop = report["loop"]
    assert loop["steps"] == 100 and loop["last_over_first"] > 0
    assert loop["state_bytes"]["100"] > 0

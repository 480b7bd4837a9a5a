"""bench/scale.py in its quick mode: it loads its data set, answers every list it measures and reports sane rows.
It asserts that the benchmark ran, never a time (times depend on the machine)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.real_commits
def test_scale_quick_runs_and_lists_rows(tmp_path):
    output = tmp_path / "scale.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLALCHEMY_DATABASE_URI")}
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "scale.py"),
            "--quick",
            "--repeat",
            "1",
            "--output",
            str(output),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    report = json.loads(output.read_text())

    rows = report["load"]["rows"]
    assert rows["tasks"] == 5_000
    assert rows["documents"] == 500
    assert 0 < rows["ready_assigned"] < rows["ready"] < rows["tasks"]
    results = report["results"]

    # Every list answered (a non-200 fails the run) and was measured.
    timed = {name: r for name, r in results.items() if "counts" not in r}
    assert all(r["n"] == 1 and r["p95_ms"] > 0 and r["statements"] > 0 for r in timed.values())

    # The clerk's inbox lists the institution's registrations; the shown counts add up.
    clerk = results["inbox clerk counts"]["counts"]
    assert int(clerk["toate"]) > 0
    assert results["inbox clerk toate"]["rows"] == min(int(clerk["toate"]), 25)
    assert results["inbox clerk grup"]["rows"] == min(int(clerk["grup"]), 25)
    official = results["inbox official counts"]["counts"]
    assert int(official["ale-mele"]) > 0
    assert results["inbox official ale-mele"]["rows"] == min(int(official["ale-mele"]), 25)

    # The API lists the same tasks the inbox counts, the register search finds folded text, the citizen's
    # documents are listed.
    assert results["api tasks clerk"]["rows"] == min(int(clerk["toate"]), 50)
    assert results["register search subject 'groapa'"]["rows"] > 0
    assert results["my documents (citizen)"]["rows"] > 0

"""The jobs process keeps ticking under a moved clock (libfaketime, as `make test-at` runs the suite): the
scheduler's own timed wait never ended there, so the outbox and the timers never ran in the jobs process."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import threading, time
from apscheduler.schedulers.background import BackgroundScheduler
from app.jobs import keep_running

ticks = []
scheduler = BackgroundScheduler()
scheduler.add_job(lambda: ticks.append(time.time()), "interval", seconds=1, id="probe")

def stop():
    time.sleep(4.5)
    scheduler.shutdown(wait=False)

threading.Thread(target=stop, daemon=True).start()
keep_running(scheduler)
print(len(ticks))
"""


@pytest.mark.skipif(shutil.which("faketime") is None, reason="needs libfaketime (Debian package faketime)")
def test_the_jobs_loop_ticks_under_a_moved_clock():
    env = {**os.environ, "TZ": "UTC", "FAKETIME_DONT_RESET": "1"}
    result = subprocess.run(
        ["faketime", "-f", "@2027-12-31 21:58:00", sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip().splitlines()[-1]) >= 3  # one tick a second for 4.5 s

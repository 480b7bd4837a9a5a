"""Benchmark: petitions through the HTTP API (gunicorn + PostgreSQL) and the petition route in the bare engine.

    make bench                      # or: .venv/bin/python bench/run.py [--help]

1. Engine only (no HTTP, no database): processes/petitie.bpmn run K times in memory with the project's sandboxed
   script engine and stub helpers, then again with serialize + deserialize at every wait state.
2. A throw-away PostgreSQL database (migrated, demo loaded, API tokens, extra citizens) and gunicorn on loopback.
3. Concurrent clients: citizens submit petitions (POST /api/v1/documents), then the registry clerk lists the
   tasks once and completes the "inregistrare" tasks (POST /api/v1/tasks/<id>/complete), distinct tasks per client.

Prints a table and writes bench/results/latest.json. Gunicorn is stopped and the database dropped at the end,
whatever happens. Exit status 1 if any request failed or the database check after the run does not add up.
See bench/README.md for how to read the figures."""

import argparse
import contextlib
import functools
import io
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
import requests
from harness import admin_execute, database_url, percentile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the engine-only part imports app.workflow

RESULTS_DIR = ROOT / "bench" / "results"
VENV_BIN = ROOT / ".venv" / "bin"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

# The data each user task of the petition route gets; the HTTP phase sends the same "inregistrare" data
# (the form's default adds anonima=False there, the engine-only part has no form layer so it passes it).
ROUTE_DATA = {
    "depunere": {
        "subiect": "Groapă în asfalt pe strada Lungă",
        "continut": "Vă rog să reparați groapa din fața blocului 7, este periculoasă pentru bicicliști.",
    },
    "inregistrare": {"departament": "relatii-publice", "anonima": False},
    "repartizare": {"competenta": "de_competenta", "referent": "referent"},
    "redactare": {"raspuns": "Echipa de întreținere va astupa groapa până la 30.11.2026. Vă mulțumim."},
    "aprobare": {"decizie": "aproba"},
    # Signing steps: in the engine-only run the signature itself is not made (bench/signing.py measures it).
    "semnare_referent": {},
    "semnare_sef": {},
}
REGISTRATION_DATA = {"departament": "relatii-publice"}
RUN_ID = f"{os.getpid()}-{secrets.token_hex(4)}"


class BenchError(RuntimeError):
    pass


# --- statistics --------------------------------------------------------------------------------------------------


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


@dataclass
class PhaseResult:
    name: str
    clients: int
    planned: int
    wall_s: float = 0.0
    latencies: list[float] = field(default_factory=list)  # successful requests only
    errors: int = 0
    error_kinds: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    timed_out: bool = False
    observed: dict = field(default_factory=dict)  # server/database CPU and lock waits (Observer)

    @property
    def ok(self) -> int:
        return len(self.latencies)

    def summary(self) -> dict:
        return {
            "clients": self.clients,
            "planned": self.planned,
            "ok": self.ok,
            "errors": self.errors,
            "error_kinds": dict(self.error_kinds),
            "error_samples": self.error_samples,
            "stopped_by_time_limit": self.timed_out,
            "wall_s": round(self.wall_s, 3),
            "per_s": round(self.ok / self.wall_s, 2) if self.wall_s else None,
            "latency_ms": {
                "median": ms(statistics.median(self.latencies)) if self.latencies else None,
                "p95": ms(percentile(self.latencies, 95)),
                "max": ms(max(self.latencies)) if self.latencies else None,
            },
            **self.observed_summary(),
        }

    def observed_summary(self) -> dict:
        if not self.observed:
            return {}
        done = max(self.ok, 1)
        o = self.observed
        return {
            "cpu_ms_per_request": {
                "gunicorn": round(o["gunicorn_cpu_s"] * 1000 / done, 1),
                "postgres": round(o["postgres_cpu_s"] * 1000 / done, 1),
                "bench_clients": round(o["client_cpu_s"] * 1000 / done, 1),
            },
            "cpu_s": {
                "gunicorn": round(o["gunicorn_cpu_s"], 2),
                "postgres": round(o["postgres_cpu_s"], 2),
                "bench_clients": round(o["client_cpu_s"], 2),
            },
            "db_sessions": {
                "samples": o["samples"],
                "avg_active": o["avg_active"],
                "avg_waiting_on_lock": o["avg_waiting_on_lock"],
                "top_lock_waits": o["top_lock_waits"],
            },
            "load_average_1min": {"start": o["load_start"], "end": o["load_end"]},
        }


# --- engine only ---------------------------------------------------------------------------------------------------


def stub_helpers() -> dict:
    """The route's helpers as plain callables: no database, a fake registration label."""
    counter = {"n": 0}

    def register_document(department_code=None):
        counter["n"] += 1
        return f"{counter['n']}/21.11.2026"

    def close_document(status, reason=""):
        return None

    def issue_answer(text):
        return "fake-attachment-id"

    def prepare_answer(text, signers):
        return "fake-signature-request"

    def issue_signed_answer():
        return "fake-attachment-id"

    def current_user():
        return "sef.serviciu"

    def remind():
        return None

    def mark_overdue():
        return None

    def deadline_timer(days_before=0):
        # far enough ahead that the reminder and deadline timers never fire during the run
        return f"2099-12-{31 - int(days_before):02d}T21:59:59+00:00"

    def deadline_passed():
        return False

    def forward_to_institution(code, reason=""):
        return "fake-forwarding-number"

    def extend_deadline(days, reason="", working_days=None):
        return "2099-12-31"

    return {
        "register_document": register_document,
        "close_document": close_document,
        "issue_answer": issue_answer,
        "prepare_answer": prepare_answer,
        "issue_signed_answer": issue_signed_answer,
        "current_user": current_user,
        "remind": remind,
        "mark_overdue": mark_overdue,
        "deadline_timer": deadline_timer,
        "deadline_passed": deadline_passed,
        "forward_to_institution": forward_to_institution,
        "extend_deadline": extend_deadline,
    }


def run_engine(instances: int, time_limit: float) -> dict:
    from SpiffWorkflow import __version__ as spiff_version
    from SpiffWorkflow.util.task import TaskState

    from app.workflow import engine
    from app.workflow.sandbox import make_script_engine

    xml = (ROOT / "processes" / "petitie.bpmn").read_bytes()
    started = time.perf_counter()
    parser = engine.new_parser(validate=True)
    parser.add_bpmn_xml(engine.parse_xml_safely(xml), filename="petitie.bpmn")
    specs = engine.ProcessSpecs(parser.get_spec("petitie"), parser.get_subprocess_specs("petitie"))
    parse_s = time.perf_counter() - started
    script_engine = make_script_engine(stub_helpers())

    def one_instance(serialize: bool) -> tuple[int, int, int]:
        """Returns (user tasks completed, largest state in bytes, number of dump+load round trips)."""
        workflow = engine.new_workflow(specs, script_engine)
        workflow.do_engine_steps()
        completed = largest = trips = 0
        while not workflow.is_completed():
            if serialize:  # a wait state: what the application stores and reloads between two requests
                state = engine.save_state(workflow)
                largest = max(largest, len(state.encode()))
                workflow = engine.load_workflow(state, specs, script_engine)
                trips += 1
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                waiting = [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.WAITING)]
                raise BenchError(f"engine: route stopped with no ready user task (waiting: {waiting})")
            for task in ready:
                task.data.update(ROUTE_DATA[task.task_spec.bpmn_id])
                task.run()
                workflow.do_engine_steps()
                completed += 1
        if completed != len(ROUTE_DATA):
            raise BenchError(f"engine: {completed} user tasks completed, {len(ROUTE_DATA)} expected")
        return completed, largest, trips

    results = {"spiffworkflow": spiff_version, "parse_ms": ms(parse_s), "variants": {}}
    for name, serialize in (("in_memory", False), ("serialize_each_wait", True)):
        for _ in range(20):  # warm-up: compile caches, first allocations
            one_instance(serialize)
        durations, completions, largest, trips = [], 0, 0, 0
        deadline = time.perf_counter() + time_limit
        load_start = os.getloadavg()[0]
        cpu_started = time.process_time()  # one thread: the process's CPU time is the engine's
        started = time.perf_counter()
        for _ in range(instances):
            t0 = time.perf_counter()
            done, size, round_trips = one_instance(serialize)
            durations.append(time.perf_counter() - t0)
            completions += done
            largest, trips = max(largest, size), trips + round_trips
            if time.perf_counter() > deadline:
                break
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        results["variants"][name] = {
            "instances": len(durations),
            "planned": instances,
            "stopped_by_time_limit": len(durations) < instances,
            "user_task_completions": completions,
            "wall_s": round(wall, 3),
            "instances_per_s": round(len(durations) / wall, 1),
            "completions_per_s": round(completions / wall, 1),
            "cpu_s": round(cpu, 3),
            "instances_per_cpu_s": round(len(durations) / cpu, 1) if cpu else None,
            "completions_per_cpu_s": round(completions / cpu, 1) if cpu else None,
            "load_average_1min": {"start": round(load_start, 2), "end": round(os.getloadavg()[0], 2)},
            "instance_ms": {
                "median": ms(statistics.median(durations)),
                "p95": ms(percentile(durations, 95)),
            },
            "largest_state_bytes": largest or None,
            "dump_load_round_trips": trips,
        }
    return results


# --- a looping route: does step 100 cost what step 1 does? -------------------------------------------------------

LOOP_NOTE = {"gata": False, "nota": "Verificat, se reia după completarea dosarului cu actele cerute."}


def run_loop(steps: int, repeats: int) -> dict:
    """bench/processes/bucla.bpmn: one user task completed again and again. Each step does what the application
    does with the engine between two requests (app/workflow/runtime.py): load the saved state, list the completed
    tasks, complete the task and run to the next wait, find the newly completed ones, save the state. The route is
    run `repeats` times; each step's figure is the median of its repeats."""
    from SpiffWorkflow.util.task import TaskState

    from app.workflow import engine
    from app.workflow.sandbox import make_script_engine

    xml = (ROOT / "bench" / "processes" / "bucla.bpmn").read_bytes()
    parser = engine.new_parser(validate=True)
    parser.add_bpmn_xml(engine.parse_xml_safely(xml), filename="bucla.bpmn")
    specs = engine.ProcessSpecs(parser.get_spec("bucla"), parser.get_subprocess_specs("bucla"))
    script_engine = make_script_engine({})
    durations: list[list[float]] = [[] for _ in range(steps)]
    sizes = [0] * (steps + 1)
    for _ in range(repeats + 1):  # the first run warms up and is not counted
        workflow = engine.new_workflow(specs, script_engine)
        workflow.do_engine_steps()
        state = engine.save_state(workflow)
        sizes[0] = len(state.encode())
        for step in range(steps):
            t0 = time.perf_counter()
            workflow = engine.load_workflow(state, specs, script_engine)
            before = {t.id for t in workflow.get_tasks(state=TaskState.COMPLETED)}
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if len(ready) != 1:
                raise BenchError(f"loop: {len(ready)} ready user tasks at step {step + 1}, 1 expected")
            ready[0].data.update(LOOP_NOTE)
            ready[0].run()
            workflow.do_engine_steps()
            new = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.id not in before]
            state = engine.save_state(workflow)
            durations[step].append(time.perf_counter() - t0)
            sizes[step + 1] = len(state.encode())
            if len(new) != 3:  # the user task, the counting script, the gateway
                raise BenchError(f"loop: step {step + 1} completed {len(new)} elements, 3 expected")
        waiting = engine.load_workflow(state, specs, script_engine).get_tasks(
            state=TaskState.READY, manual=True
        )
        if [t.data.get("pas") for t in waiting] != [steps]:
            raise BenchError("loop: the counter does not match the steps taken")
    medians = [statistics.median(d) for d in durations]
    first, last = medians[0], medians[-1]
    return {
        "steps": steps,
        "repeats": repeats,
        "step_ms": {"1": ms(first), str(steps): ms(last), "median_all": ms(statistics.median(medians))},
        "last_over_first": round(last / first, 2) if first else None,
        "state_bytes": {"start": sizes[0], "1": sizes[1], str(steps): sizes[steps]},
    }


# --- database and server ------------------------------------------------------------------------------------------


def run_cli(args: list[str], env: dict, what: str, timeout: float = 120) -> str:
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise BenchError(f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def flask(env: dict, *args: str) -> str:
    return run_cli([str(VENV_BIN / "flask"), *args], env, "flask " + " ".join(args))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, env: dict, workers: int, threads: int, log_path: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.command = [
            str(VENV_BIN / "gunicorn"),
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "120",
            # clients that wait (warm-up of 50 clients, a slow phase) keep their pooled connections: a
            # keep-alive shorter than that makes the server drop idle connections under their next request
            "--keep-alive",
            "120",
            "wsgi:app",
        ]
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(self.base + "/api/v1/openapi.json", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer within {timeout:g} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # the master stops its workers gracefully
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only its workers
            self.process.wait(timeout=5)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# --- what the server and the database spend -------------------------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # after "pid (comm) ": state ppid ...


def _cpu_seconds(pid: int) -> float | None:
    fields = _stat_fields(pid)
    return None if fields is None else (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def _children(parent: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None and int(fields[1]) == parent:
                pids.append(int(entry))
    return pids


class Observer:
    """During one phase: CPU time of the gunicorn processes and of this database's PostgreSQL backends (read from
    /proc, so other load on the machine does not count), and what the database sessions wait for (sampled from
    pg_stat_activity every `interval` seconds)."""

    def __init__(self, admin_url: str, db_name: str, gunicorn_pid: int, interval: float = 0.1):
        self.admin_url, self.db_name, self.gunicorn_pid, self.interval = (
            admin_url,
            db_name,
            gunicorn_pid,
            interval,
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._samples = self._active = self._lock_waits = 0
        self._waits: Counter = Counter()

    def _backends(self, cursor) -> list[int]:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.db_name,))
        return [pid for (pid,) in cursor.fetchall()]

    def _cpu(self, cursor) -> tuple[dict, dict]:
        server = {pid: _cpu_seconds(pid) for pid in [self.gunicorn_pid, *_children(self.gunicorn_pid)]}
        database = {pid: _cpu_seconds(pid) for pid in self._backends(cursor)}
        return (
            {k: v for k, v in server.items() if v is not None},
            {k: v for k, v in database.items() if v is not None},
        )

    def _sample(self) -> None:
        connection = psycopg2.connect(self.admin_url)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                while not self._stop.wait(self.interval):
                    cursor.execute(
                        "SELECT wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 70)"
                        " FROM pg_stat_activity WHERE datname = %s AND state = 'active'",
                        (self.db_name,),
                    )
                    rows = cursor.fetchall()
                    self._samples += 1
                    self._active += len(rows)
                    for wait_type, wait_event, query in rows:
                        if wait_type == "Lock":
                            self._lock_waits += 1
                            self._waits[f"{wait_event}: {query}"] += 1
        finally:
            connection.close()

    def __enter__(self) -> "Observer":
        self._connection = psycopg2.connect(self.admin_url)
        self._connection.autocommit = True
        with self._connection.cursor() as cursor:
            self._start_cpu = self._cpu(cursor)
        self._load_start = round(os.getloadavg()[0], 2)
        self._client_cpu = time.process_time()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        try:
            with self._connection.cursor() as cursor:
                end_server, end_database = self._cpu(cursor)
        finally:
            self._connection.close()
        start_server, start_database = self._start_cpu
        samples = max(self._samples, 1)
        self.result = {
            "gunicorn_cpu_s": sum(v - start_server.get(pid, 0.0) for pid, v in end_server.items()),
            "postgres_cpu_s": sum(v - start_database.get(pid, 0.0) for pid, v in end_database.items()),
            "client_cpu_s": time.process_time() - self._client_cpu,
            "samples": self._samples,
            "avg_active": round(self._active / samples, 2),
            "avg_waiting_on_lock": round(self._lock_waits / samples, 2),
            "top_lock_waits": dict(self._waits.most_common(3)),
            "load_start": self._load_start,
            "load_end": round(os.getloadavg()[0], 2),
        }


# --- HTTP load ------------------------------------------------------------------------------------------------------


def session_for(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def run_phase(
    name: str,
    plans: list[tuple[requests.Session, list]],
    send,
    time_limit: float,
    observer: Observer | None = None,
) -> PhaseResult:
    """One thread per client; each works through its own list of items until done or out of time.
    `send(session, item)` returns a requests.Response; anything but 2xx (or an exception) is an error."""
    result = PhaseResult(name, len(plans), sum(len(items) for _, items in plans))
    lock = threading.Lock()
    barrier = threading.Barrier(len(plans) + 1)
    deadline = [0.0]

    def client(session: requests.Session, items: list) -> None:
        barrier.wait()
        for item in items:
            if time.perf_counter() > deadline[0]:
                with lock:
                    result.timed_out = True
                return
            t0 = time.perf_counter()
            try:
                response = send(session, item)
                elapsed = time.perf_counter() - t0
                failure = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
                detail = response.text[:300] if failure else ""
            except requests.RequestException as exc:
                elapsed, failure, detail = time.perf_counter() - t0, type(exc).__name__, str(exc)[:300]
            with lock:
                if failure is None:
                    result.latencies.append(elapsed)
                else:
                    result.errors += 1
                    result.error_kinds[failure] += 1
                    if len(result.error_samples) < 5:
                        result.error_samples.append(f"{failure}: {detail}")

    threads = [threading.Thread(target=client, args=plan, daemon=True) for plan in plans]
    for thread in threads:
        thread.start()
    with observer if observer is not None else contextlib.nullcontext():
        deadline[0] = time.perf_counter() + time_limit
        started = time.perf_counter()
        barrier.wait()
        for thread in threads:
            thread.join(time_limit + 60)  # a request in flight at the deadline may still finish
        result.wall_s = time.perf_counter() - started
    if observer is not None:
        result.observed = observer.result
    if any(thread.is_alive() for thread in threads):
        raise BenchError(f"{name}: clients still running long after the time limit")
    return result


# An online petition is numbered at once ("inregistrat"); a route without that keeps "depus" until the clerk.
SUBMITTED_STATUSES = ("inregistrat", "depus")


@functools.cache
def attachment_png() -> bytes:
    """A small photo-like PNG (a few KB), what a citizen attaches from a phone in miniature."""
    from PIL import Image

    image = Image.radial_gradient("L").resize((96, 96)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def submit_petition(
    session: requests.Session, base: str, n: int, institution: str = "cj-brasov"
) -> requests.Response:
    fields = {
        "document_type": "petitie",
        "institution": institution,
        "subiect": f"Sesizarea nr. {n}: groapă în asfalt pe strada Lungă",
        "continut": (
            f"Sesizarea nr. {n}. Vă rog să reparați groapa din fața blocului 7 de pe strada Lungă; "
            "este periculoasă pentru bicicliști și pietoni, mai ales seara, când iluminatul nu funcționează."
        ),
    }
    # multipart/form-data like the portal and API clients (field parts without a filename), with the
    # Idempotency-Key a careful client sends so that a retry cannot file the petition twice
    parts = {k: (None, v) for k, v in fields.items()}
    parts["anexe"] = (f"fotografie-{n}.png", attachment_png(), "image/png")  # each submission stores a file
    response = session.post(
        base + "/api/v1/documents",
        files=parts,
        headers={"Idempotency-Key": f"bench-{RUN_ID}-{n}"},
        timeout=60,
    )
    if response.status_code == 200:  # a replay: cannot happen with fresh keys
        response.status_code = 598
    elif response.status_code == 201 and response.json().get("status") not in SUBMITTED_STATUSES:
        response.status_code = 599  # the route did not stop at registration
    return response


def complete_registration(session: requests.Session, base: str, task_id: int) -> requests.Response:
    return session.post(
        f"{base}/api/v1/tasks/{task_id}/complete", json={"data": REGISTRATION_DATA}, timeout=60
    )


def round_robin(items: list, clients: int) -> list[list]:
    return [items[i::clients] for i in range(clients)]


def run_http(args, tokens: dict, citizen_tokens: list[str], base: str, observer) -> dict:
    """`observer()` gives a fresh Observer for a measured phase."""
    clients = args.clients
    citizens = [session_for(citizen_tokens[i % len(citizen_tokens)]) for i in range(clients)]
    clerks = [session_for(tokens["registrator"]) for _ in range(clients)]

    # Warm-up (not measured): every worker parses the route and fills its caches, connections get pooled.
    for session in citizens + clerks:
        for _ in range(2):
            response = session.get(base + "/api/v1/document-types", timeout=30)
            if response.status_code != 200:
                raise BenchError(f"warm-up: GET /document-types answered {response.status_code}")
    warmup = args.warmup
    warm = run_phase(
        "warm-up submissions",
        [(citizens[i], items) for i, items in enumerate(round_robin(list(range(warmup)), clients))],
        lambda s, n: submit_petition(s, base, n),
        args.phase_time,
    )
    if warm.errors:
        raise BenchError(f"warm-up submissions failed: {warm.error_samples}")

    numbers = list(range(warmup, warmup + args.submissions))
    submissions = run_phase(
        "submissions",
        [(citizens[i], items) for i, items in enumerate(round_robin(numbers, clients))],
        lambda s, n: submit_petition(s, base, n),
        args.phase_time,
        observer(),
    )

    # The registry clerk's inbox, listed page by page (200 a page, the API's maximum).
    t0 = time.perf_counter()
    listed, pages, response_bytes = [], 0, 0
    while True:
        response = clerks[0].get(
            base + "/api/v1/tasks", params={"limit": 200, "offset": len(listed)}, timeout=120
        )
        if response.status_code != 200:
            raise BenchError(f"GET /api/v1/tasks answered {response.status_code}: {response.text[:300]}")
        page = response.json()
        listed += page
        pages += 1
        response_bytes += len(response.content)
        if len(page) < 200:
            break
    listing_s = time.perf_counter() - t0
    task_ids = [t["id"] for t in listed if t["element"] == "inregistrare" and t["status"] == "ready"]
    task_ids.sort()
    listing = {
        "tasks_listed": len(listed),
        "registration_tasks": len(task_ids),
        "pages": pages,
        "response_bytes": response_bytes,
        "latency_ms": ms(listing_s),
    }

    warm_ids, measured_ids = task_ids[:warmup], task_ids[warmup : warmup + args.submissions]
    warm = run_phase(
        "warm-up completions",
        [(clerks[i], items) for i, items in enumerate(round_robin(warm_ids, clients))],
        lambda s, task_id: complete_registration(s, base, task_id),
        args.phase_time,
    )
    if warm.errors:
        raise BenchError(f"warm-up completions failed: {warm.error_samples}")
    completions = run_phase(
        "completions",
        [(clerks[i], items) for i, items in enumerate(round_robin(measured_ids, clients))],
        lambda s, task_id: complete_registration(s, base, task_id),
        args.phase_time,
        observer(),
    )
    # Many citizens at once (a deadline day): every client opens its connection first, then all submit.
    burst_clients = [session_for(citizen_tokens[i % len(citizen_tokens)]) for i in range(args.burst_clients)]
    for session in burst_clients:
        response = session.get(base + "/api/v1/document-types", timeout=60)
        if response.status_code != 200:
            raise BenchError(f"burst warm-up: GET /document-types answered {response.status_code}")
    first = warmup + args.submissions

    def burst_phase(name: str, offset: int, institution_of):
        numbers = range(first + offset, first + offset + args.burst_submissions)
        return run_phase(
            name,
            [
                (burst_clients[i], items)
                for i, items in enumerate(round_robin(list(numbers), args.burst_clients))
                if items
            ],
            lambda s, n: submit_petition(s, base, n, institution_of(n)),
            args.phase_time,
            observer(),
        )

    burst = burst_phase("burst submissions", 0, lambda n: "cj-brasov")
    # The same burst spread over several institutions: each numbers on its own counter row, so their submissions do
    # not wait for one another (a county's council and town halls on the same platform).
    institutions = args.spread_institutions
    spread = burst_phase(
        "burst submissions, several institutions",
        args.burst_submissions,
        lambda n: institutions[n % len(institutions)],
    )
    for session in citizens + clerks + burst_clients:
        session.close()
    return {
        "warmup_per_phase": warmup,
        "submissions": submissions,
        "task_listing": listing,
        "completions": completions,
        "burst_submissions": burst,
        "spread_submissions": spread,
        "completed_ids": len(warm_ids) + completions.ok,
    }


def check_database(url: str, submitted: int, registered: int) -> dict:
    """What the run must have left in the database: every petition, gapless numbers, one task each."""
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            # per institution: each numbers on its own counter
            cursor.execute(
                "SELECT count(*), count(registration_number), count(DISTINCT registration_number),"
                " coalesce(max(registration_number), 0) FROM documents GROUP BY institution_id"
            )
            per_institution = cursor.fetchall()
            documents = sum(row[0] for row in per_institution)
            numbered = sum(row[1] for row in per_institution)
            distinct_numbers = sum(row[2] for row in per_institution)
            gapless = all(
                given == distinct == highest for _count, given, distinct, highest in per_institution
            )
            cursor.execute("SELECT bpmn_id, status, count(*) FROM human_tasks GROUP BY 1, 2 ORDER BY 1, 2")
            tasks = {f"{bpmn_id}:{status}": count for bpmn_id, status, count in cursor.fetchall()}
            cursor.execute("SELECT max(length(state)), avg(length(state))::int FROM workflow_instances")
            state_max, state_avg = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM history_entries")
            (history,) = cursor.fetchone()
    finally:
        connection.close()
    problems = []
    if documents != submitted:
        problems.append(f"{documents} documents in the database, {submitted} submitted")
    # An online petition is numbered when it is submitted: every submission has its number, gapless 1..n at each
    # institution.
    if not (gapless and numbered == distinct_numbers == submitted):
        problems.append(
            f"registration numbers: {numbered} given, {distinct_numbers} distinct, per institution "
            f"{[row[1:] for row in per_institution]} (given, distinct, highest), {submitted} expected (gapless 1..n)"
        )
    if tasks.get("inregistrare:completed", 0) != registered:
        problems.append(
            f"{tasks.get('inregistrare:completed', 0)} registrations completed, {registered} expected"
        )
    if tasks.get("inregistrare:ready", 0) != submitted - registered:
        problems.append(
            f"{tasks.get('inregistrare:ready', 0)} registration tasks waiting, {submitted - registered} expected"
        )
    if tasks.get("repartizare:ready", 0) != registered:
        problems.append(f"{tasks.get('repartizare:ready', 0)} assignment tasks ready, {registered} expected")
    return {
        "documents": documents,
        "registration_numbers": {
            "given": numbered,
            "distinct": distinct_numbers,
            "institutions": len(per_institution),
            "gapless_per_institution": gapless,
        },
        "human_tasks": tasks,
        "history_entries": history,
        "instance_state_bytes": {"max": state_max, "avg": state_avg},
        "problems": problems,
    }


# --- report ---------------------------------------------------------------------------------------------------------


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def print_report(report: dict) -> None:
    lines = ["", "=" * 96, "Registratură benchmark  " + report["started_at"], "=" * 96]
    http = report.get("http")
    if http:
        server = report["server"]
        lines.append(
            f"HTTP: gunicorn -w {server['workers']} --threads {server['threads']}, {http['clients']} client threads, "
            f"{server['cpus']} CPUs shared by clients, server and PostgreSQL"
        )
        lines.append(
            f"{'phase':<30}{'ok':>7}{'errors':>8}{'wall s':>9}{'per s':>9}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}"
        )
        for key, label in (
            ("submissions", "submit petition (POST)"),
            ("completions", "complete inregistrare (POST)"),
            ("burst_submissions", f"submit, {http['burst_submissions']['clients']} clients (POST)"),
            ("spread_submissions", f"  the same, {len(http['spread_institutions'])} institutions"),
        ):
            p = http[key]
            lat = p["latency_ms"]
            cut = " (time limit)" if p["stopped_by_time_limit"] else ""
            lines.append(
                f"{label:<30}{p['ok']:>7}{p['errors']:>8}{p['wall_s']:>9.2f}{fmt(p['per_s']):>9}"
                f"{fmt(lat['median']):>11}{fmt(lat['p95']):>9}{fmt(lat['max']):>9}{cut}"
            )
        lines.append("")
        lines.append(
            f"{'CPU ms per request':<30}{'gunicorn':>10}{'postgres':>10}{'clients':>9}"
            f"   {'db sessions: active':>19}{'on lock':>9}"
        )
        for key, label in (
            ("submissions", "submit petition"),
            ("completions", "complete inregistrare"),
            ("burst_submissions", f"submit, {http['burst_submissions']['clients']} clients"),
            ("spread_submissions", f"  the same, {len(http['spread_institutions'])} institutions"),
        ):
            p = http[key]
            if "cpu_ms_per_request" in p:
                cpu, sessions = p["cpu_ms_per_request"], p["db_sessions"]
                lines.append(
                    f"{label:<30}{fmt(cpu['gunicorn']):>10}{fmt(cpu['postgres']):>10}{fmt(cpu['bench_clients']):>9}"
                    f"   {fmt(sessions['avg_active'], 2):>19}{fmt(sessions['avg_waiting_on_lock'], 2):>9}"
                )
                for wait, count in sessions["top_lock_waits"].items():
                    lines.append(f"  lock wait seen {count}x: {wait}")
        loads = [http[k].get("load_average_1min") for k in HTTP_PHASES]
        loads = [x for x in loads if x]
        if loads:
            peak = max(max(x["start"], x["end"]) for x in loads)
            lines.append(
                f"machine load average (1 min) during the phases: up to {peak:.2f} on {server['cpus']} CPUs"
            )
            if peak > server["cpus"] * 1.5:
                lines.append(
                    "  WARNING: other work was running on the machine; throughput and latency are pessimistic"
                )
        listing = http["task_listing"]
        lines.append(
            f"{'list tasks (GET, paged)':<30}{listing['tasks_listed']:>7} tasks, {listing['response_bytes']:,} bytes, "
            f"{fmt(listing['latency_ms'])} ms"
        )
        for key in HTTP_PHASES:
            for sample in http[key]["error_samples"]:
                lines.append(f"  error ({key}): {sample}")
    engine = report.get("engine")
    if engine:
        lines.append("")
        lines.append(
            f"Engine only (SpiffWorkflow {engine['spiffworkflow']}, sandboxed scripts, stub helpers, one thread; "
            f"parse {fmt(engine['parse_ms'], 2)} ms)"
        )
        lines.append(
            f"{'variant':<22}{'inst':>6}{'wall s':>8}{'inst/s':>8}{'tasks/s':>9}{'inst/CPU-s':>11}{'tasks/CPU-s':>12}"
            f"{'median ms':>10}{'p95 ms':>8}{'state B':>9}"
        )
        for name, v in engine["variants"].items():
            cut = " (time limit)" if v["stopped_by_time_limit"] else ""
            lines.append(
                f"{name:<22}{v['instances']:>6}{v['wall_s']:>8.2f}{fmt(v['instances_per_s']):>8}"
                f"{fmt(v['completions_per_s']):>9}{fmt(v['instances_per_cpu_s']):>11}"
                f"{fmt(v['completions_per_cpu_s']):>12}{fmt(v['instance_ms']['median'], 2):>10}"
                f"{fmt(v['instance_ms']['p95'], 2):>8}{fmt(v['largest_state_bytes']):>9}{cut}"
            )
        lines.append(
            f"  ({len(ROUTE_DATA)} user tasks per instance; shared/docs/engine-notes.md reference: ~1,100 inst/s, ~5,500 tasks/s"
        )
        lines.append("   in memory and ~800 tasks/s serialized, for a smaller 7-node route)")
    loop = report.get("loop")
    if loop:
        st = loop["step_ms"]
        lines.append(
            f"Looping route (bench/processes/bucla.bpmn, load + complete + save per step, median of "
            f"{loop['repeats']}): step 1 {fmt(st['1'], 2)} ms, step {loop['steps']} {fmt(st[str(loop['steps'])], 2)} ms"
            f" ({fmt(loop['last_over_first'], 2)}x); state {fmt(loop['state_bytes']['1'])} B at step 1, "
            f"{fmt(loop['state_bytes'][str(loop['steps'])])} B at step {loop['steps']}"
        )
    figures = report.get("figures") or {}
    if figures:
        lines.append("")
        lines.append("Figures (issue table):")
        for key, label in (
            ("cpu_ms_per_completion", "CPU per task completion, app + PostgreSQL (ms)"),
            ("cpu_ms_per_submission", "CPU per submission, app + PostgreSQL (ms)"),
        ):
            c = figures.get(key)
            if c:
                lines.append(
                    f"  {label}: {fmt(c['gunicorn'])} + {fmt(c['postgres'])} = {fmt(c['app_plus_postgres'])}"
                )
        if "completions_over_engine_ceiling" in figures:
            lines.append(
                f"  completions/s at {http['clients']} clients / engine-with-save ceiling: "
                f"{fmt(figures['completions_per_s'])} / {fmt(figures['engine_with_save_tasks_per_s'])} = "
                f"{figures['completions_over_engine_ceiling']:.3f}"
            )
        if "completions_per_cpu_s_over_engine" in figures:
            lines.append(
                f"  the same per CPU-second: {1000 / figures['cpu_ms_per_completion']['app_plus_postgres']:,.1f}"
                f" / {fmt(figures['engine_with_save_tasks_per_cpu_s'])} = "
                f"{figures['completions_per_cpu_s_over_engine']:.3f}"
            )
        if "burst_submissions" in figures:
            b = figures["burst_submissions"]
            lines.append(
                f"  submissions at {b['clients']} clients: {fmt(b['per_s'])}/s, p95 {fmt(b['p95_ms'])} ms"
            )
        if "spread_submissions" in figures:
            b = figures["spread_submissions"]
            lines.append(
                f"  the same over {b['institutions']} institutions: {fmt(b['per_s'])}/s, p95 {fmt(b['p95_ms'])} ms"
            )
        if "loop_step_last_over_first" in figures:
            lines.append(
                f"  looping route, step {loop['steps']} / step 1: {fmt(figures['loop_step_last_over_first'], 2)}x;"
                f" state at step {loop['steps']}: {fmt(loop['state_bytes'][str(loop['steps'])])} B"
            )
    check = report.get("database_check")
    if check:
        lines.append("")
        lines.append(
            f"Database after the run: {check['documents']} documents, numbers {check['registration_numbers']}, "
            f"{check['history_entries']} history rows, instance state avg {fmt(check['instance_state_bytes']['avg'])} B"
        )
        for problem in check["problems"]:
            lines.append(f"  PROBLEM: {problem}")
    lines.append(f"Total run time {report['total_s']:.1f} s; verdict: {report['verdict']}")
    for failure in report.get("failures", []):
        lines.append(f"  FAILURE: {failure}")
    lines.append("=" * 96)
    print("\n".join(lines), flush=True)


# --- main -----------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (threads)")
    parser.add_argument("--submissions", type=int, default=400, help="measured submissions (and completions)")
    parser.add_argument(
        "--warmup", type=int, default=16, help="unmeasured submissions/completions before each"
    )
    parser.add_argument("--phase-time", type=float, default=60, help="time limit of each HTTP phase, seconds")
    parser.add_argument(
        "--citizens", type=int, default=8, help="extra citizen accounts (0: all as 'cetatean')"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--engine-instances", type=int, default=500, help="instances per engine-only variant")
    parser.add_argument(
        "--engine-time", type=float, default=20, help="time limit of each engine variant, seconds"
    )
    parser.add_argument(
        "--burst-clients", type=int, default=50, help="clients of the last phase: submissions all at once"
    )
    parser.add_argument(
        "--burst-submissions", type=int, default=400, help="measured submissions of that phase"
    )
    parser.add_argument(
        "--spread-institutions",
        type=lambda text: [code for code in text.split(",") if code],
        default=["cj-brasov", "pm-sacele"],
        help="institutions (codes, comma-separated) the burst is spread over in its second run",
    )
    parser.add_argument("--loop-steps", type=int, default=100, help="steps of the looping route (engine)")
    parser.add_argument("--loop-repeats", type=int, default=5, help="runs of the looping route")
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_ADMIN_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or DEFAULT_ADMIN_URL,
        help="PostgreSQL URL used to create and drop the throw-away database",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "latest.json")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run (few requests, short phases, under a minute): proves the bench and its checks work; "
        "its figures are not worth comparing",
    )
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in QUICK.items():
            if getattr(args, name) == parser.get_default(name):
                setattr(args, name, value)
    return args


# What --quick changes (options given explicitly still win).
QUICK = {
    "clients": 4,
    "submissions": 12,
    "warmup": 4,
    "phase_time": 30,
    "citizens": 2,
    "engine_instances": 10,
    "engine_time": 5,
    "burst_clients": 8,
    "burst_submissions": 16,
    "loop_repeats": 1,
}


HTTP_PHASES = ("submissions", "completions", "burst_submissions", "spread_submissions")


def headline_figures(report: dict) -> dict:
    """The figures issue-style tables quote, computed from one run (None where a part was skipped)."""
    figures: dict = {}
    http, engine_part, loop = report.get("http"), report.get("engine"), report.get("loop")

    def cpu(phase: str) -> dict | None:
        c = http[phase].get("cpu_ms_per_request") if http else None
        return None if c is None else {**c, "app_plus_postgres": round(c["gunicorn"] + c["postgres"], 1)}

    if http:
        figures["cpu_ms_per_completion"] = cpu("completions")
        figures["cpu_ms_per_submission"] = cpu("submissions")
        figures["completions_per_s"] = http["completions"]["per_s"]
        burst = http["burst_submissions"]
        figures["burst_submissions"] = {
            "clients": burst["clients"],
            "per_s": burst["per_s"],
            "p95_ms": burst["latency_ms"]["p95"],
        }
        spread = http["spread_submissions"]
        figures["spread_submissions"] = {
            "institutions": len(http["spread_institutions"]),
            "per_s": spread["per_s"],
            "p95_ms": spread["latency_ms"]["p95"],
        }
    if engine_part:
        ceiling = engine_part["variants"]["serialize_each_wait"]["completions_per_s"]
        figures["engine_with_save_tasks_per_s"] = ceiling
        if http and ceiling:
            figures["completions_over_engine_ceiling"] = round(http["completions"]["per_s"] / ceiling, 3)
        # The same ratio per CPU-second (app + PostgreSQL against the engine's one thread): other load on the
        # machine moves the wall-clock ratio, hardly this one.
        per_cpu = engine_part["variants"]["serialize_each_wait"]["completions_per_cpu_s"]
        cost = (figures.get("cpu_ms_per_completion") or {}).get("app_plus_postgres")
        if per_cpu and cost:
            figures["engine_with_save_tasks_per_cpu_s"] = per_cpu
            figures["completions_per_cpu_s_over_engine"] = round(1000 / cost / per_cpu, 3)
    if loop:
        figures["loop_step_last_over_first"] = loop["last_over_first"]
        figures["loop_state_bytes"] = loop["state_bytes"]
    return figures


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    args = parse_args()
    if args.clients < 1 or args.submissions < 1 or args.warmup < 0:
        raise SystemExit("--clients and --submissions must be positive, --warmup not negative")
    # SIGTERM (a CI cancelling the job) runs the same clean-up as Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupted)
    begun = time.perf_counter()
    report: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "parameters": {
            k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k != "admin_url"
        },
        "failures": [],
    }

    if not args.skip_engine:
        print(f"Engine only: {args.engine_instances} instances per variant ...", flush=True)
        try:
            report["engine"] = run_engine(args.engine_instances, args.engine_time)
        except BenchError as exc:
            report["failures"].append(str(exc))

        print(f"Looping route: {args.loop_steps} steps x {args.loop_repeats} ...", flush=True)
        try:
            report["loop"] = run_loop(args.loop_steps, args.loop_repeats)
        except BenchError as exc:
            report["failures"].append(str(exc))

    if not args.skip_http:
        run_http_phase(args, report)
    report["figures"] = headline_figures(report)

    report["total_s"] = round(time.perf_counter() - begun, 1)
    http = report.get("http")
    if http:
        for key in HTTP_PHASES:
            if http[key]["errors"]:
                report["failures"].append(f"{key}: {http[key]['errors']} failed request(s)")
            if http[key]["stopped_by_time_limit"]:
                report["failures"].append(f"{key}: stopped by the {args.phase_time:g} s time limit")
    if report.get("database_check", {}).get("problems"):
        report["failures"].append("the database check after the run found problems")
    report["verdict"] = "FAIL" if report["failures"] else "OK"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_report(report)
    print(f"Written {args.output}")
    return 0 if report["verdict"] == "OK" else 1


def run_http_phase(args, report: dict) -> None:
    db_name = f"registratura_bench_{os.getpid()}_{secrets.token_hex(3)}"
    url = database_url(args.admin_url, db_name)
    server: Gunicorn | None = None
    created = False
    with tempfile.TemporaryDirectory(prefix="registratura-bench-") as tmp:
        tmp_dir = Path(tmp)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_hex(32),
            "SIGNING_KEY_ENCRYPTION_KEY": secrets.token_hex(32),
            "AUDIT_HMAC_KEY": secrets.token_hex(32),
            "STORAGE_DIR": str(tmp_dir / "storage"),
            "INSTANCE_DIR": str(tmp_dir / "instance"),
            "SCHEDULER_ENABLED": "0",
            "RATELIMIT_ENABLED": "0",
            "FLASK_APP": "wsgi:app",
            "PYTHONUNBUFFERED": "1",
        }
        try:
            print(f"Database {db_name}: create, migrate, demo, tokens ...", flush=True)
            setup: dict[str, float] = {}
            t0 = time.perf_counter()

            def step(name: str) -> None:
                nonlocal t0
                setup[name] = round(time.perf_counter() - t0, 2)
                t0 = time.perf_counter()

            admin_execute(args.admin_url, f'CREATE DATABASE "{db_name}"')
            created = True
            step("create_database")
            flask(env, "db", "upgrade")
            step("migrate")
            flask(env, "demo", "load")
            step("demo_load")
            accounts = json.loads(
                run_cli(
                    [sys.executable, str(ROOT / "bench" / "accounts.py"), str(max(args.citizens, 0))],
                    env,
                    "creating accounts and tokens",
                )
            )
            tokens = accounts["existing"]
            citizen_tokens = list(accounts["citizens"].values()) or [tokens["cetatean"]]
            step("citizens")

            server = Gunicorn(env, args.workers, args.threads, tmp_dir / "gunicorn.log")
            print(f"gunicorn on {server.base} ...", flush=True)
            server.start()
            step("gunicorn_start")
            print(f"  set-up steps (s): {setup}", flush=True)
            print(
                f"HTTP: {args.clients} clients, {args.submissions} submissions then as many completions "
                f"(+{args.warmup} warm-up each) ...",
                flush=True,
            )
            http = run_http(
                args,
                tokens,
                citizen_tokens,
                server.base,
                lambda: Observer(args.admin_url, db_name, server.process.pid),
            )
            report["server"] = {
                "workers": args.workers,
                "threads": args.threads,
                "cpus": os.cpu_count(),
                "setup_s": setup,
                "citizen_accounts": len(citizen_tokens),
            }
            report["http"] = {
                "clients": args.clients,
                "warmup_per_phase": http["warmup_per_phase"],
                "submissions": http["submissions"].summary(),
                "task_listing": http["task_listing"],
                "completions": http["completions"].summary(),
                "burst_submissions": http["burst_submissions"].summary(),
                "spread_submissions": http["spread_submissions"].summary(),
                "spread_institutions": list(args.spread_institutions),
            }
            submitted = (
                args.warmup
                + http["submissions"].ok
                + http["burst_submissions"].ok
                + http["spread_submissions"].ok
            )
            report["database_check"] = check_database(url, submitted, http["completed_ids"])
            if server.process.poll() is not None:
                report["failures"].append(f"gunicorn died during the run:\n{server.log_tail()}")
        except BenchError as exc:
            report["failures"].append(str(exc))
            if server is not None:
                print(server.log_tail(), file=sys.stderr)
        finally:
            if server is not None:
                server.stop()
            if created:
                try:
                    admin_execute(args.admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
                except psycopg2.Error as exc:
                    print(f"could not drop database {db_name}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

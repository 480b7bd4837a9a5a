"""Benchmark: the lists at scale. A million human tasks, 100,000 documents and 1,000 staff loaded with SQL, then the
latency of the inbox (each view), `GET /api/v1/tasks`, the register search and the citizen's "my documents".

    .venv/bin/python bench/scale.py                 # full data set (about 3-5 minutes to load on 2 cores)
    .venv/bin/python bench/scale.py --quick         # small data set, seconds (the test suite runs this)
    .venv/bin/python bench/scale.py --keep          # keep the database; print its name
    .venv/bin/python bench/scale.py --database NAME # measure again on a database kept before (no load)

A throw-away PostgreSQL database (created through TEST_DATABASE_URL's server, dropped at the end unless --keep):
`flask db upgrade`, `flask demo load`, then `load()` below: one SQL script of INSERT .. SELECT over
generate_series, deterministic (no random(): every choice is arithmetic on the row number), so two loads give the
same rows. Then ANALYZE.

The requests go through Flask's test client in this process, against that PostgreSQL database: the full
request (routing, login session or bearer token, queries, template) without a network hop or gunicorn's queue,
so the figures are the server's time per request on one thread. Each measured request also counts its SQL
statements. Prints a table and writes bench/results/scale.json (gitignored). Exit status 1 if a request did not
answer 200 or a list came back empty where the data set has rows. See bench/README.md."""

import argparse
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
from harness import admin_execute, database_url, percentile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS_DIR = ROOT / "bench" / "results"
VENV_BIN = ROOT / ".venv" / "bin"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

FULL = {"tasks": 1_000_000, "documents": 100_000, "staff": 1_000, "citizens": 20_000, "departments": 20}
QUICK = {"tasks": 5_000, "documents": 500, "staff": 60, "citizens": 100, "departments": 3}

INBOX_VIEWS = ("toate", "ale-mele", "grup", "scadente", "depasite", "returnate", "cetatean")


class BenchError(RuntimeError):
    pass


def flask(env: dict, *args: str) -> str:
    result = subprocess.run(
        [str(VENV_BIN / "flask"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise BenchError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


# --- the data set ------------------------------------------------------------------------------------------------

# Names and subjects with diacritics, so the register search's folding is exercised ("groapa" finds "Groapă").
FIRST_NAMES = [
    "Ion", "Maria", "Ștefan", "Elena", "Andrei", "Ioana", "Mihai", "Ana", "Gheorghe", "Cristina", "Vasile",
    "Mirela", "Radu", "Alexandra", "Florin", "Roxana", "Bogdan", "Daniela", "Tudor", "Irina", "Călin", "Oana",
]  # fmt: skip
LAST_NAMES = [
    "Popescu", "Ionescu", "Popa", "Dumitrescu", "Stan", "Stoica", "Gheorghiu", "Munteanu", "Constantinescu",
    "Marin", "Țurcanu", "Răducanu", "Șerban", "Lungu", "Moldovan", "Bălan", "Tănase", "Dobre", "Niculescu",
    "Ene", "Mureșan", "Cozma", "Barbu", "Neagu", "Oprea", "Voicu", "Pîrvu", "Sârbu", "Matei", "Ursu",
]  # fmt: skip
SUBJECTS = [
    "Groapă în carosabil pe strada {street}",
    "Iluminat public defect pe strada {street}",
    "Solicitare copie după hotărârea de consiliu privind {topic}",
    "Reclamație zgomot pe strada {street}",
    "Cerere informații privind {topic}",
    "Sesizare gunoi necolectat pe strada {street}",
    "Adeverință de venit pentru {topic}",
    "Certificat de urbanism pentru strada {street}",
    "Petiție privind {topic}",
    "Toaletare arbori pe strada {street}",
]
STREETS = [
    "Republicii", "Mureșenilor", "Lungă", "Castelului", "Zizinului", "Țebei", "Brâncoveanu", "Avram Iancu",
    "Carpaților", "Independenței", "Mihai Viteazul", "Ștefan cel Mare", "Făgărașului", "Bisericii Române",
]  # fmt: skip
TOPICS = [
    "bugetul pe anul 2026", "transportul școlar", "parcările de reședință", "autorizațiile de construire",
    "salubrizarea", "ajutorul social", "drumurile județene", "finanțările nerambursabile", "taxele locale",
]  # fmt: skip

# The ready step of an open document, by share (per cent): step, lane role, scope. "assigned" = given to one
# official of the department; "group" = the department's (some claimed); "institution" = the institution's.
READY_STEPS = [
    (15, "inregistrare", "Înregistrare", "registrator", "institution", "petitie-inregistrare"),
    (15, "repartizare", "Repartizare", "sef_serviciu", "group", "petitie-repartizare"),
    (30, "redactare", "Redactare răspuns", "referent", "assigned", "petitie-raspuns"),
    (10, "redactare", "Redactare răspuns", "referent", "group", "petitie-raspuns"),
    (15, "aprobare", "Aprobare răspuns", "sef_serviciu", "group", "petitie-aprobare"),
    (10, "semnare_referent", "Semnare răspuns (referent)", "referent", "assigned", None),
    (5, "decizie_prelungire", "Decizie prelungire termen", "secretar_general", "institution", "petitie-prelungire"),
]  # fmt: skip
# The completed steps of a document, in route order (a redraft loop included), repeated to the tasks per document.
DONE_STEPS = [
    ("depunere", "Depunere petiție", "solicitant", "petitie-depunere"),
    ("inregistrare", "Înregistrare", "registrator", "petitie-inregistrare"),
    ("repartizare", "Repartizare", "sef_serviciu", "petitie-repartizare"),
    ("redactare", "Redactare răspuns", "referent", "petitie-raspuns"),
    ("aprobare", "Aprobare răspuns", "sef_serviciu", "petitie-aprobare"),
    ("redactare", "Redactare răspuns", "referent", "petitie-raspuns"),
    ("aprobare", "Aprobare răspuns", "sef_serviciu", "petitie-aprobare"),
    ("semnare_referent", "Semnare răspuns (referent)", "referent", None),
    ("semnare_sef", "Semnare răspuns (șef serviciu)", "sef_serviciu", None),
    ("decizie_prelungire", "Decizie prelungire termen", "secretar_general", "petitie-prelungire"),
]


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


def _steps_table(name: str, rows: list[tuple], columns: str) -> str:
    values = ",".join(
        "("
        + ",".join("NULL" if v is None else (str(v) if isinstance(v, int) else "'" + v + "'") for v in r)
        + ")"
        for r in rows
    )
    return f"CREATE TEMP TABLE {name} ({columns}) ON COMMIT DROP; INSERT INTO {name} VALUES {values};"


def load_script(size: dict) -> list[tuple[str, str]]:
    """(label, SQL) in order, one transaction. Deterministic: choices are arithmetic on generate_series."""
    docs, tasks, staff, citizens = size["documents"], size["tasks"], size["staff"], size["citizens"]
    per_doc = max(1, tasks // docs)
    cetatean_every = max(2, docs // 150)
    ready_rows, low = [], 0
    for share, bpmn, name, role, scope, form in READY_STEPS:
        ready_rows.append((low, low + share, bpmn, name, role, scope, form))
        low += share
    done_rows = [(i, b, n, r, f) for i, (b, n, r, f) in enumerate(DONE_STEPS)]
    state = json.dumps(
        {
            "spec": "petitie",
            "data": {"subiect": "x" * 200},
            "tasks": {str(i): {"state": 64} for i in range(600)},
        }
    )
    first, last = _sql_array(FIRST_NAMES), _sql_array(LAST_NAMES)
    subjects, streets, topics = _sql_array(SUBJECTS), _sql_array(STREETS), _sql_array(TOPICS)
    return [
        (
            "departments",
            f"""
            INSERT INTO departments (institution_id, code, name)
            SELECT i.id, 'compartiment-' || lpad(g::text, 2, '0'), 'Compartimentul ' || g
            FROM institutions i, generate_series(1, CASE WHEN i.code = 'cj-brasov' THEN {size["departments"]}
                                                         ELSE greatest(1, {size["departments"]} / 3) END) g;
            CREATE TEMP TABLE dept ON COMMIT DROP AS
            SELECT id, institution_id, (row_number() OVER (PARTITION BY institution_id ORDER BY id) - 1)::int AS idx,
                   count(*) OVER (PARTITION BY institution_id)::int AS n
            FROM departments;
            """,
        ),
        (
            "staff",
            f"""
            INSERT INTO users (username, email, full_name, password_hash, is_staff, is_active_account, created_at)
            SELECT 'functionar' || g, 'functionar' || g || '@scale.invalid',
                   ({first})[1 + g % {len(FIRST_NAMES)}] || ' ' || ({last})[1 + (g / 7) % {len(LAST_NAMES)}],
                   (SELECT password_hash FROM users WHERE username = 'registrator'), true, true, now()
            FROM generate_series(1, {staff}) g;
            -- 70 % at the county council, 30 % at Săcele; 1 in 20 registry clerks (whole institution), 1 in 10
            -- heads of unit, 1 in 50 secretaries general, the rest officials; departments round-robin.
            INSERT INTO memberships (user_id, institution_id, department_id, role_id)
            SELECT u.id, s.inst, CASE WHEN s.role IN ('registrator', 'secretar_general') THEN NULL ELSE d.id END,
                   (SELECT id FROM roles WHERE code = s.role)
            FROM (SELECT g, CASE WHEN g % 10 < 7 THEN (SELECT id FROM institutions WHERE code = 'cj-brasov')
                                 ELSE (SELECT id FROM institutions WHERE code = 'pm-sacele') END AS inst,
                         CASE WHEN g % 20 = 0 THEN 'registrator' WHEN g % 50 = 1 THEN 'secretar_general'
                              WHEN g % 10 IN (2, 5) THEN 'sef_serviciu' ELSE 'referent' END AS role
                  FROM generate_series(1, {staff}) g) s
            JOIN users u ON u.username = 'functionar' || s.g
            JOIN dept d ON d.institution_id = s.inst AND d.idx = (s.g / 10) % d.n;
            """,
        ),
        (
            "citizens",
            f"""
            INSERT INTO users (username, email, full_name, password_hash, is_staff, is_active_account, created_at)
            SELECT 'cetatean' || g, 'cetatean' || g || '@scale.invalid',
                   ({first})[1 + (g * 7) % {len(FIRST_NAMES)}] || ' ' || ({last})[1 + g % {len(LAST_NAMES)}],
                   '!', false, true, now()
            FROM generate_series(1, {citizens}) g;
            CREATE TEMP TABLE citizen ON COMMIT DROP AS
            SELECT id, full_name, (row_number() OVER (ORDER BY id) - 1)::int AS idx FROM users
            WHERE username ~ '^cetatean[0-9]+$';
            """,
        ),
        (
            "documents",
            f"""
            -- 1 in 5 documents open (created in the last 45 days), the rest closed over three years; a fifth of each
            -- institution's documents at its public relations department (petitions), the rest spread; the demo
            -- citizen `cetatean` submitted one in {cetatean_every} of them.
            CREATE TEMP TABLE doc_src ON COMMIT DROP AS
            SELECT g, g % 5 = 0 AS open,
                   CASE WHEN g % 10 < 7 THEN (SELECT id FROM institutions WHERE code = 'cj-brasov')
                        ELSE (SELECT id FROM institutions WHERE code = 'pm-sacele') END AS inst,
                   CASE WHEN g % 5 = 0 THEN now() - make_interval(secs => (g * 7919 % (45 * 86400)))
                        ELSE now() - make_interval(days => 46 + (g * 31 % 1050), secs => g % 86400) END AS created
            FROM generate_series(1, {docs}) g;
            INSERT INTO documents (public_id, institution_id, document_type_id, department_id, submitter_id,
                                   direction, sender_name, sender_email, subject, content, status,
                                   registration_number, registration_year, registered_at, deadline_at, overdue,
                                   created_at, closed_at, channel, answer_by, search_text)
            SELECT *, f_unaccent(lower(subject || chr(10) || sender_name || chr(10))) -- text_search.document_text
            FROM (
            SELECT 'scale' || lpad(s.g::text, 9, '0'), s.inst,
                   (SELECT id FROM document_types WHERE code = (ARRAY['petitie', 'petitie', 'petitie',
                        'informatii-publice', 'adeverinta', 'certificat-urbanism'])[1 + s.g % 6]),
                   CASE WHEN s.g % 5 = 0 AND (s.g / 5) % 5 = 0 THEN pr.id ELSE d.id END,
                   CASE WHEN s.g % {cetatean_every} = 0 THEN (SELECT id FROM users WHERE username = 'cetatean') ELSE c.id END,
                   'intrare', CASE WHEN s.g % {cetatean_every} = 0 THEN 'Ion Popescu' ELSE c.full_name END
                   AS sender_name,
                   'petent' || s.g || '@scale.invalid',
                   replace(replace(({subjects})[1 + (s.g / 3) % {len(SUBJECTS)}],
                       '{{street}}', ({streets})[1 + (s.g / 11) % {len(STREETS)}]),
                       '{{topic}}', ({topics})[1 + (s.g / 13) % {len(TOPICS)}]) || ' (' || s.g || ')' AS subject,
                   'Text generat pentru testul de volum.',
                   CASE WHEN s.open THEN 'in_lucru' WHEN s.g % 17 = 0 THEN 'clasat' ELSE 'solutionat' END,
                   row_number() OVER (PARTITION BY s.inst, extract(year FROM s.created) ORDER BY s.created),
                   extract(year FROM s.created)::int, s.created, s.created + interval '30 days',
                   s.open AND s.created + interval '30 days' < now(),
                   s.created, CASE WHEN s.open THEN NULL ELSE s.created + interval '20 days' END,
                   CASE WHEN s.g % 3 = 0 THEN 'ghiseu' ELSE 'portal' END, 'electronic'
            FROM doc_src s
            JOIN dept d ON d.institution_id = s.inst AND d.idx = (s.g / 10) % d.n
            JOIN departments pr ON pr.institution_id = s.inst AND pr.code = 'relatii-publice'
            JOIN citizen c ON c.idx = s.g % {citizens}
            ORDER BY s.created) AS written;
            INSERT INTO registration_counters (institution_id, year, last_number)
            SELECT institution_id, registration_year, max(registration_number) FROM documents
            WHERE registration_year IS NOT NULL GROUP BY 1, 2
            ON CONFLICT (institution_id, year) DO UPDATE SET last_number = EXCLUDED.last_number;
            """,
        ),
        (
            "instances",
            f"""
            -- The engine state is not needed by any list: a compressible stand-in of about
            -- {len(state) // 1024} KB, so that loading it by mistake shows in the figures.
            INSERT INTO workflow_instances (document_id, process_version_id, state, status, updated_at, lock_version)
            SELECT d.id, (SELECT id FROM process_versions WHERE process_id = 'petitie' AND is_current
                          ORDER BY institution_id NULLS FIRST LIMIT 1),
                   %(state)s, CASE WHEN d.status = 'in_lucru' THEN 'running' ELSE 'complete' END, d.created_at, 1
            FROM documents d WHERE d.public_id LIKE 'scale%%' ORDER BY d.id;
            """,
        ),
        (
            "tasks",
            _steps_table(
                "ready_step",
                ready_rows,
                "low int, high int, bpmn text, name text, role text, scope text, form text",
            )
            + _steps_table("done_step", done_rows, "idx int, bpmn text, name text, role text, form text")
            + f"""
            CREATE TEMP TABLE official ON COMMIT DROP AS
            SELECT m.user_id, m.department_id,
                   (row_number() OVER (PARTITION BY m.department_id ORDER BY m.user_id) - 1)::int AS idx,
                   count(*) OVER (PARTITION BY m.department_id)::int AS n
            FROM memberships m JOIN roles r ON r.id = m.role_id
            WHERE r.code = 'referent' AND m.department_id IS NOT NULL;
            CREATE TEMP TABLE doc ON COMMIT DROP AS
            SELECT d.id, d.institution_id, d.department_id, d.created_at, d.deadline_at, w.id AS instance_id,
                   d.status = 'in_lucru' AS open, substring(d.public_id FROM 6)::int AS g,
                   (substring(d.public_id FROM 6)::int * 7919) % 100 AS h
            FROM documents d JOIN workflow_instances w ON w.document_id = d.id
            WHERE d.public_id LIKE 'scale%%';
            -- {per_doc} tasks per document; the last one of an open document is its ready step.
            INSERT INTO human_tasks (instance_id, document_id, task_guid, bpmn_id, name, lane, role_code,
                                     institution_id, department_id, assignee_id, claimed_by_id, form_file,
                                     ui_form_file, status, created_at, due_at, completed_at, completed_by_id,
                                     returned)
            SELECT doc.instance_id, doc.id,
                   substr(md5(doc.id || '-' || k), 1, 8) || '-' || substr(md5(doc.id || '-' || k), 9, 4) || '-4' ||
                       substr(md5(doc.id || '-' || k), 14, 3) || '-8' || substr(md5(doc.id || '-' || k), 18, 3) ||
                       '-' || substr(md5(doc.id || '-' || k), 21, 12),
                   CASE WHEN ready THEN rs.bpmn ELSE ds.bpmn END, CASE WHEN ready THEN rs.name ELSE ds.name END,
                   CASE WHEN ready THEN rs.role ELSE ds.role END, CASE WHEN ready THEN rs.role ELSE ds.role END,
                   doc.institution_id,
                   CASE WHEN (CASE WHEN ready THEN rs.scope ELSE 'group' END) = 'institution'
                             OR (NOT ready AND ds.role IN ('registrator', 'solicitant', 'secretar_general'))
                        THEN NULL ELSE doc.department_id END,
                   CASE WHEN ready AND rs.scope = 'assigned' THEN o.user_id END,
                   CASE WHEN ready AND rs.scope = 'group' AND rs.role = 'referent' AND doc.g % 3 = 0
                        THEN o.user_id END,
                   CASE WHEN ready THEN rs.form ELSE ds.form END || '.json',
                   CASE WHEN ready THEN rs.form ELSE ds.form END || '-uischema.json',
                   CASE WHEN ready THEN 'ready' ELSE 'completed' END,
                   doc.created_at + make_interval(hours => k), doc.deadline_at,
                   CASE WHEN ready THEN NULL ELSE doc.created_at + make_interval(hours => k + 1) END,
                   CASE WHEN ready THEN NULL ELSE o.user_id END,
                   ready AND rs.bpmn = 'redactare' AND doc.g % 7 = 0
            FROM doc
            CROSS JOIN LATERAL generate_series(1, {per_doc}) k
            CROSS JOIN LATERAL (SELECT doc.open AND k = {per_doc} AS ready) r
            JOIN ready_step rs ON doc.h >= rs.low AND doc.h < rs.high
            JOIN done_step ds ON ds.idx = (k - 1) % {len(DONE_STEPS)}
            LEFT JOIN official o ON o.department_id = doc.department_id AND o.idx = doc.g % o.n
            -- In time order, as the application writes them: today's ready tasks sit in the table's last pages.
            ORDER BY doc.created_at + make_interval(hours => k);
            -- Waiting for the citizen: one ready task in 50 has an open completion request.
            INSERT INTO completion_requests (public_id, document_id, task_id, requested_by_id, message, due_at,
                                             status, created_at)
            SELECT 'scalecr' || t.id, t.document_id, t.id,
                   (SELECT id FROM users WHERE username = 'registrator'), 'Vă rugăm să completați cererea.',
                   now() + interval '10 days', 'deschisa', now() - interval '1 day'
            FROM human_tasks t JOIN doc ON doc.id = t.document_id
            WHERE t.status = 'ready' AND doc.g % 50 = 0;
            """,
        ),
    ]


def load(url: str, size: dict) -> dict:
    timings = {}
    connection = psycopg2.connect(url)
    try:
        state = json.dumps(
            {
                "spec": "petitie",
                "data": {"subiect": "x" * 200},
                "tasks": {str(i): {"state": 64} for i in range(600)},
            }
        )
        with connection.cursor() as cursor:
            for label, sql in load_script(size):
                t0 = time.perf_counter()
                cursor.execute(sql, {"state": state} if "%(state)s" in sql else None)
                timings[label] = round(time.perf_counter() - t0, 1)
                print(f"  {label}: {timings[label]} s", flush=True)
        connection.commit()
        connection.autocommit = True
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        timings["vacuum_analyze"] = round(time.perf_counter() - t0, 1)
    finally:
        connection.close()
    return {"seconds": timings, "rows": load_counts(url)}


# --- measuring ---------------------------------------------------------------------------------------------------


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu(pid: int) -> float:
    """utime + stime of a process in seconds (0 when it is gone or not readable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class Measured:
    """Runs requests and measures, per request: wall time, the app's CPU (this thread), the SQL statements, and the
    CPU of this database's PostgreSQL backends (read from /proc, when PostgreSQL runs on this machine; 10 ms ticks,
    so only its mean over the requests is reported). Wall time follows whatever else runs on the machine; the CPU
    figures hardly move with it."""

    def __init__(self, app, url: str):
        from sqlalchemy import event

        from app.extensions import db

        self.app = app
        self.statements = 0
        self.monitor = psycopg2.connect(url)
        self.monitor.autocommit = True
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.statements += 1

    def _db_cpu(self) -> float:
        with self.monitor.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'"
            )
            return sum(_process_cpu(pid) for (pid,) in cursor.fetchall())

    def close(self) -> None:
        self.monitor.close()

    def run(self, client, path: str, repeat: int, headers: dict | None = None, check=None) -> dict:
        times, cpu, statements, status, body = [], [], [], None, b""
        db_cpu = 0.0
        for i in range(repeat + 2):  # two unmeasured warm-up requests
            before = self.statements
            db_before = self._db_cpu() if i >= 2 else 0.0
            c0, t0 = time.thread_time(), time.perf_counter()
            response = client.get(path, headers=headers or {})
            elapsed, app_cpu = time.perf_counter() - t0, time.thread_time() - c0
            status, body = response.status_code, response.get_data()
            if status != 200:
                raise BenchError(f"GET {path}: {status}\n{body[:800]!r}")
            if i >= 2:
                db_cpu += self._db_cpu() - db_before
                times.append(elapsed * 1000)
                cpu.append(app_cpu * 1000)
                statements.append(self.statements - before)
        rows = check(body) if check else None
        return {
            "path": path,
            "n": len(times),
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 95), 1),
            "max_ms": round(max(times), 1),
            "app_cpu_ms": round(statistics.mean(cpu), 1),
            "db_cpu_ms": round(db_cpu * 1000 / len(times), 1),
            "statements": max(statements),
            "rows": rows,
            "bytes": len(body),
        }


def csrf_token(client, path: str = "/autentificare") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    if not match:
        raise BenchError("no CSRF token on the login page")
    return match.group(1)


def logged_in(app, username: str):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/autentificare", data={"username": username, "password": "demo", "csrf_token": token}
    )
    if response.status_code != 302:
        raise BenchError(f"login {username}: {response.status_code}")
    return client


def inbox_rows(body: bytes) -> int:
    return len(set(re.findall(rb'href="/sarcini/(\d+)"', body)))


def count_badges(body: bytes) -> dict:
    """The count shown on each inbox view's tab."""
    html = body.decode()
    found = {}
    for view in INBOX_VIEWS:
        match = re.search(r"vedere=" + view + r"[^>]*>[^<]*<span[^>]*>([^<]+)</span>", html)
        if match:
            found[view] = match.group(1).strip()
    return found


def measure(env: dict, url: str, repeat: int) -> dict:
    os.environ.update(env)
    from app import create_app

    app = create_app()
    measured = Measured(app, url)
    results: dict = {}
    tokens = {user: flask(env, "users", "token", user).strip() for user in ("registrator", "referent")}
    for username, label in (("registrator", "clerk"), ("referent", "official"), ("sef.serviciu", "head")):
        client = logged_in(app, username)
        for view in INBOX_VIEWS:
            results[f"inbox {label} {view}"] = measured.run(
                client, f"/sarcini/?vedere={view}", repeat, check=inbox_rows
            )
        results[f"inbox {label} toate page 3 by arrival"] = measured.run(
            client, "/sarcini/?vedere=toate&ordine=sosire&pagina=3", repeat, check=inbox_rows
        )
        results[f"inbox {label} search 'groapa'"] = measured.run(
            client, "/sarcini/?q=groapa", repeat, check=inbox_rows
        )
        results[f"inbox {label} counts"] = {
            "counts": count_badges(client.get("/sarcini/?vedere=toate").get_data())
        }
    for username, label in (("registrator", "clerk"), ("referent", "official")):
        headers = {"Authorization": f"Bearer {tokens[username]}"}
        results[f"api tasks {label}"] = measured.run(
            app.test_client(),
            "/api/v1/tasks?limit=50",
            repeat,
            headers=headers,
            check=lambda b: len(json.loads(b)),
        )
        results[f"api tasks {label} offset 500"] = measured.run(
            app.test_client(),
            "/api/v1/tasks?limit=50&offset=500",
            repeat,
            headers=headers,
            check=lambda b: len(json.loads(b)),
        )

    def register_rows(body: bytes) -> int:
        return body.count(b'class="doc-number"')

    clerk = logged_in(app, "registrator")
    for label, query in (
        ("register search sender 'popescu ion'", "expeditor=popescu+ion"),
        ("register search subject 'groapa'", "subiect=groapa"),
        ("register search prefix 'dumitr'", "expeditor=dumitr"),
        ("register search, no hit here 'mures'", "expeditor=mures"),
        ("register search number", "numar=1234"),
        ("register list, no filter", ""),
    ):
        results[label] = measured.run(clerk, f"/registratura/?{query}", repeat, check=register_rows)
    citizen = logged_in(app, "cetatean")
    results["my documents (citizen)"] = measured.run(
        citizen, "/documentele-mele", repeat, check=lambda b: b.count(b'href="/documentele-mele/')
    )
    measured.close()
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()  # so the database can be dropped
    return results


# --- report ------------------------------------------------------------------------------------------------------


def print_report(report: dict) -> None:
    rows = report["load"]["rows"]
    print()
    print(
        f"Data set: {rows['tasks']:,} tasks ({rows['ready']:,} ready, {rows['ready_assigned']:,} of them assigned), "
        f"{rows['documents']:,} documents, {rows['staff']:,} staff, {rows['departments']} departments; "
        f"human_tasks {rows['human_tasks_size']}, database {rows['database_size']}; "
        f"load {sum(report['load']['seconds'].values()):.0f} s"
    )
    print(f"Flask test client against PostgreSQL, {report['repeat']} requests each after 2 warm-up")
    print(
        f"{'request':<46} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU app+db ms':>14} {'SQL':>5} {'rows':>6}"
    )
    for name, r in report["results"].items():
        if "counts" in r:
            print(f"  {name}: {r['counts']}")
            continue
        print(
            f"{name:<46} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8} "
            f"{str(r['app_cpu_ms']) + ' + ' + str(r['db_cpu_ms']):>14} {r['statements']:>5} "
            f"{'' if r['rows'] is None else r['rows']:>6}"
        )
    print(f"machine load average (1 min) at the end: {report['loadavg']}")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small data set (seconds); for the test suite")
    parser.add_argument(
        "--repeat", type=int, default=None, help="measured requests per list (default 40, quick 3)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--database", help="measure an existing (kept) database; no load")
    parser.add_argument("--admin-url", default=os.environ.get("TEST_DATABASE_URL", DEFAULT_ADMIN_URL))
    parser.add_argument("--output", default=str(RESULTS_DIR / "scale.json"))
    for key in FULL:
        parser.add_argument(
            f"--{key}", type=int, default=None, help=f"default {FULL[key]:,} ({QUICK[key]} quick)"
        )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    size = {k: getattr(args, k) or (QUICK if args.quick else FULL)[k] for k in FULL}
    repeat = args.repeat or (3 if args.quick else 40)
    db_name = args.database or f"registratura_scale_{os.getpid()}_{secrets.token_hex(3)}"
    url = database_url(args.admin_url, db_name)
    tmp = tempfile.TemporaryDirectory(prefix="registratura-scale-")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        "SIGNING_KEY_ENCRYPTION_KEY": secrets.token_hex(32),
        "AUDIT_HMAC_KEY": secrets.token_hex(32),
        "STORAGE_DIR": str(Path(tmp.name) / "storage"),
        "INSTANCE_DIR": str(Path(tmp.name) / "instance"),
        "SCHEDULER_ENABLED": "0",
        "RATELIMIT_ENABLED": "0",
        "FLASK_APP": "wsgi:app",
        "PYTHONUNBUFFERED": "1",
    }
    created = False
    report: dict = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "size": size,
        "repeat": repeat,
    }
    try:
        if args.database:
            report["load"] = {"seconds": {}, "rows": load_counts(url)}
        else:
            print(f"Database {db_name}: create, migrate, demo, load {size} ...", flush=True)
            admin_execute(args.admin_url, f'CREATE DATABASE "{db_name}"')
            created = True
            flask(env, "db", "upgrade")
            flask(env, "demo", "load")
            report["load"] = load(url, size)
        report["results"] = measure(env, url, repeat)
        report["loadavg"] = round(os.getloadavg()[0], 2)
        report["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
        print_report(report)
        output = Path(args.output)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    except BenchError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if created and not args.keep:
            admin_execute(args.admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        elif created:
            print(f"kept database {db_name}")
        tmp.cleanup()


def load_counts(url: str) -> dict:
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT count(*) FROM human_tasks), (SELECT count(*) FROM human_tasks WHERE status = 'ready'),"
                " (SELECT count(*) FROM human_tasks WHERE status = 'ready' AND assignee_id IS NOT NULL),"
                " (SELECT count(*) FROM documents), (SELECT count(*) FROM users WHERE is_staff),"
                " (SELECT count(*) FROM departments), pg_size_pretty(pg_total_relation_size('human_tasks')),"
                " pg_size_pretty(pg_total_relation_size('documents')),"
                " pg_size_pretty(pg_database_size(current_database()))"
            )
            row = cursor.fetchone()
    finally:
        connection.close()
    keys = ("tasks", "ready", "ready_assigned", "documents", "staff", "departments")
    keys += ("human_tasks_size", "documents_size", "database_size")
    return dict(zip(keys, row, strict=True))


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: registrations per second with many clerks at once on PostgreSQL, and proof that the numbers have no
gaps and no duplicates at that load.

    .venv/bin/python bench/registry.py [--clerks 50] [--seconds 20] [--institutions 3] [--rollback-share 0.05]

A throw-away database (created through TEST_DATABASE_URL's server, migrated, dropped at the end whatever happens)
with a few institutions, each with its general register and two departmental ones, and one registry clerk account
per institution. Every clerk is a thread with its own database connection (its own SQLAlchemy session) that, for
the given time, does what the registry desk does: insert a document, register it with `numbering.register` (the
application's code: clerk check, register choice, frozen-day check, the counter row) into a random register of its
institution, commit. A share of the transactions roll back after taking their number (a route failing after
registration), which must leave no gap. Then the check: per institution and year the numbers are exactly 1..N
(no gap, no duplicate, N = the committed registrations counted by the clerks = the counter's last number).

Prints a table and writes bench/results/registry.json. Exit status 1 if the check fails or any clerk hit an error.
See bench/README.md."""

import argparse
import json
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from harness import percentile
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS_DIR = ROOT / "bench" / "results"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


class Clerk(threading.Thread):
    def __init__(self, app, index: int, institution_id: int, username: str, start: threading.Barrier, args):
        super().__init__(name=f"clerk-{index}", daemon=True)
        self.app, self.institution_id, self.username, self.start_barrier = (
            app,
            institution_id,
            username,
            start,
        )
        self.seconds, self.rollback_share = args.seconds, args.rollback_share
        self.random = random.Random(index)
        self.latencies: list[float] = []
        self.committed: list[tuple[int, int]] = []  # (year, number)
        self.rolled_back = 0
        self.errors: list[str] = []

    def run(self) -> None:
        from app.extensions import db
        from app.identity.models import User
        from app.registry.models import Direction, Document, DocumentType, Register
        from app.registry.numbering import register

        with self.app.app_context():
            try:
                clerk = db.session.scalar(select(User).where(User.username == self.username))
                doc_type_id = db.session.scalar(select(DocumentType.id))
                register_ids = list(
                    db.session.scalars(
                        select(Register.id).where(Register.institution_id == self.institution_id)
                    )
                )
                db.session.commit()
                self.start_barrier.wait()
                deadline = time.perf_counter() + self.seconds
                n = 0
                while time.perf_counter() < deadline:
                    n += 1
                    began = time.perf_counter()
                    document = Document(
                        institution_id=self.institution_id,
                        document_type_id=doc_type_id,
                        direction=self.random.choice(Direction.ALL),
                        sender_name=f"Expeditor {self.name} {n}",
                        subject=f"Document de test {n} al {self.name}",
                        channel="hartie",
                    )
                    db.session.add(document)
                    db.session.flush()
                    into = db.session.get(Register, self.random.choice(register_ids))
                    register(document, into=into, clerk=clerk)
                    if self.random.random() < self.rollback_share:
                        db.session.flush()  # the number is taken and written...
                        db.session.rollback()  # ...then the transaction fails: the number must come back
                        self.rolled_back += 1
                        continue
                    year, number = document.registration_year, document.registration_number
                    db.session.commit()
                    self.latencies.append(time.perf_counter() - began)
                    self.committed.append((year, number))
            except Exception as exc:  # reported in the summary; the check then fails
                self.errors.append(f"{type(exc).__name__}: {exc}")
                db.session.rollback()
            finally:
                db.session.remove()


def setup(app, institutions: int) -> list[tuple[int, str]]:
    """Institutions with a general and two departmental registers each, one clerk each, one document type."""
    from app.extensions import db
    from app.identity.models import Department, Institution, Membership, User
    from app.identity.roles import ensure_standard_roles
    from app.registry.models import DocumentType, Register
    from app.registry.numbering import general_register

    clerks = []
    with app.app_context():
        roles = ensure_standard_roles()
        db.session.add(
            DocumentType(
                code="adresa-bench",
                name_ro="Adresă",
                name_en="Letter",
                process_id="bench",
                citizen_can_submit=False,
            )
        )
        for i in range(1, institutions + 1):
            institution = Institution(code=f"bench-{i}", name=f"Instituția de test {i}")
            db.session.add(institution)
            db.session.flush()
            general_register(institution.id)
            for code in ("urbanism", "juridic"):
                department = Department(institution_id=institution.id, code=code, name=f"Direcția {code}")
                db.session.add(department)
                db.session.flush()
                db.session.add(
                    Register(
                        institution_id=institution.id,
                        code=code,
                        name=f"Registrul direcției {code}",
                        department_id=department.id,
                    )
                )
            clerk = User(
                username=f"registrator-{i}",
                email=f"registrator-{i}@bench.example",
                full_name=f"Registrator {i}",
                password_hash="-",  # noqa: S106 - never logs in
                is_staff=True,
            )
            db.session.add(clerk)
            db.session.flush()
            db.session.add(
                Membership(user_id=clerk.id, institution_id=institution.id, role_id=roles["registrator"].id)
            )
            clerks.append((institution.id, clerk.username))
        db.session.commit()
        db.session.remove()
    return clerks


def check(app, committed_by_clerks: Counter) -> dict:
    """Per institution and year: numbers exactly 1..N, N = committed registrations = the counter's last number."""
    from app.extensions import db
    from app.registry.models import Document, RegistrationCounter

    problems, sequences = [], {}
    with app.app_context():
        rows = db.session.execute(
            select(Document.institution_id, Document.registration_year, Document.registration_number).where(
                Document.registration_number.is_not(None)
            )
        ).all()
        counters = {
            (c.institution_id, c.year): c.last_number for c in db.session.scalars(select(RegistrationCounter))
        }
        registered_unnumbered = db.session.scalar(
            select(func.count(Document.id)).where(Document.registration_number.is_(None))
        )
        db.session.remove()
    numbers: dict[tuple[int, int], list[int]] = {}
    for institution_id, year, number in rows:
        numbers.setdefault((institution_id, year), []).append(number)
    for key, found in sorted(numbers.items()):
        ordered = sorted(found)
        expected = list(range(1, len(ordered) + 1))
        duplicates = len(ordered) - len(set(ordered))
        gaps = sorted(set(expected) - set(ordered)) if ordered != expected else []
        if ordered != expected:
            problems.append(f"institution {key[0]} year {key[1]}: {duplicates} duplicates, gaps {gaps[:10]}")
        if counters.get(key) != len(ordered):
            problems.append(
                f"institution {key[0]} year {key[1]}: counter {counters.get(key)} != {len(ordered)}"
            )
        if committed_by_clerks.get(key[0], 0) != len(ordered):
            problems.append(
                f"institution {key[0]}: clerks committed {committed_by_clerks.get(key[0], 0)}, stored {len(ordered)}"
            )
        sequences[f"{key[0]}/{key[1]}"] = {
            "count": len(ordered),
            "max": max(ordered),
            "duplicates": duplicates,
        }
    if registered_unnumbered:
        problems.append(
            f"{registered_unnumbered} documents without a number (only committed ones should exist)"
        )
    return {"ok": not problems, "problems": problems, "sequences": sequences}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clerks", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--institutions", type=int, default=3)
    parser.add_argument("--rollback-share", type=float, default=0.05)
    parser.add_argument("--admin-url", default=os.environ.get("TEST_DATABASE_URL", DEFAULT_ADMIN_URL))
    args = parser.parse_args()

    admin_url = make_url(args.admin_url).set(database="postgres")
    name = f"registratura_bench_registry_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    storage = tempfile.TemporaryDirectory(prefix="registry-bench-")
    app = None
    try:
        from flask_migrate import upgrade

        from app import create_app

        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": make_url(args.admin_url)
                .set(database=name)
                .render_as_string(hide_password=False),
                # One connection per clerk, as 50 desks (or 50 gunicorn threads) would hold.
                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.clerks + 2, "max_overflow": 0},
                "TESTING": True,
                "SCHEDULER_ENABLED": False,
                "STORAGE_DIR": storage.name,
                "INSTANCE_DIR": storage.name,
            }
        )
        with app.app_context():
            upgrade()
        clerks_setup = setup(app, args.institutions)
        barrier = threading.Barrier(args.clerks + 1)
        clerks = [
            Clerk(app, i, *clerks_setup[i % len(clerks_setup)], barrier, args) for i in range(args.clerks)
        ]
        for clerk in clerks:
            clerk.start()
        barrier.wait()
        began, cpu_began = time.perf_counter(), time.process_time()
        for clerk in clerks:
            clerk.join()
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu_began

        latencies = [x for c in clerks for x in c.latencies]
        committed = sum(len(c.committed) for c in clerks)
        by_institution: Counter = Counter()
        for c in clerks:
            by_institution[c.institution_id] += len(c.committed)
        errors = [e for c in clerks for e in c.errors]
        verification = check(app, by_institution)
        result = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
            "clerks": args.clerks,
            "institutions": args.institutions,
            "seconds": round(wall, 2),
            "registrations": committed,
            "per_second": round(committed / wall, 1),
            "rolled_back": sum(c.rolled_back for c in clerks),
            # CPU of this process (the clerks' Python: ORM, application code) per registration; unlike the
            # throughput it hardly moves when other work runs on the machine.
            "client_cpu_ms_per_registration": round(cpu * 1000 / committed, 2) if committed else None,
            "latency_ms": {
                "p50": round(statistics.median(latencies) * 1000, 1) if latencies else None,
                "p95": round(percentile(latencies, 95) * 1000, 1) if latencies else None,
                "max": round(max(latencies) * 1000, 1) if latencies else None,
            },
            "errors": errors[:20],
            "check": verification,
        }
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        (RESULTS_DIR / "registry.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
        lat = result["latency_ms"]
        print(
            f"Registrations: {args.clerks} clerks, {args.institutions} institutions, {wall:.1f} s, PostgreSQL"
        )
        print(f"  committed      {committed}  ({result['per_second']}/s)")
        print(f"  rolled back    {result['rolled_back']}  (after taking a number: must leave no gap)")
        print(f"  latency ms     p50 {lat['p50']}  p95 {lat['p95']}  max {lat['max']}")
        print(
            f"  clerks' CPU    {result['client_cpu_ms_per_registration']} ms per registration (Python side)"
        )
        print(f"  load average   {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        for key, seq in verification["sequences"].items():
            print(
                f"  institution/year {key}: numbers 1..{seq['max']}, {seq['count']} entries, {seq['duplicates']} dup"
            )
        print("  check          " + ("OK: no gaps, no duplicates" if verification["ok"] else "FAILED"))
        for problem in verification["problems"] + errors[:5]:
            print(f"    {problem}")
        return 0 if verification["ok"] and not errors else 1
    finally:
        if app is not None:
            from app.extensions import db

            with app.app_context():
                db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        storage.cleanup()


if __name__ == "__main__":
    sys.exit(main())

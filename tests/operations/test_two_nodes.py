"""Several nodes, one jobs process: two application nodes (gunicorn, each its own process and port), one
`flask jobs run` process, PostgreSQL, Redis and an S3-compatible server (moto's), configured as a deployment
(DATABASE_URL set, so the production checks apply). A petition submitted on node A is completed on node B, its
reminder timer fires exactly once, a rate limit reached on A holds on B, a file stored through A downloads
through B."""

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.webflow import png_bytes

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


class Node:
    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()

    def get(self, path, **kw):
        return self.http.get(self.base + path, timeout=30, **kw)

    def post(self, path, **kw):
        return self.http.post(self.base + path, timeout=60, allow_redirects=False, **kw)

    def csrf(self, path="/autentificare") -> str:
        html = self.get(path).text
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def login(self, username):
        response = self.post(
            "/autentificare", data={"username": username, "password": "demo", "csrf_token": self.csrf()}
        )
        assert response.status_code == 302, response.text[:300]


def _wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{base} exited: {log.read_text()[-3000:]}")
        try:
            if requests.get(base + "/autentificare", timeout=20).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    pytest.fail(f"{base} did not start: {log.read_text()[-3000:]}")


@pytest.mark.real_commits
def test_two_nodes_one_jobs_process(app, database_url, s3_endpoint, tmp_path):
    import boto3

    bucket = f"noduri-{uuid.uuid4().hex[:8]}"
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="eu-central-1",
        aws_access_key_id="t",
        aws_secret_access_key="t",
    ).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    engine = create_engine(database_url)
    with engine.begin() as conn:
        # The reminder comes 5 days before the deadline: a 4-day deadline makes it due as soon as it is set.
        conn.execute(text("UPDATE document_types SET deadline_days = 4 WHERE code = 'petitie'"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "SCHEDULER"))},
        "DATABASE_URL": database_url,
        "SECRET_KEY": "two-nodes-" + "s" * 32,
        "SIGNING_KEY_ENCRYPTION_KEY": "two-nodes-" + "e" * 32,
        "AUDIT_HMAC_KEY": app.config["AUDIT_HMAC_KEY"],  # the same chain as the rest of this database
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": f"two-nodes-{uuid.uuid4().hex}",
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "eu-central-1",
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "SIGNING_TEST_PKI": "1",
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "SCHEDULER_INTERVAL_SECONDS": "1",
        "ARCHIVE_INTERVAL_SECONDS": "5",
        "PYTHONUNBUFFERED": "1",
    }
    processes, logs = [], []
    bases = []
    try:
        for name in ("a", "b"):
            port = _free_port()
            log = tmp_path / f"node-{name}.log"
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "-b",
                        f"127.0.0.1:{port}",
                        "-w",
                        "1",
                        "--threads",
                        "4",
                        "wsgi:app",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log.open("w"),
                    stderr=subprocess.STDOUT,
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        jobs_log = tmp_path / "jobs.log"
        jobs = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi:app", "jobs", "run"],
            cwd=ROOT,
            env=env,
            stdout=jobs_log.open("w"),
            stderr=subprocess.STDOUT,
        )
        processes.append(jobs)
        for base, process, log in zip(bases, processes, logs, strict=False):
            _wait_until_up(base, process, log)
        a, b = Node(bases[0]), Node(bases[1])

        # Submit on A, with a photo stored in S3 through A.
        a.login("cetatean")
        form = a.get("/depune/petitie").text
        key = re.search(r'name="submission_key" value="([^"]+)"', form).group(1)
        institution = re.search(r'<option value="(\d+)"', form).group(1)
        photo = png_bytes()
        submitted = a.post(
            "/depune/petitie",
            data={
                "csrf_token": a.csrf("/depune/petitie"),
                "submission_key": key,
                "institution": institution,
                "subiect": "Două noduri",
                "continut": "Depusă pe nodul A, finalizată pe nodul B, termenul rulat de procesul de joburi.",
            },
            files={"anexe": ("poza.png", photo, "image/png")},
        )
        assert submitted.status_code == 302, submitted.text[:500]
        document_path = submitted.headers["Location"]
        public_id = document_path.rstrip("/").rsplit("/", 1)[-1]

        # The file stored through A downloads through B (the same citizen's session cookie on B).
        b.http.cookies.update(a.http.cookies)
        page = b.get(f"/documentele-mele/{public_id}").text
        [file_id] = re.findall(r'href="/fisiere/([0-9a-f]{32})"', page)[:1]
        downloaded = b.get(f"/fisiere/{file_id}")
        assert downloaded.status_code == 200 and downloaded.content == photo

        # Complete the registration on B.
        clerk = Node(bases[1])
        clerk.login("registrator")
        inbox = clerk.get("/sarcini/").text
        task_ids = re.findall(r'href="/sarcini/(\d+)">Înregistrare', inbox)
        assert task_ids
        task_id = max(int(t) for t in task_ids)
        registered_at = time.monotonic()
        done = clerk.post(
            f"/sarcini/{task_id}",
            data={"csrf_token": clerk.csrf(f"/sarcini/{task_id}"), "departament": "relatii-publice"},
        )
        assert done.status_code == 302, done.text[:500]

        # The jobs process fires the now-due reminder, exactly once (the web nodes run no scheduler).
        def reminders() -> int:
            with engine.connect() as conn:
                return conn.execute(
                    text(
                        "SELECT count(*) FROM history_entries h JOIN documents d ON d.id = h.document_id "
                        "WHERE d.public_id = :p AND h.event = 'reminder'"
                    ),
                    {"p": public_id},
                ).scalar()

        deadline = time.monotonic() + 30
        while reminders() == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        fired_after = time.monotonic() - registered_at
        assert reminders() == 1, jobs_log.read_text()[-3000:]
        time.sleep(4)  # several more ticks of the jobs process
        assert reminders() == 1
        # The citizen's notifications were sent by the jobs process, not by the node that took the request.
        with engine.connect() as conn:
            unsent = conn.execute(
                text(
                    "SELECT count(*) FROM outbox_messages o JOIN documents d ON d.id = o.document_id "
                    "WHERE d.public_id = :p AND o.sent_at IS NULL"
                ),
                {"p": public_id},
            ).scalar()
        assert unsent == 0

        # A rate limit reached on A holds on B (Flask-Limiter on Redis): 10 sign-in attempts a minute per address.
        # (the two sign-ins above count too: one on A, one on B).
        codes = []
        for i in range(10):
            fresh = Node(bases[0])
            codes.append(
                fresh.post(
                    "/autentificare",
                    data={"username": f"nimeni{i}", "password": "x", "csrf_token": fresh.csrf()},
                ).status_code
            )
            if codes[-1] == 429:
                break
        assert codes == [401] * 8 + [429]  # 2 earlier sign-ins + 8 here = 10 in the minute, across both nodes
        other = Node(bases[1])
        refused = other.post(
            "/autentificare", data={"username": "nimeni", "password": "x", "csrf_token": other.csrf()}
        )
        assert refused.status_code == 429
        print(f"\ntwo nodes: reminder fired {fired_after:.1f}s after registration on B, once")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        engine.dispose()

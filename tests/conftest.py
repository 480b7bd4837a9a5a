"""Test fixtures: a fresh PostgreSQL database per run (migrated with Alembic), the demo data per test."""

import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.smtp import mail_server  # noqa: F401 - the real SMTP server fixture, for every package's tests

BASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an asyncio event loop running in the main thread for the rest
    of the session, and pyhanko's synchronous API (asyncio.run) cannot be called under a running loop."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid.replace("\\", "/"))


@pytest.fixture(scope="session")
def database_url():
    url = make_url(BASE_URL)
    name = f"registratura_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    from app import create_app

    storage = tmp_path_factory.mktemp("storage")
    application = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "STORAGE_DIR": str(storage),
            "INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
            "RATELIMIT_ENABLED": False,
            "SCHEDULER_ENABLED": False,
            "SIGNING_TEST_PKI": True,  # the committed TEST PKI, responders in process (app/signing/testpki)
            "MAX_UPLOAD_MB": 2,
        }
    )
    with application.app_context():
        upgrade()
    yield application


DB_FIXTURES = {"app", "ctx", "client", "login_as", "live_server"}


@pytest.fixture(autouse=True)
def clean_db(request):
    """Each test that uses the application starts from the demo data on an otherwise empty database.
    Pure-function tests (forms, storage, PDF layout) never touch PostgreSQL."""
    if not DB_FIXTURES.intersection(request.fixturenames):
        yield
        return
    app = request.getfixturevalue("app")
    if "sqlalchemy" not in app.extensions:  # a test module's own bare Flask app (tests/storage): no database
        yield
        return
    from app.demo.data import load_demo
    from app.extensions import db

    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        db.session.execute(
            text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        )
        db.session.commit()
        load_demo()
        db.session.commit()
        db.session.remove()
    yield


@pytest.fixture
def ctx(app):
    """An application context for tests that call the domain functions directly."""
    from app.extensions import db

    with app.test_request_context():
        yield
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path: str = "/autentificare") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username: str, password: str = "demo"):
    token = csrf_token(client)
    response = client.post(
        "/autentificare", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def login_as(app):
    """login_as("referent") -> a test client logged in as that demo account."""

    def make(username: str):
        return login(app.test_client(), username)

    return make


@pytest.fixture
def pdftotext():
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (Debian poppler-utils) is required: run `make test`, which installs it")

    def run(data: bytes, tmp: Path) -> str:
        import subprocess

        path = tmp / f"{uuid.uuid4().hex}.pdf"
        path.write_bytes(data)
        out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
        return " ".join(out.split())  # justified text spreads words apart; compare words, not spacing

    return run

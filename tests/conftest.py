"""Test fixtures: a fresh PostgreSQL database per run (migrated with Alembic), the demo data per test."""

import contextlib
import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.smtp import mail_server  # noqa: F401 - the real SMTP server fixture, for every package's tests
from tests.webflow import login

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
    """One application and one migrated database per test process (per xdist worker), the demo data loaded once."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

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
        # Every session the app opens joins the test's transaction as a savepoint (see `database_state`):
        # a commit in the code under test releases a savepoint, the test's end rolls everything back.
        db.session.session_factory.kw["join_transaction_mode"] = "create_savepoint"
        _load_demo(application)
    yield application


def _load_demo(app) -> None:
    from app.demo.data import load_demo
    from app.extensions import db

    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        db.session.execute(
            text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        )
        load_demo()
        db.session.commit()
        db.session.remove()


DB_FIXTURES = {"app", "ctx", "client", "login_as", "live_server"}


@pytest.fixture(autouse=True)
def database_state(request):
    """Each test that uses the application starts from the demo data. By default the test runs inside one
    transaction on one connection, rolled back at its end: every session the app opens (requests, the test's
    own, `Session(db.engine)`) works on that connection. A test marked `real_commits` or using `live_server`
    (threads, subprocesses: other connections must see its data) commits for real; the demo data is reloaded after it.
    Pure-function tests (forms, storage, PDF layout) never touch PostgreSQL."""
    if not DB_FIXTURES.intersection(request.fixturenames):
        yield
        return
    app = request.getfixturevalue("app")
    if "sqlalchemy" not in app.extensions:  # a test module's own bare Flask app (tests/storage): no database
        yield
        return
    from app.extensions import db

    # A store of its own, starting from the demo's files: a test that damages a stored file (fixity, integrity
    # checks) must not damage the same content for the tests after it.
    base_storage = app.config["STORAGE_DIR"]
    storage = request.getfixturevalue("tmp_path_factory").mktemp("store")
    shutil.copytree(base_storage, storage, dirs_exist_ok=True)
    app.config["STORAGE_DIR"] = str(storage)
    try:
        yield from _in_database_state(request, app, db)
    finally:
        app.config["STORAGE_DIR"] = base_storage


def _in_database_state(request, app, db):
    if request.node.get_closest_marker("real_commits") or "live_server" in request.fixturenames:
        yield
        _load_demo(app)
        return
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        # Advisory-lock helpers ask `db.engine.connect()` and commit it: they get the same connection, and their
        # commit must not end the test's transaction.
        connection.connect = lambda: contextlib.nullcontext(connection)
        connection.commit = lambda: None
        engines[None] = connection
        db.session.remove()
    try:
        yield
    finally:
        with app.app_context():
            db.session.remove()
            engines[None] = engine
            transaction.rollback()
            connection.close()


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

"""Production fails closed: a deployment (DATABASE_URL set) refuses to start without its keys; the configured
reverse proxies are trusted for the client's address; one current version per process, deployments one at a
time."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.identity.models import LoginEvent
from app.operations.settings import UnsafeConfiguration, check_production_settings
from app.workflow.models import ProcessVersion
from tests.webflow import csrf_token

ROOT = Path(__file__).resolve().parents[2]


def _flask(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "SIGNING_KEY_ENCRYPTION_KEY")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi:app", "routes"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.real_commits  # another connection or application sees the data
def test_a_deployment_refuses_to_start_without_its_keys(database_url, tmp_path):
    result = _flask({"DATABASE_URL": database_url, "INSTANCE_DIR": str(tmp_path)})
    assert result.returncode != 0
    for name in ("SECRET_KEY", "SIGNING_KEY_ENCRYPTION_KEY", "AUDIT_HMAC_KEY", "REDIS_URL"):
        assert name in result.stderr
    assert "Refusing to start" in result.stderr
    started = _flask(
        {
            "DATABASE_URL": database_url,
            "INSTANCE_DIR": str(tmp_path),
            "SECRET_KEY": "k" * 32,
            "SIGNING_KEY_ENCRYPTION_KEY": "e" * 32,
            "AUDIT_HMAC_KEY": "a" * 32,
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    assert started.returncode == 0, started.stderr[-2000:]
    assert "/autentificare" in started.stdout


def test_the_demo_keeps_its_generated_defaults():
    check_production_settings({"PRODUCTION": False})
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY"):
        check_production_settings(
            {"PRODUCTION": True, "SECRET_KEY_FROM_ENV": False, "SIGNING_KEY_ENCRYPTION_KEY": "x"}
        )


@pytest.mark.real_commits  # another connection or application sees the data
def test_trusted_proxy_gives_the_clients_address(app, database_url):
    from app import create_app

    behind = create_app({**app.config, "TRUSTED_PROXIES": 1, "SQLALCHEMY_DATABASE_URI": database_url})
    client = behind.test_client()
    headers = {"X-Forwarded-For": "198.51.100.7"}
    token = csrf_token(client)
    response = client.post(
        "/autentificare",
        data={"username": "registrator", "password": "wrong", "csrf_token": token},
        headers=headers,
    )
    assert response.status_code == 401
    with behind.app_context():
        event = db.session.scalar(select(LoginEvent).order_by(LoginEvent.id.desc()).limit(1))
        assert event.ip == "198.51.100.7"
        db.session.remove()
    # Without trusted proxies the header is ignored: a client cannot pick its own address.
    direct = app.test_client()
    token = csrf_token(direct)
    direct.post(
        "/autentificare",
        data={"username": "registrator", "password": "wrong", "csrf_token": token},
        headers=headers,
    )
    with app.app_context():
        event = db.session.scalar(select(LoginEvent).order_by(LoginEvent.id.desc()).limit(1))
        assert event.ip == "127.0.0.1"
        db.session.remove()


def test_the_database_allows_one_current_version_per_process(ctx):
    current = db.session.scalar(select(ProcessVersion).where(ProcessVersion.is_current.is_(True)).limit(1))
    assert current is not None
    db.session.add(
        ProcessVersion(
            process_id=current.process_id,
            version=current.version + 100,
            name=current.name,
            source_file=current.source_file,
            content_hash="f" * 64,
            bpmn_xml=current.bpmn_xml,
            forms=current.forms,
            is_current=True,
        )
    )
    with pytest.raises(IntegrityError, match="uq_process_versions_one_current"):
        db.session.flush()

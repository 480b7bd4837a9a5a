"""Waking instances whose BPMN timers are due (declared with the other jobs in app/jobs.py).

Every gunicorn worker starts a scheduler, but each tick first takes a PostgreSQL advisory lock: only one worker
runs a tick at a time, the others skip it. Instances are also locked one by one (SKIP LOCKED), so even two
overlapping runners could never fire the same timer twice."""

from flask import Flask
from sqlalchemy import text

from app.extensions import db

ADVISORY_LOCK_KEY = 727_001  # any constant shared by every worker of this deployment


def tick(app: Flask) -> int:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                if not conn.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}
                ).scalar():
                    return 0
                try:
                    return _wake()
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
                    conn.commit()
        return _wake()


def _wake() -> int:
    from app.workflow.runtime import wake_due_instances

    try:
        return wake_due_instances()
    finally:
        db.session.remove()


def add_timer_job(scheduler, app: Flask) -> None:
    scheduler.add_job(
        tick,
        "interval",
        seconds=app.config["SCHEDULER_INTERVAL_SECONDS"],
        args=[app],
        max_instances=1,
        coalesce=True,
        id="wake-timers",
    )

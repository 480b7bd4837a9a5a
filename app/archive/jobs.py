"""Scheduled archive work, in every worker's APScheduler but run by one worker at a time (PostgreSQL advisory
lock, as the timers): archive closed documents every few minutes (the `archive pending` queue: a closed document
without a record), the fixity check and the timestamp renewal once a day."""

import logging

from flask import Flask
from sqlalchemy import text

from app.extensions import db

log = logging.getLogger(__name__)
ARCHIVE_LOCK_KEY = 727_008


def _locked(app: Flask, work) -> None:
    with app.app_context():
        try:
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect() as conn:
                    if not conn.execute(
                        text("SELECT pg_try_advisory_lock(:k)"), {"k": ARCHIVE_LOCK_KEY}
                    ).scalar():
                        return
                    try:
                        work()
                    finally:
                        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ARCHIVE_LOCK_KEY})
                        conn.commit()
            else:
                work()
        except Exception:
            log.exception("archive job failed")
            db.session.rollback()
        finally:
            db.session.remove()


def archive_tick(app: Flask) -> None:
    from app.archive.records import archive_pending

    _locked(app, lambda: archive_pending())


def daily_care(app: Flask) -> None:
    from app.archive.fixity import renew_timestamps, run_fixity

    def work():
        run_fixity()
        db.session.commit()
        renew_timestamps()
        db.session.commit()

    _locked(app, work)


def _interval(app: Flask) -> int:
    import os

    return int(
        app.config.get("ARCHIVE_INTERVAL_SECONDS") or os.environ.get("ARCHIVE_INTERVAL_SECONDS", "120")
    )


def add_archive_jobs(scheduler, app: Flask) -> None:
    scheduler.add_job(
        archive_tick,
        "interval",
        seconds=_interval(app),
        args=[app],
        max_instances=1,
        coalesce=True,
        id="archive-pending",
    )
    scheduler.add_job(
        daily_care,
        "cron",
        hour=3,
        minute=30,
        args=[app],
        max_instances=1,
        coalesce=True,
        id="archive-fixity",
    )

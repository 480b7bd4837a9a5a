"""The jobs process: `flask jobs run` runs every scheduled job (BPMN timers, the outbox, the register's daily
freeze, the archive's work, the audit checkpoints) in one dedicated process, never in the web workers.

Only one jobs process works at a time: it holds a PostgreSQL session-level advisory lock for its whole life; a
second one started by mistake (or as a standby) waits for the lock and takes over when the first one stops. Each
job keeps its own lock as well, so even an in-process scheduler of the demo could not fire a timer twice."""

import time

import click
from flask import Flask
from sqlalchemy import text

from app.extensions import db
from app.jobs import declare_jobs

JOBS_LOCK_KEY = 727_010


def run_once(app: Flask) -> dict:
    """Every periodic job once, in order (tests, cron-style deployments)."""
    from app.archive.jobs import archive_tick
    from app.audit.anchoring import checkpoint_tick
    from app.notifications.outbox import outbox_tick
    from app.workflow.scheduler import tick

    woken = tick(app)
    sent = outbox_tick(app)
    archive_tick(app)
    checkpoint_tick(app)
    return {"timers": woken, "sent": sent}


def _wait_for_the_lock(app: Flask, conn, poll: float) -> None:
    if db.engine.dialect.name != "postgresql":
        return
    announced = False
    while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": JOBS_LOCK_KEY}).scalar():
        conn.commit()
        if not announced:
            app.logger.warning("another jobs process is running: waiting as a standby")
            announced = True
        time.sleep(poll)
    conn.commit()


def run_forever(app: Flask, poll: float = 5.0) -> None:
    from apscheduler.schedulers.blocking import BlockingScheduler

    with app.app_context():
        conn = db.engine.connect()
    try:
        _wait_for_the_lock(app, conn, poll)
        app.logger.warning("jobs process started")
        scheduler = BlockingScheduler()
        declare_jobs(scheduler, app)  # the one list of scheduled jobs (app/jobs.py)
        scheduler.start()
    finally:
        conn.close()


def register_jobs_cli(app: Flask) -> None:
    @app.cli.group("jobs")
    def jobs():
        """The jobs process: timers, outbox, register freeze, archive, audit checkpoints."""

    @jobs.command("run")
    @click.option("--once", is_flag=True, help="Run every periodic job once and exit.")
    def run(once):
        """Run the scheduled jobs (one process per deployment; a second one waits as a standby)."""
        from flask import current_app

        application = current_app._get_current_object()
        if once:
            click.echo(run_once(application))
            return
        run_forever(application)

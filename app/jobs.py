"""Every scheduled job of the application, declared in one place (`declare_jobs`), and the one process that runs
them: `flask jobs run` (BPMN timers, the outbox, the register's daily freeze, the archive's work, the audit
checkpoints), never the web workers. The embedded demo runs the same list in a background thread of its single
process (`start_scheduler`).

Only one jobs process works at a time: it holds a PostgreSQL session-level advisory lock for its whole life; a
second one started by mistake (or as a standby) waits for the lock and takes over when the first one stops. Each
job keeps its own lock as well, so even the demo's in-process scheduler could not fire a timer twice."""

import atexit
import time

import click
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import text

from app.extensions import db


def declare_jobs(scheduler, app: Flask) -> None:
    from app.archive.jobs import add_archive_jobs
    from app.audit.anchoring import add_checkpoint_job
    from app.notifications.outbox import add_outbox_job
    from app.registry.freeze import add_freeze_job
    from app.workflow.scheduler import add_timer_job

    add_timer_job(scheduler, app)  # BPMN timers due
    add_freeze_job(scheduler, app)  # the day's register frozen as a PDF after midnight
    add_archive_jobs(scheduler, app)  # archive closed documents; daily fixity check and timestamp renewal
    add_checkpoint_job(scheduler, app)  # the audit chain's head anchored hourly
    add_outbox_job(scheduler, app)  # citizens' e-mail and SMS retried


def start_scheduler(app: Flask) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(daemon=True)
    declare_jobs(scheduler, app)
    scheduler.start()
    atexit.register(lambda: scheduler.shutdown(wait=False))
    return scheduler


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


HEARTBEAT_SECONDS = 1.0


def keep_running(scheduler) -> None:
    """Start `scheduler` (a BackgroundScheduler) and keep it ticking until it is shut down.

    The scheduler sleeps until its next job with a timed wait on a lock (an absolute CLOCK_MONOTONIC deadline).
    Under a moved clock (`make test-at`: libfaketime fakes the monotonic clock but not those deadlines) that wait
    never ended and no job ever ran; a plain sleep is faked correctly. So this thread wakes the scheduler every
    second: it then runs what is due by the wall clock, as it would anyway."""
    scheduler.start()
    try:
        while scheduler.running:
            time.sleep(HEARTBEAT_SECONDS)
            if scheduler.running:
                scheduler.wakeup()
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)


def run_forever(app: Flask, poll: float = 5.0) -> None:
    with app.app_context():
        conn = db.engine.connect()
    try:
        _wait_for_the_lock(app, conn, poll)
        app.logger.warning("jobs process started")
        scheduler = BackgroundScheduler()
        declare_jobs(scheduler, app)  # the one list of scheduled jobs (app/jobs.py)
        keep_running(scheduler)
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

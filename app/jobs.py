"""Every scheduled job of the application, declared in one place.

Today each web worker runs them in an APScheduler background thread (SCHEDULER_ENABLED, off in tests); each job
takes its own PostgreSQL advisory lock, so only one worker runs a job at a time."""

import atexit

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask


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

"""The day's register frozen as a PDF after midnight: content, storage, idempotence, the refusal to register into a
frozen day (nothing changed), the race with a registration in flight, the scheduler job and the CLI."""

import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import current_app
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.identity.models import Institution
from app.registry.entries import annul
from app.registry.freeze import freeze_day, freeze_yesterday
from app.registry.models import Document, RegisterDay, RegistryError
from app.registry.numbering import register
from app.storage import current_store
from tests.registry.factory import home, new_document, registered, snapshot
from tests.routes import user

pytestmark = pytest.mark.date_sensitive

BUCHAREST = ZoneInfo("Europe/Bucharest")
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=BUCHAREST)
YESTERDAY = date(2026, 11, 20)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BUCHAREST)


def test_frozen_day_pdf_lists_the_days_entries(ctx, tmp_path, pdftotext):
    with time_machine.travel(NOW, tick=False):
        registered(when=at(YESTERDAY - timedelta(days=1), 16), subject="Din ziua dinainte")
        registered(
            when=at(YESTERDAY, 0, 10),  # 22:10 UTC the day before: the local day counts
            subject="Cerere de informații publice",
            sender_reference="1452",
            page_count=3,
            annex_count=1,
            file_code="II-3",
        )
        wrong = registered(when=at(YESTERDAY, 11), subject="Înregistrare dublă")
        annul(wrong, "Înregistrat de două ori", user("registrator"))
        registered(when=at(YESTERDAY, 23, 50), subject="Sesizare târzie", sender_name="Ion Țăranu")
        registered(subject="Din ziua de azi")
        db.session.commit()
        frozen = freeze_day(home(), YESTERDAY)
        db.session.commit()
    assert frozen.entry_count == 3 and frozen.day == YESTERDAY
    pdf = current_store().get(frozen.pdf_sha256)
    assert pdf.startswith(b"%PDF")
    words = pdftotext(pdf, tmp_path)
    assert "Consiliul Județean Brașov" in words and "20.11.2026" in words
    for expected in (
        "2/20.11.2026",
        "Cerere de informații publice",
        "1452",
        "II-3",
        "ANULAT",
        "Înregistrat de două ori",
        "Ion Țăranu",
    ):
        assert expected in words, expected
    assert "Din ziua dinainte" not in words and "Din ziua de azi" not in words
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registry_day_frozen"))
    assert audit.data["sha256"] == frozen.pdf_sha256 and audit.data["entries"] == 3


def test_freezing_is_idempotent_and_a_frozen_day_stays(ctx):
    with time_machine.travel(NOW, tick=False):
        registered(when=at(YESTERDAY, 10))
        db.session.commit()
        first = freeze_day(home(), YESTERDAY)
        db.session.commit()
        again = freeze_day(home(), YESTERDAY)
    assert (again.id, again.pdf_sha256) == (first.id, first.pdf_sha256)
    assert db.session.scalar(select(func.count(RegisterDay.id))) == 1
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(RegisterDay.__table__.delete())
    db.session.rollback()


def test_registering_into_a_frozen_day_is_refused_and_changes_nothing(ctx):
    with time_machine.travel(NOW, tick=False):
        registered(when=at(YESTERDAY, 10))
        db.session.commit()
        freeze_day(home(), YESTERDAY)
        db.session.commit()
        document = new_document(subject="Din registrul de urgență")
        db.session.commit()
        before = snapshot()
        with pytest.raises(
            RegistryError, match="Registrul zilei 20.11.2026 a fost închis la .*: nu se mai pot"
        ):
            register(db.session.get(Document, document.id), when=at(YESTERDAY, 14))
        db.session.rollback()
        assert snapshot() == before
        # Today stays open.
        assert register(db.session.get(Document, document.id)) == "2/21.11.2026"


def test_only_a_past_day_can_be_frozen(ctx):
    before = snapshot()
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(RegistryError, match="Ziua 21.11.2026 nu s-a încheiat"):
            freeze_day(home(), date(2026, 11, 21))
    db.session.rollback()
    assert snapshot() == before


@pytest.mark.real_commits  # two threads, each with its own connection: the freeze waits on the counter row
def test_freeze_waits_for_a_registration_in_flight(app):
    """A back-dated registration holding the counter when the freeze starts ends up in the PDF; none after it."""
    registered_event, results, errors = threading.Event(), {}, []

    def clerk():
        try:
            with app.app_context():
                register(new_document(subject="Import registru de urgență"), when=at(YESTERDAY, 15))
                registered_event.set()
                time.sleep(1.0)  # the freeze is waiting on our counter row now
                db.session.commit()
                db.session.remove()
        except Exception as exc:
            errors.append(exc)

    def freezer():
        try:
            with app.app_context():
                registered_event.wait(10)
                results["frozen"] = freeze_day(db.session.get(Institution, home_id), YESTERDAY)
                results["count"] = results["frozen"].entry_count
                db.session.commit()
                db.session.remove()
        except Exception as exc:
            errors.append(exc)

    with app.app_context():
        home_id = home().id
        db.session.remove()
    with time_machine.travel(NOW, tick=True):
        threads = [threading.Thread(target=clerk), threading.Thread(target=freezer)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert not errors, errors
    assert results["count"] == 1
    with app.app_context(), time_machine.travel(NOW, tick=True):
        with pytest.raises(RegistryError, match="a fost închis"):
            register(new_document(), when=at(YESTERDAY, 16))
        db.session.rollback()
        db.session.remove()


@pytest.mark.real_commits  # two threads: the registration waits on the counter row the freeze holds
def test_a_registration_waiting_for_a_freeze_in_flight_is_refused_and_takes_no_number(app):
    """The day is checked after the counter's lock: a freeze that committed while the registration waited for it
    is seen, and the refused registration leaves the counter as it was (numbers never skip)."""
    frozen_event, errors, refused = threading.Event(), [], []

    def freezer():
        try:
            with app.app_context():
                freeze_day(db.session.get(Institution, home_id), YESTERDAY)
                frozen_event.set()
                time.sleep(1.0)  # the registration is waiting on our counter row now
                db.session.commit()
                db.session.remove()
        except Exception as exc:
            errors.append(exc)

    def clerk():
        try:
            with app.app_context():
                frozen_event.wait(10)
                document = new_document(subject="Import registru de urgență")
                try:
                    register(document, when=at(YESTERDAY, 16))
                except RegistryError as exc:
                    refused.append(str(exc))
                db.session.rollback()
                db.session.remove()
        except Exception as exc:
            errors.append(exc)

    with app.app_context(), time_machine.travel(NOW, tick=True):
        registered(when=at(YESTERDAY, 9))
        db.session.commit()
        home_id = home().id
        db.session.remove()
    with time_machine.travel(NOW, tick=True):
        threads = [threading.Thread(target=freezer), threading.Thread(target=clerk)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert not errors, errors
    assert len(refused) == 1 and "Registrul zilei 20.11.2026 a fost închis" in refused[0]
    with app.app_context(), time_machine.travel(NOW, tick=True):
        assert register(new_document()) == "2/21.11.2026"  # the refused one took no number
        db.session.commit()
        db.session.remove()


def test_scheduler_job_freezes_the_past_days_of_every_institution(app):
    with app.app_context():
        with time_machine.travel(NOW, tick=False):
            registered(when=at(YESTERDAY, 9))
            db.session.commit()
            freeze_yesterday(current_app._get_current_object())
            institutions = db.session.scalar(select(func.count(Institution.id)))
            days = db.session.execute(select(RegisterDay.institution_id, RegisterDay.day)).all()
            assert {d for _, d in days} == {YESTERDAY - timedelta(days=n) for n in range(7)}
            assert len(days) == 7 * institutions
            assert freeze_yesterday(current_app._get_current_object()) == 7 * institutions  # again: no change
            assert db.session.scalar(select(func.count(RegisterDay.id))) == 7 * institutions
        db.session.remove()


def test_cli_freeze_day(app):
    runner = app.test_cli_runner()
    with time_machine.travel(NOW, tick=False):
        with app.app_context():
            registered(when=at(date(2026, 11, 19), 12))
            db.session.commit()
            db.session.remove()
        result = runner.invoke(
            args=["registry", "freeze-day", "--date", "19.11.2026", "--institution", "cj-brasov"]
        )
        assert result.exit_code == 0, result.output
        assert "cj-brasov: registrul zilei 19.11.2026 închis (înregistrări: 1, PDF" in result.output
        bad = runner.invoke(args=["registry", "freeze-day", "--date", "2026-13-01"])
        assert bad.exit_code == 2 and "nu este validă" in bad.output
        today = runner.invoke(args=["registry", "freeze-day", "--date", "21.11.2026"])
        assert today.exit_code == 1 and "nu s-a încheiat" in today.output
    with app.app_context():
        assert db.session.scalar(select(func.count(RegisterDay.id))) == 1
        db.session.remove()


def test_freeze_job_runs_after_midnight_local_time(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    from app.registry.freeze import add_freeze_job

    scheduler = BackgroundScheduler()
    add_freeze_job(scheduler, app)
    job = scheduler.get_job("freeze-register-day")
    assert job.func is freeze_yesterday
    fire = job.trigger.get_next_fire_time(None, datetime(2026, 11, 21, 23, 0, tzinfo=BUCHAREST))
    assert fire == datetime(2026, 11, 22, 0, 15, tzinfo=BUCHAREST)
    assert scheduler.get_job("freeze-register-day-catch-up") is not None

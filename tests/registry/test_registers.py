"""Registers: a general register created on demand and departmental ones sharing one sequence per institution and
year; directions; who may register where; the restart on 1 January (local time), across registers."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select, text

from app.extensions import db
from app.registry.models import Direction, Document, Register, RegistryError
from app.registry.numbering import general_register, register, registers_of
from tests.registry.factory import (
    departmental_register,
    home,
    new_document,
    other_institution,
    registered,
    snapshot,
)
from tests.routes import user

pytestmark = pytest.mark.date_sensitive

BUCHAREST = ZoneInfo("Europe/Bucharest")


def test_general_register_is_created_on_first_registration(ctx):
    assert db.session.scalar(select(Register)) is None
    document = registered()
    general = db.session.scalar(select(Register))
    assert (general.code, general.name) == ("general", "Registrul general de intrare-ieșire")
    assert document.register_id == general.id
    assert general_register(home().id).id == general.id  # one per institution, found again


def test_departmental_registers_share_the_institution_sequence(ctx):
    urbanism = departmental_register("urbanism")
    public = departmental_register("relatii-publice")
    numbers = [
        registered().registration_number,
        registered(into=urbanism).registration_number,
        registered(into=public).registration_number,
        registered(into=urbanism).registration_number,
        registered().registration_number,
    ]
    db.session.commit()
    assert numbers == [1, 2, 3, 4, 5]  # never repeated across registers
    per_register = dict(
        db.session.execute(
            text("SELECT register_id, count(*) FROM documents GROUP BY register_id ORDER BY register_id")
        ).all()
    )
    assert per_register[urbanism.id] == 2 and per_register[public.id] == 1


def test_incoming_outgoing_and_internal_documents(ctx):
    entries = [registered(direction=d) for d in Direction.ALL]
    assert [e.registration_number for e in entries] == [1, 2, 3]
    assert [e.direction for e in entries] == ["intrare", "iesire", "intern"]


def test_unknown_direction_is_refused_by_the_register_and_the_database(ctx):
    registered()  # the general register exists
    db.session.commit()
    before = snapshot()
    document = Document(institution_id=home().id, sender_name="X", subject="Y", direction="lateral")
    with pytest.raises(RegistryError, match="Direcție necunoscută"):
        register(document)
    db.session.rollback()
    assert snapshot() == before
    with pytest.raises(Exception, match="ck_documents_direction"):
        db.session.execute(text("UPDATE documents SET direction = 'lateral'"))
    db.session.rollback()


def test_clerk_of_another_institution_cannot_register_here(ctx):
    _rasnov, clerk = other_institution()
    db.session.commit()
    document = new_document()
    db.session.commit()
    before = snapshot()
    with pytest.raises(
        RegistryError, match="Nu aveți dreptul să înregistrați documente în registrul instituției"
    ):
        register(document, clerk=clerk)
    db.session.rollback()
    assert snapshot() == before
    assert db.session.get(Document, document.id).registration_number is None
    # Their own institution's clerk may.
    assert register(document, clerk=user("registrator")).startswith("1/")


def test_register_of_another_institution_is_refused(ctx):
    rasnov, _clerk = other_institution()
    theirs = general_register(rasnov.id)
    document = new_document()
    db.session.commit()
    before = snapshot()
    with pytest.raises(RegistryError, match="aparține altei instituții"):
        register(document, into=theirs)
    db.session.rollback()
    assert snapshot() == before


def test_numbers_are_per_institution_and_registers_do_not_mix(ctx):
    rasnov, _clerk = other_institution()
    ours = [registered().registration_number for _ in range(3)]
    theirs = [registered(rasnov).registration_number for _ in range(2)]
    assert ours == [1, 2, 3] and theirs == [1, 2]
    assert registered(rasnov).register.institution_id == rasnov.id


def test_back_dated_entry_is_stored_in_utc(ctx):
    # Given in local time (the emergency register's paper), shown as the local date, stored as UTC.
    document = registered(when=datetime(2026, 11, 20, 0, 30, tzinfo=BUCHAREST))
    db.session.commit()
    db.session.expire_all()
    assert document.registration_label == "1/20.11.2026"
    assert document.registered_at.replace(tzinfo=None) == datetime(2026, 11, 19, 22, 30)


def test_numbering_restarts_on_first_of_january_local_time_across_registers(ctx):
    urbanism = departmental_register("urbanism")
    db.session.commit()
    labels = []
    # 31.12.2026 23:59 in Bucharest is 21:59 UTC; 01.01.2027 00:00:30 local is still 31 December in UTC.
    with time_machine.travel(datetime(2026, 12, 31, 23, 59, 0, tzinfo=BUCHAREST), tick=False):
        labels.append(registered().registration_label)
        labels.append(registered(into=urbanism).registration_label)
        db.session.commit()
    with time_machine.travel(datetime(2027, 1, 1, 0, 0, 30, tzinfo=BUCHAREST), tick=False):
        first = registered(into=urbanism)
        labels.append(first.registration_label)
        labels.append(registered().registration_label)
        db.session.commit()
    assert labels == ["1/31.12.2026", "2/31.12.2026", "1/01.01.2027", "2/01.01.2027"]
    assert first.registration_year == 2027
    rows = db.session.execute(
        text(
            "SELECT registration_year, registration_number FROM documents "
            "ORDER BY registration_year, registration_number"
        )
    ).all()
    assert rows == [(2026, 1), (2026, 2), (2027, 1), (2027, 2)]  # unique per institution-year


def test_departmental_register_by_cli_and_its_bad_input(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["registry", "add-register", "cj-brasov", "urbanism", "--name", "Registrul urbanism"]
    )
    assert result.exit_code == 0 and "registrul „Registrul urbanism” (urbanism) adăugat" in result.output
    with app.app_context():
        before = snapshot()
        db.session.remove()
    again = runner.invoke(args=["registry", "add-register", "cj-brasov", "urbanism"])
    assert again.exit_code == 1 and "are deja un registru cu codul „urbanism”" in again.output
    general = runner.invoke(args=["registry", "add-register", "cj-brasov", "urbanism", "--code", "general"])
    assert general.exit_code == 1 and "altul decât „general”" in general.output
    missing = runner.invoke(args=["registry", "add-register", "cj-brasov", "nu-exista"])
    assert missing.exit_code == 2 and "nu există" in missing.output
    with app.app_context():
        assert snapshot() == before
        assert [r.code for r in registers_of(home().id)] == ["general", "urbanism"]
        db.session.remove()

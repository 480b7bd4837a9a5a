"""Replay: the pinned version re-run with the recorded inputs gives the same path and data, or shows where not."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.auditors.replay import replay_document
from app.dates import now_utc
from app.extensions import db
from app.workflow.models import HistoryEntry
from app.workflow.runtime import wake_due_instances
from tests.audit.helpers import as_superuser, finish_route, petition_with_loop
from tests.routes import do, submit_petition

pytestmark = pytest.mark.date_sensitive


def test_a_completed_petition_with_a_loop_replays_verified(app, ctx):
    document = petition_with_loop()
    result = replay_document(document)
    assert result.verified, result.divergence
    assert result.replayed_path == result.recorded_path
    assert result.recorded_path.count("redactare") == 2
    assert result.recorded_path[-1] == "sfarsit_solutionata"
    assert any(call.startswith("register_document") for call in result.helper_calls)
    assert app.test_cli_runner().invoke(args=["audit", "replay", document.public_id]).exit_code == 0
    output = (
        app.test_cli_runner().invoke(args=["audit", "replay", f"{document.registration_number}/2026"]).output
    )
    assert "replay verified" in output or "replay verified" in result.summary()


def test_running_anonymous_and_timer_routes_replay_verified(ctx):
    running = submit_petition()
    do(running, "inregistrare", "registrator", {"departament": "relatii-publice"})
    assert replay_document(running).verified
    anonymous = submit_petition(subject="Sesizare fără nume")
    do(anonymous, "inregistrare", "registrator", {"departament": "relatii-publice", "anonima": True})
    assert replay_document(anonymous).verified, replay_document(anonymous).divergence
    late = submit_petition(subject="Petiție întârziată")
    do(late, "inregistrare", "registrator", {"departament": "relatii-publice"})
    do(late, "repartizare", "sef.serviciu", {"referent": "referent"})
    start = now_utc()
    with time_machine.travel(start + timedelta(days=26), tick=False):
        wake_due_instances()
    with time_machine.travel(start + timedelta(days=27), tick=False):
        do(late, "redactare", "referent", {"raspuns": "Răspunsul, dat după reamintire, complet și valid."})
    with time_machine.travel(start + timedelta(days=31), tick=False):
        wake_due_instances()
    with time_machine.travel(start + timedelta(days=32), tick=False):
        do(late, "aprobare", "sef.serviciu", {"decizie": "aproba"})
        finish_route(late)
    result = replay_document(late)
    assert result.verified, result.divergence
    assert "reamintire" in result.replayed_path and "depasire" in result.replayed_path


def test_a_tampered_recorded_input_shows_the_first_divergence(app, ctx):
    document = petition_with_loop()
    first_approval = db.session.scalar(
        select(HistoryEntry)
        .where(HistoryEntry.document_id == document.id, HistoryEntry.bpmn_id == "aprobare")
        .order_by(HistoryEntry.id)
        .limit(1)
    )
    # The head of unit's "return for changes" rewritten as an approval, directly in the database.
    as_superuser(
        'UPDATE history_entries SET data = \'{"decizie": "aproba"}\' WHERE id = :i',
        "history_entries",
        i=first_approval.id,
    )
    db.session.expire_all()
    result = replay_document(document)
    assert not result.verified
    recorded = result.recorded_path
    step = result.divergence_step
    assert recorded[step] == "redactare" and recorded[step - 1] == "gw_aprobat"  # the loop back
    assert result.replayed_path[step] in ("emitere", "pregatire")  # approved: on to the answer
    assert "redactare" in result.divergence and result.replayed_path[step] in result.divergence
    assert any("aprobare" in m for m in result.input_mismatches)  # and the sealed audit entry disagrees
    cli = app.test_cli_runner().invoke(args=["audit", "replay", document.public_id])
    assert cli.exit_code == 1 and "diverges" in cli.output


def test_edited_data_that_keeps_the_path_still_shows(ctx):
    document = petition_with_loop()
    draft = db.session.scalar(
        select(HistoryEntry)
        .where(HistoryEntry.document_id == document.id, HistoryEntry.bpmn_id == "redactare")
        .order_by(HistoryEntry.id.desc())
        .limit(1)
    )
    as_superuser(
        'UPDATE history_entries SET data = \'{"raspuns": "Alt text, pus ulterior în baza de date."}\' WHERE id = :i',
        "history_entries",
        i=draft.id,
    )
    db.session.expire_all()
    result = replay_document(document)
    assert not result.verified
    assert "raspuns" in result.data_differences
    assert any("redactare" in m for m in result.input_mismatches)

"""Helpers for scripts: working days with Romanian holidays, deadlines moved with a recorded reason, lookups."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.workflow.builtin_helpers import (
    HelperEnv,
    HelperError,
    add_calendar_days,
    add_working_days,
    bind_route_helpers,
    is_working_day,
    working_days_between,
)
from app.workflow.sandbox import make_script_engine

pytestmark = pytest.mark.date_sensitive

ROOT = Path(__file__).resolve().parents[2]


def test_working_days_skip_weekends_and_public_holidays():
    # Friday 27.11.2026 + 1 working day = Wednesday 2.12 (Monday 30.11 Sf. Andrei, Tuesday 1.12 Ziua Națională).
    assert add_working_days("2026-11-27", 1) == "2026-12-02"
    assert add_working_days("2026-12-24", 2) == "2026-12-29"  # 25 and 26 December
    assert add_working_days("2026-11-23", 0) == "2026-11-23"
    assert (
        not is_working_day("2026-12-01") and not is_working_day("2026-11-28") and is_working_day("2026-11-27")
    )
    assert working_days_between("2026-11-23", "2026-12-16") == 15
    assert working_days_between("2026-12-16", "2026-11-23") == 0


def test_calendar_days_and_date_inputs():
    assert add_calendar_days("2026-12-30", 5) == "2027-01-04"
    assert add_calendar_days("2026-03-01", -1) == "2026-02-28"
    # A date-time counts by its Romanian local date: 22:30 UTC on 20.11 is already 21.11 in Bucharest.
    assert add_calendar_days("2026-11-20T22:30:00+00:00", 0) == "2026-11-21"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: add_working_days("21.11.2026", 1), 'expected a date such as "2026-11-21"'),
        (lambda: add_working_days("2026-11-21", -1), "count forwards only"),
        (lambda: add_calendar_days("2026-11-21", 1.5), "whole number"),
        (lambda: add_calendar_days("2026-11-21", 10**9), "whole number"),
    ],
)
def test_wrong_arguments_get_plain_messages(call, message):
    with pytest.raises(HelperError) as exc:
        call()
    assert message in str(exc.value)


class FakeDocument:
    registration_label = "7/23.11.2026"
    subject = "Subiect"
    sender_name = "Ana Popescu"

    def __init__(self):
        self.registered_at = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
        self.deadline_at = datetime(2026, 12, 3, 21, 59, 59, tzinfo=UTC)


class FakeEnv(HelperEnv):
    def __init__(self, now, working_days=False):
        self.document = FakeDocument()
        self.moves = []
        self._now = now
        self._working = working_days

    def now(self):
        return self._now

    def working_days_default(self):
        return self._working

    def type_code(self):
        return "informatii-publice"

    def department_code(self):
        return "relatii-publice"

    def deadline_moved(self, old, new, reason, message):
        self.moves.append((old, new, reason, message))

    def head_of(self, code):
        return {"relatii-publice": "sef.serviciu"}.get(code)

    def officials_of(self, code):
        return ["referent"] if code == "relatii-publice" else []


def run(script: str, env: FakeEnv, data: dict | None = None) -> dict:
    """Run `script` in the sandbox with the helpers, as a BPMN script task would."""
    context = dict(data or {})
    make_script_engine(bind_route_helpers(env)).environment.execute(script, context, {})
    return context


def test_deadline_helpers_in_a_sandboxed_script():
    env = FakeEnv(now=datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    out = run(
        "azi = today()\n"
        "vechi = deadline()\n"
        "nou = extend_deadline(20, 'căutare complexă')\n"
        "reamintire = deadline_timer(2)\n"
        "trecut = deadline_passed()\n"
        "info = document_info()\n"
        "sef = head_of(department())\n"
        "lista = officials_of('relatii-publice')",
        env,
    )
    assert out["azi"] == "2026-11-25" and out["vechi"] == "2026-12-03" and out["nou"] == "2026-12-23"
    assert out["reamintire"] == "2026-12-21T21:59:59+00:00"  # end of 23.12 in Bucharest, minus two days
    assert out["trecut"] is False
    assert out["info"]["numar"] == "7/23.11.2026" and out["info"]["termen"] == "2026-12-23"
    assert out["sef"] == "sef.serviciu" and out["lista"] == ["referent"]
    [(old, new, reason, message)] = env.moves
    assert reason == "căutare complexă" and message == "Termen prelungit cu 20 de zile, până la 23.12.2026"


def test_set_deadline_counts_from_registration_in_the_types_unit():
    env = FakeEnv(now=datetime(2026, 11, 25, tzinfo=UTC), working_days=True)
    out = run("termen = set_deadline(5, 'refuz motivat')", env)
    assert out["termen"] == "2026-12-02"  # five working days after 23.11, without 30.11 and 1.12
    out = run("termen = set_deadline(5, 'refuz motivat', working_days=False)", env)
    assert out["termen"] == "2026-11-28"


def test_deadline_changes_need_a_reason_and_lookups_fail_clearly():
    env = FakeEnv(now=datetime(2026, 11, 25, tzinfo=UTC))
    with pytest.raises(Exception) as exc:
        run("extend_deadline(5, '')", env)
    assert "give the reason" in str(exc.value)
    with pytest.raises(Exception) as exc:
        run("head_of('urbanism')", env)
    assert 'department "urbanism" has no head' in str(exc.value)
    assert env.moves == []


def test_deadline_passed_after_the_end_of_the_last_day():
    assert run("x = deadline_passed()", FakeEnv(now=datetime(2026, 12, 3, 21, 0, tzinfo=UTC)))["x"] is False
    assert run("x = deadline_passed()", FakeEnv(now=datetime(2026, 12, 3, 22, 0, tzinfo=UTC)))["x"] is True


def test_every_route_helper_is_bound_for_scripts(app):
    from app.workflow.deploy import _helper_names

    with app.app_context():
        names = _helper_names()
    assert set(bind_route_helpers(FakeEnv(now=datetime.now(UTC)))) <= names


def test_a_form_field_or_script_variable_named_like_a_helper_is_reported():
    from app.workflow.deploy import check_bpmn

    xml = (ROOT / "processes" / "informatii-publice.bpmn").read_bytes()
    roles = {"registrator", "referent", "sef_serviciu"}
    broken = xml.replace(b"termen_nou = set_deadline(5", b"deadline = set_deadline(5")
    problems, _ = check_bpmn("x.bpmn", broken, ROOT / "forms", roles)
    assert [
        'x.bpmn: termen_refuz: script assigns "deadline", the name of a helper: use another variable'
    ] == [str(p) for p in problems]

"""The engine's built-in helpers for analysts' scripts and conditions (the packages' own helpers are registered in
script_helpers.py): date arithmetic in calendar or working days, the document's deadline (read, move with a
recorded reason, use as a timer) and lookups of heads and officials.

`script_helpers.bind_helpers` exposes them by name. They are written against a small `HelperEnv` so the same code
runs in production (`DatabaseEnv`: the document row, history rows, staff lookups in the database) and in the
scenario runner (app/workflow/scenarios.py: an in-memory document, nothing written anywhere).

Values cross the script boundary as plain data: dates are ISO strings ("2026-11-21"), timer moments ISO date-times
with offset ("2026-12-21T21:59:59+00:00"), people are usernames."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays

from app.dates import add_days, as_utc, end_of_local_day, now_utc, to_local


class HelperError(Exception):
    """A helper was called wrongly or cannot do what the route asks (the route stops with this message)."""


# --- dates -------------------------------------------------------------------------------------------------------


def _as_date(value, helper: str) -> date:
    if isinstance(value, datetime):
        return to_local(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            return to_local(datetime.fromisoformat(value)).date()
        except ValueError:
            pass
    raise HelperError(f'{helper}: expected a date such as "2026-11-21", got {value!r}')


def _as_days(value, helper: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -3660 <= value <= 3660:
        raise HelperError(f"{helper}: the number of days must be a whole number (got {value!r})")
    return value


def is_working_day(day) -> bool:
    """True on Monday to Friday unless it is a Romanian public holiday."""
    day = _as_date(day, "is_working_day")
    return day.weekday() < 5 and day not in holidays.country_holidays("RO", years=day.year)


def add_calendar_days(day, days: int) -> str:
    """The date `days` calendar days after `day` (before it when negative)."""
    return (
        _as_date(day, "add_calendar_days") + timedelta(days=_as_days(days, "add_calendar_days"))
    ).isoformat()


def add_working_days(day, days: int) -> str:
    """The date `days` working days after `day`, skipping weekends and Romanian public holidays."""
    days = _as_days(days, "add_working_days")
    if days < 0:
        raise HelperError("add_working_days: count forwards only (days >= 0)")
    return add_days(_as_date(day, "add_working_days"), days, working_days=True).isoformat()


def working_days_between(start, end) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
    first, last = _as_date(start, "working_days_between"), _as_date(end, "working_days_between")
    if (last - first).days > 3660:
        raise HelperError("working_days_between: the interval is longer than ten years")
    count, current = 0, first
    ro_holidays = holidays.country_holidays("RO", years=range(first.year, last.year + 1))
    while current < last:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in ro_holidays:
            count += 1
    return count


# --- environment ---------------------------------------------------------------------------------------------


class HelperEnv:
    """What the bound helpers need. `document` has registered_at, deadline_at (aware or naive UTC datetimes),
    registration_label, subject and sender_name."""

    document = None

    def now(self) -> datetime:
        return now_utc()

    def working_days_default(self) -> bool:
        raise NotImplementedError

    def type_code(self) -> str:
        raise NotImplementedError

    def department_code(self) -> str | None:
        raise NotImplementedError

    def deadline_moved(self, old: datetime | None, new: datetime, reason: str, message: str) -> None:
        raise NotImplementedError

    def head_of(self, department_code: str) -> str | None:
        raise NotImplementedError

    def officials_of(self, department_code: str) -> list[str]:
        raise NotImplementedError


def _days_word(days: int) -> str:
    return "o zi" if days == 1 else f"{days} de zile" if days >= 20 else f"{days} zile"


def bind_route_helpers(env: HelperEnv) -> dict:
    document = env.document

    def today() -> str:
        """Today's date in Romania."""
        return to_local(env.now()).date().isoformat()

    def deadline() -> str | None:
        """The document's deadline (a date), or None before registration."""
        return to_local(document.deadline_at).date().isoformat() if document.deadline_at else None

    def deadline_timer(days_before: int = 0) -> str:
        """The deadline (end of its day), or `days_before` days earlier, as an ISO date-time: the value of a
        timer's timeDate, e.g. `deadline_timer(2)` for a reminder two days before."""
        if document.deadline_at is None:
            raise HelperError("deadline_timer: the document has no deadline yet (register it first)")
        moment = as_utc(document.deadline_at) - timedelta(days=_as_days(days_before, "deadline_timer"))
        return moment.isoformat()

    def deadline_passed() -> bool:
        """True once the deadline is over (False while there is none)."""
        return document.deadline_at is not None and env.now() > as_utc(document.deadline_at)

    def _move_deadline(day: date, reason, helper: str, message: str) -> str:
        if not isinstance(reason, str) or not reason.strip():
            raise HelperError(f"{helper}: give the reason (it is recorded and shown to the applicant)")
        old = document.deadline_at
        new = end_of_local_day(day)
        document.deadline_at = new
        env.deadline_moved(old, new, reason.strip()[:1000], message)
        return day.isoformat()

    def _working(working_days) -> bool:
        return env.working_days_default() if working_days is None else bool(working_days)

    def extend_deadline(days: int, reason: str, working_days: bool | None = None) -> str:
        """Move the deadline `days` days later (working days if the document type counts them, unless
        `working_days` says otherwise), record the extension and its reason; returns the new deadline."""
        days = _as_days(days, "extend_deadline")
        if days <= 0:
            raise HelperError("extend_deadline: the number of days must be positive")
        if document.deadline_at is None:
            raise HelperError("extend_deadline: the document has no deadline yet (register it first)")
        day = add_days(to_local(document.deadline_at).date(), days, _working(working_days))
        kind = "lucrătoare " if _working(working_days) else ""
        message = f"Termen prelungit cu {_days_word(days)} {kind}".rstrip()
        return _move_deadline(day, reason, "extend_deadline", f"{message}, până la {day:%d.%m.%Y}")

    def set_deadline(days: int, reason: str, working_days: bool | None = None) -> str:
        """Set the deadline to `days` days after registration (e.g. a refusal due within 5 days), recording the
        reason; returns the new deadline."""
        days = _as_days(days, "set_deadline")
        if days < 0:
            raise HelperError("set_deadline: the number of days cannot be negative")
        if document.registered_at is None:
            raise HelperError("set_deadline: the document is not registered yet")
        day = add_days(to_local(document.registered_at).date(), days, _working(working_days))
        return _move_deadline(day, reason, "set_deadline", f"Termen stabilit la {day:%d.%m.%Y}")

    def registration_number() -> str:
        """The registration number as shown ("12/21.11.2026"), or "" before registration."""
        return document.registration_label or ""

    def document_info() -> dict:
        """Plain facts about the document: number, registration date, subject, sender, department, type,
        deadline."""
        return {
            "numar": document.registration_label or "",
            "data_inregistrarii": to_local(document.registered_at).date().isoformat()
            if document.registered_at
            else None,
            "subiect": document.subject,
            "expeditor": document.sender_name,
            "compartiment": env.department_code(),
            "tip": env.type_code(),
            "termen": deadline(),
        }

    def department() -> str | None:
        """The code of the department the document was routed to (None before routing)."""
        return env.department_code()

    def head_of(department_code: str) -> str:
        """The username of the head (role sef_serviciu) of a department of the document's institution: use it
        as a user task's `assignee`. Stops the route with a clear message when the department has none."""
        if not isinstance(department_code, str) or not department_code:
            raise HelperError("head_of: give a department code")
        username = env.head_of(department_code)
        if username is None:
            raise HelperError(
                f'head_of: department "{department_code}" has no head (sef_serviciu) in the application'
            )
        return username

    def officials_of(department_code: str) -> list:
        """Usernames of the officials (role referent) of a department, alphabetically."""
        if not isinstance(department_code, str) or not department_code:
            raise HelperError("officials_of: give a department code")
        return list(env.officials_of(department_code))

    return {
        "today": today,
        "is_working_day": is_working_day,
        "add_calendar_days": add_calendar_days,
        "add_working_days": add_working_days,
        "working_days_between": working_days_between,
        "deadline": deadline,
        "deadline_timer": deadline_timer,
        "deadline_passed": deadline_passed,
        "extend_deadline": extend_deadline,
        "set_deadline": set_deadline,
        "registration_number": registration_number,
        "document_info": document_info,
        "department": department,
        "head_of": head_of,
        "officials_of": officials_of,
    }


class DatabaseEnv(HelperEnv):
    """Production: the run's document row; deadline changes are written to the history (shown to the citizen)
    and to the open tasks' due dates."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.document = ctx.document

    def working_days_default(self) -> bool:
        return bool(self.document.document_type.deadline_working_days)

    def type_code(self) -> str:
        return self.document.document_type.code

    def department_code(self) -> str | None:
        return self.document.department.code if self.document.department else None

    def deadline_moved(self, old, new, reason, message) -> None:
        from sqlalchemy import update

        from app.extensions import db
        from app.workflow.models import HistoryEntry, HumanTask, TaskStatus

        db.session.execute(
            update(HumanTask)
            .where(HumanTask.document_id == self.document.id, HumanTask.status == TaskStatus.READY)
            .values(due_at=new)
        )
        db.session.add(
            HistoryEntry(
                document_id=self.document.id,
                instance_id=self.ctx.instance.id if self.ctx.instance else None,
                event="deadline_changed",
                message=f"{message}. Motiv: {reason}",
                data={
                    "termen_anterior": as_utc(old).isoformat() if old else None,
                    "termen_nou": as_utc(new).isoformat(),
                    "motiv": reason,
                },
            )
        )

    def _usernames(self, role_code: str, department_code: str) -> list[str]:
        from sqlalchemy import select

        from app.extensions import db
        from app.identity.models import Department, Membership, Role, User

        rows = db.session.scalars(
            select(User.username)
            .join(Membership, Membership.user_id == User.id)
            .join(Role, Role.id == Membership.role_id)
            .join(Department, Department.id == Membership.department_id)
            .where(
                Role.code == role_code,
                Department.code == department_code,
                Membership.institution_id == self.document.institution_id,
                User.is_active_account.is_(True),
            )
            .order_by(User.username)
        )
        return list(dict.fromkeys(rows))

    def head_of(self, department_code: str) -> str | None:
        heads = self._usernames("sef_serviciu", department_code)
        return heads[0] if heads else None

    def officials_of(self, department_code: str) -> list[str]:
        return self._usernames("referent", department_code)

"""Time in one place: stored in UTC, shown and counted in Romanian local time (registration year, deadlines)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from flask import current_app, has_app_context


def now_utc() -> datetime:
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    name = current_app.config["TIMEZONE"] if has_app_context() else "Europe/Bucharest"
    return ZoneInfo(name)


def as_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; everything we store is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(local_zone())


def format_date(value: datetime | date | None) -> str:
    """Romanian display format 21.11.2026."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return value.strftime("%d.%m.%Y")


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%d.%m.%Y %H:%M")


def rfc3339(moment: datetime | None) -> str | None:
    """An instant as RFC 3339 with its offset ("2026-11-21T08:30:00+00:00"): naive values are stored UTC."""
    return as_utc(moment).isoformat() if moment is not None else None


def add_days(start: date, days: int, working_days: bool) -> date:
    """Calendar days, or working days skipping weekends and Romanian public holidays."""
    if not working_days:
        return start + timedelta(days=days)
    ro_holidays = holidays.country_holidays("RO", years=range(start.year, start.year + 2))
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in ro_holidays:
            left -= 1
    return current


def end_of_local_day(day: date) -> datetime:
    return as_utc(datetime.combine(day, time(23, 59, 59), tzinfo=local_zone()))

"""The calendar periods figures are kept in: months and ISO weeks, in UTC. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at.isoformat()}: pass an aware one")
    return at.astimezone(UTC)


def month_key(at: datetime) -> str:
    """`YYYY-MM` of the UTC month `at` falls in."""
    return _utc(at).strftime("%Y-%m")


def week_key(at: datetime) -> str:
    """The Monday (`YYYY-MM-DD`) of the ISO week `at` falls in (UTC): sorts as text."""
    day = _utc(at).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def month_start(at: datetime) -> datetime:
    """Midnight UTC of the first day of `at`'s month."""
    day = _utc(at)
    return datetime(day.year, day.month, 1, tzinfo=UTC)


def weeks_between(start: datetime, end: datetime) -> list[str]:
    """Every week key from `start`'s week to `end`'s, oldest first (for gap-free charts)."""
    first = date.fromisoformat(week_key(start))
    last = date.fromisoformat(week_key(end))
    return [(first + timedelta(weeks=n)).isoformat() for n in range((last - first).days // 7 + 1)]


def months_between(start: datetime, end: datetime) -> list[str]:
    """Every month key from `start`'s month to `end`'s, oldest first."""
    year, month = _utc(start).year, _utc(start).month
    stop = month_key(end)
    keys = []
    while True:
        key = f"{year:04d}-{month:02d}"
        keys.append(key)
        if key >= stop:
            return keys
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)

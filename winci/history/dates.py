"""Dates as the history stores them: naive UTC, read from ISO 8601."""

from __future__ import annotations

from datetime import UTC, datetime

from winci.errors import UsageError


def naive_utc(value: datetime | None) -> datetime | None:
    """DATETIME columns hold naive UTC (MySQL has no time zone type)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def parse_date(text: str | None) -> datetime | None:
    """An ISO 8601 date or date-time (naive UTC); a date alone means midnight UTC."""
    if not text:
        return None
    try:
        return naive_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise UsageError(f"not an ISO 8601 date: {text!r}",
                         "write it like 2026-11-20 or 2026-11-20T03:00:00Z") from None

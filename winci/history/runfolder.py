"""Small readers shared by the history loaders: JSON files of a run folder, dates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from winci.errors import ConfigError, UsageError


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from a run folder (``manifest.json``, ``verdict.json``); {} if absent."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    return data if isinstance(data, dict) else {}


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

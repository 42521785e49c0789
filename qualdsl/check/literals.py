"""Literal values: numbers, durations, dates and times, as the language reads them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

UNIT_SECONDS = {
    "minute": 60,
    "minutes": 60,
    "hour": 3600,
    "hours": 3600,
    "day": 86400,
    "days": 86400,
    "week": 604800,
    "weeks": 604800,
}

MAX_DIGITS = 30


def number_value(text: str) -> int | Decimal:
    """``400`` is an int, ``2.5`` an exact decimal; too many digits raise ValueError."""
    digits = text.lstrip("-").replace(".", "")
    if len(digits) > MAX_DIGITS:
        raise ValueError(f"a number may have at most {MAX_DIGITS} digits")
    if "." in text:
        try:
            return Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the grammar only lets digits through
            raise ValueError(str(exc)) from exc
    return int(text)


def duration_value(amount: int | Decimal, unit: str) -> dt.timedelta:
    seconds = Decimal(amount) * UNIT_SECONDS[unit]
    if abs(seconds) > Decimal(10**11):
        raise ValueError("a duration may be at most about 3,000 years")
    return dt.timedelta(seconds=float(seconds)) if seconds % 1 else dt.timedelta(seconds=int(seconds))


def parse_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip())


def parse_datetime(text: str) -> dt.datetime:
    """ISO 8601; ``Z`` allowed; a time without a zone is taken as UTC."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed

"""Helpers the generated evaluator calls. Small on purpose: the generated code inlines
the common cases and calls these for the rare ones, so both back ends share one meaning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from qualdsl.errors import RecordError
from qualdsl.interpret import arith, at_least, fold, negate
from qualdsl.prepared import PreparedLead
from qualdsl.records import check_lead, convert_events, is_missing, to_datetime

ZERO = dt.timedelta(0)
UNSET = object()  # a lazily computed value not computed yet


class SlowPath(Exception):
    """Raised inside the generated event loop when an event is not a plain (declared type,
    aware datetime) tuple: the loop starts again over the events as ``convert_events`` reads them."""


def event_list(events: object) -> list[object]:
    """Events given as any iterable (None: no events)."""
    if events is None:
        return []
    if isinstance(events, (str, bytes, Mapping)) or not isinstance(events, Iterable):
        raise RecordError("events", "events must be a list of (type, time) pairs", events)
    return list(events)


def not_prepared(prepared: object) -> None:
    """``evaluate_prepared`` was given something ``prepare`` of this policy did not return."""
    if isinstance(prepared, PreparedLead):
        raise ValueError("this lead was prepared by another policy: prepare it with the policy that evaluates it")
    raise TypeError(f"evaluate_prepared takes what policy.prepare(lead, events) returns, not {type(prepared).__name__}")


def normalize_now(now: dt.datetime | str | None) -> dt.datetime:
    """``now`` as an aware datetime; None means the current time in UTC (read here, never inside evaluation)."""
    if now is None:
        return dt.datetime.now(dt.UTC)
    if isinstance(now, dt.datetime) and now.tzinfo is not None:
        return now
    return to_datetime("now", now)


def in_items(value: object, items: object) -> object:
    if value is None or items is None:
        return None
    assert isinstance(items, tuple)
    return fold(value) in [fold(i) for i in items]


__all__ = [
    "ZERO",
    "arith",
    "at_least",
    "check_lead",
    "convert_events",
    "event_list",
    "in_items",
    "is_missing",
    "negate",
    "normalize_now",
    "not_prepared",
]

"""Helpers the generated evaluator calls. Small on purpose: the generated code inlines
the common cases and calls these for the rare ones, so both back ends share one meaning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from qualdsl.errors import RecordError
from qualdsl.interpret import arith, at_least, fold, negate
from qualdsl.records import INT_LIMIT, event_parts, is_missing, to_datetime

ZERO = dt.timedelta(0)
UNSET = object()  # a lazily computed value not computed yet


def bad_event(events: Sequence[object], event: object, name: object) -> RecordError:
    index = _index_of(events, event)
    return RecordError(f"events[{index}].type", f"{name!r} is not a declared event", name)


def event_time(events: Sequence[object], event: object, at: object) -> dt.datetime:
    return to_datetime(f"events[{_index_of(events, event)}].at", at)


def _index_of(events: Sequence[object], event: object) -> int:
    for i, candidate in enumerate(events):
        if candidate is event:
            return i
    return -1


def plain_list(value: object, text: bool) -> tuple[object, ...] | None:
    """The list as a tuple when every item already has its final form (a stripped, non-empty
    text, or an int); None sends the value to the full converter."""
    if value.__class__ is not list and value.__class__ is not tuple:
        return None
    for item in value:  # type: ignore[attr-defined]
        if text:
            if item.__class__ is not str or not item or item.strip() is not item:
                return None
        elif item.__class__ is not int or not -INT_LIMIT < item < INT_LIMIT:  # as records._to_int
            return None
    return tuple(value)  # type: ignore[arg-type]


def in_items(value: object, items: object) -> object:
    if value is None or items is None:
        return None
    assert isinstance(items, tuple)
    return fold(value) in [fold(i) for i in items]


__all__ = ["ZERO", "arith", "at_least", "bad_event", "event_parts", "event_time", "in_items", "is_missing", "negate"]

"""A lead read and checked once by ``Policy.prepare``, to be decided any number of times."""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter


class PreparedLead(tuple):  # type: ignore[type-arg]
    """A lead's field values as its policy reads them (texts case-folded, as the policy compares
    them), its events as checked (type, aware datetime) pairs, and the lead itself; made by
    ``policy.prepare(lead, events)``.

    ``policy.evaluate_prepared(prepared, now)`` decides it without reading or checking any value
    again: for leads decided many times (re-scored as time passes, what-if runs). Only the policy
    that prepared it can evaluate it. A tuple: immutable, and cheap to take apart.
    """

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]  # the lead (a dict) is not hashable

    values: tuple[object, ...] = property(itemgetter(0))  # type: ignore[assignment]
    events: tuple[tuple[str, object], ...] = property(itemgetter(1))  # type: ignore[assignment]
    lead: Mapping[str, object] = property(itemgetter(2))  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PreparedLead(values={self.values!r}, events={len(self.events)})"

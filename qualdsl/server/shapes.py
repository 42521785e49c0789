"""Request bodies → checked requests. Pure: a wrong shape raises ``ApiError(400)``.

Only the shape is checked here (objects, lists, texts); whether a lead's values can be
read is the policy's business (a ``RecordError`` naming the field, answered with 422).
A bad item of a batch is not an error of the request: it becomes a ``BadItem`` and gets
its own error entry in the response.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from qualdsl.server.errors import ApiError, error_fields

JSON_TYPES: dict[type, str] = {dict: "an object", list: "a list", str: "a text"}


@attrs.frozen
class Item:
    """One lead to decide: its fields and events; ``id`` is echoed back when given."""

    lead: Mapping[str, Any]
    events: Sequence[Any]
    id: object = None


@attrs.frozen
class BadItem:
    """A batch item whose shape is wrong: the error entry it gets."""

    error: dict[str, object]
    id: object = None


@attrs.frozen
class DecisionRequest:
    items: tuple[Item | BadItem, ...]
    batch: bool
    now: str | None


@attrs.frozen
class AdvanceRequest:
    stage: str
    lead: Mapping[str, Any]
    events: Sequence[Any]
    event: Mapping[str, Any] | None
    now: str | None


@attrs.frozen
class SlaRequest:
    lead: Mapping[str, Any] | None
    events: Sequence[Any]
    now: str | None


def parse_json(body: bytes) -> Any:
    """The JSON value of a request body; 400 when it is not JSON (or not UTF-8)."""
    if not body.strip():
        raise ApiError(400, "the request body is empty; send a JSON object")
    try:
        return json.loads(body, parse_float=_finite, parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise ApiError(400, "the request body is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"the request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise ApiError(400, "the request body is nested too deeply") from exc
    except ValueError as exc:  # a number JSON allows but Python will not hold (too many digits, out of range)
        raise ApiError(400, f"the request body is not valid JSON: {exc}") from exc


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _no_constant(text: str) -> float:
    raise ValueError(f"{text} is not a JSON number")


def _object(body: Any, allowed: Sequence[str]) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, f"the request body must be a JSON object with the keys {', '.join(allowed)}")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ApiError(400, f"unknown key(s) {', '.join(map(repr, unknown))}; the keys are {', '.join(allowed)}",
                       unknown[0])
    return body


def _get(body: Mapping[str, Any], key: str, kind: type, required: bool = False) -> Any:
    """``body[key]`` when it is of ``kind``; absent or null gives None unless required."""
    value = body.get(key)
    if value is None:
        if required:
            raise ApiError(400, f"`{key}` is required: {JSON_TYPES[kind]}", key)
        return None
    if not isinstance(value, kind):
        raise ApiError(400, f"`{key}` must be {JSON_TYPES[kind]}", key)
    return value


def decision_request(body: Any, max_batch: int) -> DecisionRequest:
    """``{"lead", "events", "now"}`` for one lead, or ``{"leads": [{"lead", "events", "id"}, ...], "now"}``."""
    data = _object(body, ("lead", "leads", "events", "now"))
    now = _get(data, "now", str)
    if "leads" in data:
        if "lead" in data or "events" in data:
            raise ApiError(400, "send either `lead` (one lead, with `events`) or `leads` (a batch), not both", "leads")
        leads = _get(data, "leads", list, required=True)
        if len(leads) > max_batch:
            raise ApiError(413, f"a batch holds at most {max_batch} leads; this one has {len(leads)}", "leads",
                           {"limit": max_batch})
        return DecisionRequest(tuple(batch_item(raw) for raw in leads), True, now)
    lead = _get(data, "lead", dict, required=True)
    events = _get(data, "events", list) or []
    return DecisionRequest((Item(lead, events),), False, now)


def batch_item(raw: Any) -> Item | BadItem:
    """One item of a batch; field names in its errors are relative to the item."""
    if not isinstance(raw, dict):
        return BadItem(error_fields(422, 'an item of `leads` must be an object {"lead": {...}, "events": [...]}', "lead"))
    ident = raw.get("id")
    unknown = sorted(set(raw) - {"lead", "events", "id"})
    if unknown:
        return BadItem(error_fields(422, f"unknown key(s) {', '.join(map(repr, unknown))}; the keys are lead, events, id",
                                    unknown[0]), ident)
    lead, events = raw.get("lead"), raw.get("events")
    if not isinstance(lead, dict):
        return BadItem(error_fields(422, "`lead` must be an object", "lead"), ident)
    if events is not None and not isinstance(events, list):
        return BadItem(error_fields(422, "`events` must be a list", "events"), ident)
    return Item(lead, events or [], ident)


def advance_request(body: Any) -> AdvanceRequest:
    data = _object(body, ("stage", "lead", "events", "event", "now"))
    return AdvanceRequest(
        _get(data, "stage", str, required=True),
        _get(data, "lead", dict, required=True),
        _get(data, "events", list) or [],
        _get(data, "event", dict),
        _get(data, "now", str),
    )


def sla_request(body: Any) -> SlaRequest:
    data = _object(body, ("lead", "events", "now"))
    return SlaRequest(_get(data, "lead", dict), _get(data, "events", list) or [], _get(data, "now", str))

"""Checked requests × a Policy → response documents. Pure apart from the clock default.

Each function returns the JSON-ready body, and ``decide`` also returns the decisions it
made so the caller can log and count them; nothing here knows about HTTP or files.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

import attrs

from qualdsl.decision import Decision
from qualdsl.errors import QualdslError, RecordError
from qualdsl.lifecycle import Step
from qualdsl.policy import Policy, normalize_now
from qualdsl.server.errors import ApiError, error_fields, record_error, unreadable
from qualdsl.server.shapes import AdvanceRequest, BadItem, DecisionRequest, Item, SlaRequest

logger = logging.getLogger("qualdsl.server")


@attrs.frozen
class Made:
    """One decision made: its place in the request, the item and the decision (for the log)."""

    index: int
    item: Item
    decision: Decision


@attrs.frozen
class Decided:
    body: dict[str, object]
    made: tuple[Made, ...]
    error_codes: tuple[int, ...]  # the codes of the batch entries that are errors
    now: dt.datetime


def when(now: str | None) -> dt.datetime:
    """The evaluation time of a request; 422 naming `now` when it cannot be read."""
    try:
        return normalize_now(now)
    except RecordError as exc:
        raise ApiError(422, str(exc.detail), "now", {"value": now}) from exc


def decide(policy: Policy, request: DecisionRequest, explain: bool) -> Decided:
    """One decision (422 when the lead cannot be read), or a batch with an entry per item, in order."""
    now = when(request.now)
    if not request.batch:
        item = request.items[0]
        assert isinstance(item, Item)
        try:
            decision = policy.evaluate(item.lead, item.events, now)
        except RecordError as exc:
            raise unreadable(exc) from exc
        return Decided(decision.to_dict(explain=explain), (Made(0, item, decision),), (), now)
    results: list[dict[str, object]] = []
    made: list[Made] = []
    codes: list[int] = []
    for index, item in enumerate(request.items):
        entry = _batch_entry(policy, index, item, now, explain, made)
        if "error" in entry:
            codes.append(entry["error"]["code"])  # type: ignore[index]
        if item.id is not None:
            entry = {"id": item.id, **entry}
        results.append(entry)
    body: dict[str, object] = {"results": results, "decided": len(made), "errors": len(codes)}
    return Decided(body, tuple(made), tuple(codes), now)


def _batch_entry(
    policy: Policy, index: int, item: Item | BadItem, now: dt.datetime, explain: bool, made: list[Made]
) -> dict[str, object]:
    if isinstance(item, BadItem):
        return {"error": item.error}
    try:
        decision = policy.evaluate(item.lead, item.events, now)
        entry = decision.to_dict(explain=explain)
    except RecordError as exc:
        return {"error": record_error(exc)}
    except Exception:  # one lead must not sink the batch; the log has the details
        logger.exception("evaluating item %d of a batch failed", index)
        return {"error": error_fields(500, "this lead could not be decided because of an internal error")}
    made.append(Made(index, item, decision))
    return entry


def _lifecycle_stages(policy: Policy, policy_id: str) -> Sequence[str]:
    lifecycle = policy.model.lifecycle
    if lifecycle is None:
        raise ApiError(404, f"policy `{policy_id}` has no lifecycle block", "policy")
    return lifecycle.stages


def advance(policy: Policy, policy_id: str, request: AdvanceRequest) -> dict[str, object]:
    """The stage the lead moves to from ``request.stage`` now (or on ``request.event``), and why."""
    stages = _lifecycle_stages(policy, policy_id)
    if request.stage not in stages:
        raise ApiError(422, f"`{request.stage}` is not a stage; the stages are {', '.join(stages)}", "stage",
                       {"value": request.stage})
    now = when(request.now)
    try:
        step = policy.advance(request.stage, request.lead, request.events, now, request.event)
    except RecordError as exc:
        raise unreadable(exc) from exc
    except QualdslError as exc:
        raise ApiError(422, str(exc)) from exc
    return step_dict(policy, request.stage, step, now)


def step_dict(policy: Policy, stage: str, step: Step | None, now: dt.datetime) -> dict[str, object]:
    lifecycle = policy.model.lifecycle
    assert lifecycle is not None
    if step is None:
        return {"moved": False, "from": stage, "stage": stage, "owner": lifecycle.owners.get(stage),
                "at": now.isoformat(), "reason": None, "why": None, "transition": None}
    t = step.transition
    owner = (t.owner if t else None) or lifecycle.owners.get(step.stage)
    transition = None if t is None else {"line": t.span.line, "text": t.text, "event": t.event}
    return {"moved": True, "from": stage, "stage": step.stage, "owner": owner, "at": step.at.isoformat(),
            "reason": step.reason, "why": step.why, "transition": transition}


def sla(policy: Policy, policy_id: str, request: SlaRequest) -> dict[str, object]:
    """The lead's stage timeline and every SLA timer on it: deadline, state, time left, escalations."""
    _lifecycle_stages(policy, policy_id)
    now = when(request.now)
    try:
        timeline = policy.replay(request.lead, request.events, now)
        timers = policy.sla_status_of(timeline, request.events, now)
    except RecordError as exc:
        raise unreadable(exc) from exc
    except QualdslError as exc:
        raise ApiError(422, str(exc)) from exc
    return {"now": now.isoformat(), **timeline.to_dict(now), "timers": [t.to_dict() for t in timers]}

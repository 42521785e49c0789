"""Stages over time: which transition fires, and a lead's whole stage timeline.

``replay`` is a fold of ``advance`` over the lead's events in time order, so
stepping ``advance`` event by event gives the same timeline by construction.
The lead enters the start stage at its first event (or at ``now`` when it has
none); after every event, and finally at ``now``, condition transitions
(``when ...``) are applied until none fires.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

import attrs

from qualdsl import model as m
from qualdsl.interpret import Interpreter

GuardFn = Callable[[Mapping[str, object], Sequence[tuple[str, dt.datetime]], dt.datetime], Sequence[object]]


@attrs.frozen
class HistoryEvent:
    """One event of a lead's history; ``reason`` is the payload a recycle transition asks for."""

    type: str
    at: dt.datetime
    reason: str | None = None


@attrs.frozen
class StageEntry:
    """A stage entry the CRM recorded (``{"stage": "mql", "at": ...}``): taken as it is."""

    stage: str
    at: dt.datetime


@attrs.frozen
class Step:
    """A transition that fired: the new stage, when, and why in words."""

    stage: str
    transition: m.Transition | None
    at: dt.datetime
    reason: str | None
    why: str


@attrs.frozen
class Visit:
    """A stay in one stage: entered, left (None while still there), owner, how it was entered."""

    stage: str
    owner: str | None
    entered_at: dt.datetime
    left_at: dt.datetime | None
    via: m.Transition | None
    reason: str | None

    def duration(self, now: dt.datetime) -> dt.timedelta:
        return (self.left_at or now) - self.entered_at


@attrs.frozen
class Timeline:
    visits: tuple[Visit, ...]
    problems: tuple[str, ...]

    @property
    def stage(self) -> str:
        return self.visits[-1].stage

    def to_dict(self, now: dt.datetime) -> dict[str, object]:
        return {
            "stage": self.stage,
            "visits": [
                {
                    "stage": v.stage, "owner": v.owner, "entered_at": v.entered_at.isoformat(),
                    "left_at": v.left_at.isoformat() if v.left_at else None,
                    "seconds_in_stage": int(v.duration(now).total_seconds()),
                    "via_line": v.via.span.line if v.via else None, "reason": v.reason,
                }
                for v in self.visits
            ],
            "problems": list(self.problems),
        }


def reference_guards(policy: m.PolicyModel) -> GuardFn:
    """Guard values for every transition, computed by the reference interpreter."""
    lifecycle = policy.lifecycle
    assert lifecycle is not None

    def guards(lead: Mapping[str, object], events: Sequence[tuple[str, dt.datetime]], now: dt.datetime) -> list[object]:
        interpreter = Interpreter(policy, lead, events, now)
        trace = interpreter.run()
        interpreter.outcome = policy.rules[trace.chosen].outcome
        return [True if t.condition is None else interpreter.eval(t.condition) for t in lifecycle.transitions]

    return guards


def _why(t: m.Transition) -> str:
    return f"{t.source} -> {t.target} {t.guard_text} (line {t.span.line})"


def advance(
    policy: m.PolicyModel,
    stage: str,
    lead: Mapping[str, object],
    events: Sequence[tuple[str, dt.datetime]],
    now: dt.datetime,
    event: HistoryEvent | None = None,
    guards: GuardFn | None = None,
) -> Step | None:
    """The transition out of ``stage`` that fires now: on ``event`` when one is given, else a
    condition-only transition. The first that fires, in the order written, wins; None if none."""
    lifecycle = policy.lifecycle
    assert lifecycle is not None
    wanted = event.type if event is not None else None
    candidates = [t for t in lifecycle.leaving(stage) if t.event == wanted]
    if not candidates:
        return None
    values: Sequence[object] = ()
    if any(t.condition is not None for t in candidates):
        values = (guards or reference_guards(policy))(lead, events, now)
    for t in candidates:
        if t.condition is None or values[t.index] is True:
            reason = event.reason if event is not None else None
            return Step(t.target, t, now, reason, _why(t))
    return None


MAX_SETTLE_STEPS = 50


@attrs.define
class _Replay:
    policy: m.PolicyModel
    lead: Mapping[str, object] | None
    guards: GuardFn
    visits: list[Visit] = attrs.Factory(list)
    problems: list[str] = attrs.Factory(list)

    @property
    def stage(self) -> str:
        return self.visits[-1].stage

    def enter(self, step: Step) -> None:
        last = self.visits[-1]
        self.visits[-1] = attrs.evolve(last, left_at=step.at)
        lifecycle = self.policy.lifecycle
        assert lifecycle is not None
        owner = (step.transition.owner if step.transition else None) or lifecycle.owners.get(step.stage)
        self.visits.append(Visit(step.stage, owner, step.at, None, step.transition, step.reason))
        self._check_reason(step)

    def _check_reason(self, step: Step) -> None:
        if step.transition is None:
            return
        allowed = step.transition.reasons
        if allowed is None:
            return
        folded = {r.casefold() for r in allowed}
        if step.reason is None:
            self.problems.append(f"{step.at.isoformat()}: {step.transition.event or 'the transition'} to "
                                 f"`{step.stage}` needs a reason from: {', '.join(allowed)}")
        elif step.reason.casefold() not in folded:
            self.problems.append(f"{step.at.isoformat()}: reason \"{step.reason}\" is not one of: {', '.join(allowed)}")

    def settle(self, events: Sequence[tuple[str, dt.datetime]], now: dt.datetime) -> None:
        if self.lead is None:
            return
        for _ in range(MAX_SETTLE_STEPS):
            step = advance(self.policy, self.stage, self.lead, events, now, None, self.guards)
            if step is None:
                return
            self.enter(step)
        self.problems.append(f"{now.isoformat()}: condition transitions kept firing; stopped after {MAX_SETTLE_STEPS}")


def replay(
    policy: m.PolicyModel,
    lead: Mapping[str, object] | None,
    events: Sequence[HistoryEvent],
    now: dt.datetime,
    guards: GuardFn | None = None,
    entries: Sequence[StageEntry] = (),
) -> Timeline:
    """The stage timeline of one lead from its (converted) fields and its history.

    ``lead`` None means its fields are not known: condition transitions then never fire.
    Recorded stage ``entries`` are taken as they are, before events at the same instant."""
    lifecycle = policy.lifecycle
    assert lifecycle is not None
    items: list[tuple[dt.datetime, int, HistoryEvent | StageEntry]] = [
        (e.at, 0, e) for e in entries if e.at <= now
    ] + [(e.at, 1, e) for e in events if e.at <= now]
    items.sort(key=lambda item: (item[0], item[1]))
    entered = items[0][0] if items else now
    state = _Replay(policy, lead, guards or reference_guards(policy))
    state.visits.append(Visit(lifecycle.start, lifecycle.owners.get(lifecycle.start), entered, None, None, None))
    seen: list[tuple[str, dt.datetime]] = []
    state.settle(seen, entered)
    for at, _, item in items:
        if isinstance(item, StageEntry):
            if item.stage != state.stage:
                state.enter(Step(item.stage, None, at, None, f"recorded: entered {item.stage}"))
        else:
            seen.append((item.type, at))
            if lead is not None or not _needs_guards(lifecycle, state.stage, item.type):
                step = advance(policy, state.stage, lead or {}, seen, at, item, state.guards)
                if step is not None:
                    state.enter(step)
        state.settle(seen, at)
    state.settle(seen, now)
    return Timeline(tuple(state.visits), tuple(state.problems))


def _needs_guards(lifecycle: m.Lifecycle, stage: str, event: str) -> bool:
    return any(t.event == event and t.condition is not None for t in lifecycle.leaving(stage))

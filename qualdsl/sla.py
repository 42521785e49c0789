"""SLA timers on a lead's timeline: deadlines in business time, met / breached / at risk,
and escalations due.

A timer starts when the lead enters the SLA's stage and stops at the first of the
SLA's events at or after that moment (while the lead is still in the stage, or at
the moment it leaves). An action exactly at the deadline is in time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import attrs

from qualdsl import model as m
from qualdsl.calendar import BusinessCalendar, add_working_days, add_working_time, working_time_between
from qualdsl.lifecycle import HistoryEvent, Timeline, Visit

AT_RISK_SHARE = 0.25  # a running timer with a quarter or less of its time left is at risk


@attrs.frozen
class TimerStatus:
    rule: m.TimerRule
    entered_at: dt.datetime
    deadline: dt.datetime
    acted_at: dt.datetime | None
    action: str | None
    state: str  # "met" | "breached" | "at risk" | "on time" | "left stage"
    remaining: dt.timedelta
    time_to_act: dt.timedelta | None
    escalations_due: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "sla": self.rule.text,
            "line": self.rule.span.line,
            "owner": self.rule.owner,
            "stage": self.rule.stage,
            "entered_at": self.entered_at.isoformat(),
            "deadline": self.deadline.isoformat(),
            "acted_at": self.acted_at.isoformat() if self.acted_at else None,
            "action": self.action,
            "state": self.state,
            "business_seconds_remaining": int(self.remaining.total_seconds()),
            "business_seconds_to_act": int(self.time_to_act.total_seconds()) if self.time_to_act is not None else None,
            "escalations_due": list(self.escalations_due),
        }


def deadline_for(
    calendars: Mapping[str, BusinessCalendar], start: dt.datetime, within: dt.timedelta, days: int | None,
    calendar: str | None,
) -> dt.datetime:
    """When a limit written in the policy runs out, counted from ``start``."""
    if calendar is None:
        return start + (dt.timedelta(days=days) if days is not None else within)
    cal = calendars[calendar]
    if days is not None:
        return add_working_days(cal, start, days)
    return add_working_time(cal, start, within)


def elapsed(calendars: Mapping[str, BusinessCalendar], calendar: str | None, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """Business time from ``a`` to ``b`` in the calendar (wall-clock time without one); 0 if b <= a."""
    if b <= a:
        return dt.timedelta(0)
    if calendar is None:
        return b - a
    return working_time_between(calendars[calendar], a, b)


def timer_status(
    policy: m.PolicyModel, rule: m.TimerRule, visit: Visit, events: Sequence[HistoryEvent], now: dt.datetime
) -> TimerStatus:
    cals = policy.calendars
    start = visit.entered_at
    deadline = deadline_for(cals, start, rule.within, rule.days, rule.calendar)
    end = min(visit.left_at, now) if visit.left_at is not None else now
    action = next((e for e in events if e.type in rule.events and start <= e.at <= end), None)
    acted = action.at if action is not None else None
    stop = acted or end
    if acted is not None:
        state = "met" if acted <= deadline else "breached"
    elif stop > deadline:
        state = "breached"
    elif visit.left_at is not None and visit.left_at <= now:
        state = "left stage"
    else:
        allowed = elapsed(cals, rule.calendar, start, deadline)
        left = elapsed(cals, rule.calendar, now, deadline)
        state = "at risk" if left <= allowed * AT_RISK_SHARE else "on time"
    remaining = elapsed(cals, rule.calendar, stop, deadline) if acted is None else dt.timedelta(0)
    escalations = tuple(
        step.to for step in rule.escalations
        if acted is None and deadline_for(cals, start, step.after, step.days, step.calendar) <= stop
    )
    to_act = elapsed(cals, rule.calendar, start, acted) if acted is not None else None
    return TimerStatus(rule, start, deadline, acted, action.type if action else None, state, remaining, to_act, escalations)


def sla_status(
    policy: m.PolicyModel, timeline: Timeline, events: Sequence[HistoryEvent], now: dt.datetime
) -> list[TimerStatus]:
    """Every timer of every SLA for one lead, in the order of the timeline."""
    ordered = sorted(events, key=lambda e: e.at)
    out = []
    for visit in timeline.visits:
        for rule in policy.timers:
            if rule.stage == visit.stage and visit.entered_at <= now:
                out.append(timer_status(policy, rule, visit, ordered, now))
    return out

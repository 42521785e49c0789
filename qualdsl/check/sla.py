"""Pass 6: calendars and SLAs to the checked model (after the lifecycle, whose stages they name)."""

from __future__ import annotations

import datetime as dt
import re

from qualdsl import model as m
from qualdsl import nodes as n
from qualdsl.calendar import WEEKDAYS, BusinessCalendar, WorkingHours, calendar_problems
from qualdsl.check.lifecycle import stage_checker
from qualdsl.check.literals import UNIT_SECONDS, duration_value, number_value, parse_date
from qualdsl.check.scope import Scope, suggest
from qualdsl.errors import error

PERIODS = ("day", "week", "month", "quarter", "year")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def build_calendars(scope: Scope) -> dict[str, BusinessCalendar]:
    out = {}
    for name, decl in scope.calendars.items():
        built = _calendar(scope, decl)
        if built is not None:
            out[name] = built
    return out


def _clock(scope: Scope, text: n.String, end: bool = False) -> dt.time | None:
    match = _CLOCK.match(text.value)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour == 24 and minute == 0 and end:
            return dt.time(0)
        if hour == 24 and minute == 0:
            scope.report(error("E171", "24:00 ends a day; a working interval cannot start at it", text.span,
                               "start at 00:00"))
            return None
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    scope.report(error("E171", f"`{text.value}` is not a time of day", text.span, "write it as 09:00 or 17:30"))
    return None


def _weekday(scope: Scope, name: n.Name) -> int | None:
    lowered = name.name.lower()
    if lowered in WEEKDAYS:
        return WEEKDAYS.index(lowered)
    scope.report(error("E172", f"`{name.name}` is not a day of the week", name.span,
                       suggest(lowered, WEEKDAYS) or "write monday ... sunday"))
    return None


def _calendar(scope: Scope, decl: n.CalendarDecl) -> BusinessCalendar | None:
    zones = [z for z in [decl.zone, *(h.zone for h in decl.hours)] if z is not None]
    if not zones:
        scope.report(error("E173", f"calendar `{decl.name.name}` needs a time zone", decl.name.span,
                           'add the zone to an hours line, e.g. `monday to friday 09:00 to 17:00 in "America/New_York"`'))
        return None
    zone = zones[0]
    for other in zones[1:]:
        if other.value != zone.value:
            scope.report(error("E173", f"calendar `{decl.name.name}` has two time zones", other.span,
                               "a calendar is in one zone: make a second calendar for the other region"))
            return None
    hours: list[WorkingHours] = []
    ok = True
    for line in decl.hours:
        first, last = _weekday(scope, line.first_day), _weekday(scope, line.last_day)
        start, end = _clock(scope, line.start), _clock(scope, line.end, end=True)
        if first is None or last is None or start is None or end is None:
            ok = False
            continue
        days = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        hours.extend(WorkingHours(day, start, end) for day in days)
    closed: set[dt.date] = set()
    for closed_line in decl.closed:
        for text in closed_line.dates:
            try:
                closed.add(parse_date(text.value))
            except ValueError:
                scope.report(error("E203", f'"{text.value}" is not a date', text.span, 'write it as "2026-12-25"'))
                ok = False
    if not ok:
        return None
    problems = calendar_problems(decl.name.name, zone.value, hours)
    for problem in problems:
        if "zone" in problem:
            where, hint = zone.span, 'use an IANA time zone name, e.g. "America/New_York" or "Europe/London"'
        elif "no working time" in problem:
            where, hint = decl.span, "add at least one line such as `monday to friday 09:00 to 17:00`"
        else:
            where, hint = decl.span, "working hours of one day must not overlap, and each must end after it starts"
        scope.report(error("E174", problem, where, hint))
    if problems:
        return None
    return BusinessCalendar(decl.name.name, zone.value, tuple(hours), frozenset(closed))


def build_slas(
    scope: Scope, lifecycle: m.Lifecycle | None, calendars: dict[str, BusinessCalendar]
) -> tuple[tuple[m.TimerRule, ...], tuple[m.VolumeRule, ...]]:
    timers: list[m.TimerRule] = []
    volumes: list[m.VolumeRule] = []
    items = [item for decl in scope.slas for item in decl.items]
    if items and lifecycle is None:
        scope.report(error("E168", "SLAs name lifecycle stages, but this policy has no `lifecycle` block",
                           scope.slas[0].span, "declare the stages in a `lifecycle { stages ... }` block"))
        return (), ()
    if lifecycle is None:
        return (), ()
    _, known = stage_checker(scope, lifecycle.stages)
    for item in items:
        if isinstance(item, n.Escalation):
            if not timers:
                scope.report(error("E175", "`escalate` belongs under an SLA timer line", item.span,
                                   "put it right after a line such as `each mql is contacted within 4 hours`"))
                continue
            step = _escalation(scope, item, calendars)
            if step is not None:
                last = timers[-1]
                if item.calendar is None:  # an escalation counts in its timer's calendar
                    step = m.Escalation(step.to, step.after, step.days, last.calendar, step.text)
                timers[-1] = m.TimerRule(
                    last.index, last.stage, last.events, last.owner, last.within, last.days, last.calendar,
                    (*last.escalations, step), last.text, last.span,
                )
        elif isinstance(item, n.TimerSla):
            timer = _timer(scope, item, len(timers), lifecycle, calendars, known)
            if timer is not None:
                timers.append(timer)
        else:
            if known(item.stage):
                period = item.period
                if period not in PERIODS:
                    scope.report(error("E176", f"`per {period}` is not a period", item.span,
                                       "periods are day, week, month, quarter and year"))
                    continue
                volumes.append(m.VolumeRule(len(volumes), item.owner.value, item.count, item.stage.name, period,
                                            scope.text(item.span), item.span))
    return tuple(timers), tuple(volumes)


def _limit(scope: Scope, duration: n.Duration) -> tuple[dt.timedelta, int | None] | None:
    amount = number_value(duration.amount.text)
    if duration.unit in ("week", "weeks"):
        scope.report(error("E177", "SLA limits are in minutes, hours or days", duration.span,
                           "write e.g. `within 5 days of sales_hours` for a working week"))
        return None
    if duration.unit in ("day", "days"):
        if int(amount) != amount or amount < 0:
            scope.report(error("E177", "working days are whole numbers", duration.span))
            return None
        return dt.timedelta(days=int(amount)), int(amount)
    if duration.unit not in UNIT_SECONDS:  # pragma: no cover - the grammar only lets units through
        return None
    return duration_value(amount, duration.unit), None


def _calendar_ref(scope: Scope, name: n.Name | None, calendars: dict[str, BusinessCalendar]) -> str | bool | None:
    if name is None:
        return None
    if name.name in calendars:
        return name.name
    if name.name not in scope.calendars:
        scope.report(error("E169", f"unknown calendar `{name.name}`", name.span,
                           suggest(name.name, scope.calendars) or "declare it with `calendar NAME { ... }`"))
    return False


def _escalation(scope: Scope, item: n.Escalation, calendars: dict[str, BusinessCalendar]) -> m.Escalation | None:
    limit = _limit(scope, item.after)
    calendar = _calendar_ref(scope, item.calendar, calendars)
    if limit is None or calendar is False:
        return None
    return m.Escalation(item.to.value, limit[0], limit[1], calendar if isinstance(calendar, str) else None,
                        scope.text(item.span))


def _timer(
    scope: Scope, item: n.TimerSla, index: int, lifecycle: m.Lifecycle, calendars: dict[str, BusinessCalendar],
    known: object,
) -> m.TimerRule | None:
    ok = known(item.stage)  # type: ignore[operator]
    events = []
    for event in item.events:
        if event.name in scope.events:
            scope.used.add(("event", event.name))
            events.append(event.name)
        else:
            scope.report(error("E102", f"unknown event `{event.name}`", event.span,
                               suggest(event.name, scope.events) or "declare it in an `events` line"))
            ok = False
    limit = _limit(scope, item.within)
    calendar = _calendar_ref(scope, item.calendar, calendars)
    if not ok or limit is None or calendar is False:
        return None
    owner = item.owner.value if item.owner is not None else lifecycle.owners.get(item.stage.name, "unassigned")
    cal = calendar if isinstance(calendar, str) else None
    return m.TimerRule(index, item.stage.name, tuple(events), owner, limit[0], limit[1], cal, (),
                       scope.text(item.span), item.span)

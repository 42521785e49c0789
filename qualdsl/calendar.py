"""Business calendars: when a team works, and arithmetic on working time.

A calendar is weekly working hours in local wall-clock time of one IANA zone, minus
closed dates. SLAs measure deadlines in it ("contacted within 4 hours of sales_hours").
No parsing here: the language front end builds a ``BusinessCalendar`` and calls the
functions below.

Conventions, shared by every function:

* Instants in and out are aware ``datetime`` values; a naive one raises ``ValueError``.
  Results are in UTC (``datetime.timezone.utc``); callers convert for display.
* A working interval is half-open, ``[start, end)``: the calendar is open at its
  opening instant and closed at its closing instant.
* Each day's wall-clock interval is turned into real instants with ``zoneinfo`` and all
  counting is in real elapsed time. A 09:00-17:00 day is 8 hours even on a DST change
  day (the change happens at night). An interval that itself contains a DST jump counts
  the real time the clocks were in it: 01:00-03:00 is 1 hour on a spring-forward night
  and 3 hours on a fall-back night.
* A wall-clock time that does not exist (skipped by a spring-forward jump) stands for
  the instant of the jump: 02:30-04:00 on such a night opens at 03:00 new time.
  A wall-clock time that happens twice (fall-back) stands for its first occurrence.
* ``WorkingHours.end == time(0)`` means 24:00, the midnight that ends the day
  (``datetime.time`` cannot hold 24:00). Overnight shifts are two intervals:
  ``22:00-24:00`` on one day and ``00:00-02:00`` on the next.
* Every search forward is bounded: ``MAX_IDLE_DAYS`` days in a row without working time,
  or a result more than ``MAX_HORIZON_DAYS`` days ahead, raise ``ValueError``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

UTC = dt.UTC
_MICROSECOND = dt.timedelta(microseconds=1)
MIDNIGHT = dt.time(0)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_IDLE_DAYS = 3 * 366
MAX_HORIZON_DAYS = 100 * 366

Interval = tuple[dt.datetime, dt.datetime]


@attrs.frozen
class WorkingHours:
    """One working interval on one weekday, in local wall-clock time.

    ``weekday`` is 0 for Monday to 6 for Sunday; ``end`` of ``time(0)`` means 24:00.
    A day with a lunch break has two of these.
    """

    weekday: int
    start: dt.time
    end: dt.time

    @property
    def end_of_day(self) -> bool:
        """Whether the interval runs to the midnight that ends the day (24:00)."""
        return self.end == MIDNIGHT

    @property
    def length(self) -> dt.timedelta:
        """The wall-clock length; zero or negative when the interval is empty."""
        end = dt.timedelta(days=1) if self.end_of_day else _since_midnight(self.end)
        return end - _since_midnight(self.start)

    def describe(self) -> str:
        """The interval as a person writes it: ``monday 09:00 to 17:00``."""
        end = "24:00" if self.end_of_day else _clock(self.end)
        day = WEEKDAYS[self.weekday] if 0 <= self.weekday < 7 else f"weekday {self.weekday}"
        return f"{day} {_clock(self.start)} to {end}"


def _week_order(h: WorkingHours) -> tuple[int, dt.timedelta, dt.timedelta]:
    """Sort key: by weekday, then start, then length (never compares the times themselves)."""
    return (h.weekday, _since_midnight(h.start), h.length)


def _sorted_hours(hours: Iterable[WorkingHours]) -> tuple[WorkingHours, ...]:
    return tuple(sorted(hours, key=_week_order))


def _frozen_dates(dates: Iterable[dt.date]) -> frozenset[dt.date]:
    return frozenset(dates)


@attrs.frozen
class BusinessCalendar:
    """Named weekly working hours in one IANA time zone, closed on some dates.

    Constructing one checks it (see ``calendar_problems``) and raises ``ValueError``
    listing every problem, so a calendar that exists is usable. ``hours`` is kept sorted.
    """

    name: str
    zone: str
    hours: tuple[WorkingHours, ...] = attrs.field(converter=_sorted_hours)
    closed: frozenset[dt.date] = attrs.field(default=frozenset(), converter=_frozen_dates)

    def __attrs_post_init__(self) -> None:
        problems = calendar_problems(self.name, self.zone, self.hours)
        if problems:
            raise ValueError(f'calendar "{self.name}": ' + "; ".join(problems))

    @property
    def tz(self) -> ZoneInfo:
        """The zone the working hours are read in."""
        return ZoneInfo(self.zone)


def calendar_problems(name: str, zone: str, hours: Iterable[WorkingHours]) -> list[str]:
    """Everything wrong with a calendar definition, as messages; empty when it is fine.

    Checked: the zone is a known IANA name; each interval is on a weekday 0-6, uses
    plain (zone-less) times and ends after it starts; intervals on the same weekday
    do not overlap (touching is fine); there is some working time in the week.
    """
    problems: list[str] = []
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        problems.append(f'unknown time zone "{zone}"')
    usable: list[WorkingHours] = []
    for h in _sorted_hours(hours):
        if not 0 <= h.weekday < 7:
            problems.append(f"weekday {h.weekday} is not 0 (monday) to 6 (sunday)")
        elif h.start.tzinfo is not None or h.end.tzinfo is not None:
            problems.append(f"{h.describe()}: working hours are local times and must not carry a time zone")
        elif h.length <= dt.timedelta(0):
            problems.append(f"{h.describe()} is empty: an interval must end after it starts")
        else:
            usable.append(h)
    for i, before in enumerate(usable):
        for after in usable[i + 1 :]:
            if before.weekday == after.weekday and _since_midnight(after.start) < _since_midnight(before.start) + before.length:
                problems.append(f"{before.describe()} overlaps {after.describe()}")
    if not usable:
        problems.append(f'calendar "{name}" has no working time')
    return problems


def is_within(deadline: dt.datetime, at: dt.datetime) -> bool:
    """Whether an action at ``at`` meets ``deadline``: exactly at the deadline is in time."""
    return _utc(at, "at") <= _utc(deadline, "deadline")


def is_open(cal: BusinessCalendar, t: dt.datetime) -> bool:
    """Whether ``t`` falls in a working interval (opening instant in, closing instant out)."""
    return next_open(cal, t) == _utc(t, "t")


def next_open(cal: BusinessCalendar, t: dt.datetime) -> dt.datetime:
    """``t`` itself (in UTC) if the calendar is open at ``t``, else the next opening."""
    now = _utc(t, "t")
    for _day, intervals in _working_days(cal, _shift(_local_date(cal, now), -1), now):
        for start, end in intervals:
            if end > now:
                return max(start, now)
    raise AssertionError("unreachable: _working_days ends by raising")  # pragma: no cover


def add_working_time(cal: BusinessCalendar, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """The first instant by which ``duration`` of working time has passed since ``start``.

    Counting begins at ``next_open(cal, start)``; a zero duration gives that instant.
    A duration that runs out exactly at a closing gives the closing instant, not the
    next opening (an action then is still in time). Exact to the microsecond.
    """
    if duration < dt.timedelta(0):
        raise ValueError(f"working time to add must not be negative, got {duration}")
    now = _utc(start, "start")
    remaining = duration
    for _day, intervals in _working_days(cal, _shift(_local_date(cal, now), -1), now):
        for begin, end in intervals:
            if end <= now:
                continue
            begin = max(begin, now)
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
    raise AssertionError("unreachable: _working_days ends by raising")  # pragma: no cover


def add_working_days(cal: BusinessCalendar, start: dt.datetime, days: int) -> dt.datetime:
    """The deadline for "within ``days`` business days" of ``start``.

    A start outside working hours first moves to ``next_open``. The deadline is that
    local time of day on the ``days``-th following working day (a date, after the start's
    local date, with some working time). If that day closes earlier, it is the day's last
    closing; if it opens later, its first opening. A time inside that day's lunch break is
    kept as it is. ``days == 0`` gives ``next_open(cal, start)``.
    """
    if days < 0:
        raise ValueError(f"business days to add must not be negative, got {days}")
    opened = next_open(cal, start)
    if days == 0:
        return opened
    local = opened.astimezone(cal.tz)
    time_of_day = local.time().replace(fold=0)
    following = _working_days(cal, _shift(local.date(), 1), opened)
    for counted, (day, intervals) in enumerate(following, start=1):
        if counted == days:
            target = _instant(cal.tz, day, time_of_day)
            return min(max(target, intervals[0][0]), intervals[-1][1])
    raise AssertionError("unreachable: _working_days ends by raising")  # pragma: no cover


def working_time_between(cal: BusinessCalendar, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """The working time from ``a`` to ``b``; zero when ``b`` is not after ``a``."""
    low, high = _utc(a, "a"), _utc(b, "b")
    total = dt.timedelta(0)
    if high <= low:
        return total
    day = _shift(_local_date(cal, low), -1)
    last = _shift(_local_date(cal, high), 1)
    while day <= last:  # bounded: one step per local date between a and b
        for begin, end in day_intervals(cal, day):
            overlap = min(end, high) - max(begin, low)
            if overlap > dt.timedelta(0):
                total += overlap
        day = _shift(day, 1)
    return total


def day_intervals(cal: BusinessCalendar, day: dt.date) -> tuple[Interval, ...]:
    """The working intervals of local date ``day`` as UTC instants, in order; none if closed.

    Intervals that a DST jump leaves empty (02:00-02:30 on a spring-forward night) are dropped.
    """
    if day in cal.closed:
        return ()
    tz = cal.tz
    found: list[Interval] = []
    for h in cal.hours:
        if h.weekday != day.weekday():
            continue
        begin = _instant(tz, day, h.start)
        end = _instant(tz, _shift(day, 1), MIDNIGHT) if h.end_of_day else _instant(tz, day, h.end)
        if begin < end:
            found.append((begin, end))
    return tuple(sorted(found))


def _working_days(cal: BusinessCalendar, first: dt.date, origin: dt.datetime) -> Iterator[tuple[dt.date, tuple[Interval, ...]]]:
    """The local dates from ``first`` on that have working time, with their intervals.

    Never ends: raises ``ValueError`` after ``MAX_IDLE_DAYS`` dates in a row without working
    time, or on passing ``MAX_HORIZON_DAYS`` dates after ``first``. ``origin`` is for messages.
    """
    idle = 0
    for step in range(MAX_HORIZON_DAYS + 1):
        day = _shift(first, step)
        intervals = day_intervals(cal, day)
        if intervals:
            idle = 0
            yield day, intervals
            continue
        idle += 1
        if idle >= MAX_IDLE_DAYS:
            raise ValueError(
                f'calendar "{cal.name}" has no working time in the {MAX_IDLE_DAYS} days up to {day.isoformat()}'
                f" (searching from {origin.isoformat()}); is it closed for good?"
            )
    raise ValueError(f'calendar "{cal.name}": the result is more than {MAX_HORIZON_DAYS} days after {origin.isoformat()}')


def _instant(tz: ZoneInfo, day: dt.date, wall: dt.time) -> dt.datetime:
    """The UTC instant at which clocks in ``tz`` show ``wall`` on ``day``.

    A time that happens twice gives its first occurrence; a time skipped by a jump
    gives the instant of the jump.
    """
    naive = dt.datetime.combine(day, wall.replace(fold=0))
    try:
        # fold=0: the first occurrence of a repeated time; for a skipped time, the offset before the jump.
        late = naive.replace(tzinfo=tz).astimezone(UTC)
        if late.astimezone(tz).replace(tzinfo=None) == naive:
            return late
        # Skipped: read with the offset after the jump the same wall time is an instant
        # before the jump; the jump lies between the two readings. Find it by bisection.
        early = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
        old_offset = early.astimezone(tz).utcoffset()
        while late - early > _MICROSECOND:  # bounded: halves a gap of a few hours at most
            middle = early + (late - early) / 2
            if middle.astimezone(tz).utcoffset() == old_offset:
                early = middle
            else:
                late = middle
        return late
    except OverflowError as exc:
        raise ValueError(f"{naive.isoformat()} is outside the dates a calendar can reach") from exc


def _utc(t: dt.datetime, what: str) -> dt.datetime:
    if not isinstance(t, dt.datetime):
        raise ValueError(f"{what} must be a datetime, got {type(t).__name__}")
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime (with a time zone), got naive {t.isoformat()}")
    try:
        return t.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"{what} {t.isoformat()} is outside the dates a calendar can reach") from exc


def _local_date(cal: BusinessCalendar, t: dt.datetime) -> dt.date:
    try:
        return t.astimezone(cal.tz).date()
    except OverflowError as exc:
        raise ValueError(f"{t.isoformat()} is outside the dates a calendar can reach") from exc


def _shift(day: dt.date, days: int) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError as exc:
        raise ValueError(f"{day.isoformat()} {days:+d} days is outside the dates a calendar can reach") from exc


def _since_midnight(t: dt.time) -> dt.timedelta:
    return dt.timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def _clock(t: dt.time) -> str:
    text = t.strftime("%H:%M")
    if t.second or t.microsecond:
        text += t.strftime(":%S")
    if t.microsecond:
        text += f".{t.microsecond:06d}"
    return text

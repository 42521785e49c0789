"""Business calendars: working-time arithmetic across weekends, holidays, DST and odd zones.

Every expected value is an exact instant, written in UTC, with the local reading beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualdsl.calendar import (
    MAX_IDLE_DAYS,
    BusinessCalendar,
    WorkingHours,
    add_working_days,
    add_working_time,
    calendar_problems,
    day_intervals,
    is_open,
    is_within,
    next_open,
    working_time_between,
)

UTC = dt.UTC
NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
KOLKATA = ZoneInfo("Asia/Kolkata")
HOLIDAYS = frozenset({dt.date(2026, 12, 25), dt.date(2027, 1, 1)})
MIDNIGHT = dt.time(0)


def hours(days: Iterable[int], start: str, end: str) -> tuple[WorkingHours, ...]:
    """The same interval on several weekdays; ``end`` may be "24:00"."""
    end_time = MIDNIGHT if end == "24:00" else dt.time.fromisoformat(end)
    return tuple(WorkingHours(day, dt.time.fromisoformat(start), end_time) for day in days)


WEEKDAYS = range(5)
EVERY_DAY = range(7)

OFFICE = BusinessCalendar("office", "America/New_York", hours(WEEKDAYS, "09:00", "17:00"), HOLIDAYS)
SALES = BusinessCalendar(
    "sales_hours",
    "America/New_York",
    hours(WEEKDAYS, "09:00", "17:00") + hours([5], "10:00", "12:00"),
    HOLIDAYS,
)
SEVEN_DAYS = BusinessCalendar("seven_days", "America/New_York", hours(EVERY_DAY, "09:00", "17:00"))
NIGHT_SHIFT = BusinessCalendar("night", "America/New_York", hours(EVERY_DAY, "01:00", "03:00"))
LONDON_SPLIT = BusinessCalendar("london", "Europe/London", hours(WEEKDAYS, "09:00", "12:00") + hours(WEEKDAYS, "13:00", "17:30"))
KOLKATA_HOURS = BusinessCalendar("kolkata", "Asia/Kolkata", hours(range(6), "09:30", "18:30"))

ALL_CALENDARS = [OFFICE, SALES, SEVEN_DAYS, NIGHT_SHIFT, LONDON_SPLIT, KOLKATA_HOURS]


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, *, fold: int = 0) -> dt.datetime:
    """A New York wall-clock time; ``fold=1`` picks the second of a repeated time."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=NY, fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def h(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


# --- crossing a weekend ------------------------------------------------------------------


def test_four_hours_from_friday_afternoon_ends_monday_late_morning() -> None:
    # Fri 2026-06-12 15:00 EDT: 2 hours on Friday, 2 on Monday.
    assert add_working_time(OFFICE, ny(2026, 6, 12, 15), h(4)) == utc(2026, 6, 15, 15)  # Mon 11:00 EDT


def test_saturday_hours_absorb_a_friday_deadline_and_end_exactly_at_saturday_close() -> None:
    assert add_working_time(SALES, ny(2026, 6, 12, 15), h(4)) == utc(2026, 6, 13, 16)  # Sat 12:00 EDT


def test_deadline_runs_past_saturday_into_monday() -> None:
    assert add_working_time(SALES, ny(2026, 6, 12, 15), h(5)) == utc(2026, 6, 15, 14)  # Mon 10:00 EDT


# --- closed dates ---------------------------------------------------------------------------


def test_christmas_in_the_middle_is_skipped() -> None:
    # Thu 2026-12-24 15:00 EST: 2 hours Thursday, Friday 25 closed, weekend, 2 hours Monday.
    assert add_working_time(OFFICE, ny(2026, 12, 24, 15), h(4)) == utc(2026, 12, 28, 16)  # Mon 11:00 EST


def test_christmas_skipped_but_saturday_hours_count() -> None:
    assert add_working_time(SALES, ny(2026, 12, 24, 15), h(4)) == utc(2026, 12, 26, 17)  # Sat 12:00 EST


def test_a_week_of_work_around_two_holidays_ends_at_the_close_before_new_year() -> None:
    # Thu 24 (8h), Mon 28 to Thu 31 (32h): 40 hours end at Thu 31 17:00, not after new year.
    assert add_working_time(OFFICE, ny(2026, 12, 24, 9), h(40)) == utc(2026, 12, 31, 22)
    assert add_working_time(OFFICE, ny(2026, 12, 24, 9), h(41)) == utc(2027, 1, 4, 15)  # Mon 10:00 EST


def test_working_time_in_christmas_week_leaves_out_the_holiday() -> None:
    assert working_time_between(OFFICE, ny(2026, 12, 21), ny(2026, 12, 28)) == h(32)


# --- DST in America/New_York -----------------------------------------------------------------


def test_spring_forward_weekend_for_a_monday_to_friday_calendar() -> None:
    start = ny(2026, 3, 6, 15)  # Fri, EST
    deadline = add_working_time(OFFICE, start, h(4))
    assert deadline == utc(2026, 3, 9, 15)
    local = deadline.astimezone(NY)
    assert (local.date(), local.time()) == (dt.date(2026, 3, 9), dt.time(11, 0))
    assert start.utcoffset() == h(-5)
    assert local.utcoffset() == h(-4)


def test_fall_back_weekend_for_a_monday_to_friday_calendar() -> None:
    start = ny(2026, 10, 30, 15)  # Fri, EDT
    deadline = add_working_time(OFFICE, start, h(4))
    assert deadline == utc(2026, 11, 2, 16)
    local = deadline.astimezone(NY)
    assert (local.date(), local.time()) == (dt.date(2026, 11, 2), dt.time(11, 0))
    assert start.utcoffset() == h(-4)
    assert local.utcoffset() == h(-5)


def test_spring_forward_weekend_still_has_sixteen_working_hours_friday_and_monday() -> None:
    assert working_time_between(OFFICE, ny(2026, 3, 6, 9), ny(2026, 3, 9, 17)) == h(16)


def test_spring_forward_sunday_is_eight_real_hours_of_work() -> None:
    assert day_intervals(SEVEN_DAYS, dt.date(2026, 3, 8)) == ((utc(2026, 3, 8, 13), utc(2026, 3, 8, 21)),)
    assert working_time_between(SEVEN_DAYS, ny(2026, 3, 8), ny(2026, 3, 9)) == h(8)
    assert add_working_time(SEVEN_DAYS, ny(2026, 3, 8, 9), h(8)) == utc(2026, 3, 8, 21)  # 17:00 EDT


def test_spring_forward_deadline_from_saturday_into_sunday() -> None:
    # Sat 15:00 EST: 2 hours Saturday, then Sunday 09:00 EDT + 2 hours.
    assert add_working_time(SEVEN_DAYS, ny(2026, 3, 7, 15), h(4)) == utc(2026, 3, 8, 15)  # Sun 11:00 EDT


def test_fall_back_sunday_is_eight_real_hours_of_work() -> None:
    assert day_intervals(SEVEN_DAYS, dt.date(2026, 11, 1)) == ((utc(2026, 11, 1, 14), utc(2026, 11, 1, 22)),)
    assert working_time_between(SEVEN_DAYS, ny(2026, 11, 1), ny(2026, 11, 2)) == h(8)


def test_fall_back_deadline_from_saturday_into_sunday() -> None:
    assert add_working_time(SEVEN_DAYS, ny(2026, 10, 31, 15), h(4)) == utc(2026, 11, 1, 16)  # Sun 11:00 EST


def test_interval_containing_spring_forward_counts_one_real_hour() -> None:
    # 01:00 EST to 03:00 EDT is one hour of real time.
    assert day_intervals(NIGHT_SHIFT, dt.date(2026, 3, 8)) == ((utc(2026, 3, 8, 6), utc(2026, 3, 8, 7)),)
    assert add_working_time(NIGHT_SHIFT, ny(2026, 3, 8, 1), h(1)) == utc(2026, 3, 8, 7)
    assert add_working_time(NIGHT_SHIFT, ny(2026, 3, 8, 1), h(1.5)) == utc(2026, 3, 9, 5, 30)  # Mon 01:30 EDT


def test_interval_containing_fall_back_counts_three_real_hours() -> None:
    # 01:00 EDT to 03:00 EST is three hours of real time; the repeated 01:00-02:00 is all working time.
    assert day_intervals(NIGHT_SHIFT, dt.date(2026, 11, 1)) == ((utc(2026, 11, 1, 5), utc(2026, 11, 1, 8)),)
    assert add_working_time(NIGHT_SHIFT, ny(2026, 11, 1, 1), h(2)) == utc(2026, 11, 1, 7)  # 02:00 EST
    assert is_open(NIGHT_SHIFT, ny(2026, 11, 1, 1, 30, fold=1))  # the second 01:30, EST


def test_interval_opening_in_the_skipped_hour_opens_at_the_jump() -> None:
    cal = BusinessCalendar("gap", "America/New_York", hours(EVERY_DAY, "02:30", "04:00"))
    assert day_intervals(cal, dt.date(2026, 3, 8)) == ((utc(2026, 3, 8, 7), utc(2026, 3, 8, 8)),)
    opened = next_open(cal, ny(2026, 3, 8, 1))
    assert opened == utc(2026, 3, 8, 7)
    assert opened.astimezone(NY).time() == dt.time(3, 0)


def test_interval_wholly_inside_the_skipped_hour_vanishes() -> None:
    cal = BusinessCalendar("gap", "America/New_York", hours(EVERY_DAY, "02:00", "02:30"))
    assert day_intervals(cal, dt.date(2026, 3, 8)) == ()
    assert next_open(cal, ny(2026, 3, 8)) == utc(2026, 3, 9, 6)  # Mon 02:00 EDT


def test_interval_ending_in_the_repeated_hour_ends_at_its_first_occurrence() -> None:
    cal = BusinessCalendar("early", "America/New_York", hours(EVERY_DAY, "00:00", "01:30"))
    assert day_intervals(cal, dt.date(2026, 11, 1)) == ((utc(2026, 11, 1, 4), utc(2026, 11, 1, 5, 30)),)
    assert not is_open(cal, ny(2026, 11, 1, 1, 15, fold=1))  # the second 01:15, EST


# --- opening and closing instants --------------------------------------------------------------


def test_start_exactly_at_opening() -> None:
    opening = ny(2026, 6, 15, 9)  # Mon
    assert is_open(OFFICE, opening)
    assert next_open(OFFICE, opening) == utc(2026, 6, 15, 13)
    assert add_working_time(OFFICE, opening, h(1)) == utc(2026, 6, 15, 14)  # 10:00 EDT


def test_start_exactly_at_closing_counts_from_the_next_morning() -> None:
    closing = ny(2026, 6, 15, 17)
    assert not is_open(OFFICE, closing)
    assert is_open(OFFICE, closing - dt.timedelta(microseconds=1))
    assert next_open(OFFICE, closing) == utc(2026, 6, 16, 13)  # Tue 09:00 EDT
    assert add_working_time(OFFICE, closing, h(1)) == utc(2026, 6, 16, 14)  # Tue 10:00 EDT


def test_a_full_day_of_work_ends_at_closing_not_the_next_opening() -> None:
    assert add_working_time(OFFICE, ny(2026, 6, 15, 9), h(8)) == utc(2026, 6, 15, 21)  # Mon 17:00 EDT


def test_zero_duration_is_the_next_opening() -> None:
    assert add_working_time(OFFICE, ny(2026, 6, 15, 10), dt.timedelta(0)) == utc(2026, 6, 15, 14)
    assert add_working_time(OFFICE, ny(2026, 6, 15, 17), dt.timedelta(0)) == utc(2026, 6, 16, 13)


def test_results_are_utc_and_exact_to_the_microsecond() -> None:
    deadline = add_working_time(OFFICE, ny(2026, 6, 15, 16, 59, 59), dt.timedelta(seconds=1, microseconds=7))
    assert deadline == dt.datetime(2026, 6, 16, 13, 0, 0, 7, tzinfo=UTC)
    assert deadline.tzinfo is UTC


# --- starts outside working hours ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cal", "start", "opening"),
    [
        pytest.param(OFFICE, ny(2026, 6, 16, 22), utc(2026, 6, 17, 13), id="night"),
        pytest.param(OFFICE, ny(2026, 6, 16, 6), utc(2026, 6, 16, 13), id="early-morning"),
        pytest.param(OFFICE, ny(2026, 6, 14, 12), utc(2026, 6, 15, 13), id="sunday"),
        pytest.param(SALES, ny(2026, 6, 13, 13), utc(2026, 6, 15, 13), id="saturday-after-close"),
        pytest.param(SALES, ny(2026, 6, 13, 8), utc(2026, 6, 13, 14), id="saturday-before-open"),
        pytest.param(OFFICE, ny(2026, 12, 25, 10), utc(2026, 12, 28, 14), id="christmas"),
        pytest.param(OFFICE, ny(2026, 12, 31, 18), utc(2027, 1, 4, 14), id="new-years-eve-evening"),
    ],
)
def test_next_open_from_outside_working_hours(cal: BusinessCalendar, start: dt.datetime, opening: dt.datetime) -> None:
    assert not is_open(cal, start)
    assert next_open(cal, start) == opening


def test_start_at_night_counts_from_next_morning() -> None:
    assert add_working_time(OFFICE, ny(2026, 6, 16, 22), h(2)) == utc(2026, 6, 17, 15)  # Wed 11:00 EDT


def test_start_on_sunday_counts_from_monday() -> None:
    assert add_working_time(OFFICE, ny(2026, 6, 14, 12), h(2)) == utc(2026, 6, 15, 15)  # Mon 11:00 EDT


def test_start_on_a_holiday_counts_from_the_next_working_day() -> None:
    assert add_working_time(OFFICE, ny(2026, 12, 25, 10), h(1)) == utc(2026, 12, 28, 15)  # Mon 10:00 EST


def test_working_time_between_counts_nothing_outside_hours() -> None:
    assert working_time_between(OFFICE, ny(2026, 6, 12, 17), ny(2026, 6, 15, 9)) == dt.timedelta(0)


# --- split days (lunch break) -------------------------------------------------------------------


def test_split_day_skips_the_lunch_break() -> None:
    assert add_working_time(LONDON_SPLIT, dt.datetime(2026, 6, 15, 11, tzinfo=LONDON), h(2)) == utc(2026, 6, 15, 13)


def test_split_day_deadline_ending_at_lunch_is_the_start_of_lunch() -> None:
    assert add_working_time(LONDON_SPLIT, dt.datetime(2026, 6, 15, 10, tzinfo=LONDON), h(2)) == utc(2026, 6, 15, 11)


def test_start_during_lunch_counts_from_the_afternoon() -> None:
    lunch = dt.datetime(2026, 6, 15, 12, 30, tzinfo=LONDON)
    assert not is_open(LONDON_SPLIT, lunch)
    assert next_open(LONDON_SPLIT, lunch) == utc(2026, 6, 15, 12)  # 13:00 BST
    assert add_working_time(LONDON_SPLIT, lunch, h(1)) == utc(2026, 6, 15, 13)  # 14:00 BST


def test_split_day_working_time() -> None:
    day = dt.datetime(2026, 6, 15, tzinfo=LONDON)
    assert working_time_between(LONDON_SPLIT, day, day + dt.timedelta(days=1)) == h(7.5)
    assert working_time_between(LONDON_SPLIT, day.replace(hour=11), day.replace(hour=14)) == h(2)


# --- other zones -----------------------------------------------------------------------------------


def test_london_spring_forward_weekend() -> None:
    # Fri 2026-03-27 16:00 GMT: 1.5 hours Friday, Mon 30 09:00 BST + 1.5 hours.
    deadline = add_working_time(LONDON_SPLIT, dt.datetime(2026, 3, 27, 16, tzinfo=LONDON), h(3))
    assert deadline == utc(2026, 3, 30, 9, 30)
    assert deadline.astimezone(LONDON).utcoffset() == h(1)


def test_london_fall_back_weekend() -> None:
    deadline = add_working_time(LONDON_SPLIT, dt.datetime(2026, 10, 23, 16, tzinfo=LONDON), h(3))
    assert deadline == utc(2026, 10, 26, 10, 30)
    assert deadline.astimezone(LONDON).utcoffset() == h(0)


def test_kolkata_half_hour_offset_overnight() -> None:
    # Mon 17:00 IST (11:30 UTC): 1.5 hours Monday, Tue 09:30 IST + 1.5 hours = 11:00 IST.
    assert add_working_time(KOLKATA_HOURS, dt.datetime(2026, 6, 15, 17, tzinfo=KOLKATA), h(3)) == utc(2026, 6, 16, 5, 30)


def test_kolkata_opening_from_a_utc_start() -> None:
    assert next_open(KOLKATA_HOURS, utc(2026, 6, 15, 3)) == utc(2026, 6, 15, 4)  # 08:30 IST -> 09:30 IST


def test_kolkata_saturday_evening_to_monday() -> None:
    assert add_working_time(KOLKATA_HOURS, dt.datetime(2026, 6, 20, 18, tzinfo=KOLKATA), h(1)) == utc(2026, 6, 22, 4, 30)


# --- hours running to midnight ----------------------------------------------------------------------


def test_hours_ending_at_midnight_join_the_next_days_hours() -> None:
    cal = BusinessCalendar("late", "America/New_York", hours([4], "22:00", "24:00") + hours([5], "00:00", "02:00"))
    assert add_working_time(cal, ny(2026, 6, 12, 23), h(2)) == utc(2026, 6, 13, 5)  # Sat 01:00 EDT
    assert is_open(cal, ny(2026, 6, 13))


def test_whole_day_interval_is_not_empty() -> None:
    cal = BusinessCalendar("always", "America/New_York", hours(EVERY_DAY, "00:00", "24:00"))
    assert working_time_between(cal, ny(2026, 3, 8), ny(2026, 3, 9)) == h(23)
    assert working_time_between(cal, ny(2026, 11, 1), ny(2026, 11, 2)) == h(25)


# --- business days ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cal", "start", "days", "deadline"),
    [
        pytest.param(OFFICE, ny(2026, 6, 15, 14), 2, utc(2026, 6, 17, 18), id="mon-to-wed"),
        pytest.param(OFFICE, ny(2026, 6, 12, 14), 1, utc(2026, 6, 15, 18), id="over-the-weekend"),
        pytest.param(SALES, ny(2026, 6, 12, 14), 1, utc(2026, 6, 13, 16), id="saturday-closes-earlier"),
        pytest.param(SALES, ny(2026, 6, 12, 9), 1, utc(2026, 6, 13, 14), id="saturday-opens-later"),
        pytest.param(OFFICE, ny(2026, 6, 13, 20), 1, utc(2026, 6, 16, 13), id="start-on-weekend"),
        pytest.param(OFFICE, ny(2026, 6, 15, 17), 1, utc(2026, 6, 17, 13), id="start-at-closing"),
        pytest.param(OFFICE, ny(2026, 12, 24, 10), 1, utc(2026, 12, 28, 15), id="over-christmas"),
        pytest.param(SALES, ny(2026, 12, 24, 11, 30), 1, utc(2026, 12, 26, 16, 30), id="christmas-to-saturday"),
        pytest.param(OFFICE, ny(2026, 3, 6, 10), 1, utc(2026, 3, 9, 14), id="spring-forward"),
        pytest.param(OFFICE, ny(2026, 10, 30, 10), 1, utc(2026, 11, 2, 15), id="fall-back"),
        pytest.param(OFFICE, ny(2026, 6, 13, 20), 0, utc(2026, 6, 15, 13), id="zero-days"),
    ],
)
def test_add_working_days(cal: BusinessCalendar, start: dt.datetime, days: int, deadline: dt.datetime) -> None:
    assert add_working_days(cal, start, days) == deadline


def test_working_days_from_lunch_start_after_lunch() -> None:
    lunch = dt.datetime(2026, 6, 15, 12, 30, tzinfo=LONDON)
    assert add_working_days(LONDON_SPLIT, lunch, 1) == utc(2026, 6, 16, 12)  # Tue 13:00 BST


def test_working_days_landing_in_a_lunch_break_keep_the_time() -> None:
    cal = BusinessCalendar(
        "tuesday_lunch",
        "America/New_York",
        hours([0], "09:00", "17:00") + hours([1], "09:00", "12:00") + hours([1], "13:00", "17:00"),
    )
    assert add_working_days(cal, ny(2026, 6, 15, 12, 30), 1) == utc(2026, 6, 16, 16, 30)  # Tue 12:30 EDT


def test_working_days_friday_closes_early() -> None:
    cal = BusinessCalendar("short_friday", "America/New_York", hours(range(4), "09:00", "17:00") + hours([4], "09:00", "13:00"))
    assert add_working_days(cal, ny(2026, 6, 11, 15), 1) == utc(2026, 6, 12, 17)  # Fri 13:00 EDT


def test_negative_amounts_are_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_days(OFFICE, ny(2026, 6, 15, 10), -1)
    with pytest.raises(ValueError, match="negative"):
        add_working_time(OFFICE, ny(2026, 6, 15, 10), h(-1))


# --- working time between ---------------------------------------------------------------------------


def test_working_week_is_forty_hours() -> None:
    assert working_time_between(OFFICE, ny(2026, 6, 15, 9), ny(2026, 6, 19, 17)) == h(40)


def test_working_time_between_partial_hours() -> None:
    span = working_time_between(OFFICE, ny(2026, 6, 15, 10, 30, 15), ny(2026, 6, 15, 12))
    assert span == dt.timedelta(hours=1, minutes=29, seconds=45)


def test_working_time_between_is_zero_when_b_is_not_after_a() -> None:
    a = ny(2026, 6, 15, 12)
    assert working_time_between(OFFICE, a, a) == dt.timedelta(0)
    assert working_time_between(OFFICE, a, a - h(2)) == dt.timedelta(0)


def test_working_time_between_accepts_mixed_zones() -> None:
    assert working_time_between(OFFICE, utc(2026, 6, 15, 13), dt.datetime(2026, 6, 15, 19, tzinfo=LONDON)) == h(5)


# --- the SLA boundary -------------------------------------------------------------------------------


def test_action_exactly_at_the_deadline_is_in_time() -> None:
    deadline = add_working_time(OFFICE, ny(2026, 6, 12, 15), h(4))
    assert is_within(deadline, ny(2026, 6, 15, 11))
    assert is_within(deadline, ny(2026, 6, 15, 10, 59, 59))


def test_action_one_second_after_the_deadline_is_late() -> None:
    deadline = add_working_time(OFFICE, ny(2026, 6, 12, 15), h(4))
    assert not is_within(deadline, ny(2026, 6, 15, 11, 0, 1))


def test_is_within_compares_instants_not_wall_clocks() -> None:
    assert is_within(utc(2026, 6, 15, 15), dt.datetime(2026, 6, 15, 20, 30, tzinfo=KOLKATA))  # same instant
    assert not is_within(utc(2026, 6, 15, 15), dt.datetime(2026, 6, 15, 20, 31, tzinfo=KOLKATA))


# --- naive input --------------------------------------------------------------------------------------

NAIVE = dt.datetime(2026, 6, 15, 10)
AWARE = ny(2026, 6, 15, 10)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: next_open(OFFICE, NAIVE), id="next_open"),
        pytest.param(lambda: is_open(OFFICE, NAIVE), id="is_open"),
        pytest.param(lambda: add_working_time(OFFICE, NAIVE, h(1)), id="add_working_time"),
        pytest.param(lambda: add_working_days(OFFICE, NAIVE, 1), id="add_working_days"),
        pytest.param(lambda: working_time_between(OFFICE, NAIVE, AWARE), id="between-a"),
        pytest.param(lambda: working_time_between(OFFICE, AWARE, NAIVE), id="between-b"),
        pytest.param(lambda: is_within(NAIVE, AWARE), id="is_within-deadline"),
        pytest.param(lambda: is_within(AWARE, NAIVE), id="is_within-at"),
    ],
)
def test_naive_datetimes_are_rejected(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="aware"):
        call()


# --- validation ----------------------------------------------------------------------------------------


def test_valid_calendar_has_no_problems() -> None:
    assert calendar_problems("sales_hours", "America/New_York", SALES.hours) == []


def test_touching_intervals_are_not_an_overlap() -> None:
    assert calendar_problems("x", "UTC", hours([0], "09:00", "12:00") + hours([0], "12:00", "17:00")) == []


def test_overlapping_intervals_are_reported() -> None:
    problems = calendar_problems("x", "UTC", hours([0], "09:00", "17:00") + hours([0], "12:00", "13:00"))
    assert problems == ["monday 09:00 to 17:00 overlaps monday 12:00 to 13:00"]


def test_every_overlapping_pair_is_reported() -> None:
    problems = calendar_problems(
        "x", "UTC", hours([2], "09:00", "17:00") + hours([2], "10:00", "11:00") + hours([2], "16:00", "18:00")
    )
    assert problems == [
        "wednesday 09:00 to 17:00 overlaps wednesday 10:00 to 11:00",
        "wednesday 09:00 to 17:00 overlaps wednesday 16:00 to 18:00",
    ]


def test_same_times_on_different_days_do_not_overlap() -> None:
    assert calendar_problems("x", "UTC", hours(EVERY_DAY, "09:00", "17:00")) == []


def test_empty_intervals_are_reported() -> None:
    problems = calendar_problems(
        "x", "UTC", hours([0], "09:00", "17:00") + hours([1], "17:00", "09:00") + hours([2], "10:00", "10:00")
    )
    assert problems == [
        "tuesday 17:00 to 09:00 is empty: an interval must end after it starts",
        "wednesday 10:00 to 10:00 is empty: an interval must end after it starts",
    ]


def test_unknown_time_zone_is_reported() -> None:
    assert calendar_problems("x", "Mars/Olympus_Mons", hours([0], "09:00", "17:00")) == ['unknown time zone "Mars/Olympus_Mons"']


def test_calendar_without_working_time_is_reported() -> None:
    assert calendar_problems("closed", "UTC", ()) == ['calendar "closed" has no working time']
    assert calendar_problems("closed", "UTC", hours([0], "12:00", "09:00")) == [
        "monday 12:00 to 09:00 is empty: an interval must end after it starts",
        'calendar "closed" has no working time',
    ]


def test_bad_weekday_is_reported() -> None:
    assert calendar_problems("x", "UTC", hours([0, 7], "09:00", "17:00")) == ["weekday 7 is not 0 (monday) to 6 (sunday)"]


def test_working_hours_carrying_a_time_zone_are_reported() -> None:
    aware = WorkingHours(0, dt.time(9, tzinfo=UTC), dt.time(17, tzinfo=UTC))
    naive = WorkingHours(0, dt.time(8), dt.time(9))
    assert calendar_problems("x", "UTC", (aware, naive)) == [
        "monday 09:00 to 17:00: working hours are local times and must not carry a time zone"
    ]


def test_constructing_an_invalid_calendar_raises_with_every_problem() -> None:
    with pytest.raises(ValueError, match=r'calendar "bad": unknown time zone "Nowhere/City"; monday 09:00 to 09:00 is empty'):
        BusinessCalendar("bad", "Nowhere/City", hours([0], "09:00", "09:00"))


def test_calendar_hours_are_kept_sorted_and_the_calendar_is_a_value() -> None:
    shuffled = BusinessCalendar("office", "America/New_York", tuple(reversed(OFFICE.hours)), set(HOLIDAYS))
    assert shuffled == OFFICE
    assert hash(shuffled) == hash(OFFICE)
    assert [wh.weekday for wh in shuffled.hours] == [0, 1, 2, 3, 4]


# --- bounded searches -----------------------------------------------------------------------------------

FOUR_CLOSED_YEARS = frozenset(
    dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range((dt.date(2030, 1, 1) - dt.date(2026, 1, 1)).days)
)
SHUTTERED = BusinessCalendar("shuttered", "America/New_York", hours(WEEKDAYS, "09:00", "17:00"), FOUR_CLOSED_YEARS)


def test_calendar_closed_for_years_raises_instead_of_looping() -> None:
    message = f"no working time in the {MAX_IDLE_DAYS} days"
    with pytest.raises(ValueError, match=message):
        next_open(SHUTTERED, ny(2026, 1, 1))
    with pytest.raises(ValueError, match=message):
        add_working_time(SHUTTERED, ny(2026, 1, 1), h(1))
    with pytest.raises(ValueError, match=message):
        add_working_days(SHUTTERED, ny(2026, 1, 1), 1)


def test_closure_shorter_than_the_limit_is_searched_through() -> None:
    assert next_open(SHUTTERED, ny(2029, 6, 1)) == utc(2030, 1, 1, 14)  # Tue 09:00 EST


def test_working_time_between_over_a_long_closure_is_zero() -> None:
    assert working_time_between(SHUTTERED, ny(2026, 1, 1), ny(2029, 12, 31)) == dt.timedelta(0)


def test_result_centuries_away_raises() -> None:
    with pytest.raises(ValueError, match="more than"):
        add_working_time(OFFICE, ny(2026, 1, 1), dt.timedelta(days=200 * 365))


def test_end_of_representable_time_raises_value_error() -> None:
    with pytest.raises(ValueError, match="outside the dates"):
        next_open(OFFICE, dt.datetime(9999, 12, 31, 23, tzinfo=UTC))  # Fri 18:00 EST, after close


# --- properties -------------------------------------------------------------------------------------------

starts = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),
    max_value=dt.datetime(2028, 12, 31),
    timezones=st.sampled_from([UTC, NY, LONDON, KOLKATA]),
)
durations = st.integers(min_value=0, max_value=100 * 3600 * 10**6).map(lambda us: dt.timedelta(microseconds=us))
calendars = st.sampled_from(ALL_CALENDARS)


@settings(max_examples=300, deadline=None)
@given(cal=calendars, start=starts, duration=durations)
def test_working_time_between_undoes_add_working_time(cal: BusinessCalendar, start: dt.datetime, duration: dt.timedelta) -> None:
    end = add_working_time(cal, start, duration)
    assert working_time_between(cal, start, end) == duration
    if duration:  # and it is the first such instant
        assert working_time_between(cal, start, end - dt.timedelta(microseconds=1)) < duration


@settings(max_examples=200, deadline=None)
@given(cal=calendars, start=starts, first=durations, second=durations)
def test_add_working_time_is_monotonic(
    cal: BusinessCalendar, start: dt.datetime, first: dt.timedelta, second: dt.timedelta
) -> None:
    shorter, longer = sorted((first, second))
    early, late = add_working_time(cal, start, shorter), add_working_time(cal, start, longer)
    assert early <= late
    assert late - early >= longer - shorter


@settings(max_examples=200, deadline=None)
@given(cal=calendars, a=starts, b=starts, c=starts)
def test_working_time_between_adds_up(cal: BusinessCalendar, a: dt.datetime, b: dt.datetime, c: dt.datetime) -> None:
    a, b, c = sorted((a, b, c))
    assert working_time_between(cal, a, b) + working_time_between(cal, b, c) == working_time_between(cal, a, c)


@settings(max_examples=200, deadline=None)
@given(cal=calendars, t=starts)
def test_next_open_is_open_and_nothing_is_skipped(cal: BusinessCalendar, t: dt.datetime) -> None:
    opened = next_open(cal, t)
    assert opened >= t
    assert is_open(cal, opened)
    assert working_time_between(cal, t, opened) == dt.timedelta(0)


@settings(max_examples=200, deadline=None)
@given(cal=calendars, t=starts, days=st.integers(min_value=1, max_value=30))
def test_add_working_days_lands_inside_a_working_day(cal: BusinessCalendar, t: dt.datetime, days: int) -> None:
    deadline = add_working_days(cal, t, days)
    day = deadline.astimezone(cal.tz).date()
    intervals = day_intervals(cal, day)
    assert intervals
    assert intervals[0][0] <= deadline <= intervals[-1][1]
    assert deadline > next_open(cal, t)

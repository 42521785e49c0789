"""Input texts to typed SQL values: ``qualdsl.records`` written as SQL expressions.

Every input column is read as text (``CAST(col AS VARCHAR)``, so a CSV loaded as
VARCHAR and a typed warehouse column are read alike), trimmed, and an empty text
is missing. Each field type has a regular expression that says which texts it
accepts (the same ones ``records.py`` accepts, with the exceptions listed in
docs/sql.md) and an expression that gives the value. The values use these SQL
representations, chosen so that every later step is plain integer or decimal
arithmetic, the same in every dialect:

==========  ===============================================================
int         DECIMAL(38, 0)
number      DECIMAL(38, 10)
money       DECIMAL(38, 10)
text        VARCHAR, trimmed
yes/no      BOOLEAN
one of      VARCHAR: the choice as declared
date        BIGINT: days since 1970-01-01
datetime    DECIMAL(38, 0): microseconds since 1970-01-01T00:00:00Z
duration    DECIMAL(38, 0): microseconds
list        VARCHAR: each item wrapped as ``;item;`` (empty list: ``''``)
==========  ===============================================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs
from sqlglot import exp

from qualdsl.records import FALSE_TEXTS, MAX_INT_DIGITS, TRUE_TEXTS, _enum_key
from qualdsl.sql import sqlx as x
from qualdsl.sql.sqlx import Expr
from qualdsl.types import Type

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
DAY_US = 86_400_000_000
US = 1_000_000


def micros(value: dt.datetime | dt.timedelta) -> int:
    delta = value - EPOCH if isinstance(value, dt.datetime) else value
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def days(value: dt.date) -> int:
    return (value - dt.date(1970, 1, 1)).days


DT_MIN = micros(dt.datetime(1, 1, 1, tzinfo=dt.UTC))
DT_MAX = micros(dt.datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC))
DATE_MIN = days(dt.date.min)
DATE_MAX = days(dt.date.max)
TD_MIN = micros(dt.timedelta.min)
TD_MAX = micros(dt.timedelta.max)

D = "[0-9]"
GROUPED = f"^[+-]?{D}{{1,3}}(,{D}{{3}})+([.]{D}+)?$"
INT_TEXT = f"^[+-]?({D}+[.]?0*|[.]0+)$"
NUMBER_TEXT = f"^[+-]?({D}+[.]?{D}*|[.]{D}+)$"
SCIENTIFIC = f"^[+-]?({D}+[.]?{D}*|[.]{D}+)[eE][+-]?{D}{{1,3}}$"
NUMBER_FITS = f"^[+-]?0*{D}{{0,28}}([.]{D}{{0,10}}0*)?$"  # DECIMAL(38, 10)
DATE_TEXT = f"^{D}{{4}}-{D}{{2}}-{D}{{2}}$"
DATETIME_TEXT = (
    f"^{D}{{4}}-{D}{{2}}-{D}{{2}}(.{D}{{2}}(:{D}{{2}}(:{D}{{2}}([.]{D}+)?)?)?"
    f"(Z|z|[+-]{D}{{2}}(:?{D}{{2}})?)?)?$"
)
ISO_DURATION = f"^P({D}+W)?({D}+D)?(T({D}+H)?({D}+M)?({D}+S)?)?$"
UNITS = {"minute": 60, "hour": 3600, "day": 86_400, "week": 604_800}
INT_ITEM = f"[+-]?({D}+|{D}{{1,3}}(,{D}{{3}})+)([.]0*)?|[+-]?[.]0+"
CURRENCY = "^[$€£¥]+"


Bind = Callable[[int, Expr], Expr]


def inline(level: int, value: Expr) -> Expr:
    """A ``Bind`` that names nothing: every part stays inside the expressions."""
    return value


@attrs.frozen
class Reading:
    """How one type is read from a trimmed, non-empty text ``t``: ``valid`` says whether
    ``t`` is accepted, ``value`` is only evaluated where it is."""

    value: Expr
    valid: Expr
    expected: str


def read(typ: Type, t: Expr, bind: Bind = inline) -> Reading:
    """``bind(level, expr)`` may make a part a column of an earlier CTE and give back its
    reference (a part of level k uses only parts of lower levels; levels 0, 1 and 2)."""
    kind = typ.kind
    if kind == "list":
        assert typ.item is not None
        return read_list(typ.item, t, bind)
    if kind == "enum":
        return _enum(typ, t, bind)
    return READERS[kind](t, bind)


def _slow(simple: Expr, value: Expr) -> Expr:
    """``value`` only where the fast path did not apply (CASE runs its branch on those rows only)."""
    return x.case((x.not_(simple), value))


def _int(t: Expr, bind: Bind) -> Reading:
    simple = bind(0, x.regex(t, f"^{D}{{1,18}}$"))  # the usual case: digits only
    text = bind(1, _slow(simple, _ungroup(x.replace(t, "_", ""))))
    scientific = bind(2, x.case((x.regex(text, SCIENTIFIC), x.try_cast(text, x.DEC))))
    plain = x.and_(x.regex(text, INT_TEXT), x.binary("<=", x.length(text), x.n(MAX_INT_DIGITS)))
    # `1E+3` is a whole number too (when it fits DECIMAL(38, 10) and has no fraction)
    whole = x.and_(x.not_null(scientific), x.eq(scientific, exp.Floor(this=scientific)))
    valid = x.or_(simple, plain, whole)
    value = x.case(
        (simple, x.try_cast(t, x.INTDEC)),
        (x.regex(text, "^[+-]?[.]"), x.cast(x.n(0), x.INTDEC)),
        (x.not_null(scientific), x.cast(scientific, x.INTDEC)),
        default=x.try_cast(x.regex_replace(text, "[.]0*$", ""), x.INTDEC),
    )
    return Reading(value, valid, "a whole number")


def _ungroup(text: Expr) -> Expr:
    return x.case((x.regex(text, GROUPED), x.replace(text, ",", "")), default=text)


def _number(t: Expr, bind: Bind, expected: str = "a number") -> Reading:
    simple = bind(0, x.regex(t, f"^{D}{{1,18}}([.]{D}{{1,10}})?$"))  # the usual case: 1200 or 1200.50
    text = bind(1, _slow(simple, _ungroup(x.replace(x.trim_ws(x.regex_replace(t, CURRENCY, "")), "_", ""))))
    value = bind(2, x.try_cast(x.case((simple, t), default=text), x.DEC))
    plain = x.and_(x.regex(text, NUMBER_TEXT), x.regex(text, NUMBER_FITS))
    # `1E+3`: read when it fits DECIMAL(38, 10) (digits beyond the 10th decimal are rounded)
    scientific = x.and_(x.regex(text, SCIENTIFIC), x.not_null(value))
    slow = x.and_(x.or_(plain, scientific), x.binary("<=", x.length(text), x.n(MAX_INT_DIGITS + 10)))
    return Reading(value, x.or_(simple, slow), expected)


def _money(t: Expr, bind: Bind) -> Reading:
    return _number(t, bind, "an amount of money")


def _text(t: Expr, bind: Bind) -> Reading:
    return Reading(t, x.true(), "a text")


def _bool(t: Expr, bind: Bind) -> Reading:
    lowered = x.lower(t)
    valid = x.in_(lowered, [x.s(v) for v in sorted(TRUE_TEXTS | FALSE_TEXTS)])
    return Reading(x.in_(lowered, [x.s(v) for v in sorted(TRUE_TEXTS)]), valid, "yes or no")


def _part(text: Expr, start: int, size: int) -> Expr:
    return x.try_cast(x.substr(text, start, size), x.BIGINT)


def days_from_civil(y: Expr, mo: Expr, d: Expr) -> Expr:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm), for year >= 1:
    integer arithmetic only, so every dialect gives the same number."""
    march = x.case((x.binary("<=", mo, x.n(2)), x.n(1)), default=x.n(0))
    yy = x.binary("-", y, march)
    era = x.int_div(yy, 400)
    yoe = x.binary("-", yy, x.binary("*", era, x.n(400)))
    mp = x.case((x.binary(">", mo, x.n(2)), x.binary("-", mo, x.n(3))), default=x.binary("+", mo, x.n(9)))
    doy = x.binary("+", x.int_div(x.binary("+", x.binary("*", x.n(153), mp), x.n(2)), 5), x.binary("-", d, x.n(1)))
    doe = x.binary(
        "+",
        x.binary("-", x.binary("+", x.binary("*", yoe, x.n(365)), x.int_div(yoe, 4)), x.int_div(yoe, 100)),
        doy,
    )
    return x.binary("-", x.binary("+", x.binary("*", era, x.n(146_097)), doe), x.n(719_468))


def _valid_ymd(y: Expr, mo: Expr, d: Expr) -> Expr:
    leap = x.and_(
        x.eq(x.mod(y, 4), x.n(0)),
        x.or_(x.binary("!=", x.mod(y, 100), x.n(0)), x.eq(x.mod(y, 400), x.n(0))),
    )
    month_days = x.case(
        (x.eq(mo, x.n(2)), x.case((leap, x.n(29)), default=x.n(28))),
        (x.in_(mo, [x.n(v) for v in (4, 6, 9, 11)]), x.n(30)),
        default=x.n(31),
    )
    return x.and_(
        x.binary(">=", y, x.n(1)),
        x.binary(">=", mo, x.n(1)), x.binary("<=", mo, x.n(12)),
        x.binary(">=", d, x.n(1)), x.binary("<=", d, month_days),
    )


def _date(t: Expr, bind: Bind) -> Reading:
    text = x.substr(t, 1, 10)
    y, mo, d = (bind(0, _part(text, start, size)) for start, size in ((1, 4), (6, 2), (9, 2)))
    valid = x.and_(x.regex(text, DATE_TEXT), _valid_ymd(y, mo, d))
    return Reading(days_from_civil(y, mo, d), valid, 'a date such as "2026-12-25"')


def read_datetime(t: Expr, bind: Bind = inline) -> Reading:
    """ISO 8601 as ``datetime.fromisoformat`` reads it (any one separator; minutes, seconds and
    fraction optional, the fraction cut at microseconds; a zone `Z` or ±HH[[:]MM]; no zone: UTC).
    `2026-12-01T09:00:00Z` and `2026-12-01 09:00:00` (the usual forms) take a fast path."""
    simple = bind(0, x.regex(t, f"^{D}{{4}}-{D}{{2}}-{D}{{2}}[T ]{D}{{2}}:{D}{{2}}:{D}{{2}}Z?$"))
    local = bind(0, _slow(simple, x.case(
        (x.binary(">", x.length(t), x.n(10)), x.regex_replace(t, "(Z|z|[+-][0-9:]+)$", "")),
        default=t,
    )))
    zone = bind(1, x.case((simple, x.s("")), default=x.substr(t, x.binary("+", x.length(local), x.n(1)))))
    full = bind(1, x.case(
        (simple, x.concat(x.substr(t, 1, 19), x.s(".000000"))),
        default=x.concat(local, x.substr(x.s("T00:00:00.000000"), x.binary("-", x.length(local), x.n(9)))),
    ))
    y, mo, d, hh, mi, ss, us = (bind(2, _part(full, start, size))
                                for start, size in ((1, 4), (6, 2), (9, 2), (12, 2), (15, 2), (18, 2), (21, 6)))
    zone_h = bind(2, _part(zone, 2, 2))
    zone_m = bind(2, _part(x.concat(x.replace(zone, ":", ""), x.s("00")), 4, 2))
    zone_minutes = x.case(
        (x.binary("<=", x.length(zone), x.n(1)), x.n(0)),
        (x.eq(x.substr(zone, 1, 1), x.s("-")), x.neg(x.binary("+", x.binary("*", zone_h, x.n(60)), zone_m))),
        default=x.binary("+", x.binary("*", zone_h, x.n(60)), zone_m),
    )
    valid = x.and_(
        x.case((simple, x.true()), default=x.regex(t, DATETIME_TEXT)),
        _valid_ymd(y, mo, d),
        x.binary("<=", hh, x.n(23)), x.binary("<=", mi, x.n(59)), x.binary("<=", ss, x.n(59)),
        x.or_(x.binary("<=", x.length(zone), x.n(1)),
              x.and_(x.binary("<=", zone_h, x.n(23)), x.binary("<=", zone_m, x.n(59)))),
    )
    seconds = x.binary("+", x.binary("*", x.binary("+", x.binary("*", hh, x.n(60)), mi), x.n(60)), ss)
    day = x.cast(days_from_civil(y, mo, d), x.INTDEC)
    value = x.binary(
        "-",
        x.binary("+", x.binary("+", x.binary("*", day, x.n(DAY_US)), x.binary("*", x.cast(seconds, x.INTDEC), x.n(US))), us),
        x.binary("*", x.cast(zone_minutes, x.INTDEC), x.n(60 * US)),
    )
    return Reading(value, valid, 'a date and time such as "2026-12-25T09:00:00Z"')


def round_half_even(value: Expr) -> Expr:
    """To a whole number, ties to even (as ``timedelta`` rounds microseconds)."""
    low = exp.Floor(this=value)
    rest = x.binary("-", value, low)
    return x.cast(x.case(
        (x.binary(">", rest, x.n("0.5")), x.binary("+", low, x.n(1))),
        (x.binary("<", rest, x.n("0.5")), low),
        (x.eq(x.mod(low, 2), x.n(0)), low),
        default=x.binary("+", low, x.n(1)),
    ), x.INTDEC)


def in_range(value: Expr, low: int, high: int) -> Expr:
    return x.and_(x.binary(">=", value, x.n(low)), x.binary("<=", value, x.n(high)))


def _duration(t: Expr, bind: Bind) -> Reading:
    upper = x.upper(t)
    lower = x.lower(t)

    def component(letter: str) -> Expr:
        """The digits just before ``letter`` in `P1W2DT3H4M5S` (each letter appears once)."""
        at = x.strpos(upper, x.s(letter))
        digits = x.regex_replace(x.substr(upper, 1, x.binary("-", at, x.n(1))), "^.*[^0-9]", "")
        return x.case((x.binary(">", at, x.n(0)), x.try_cast(digits, x.INTDEC)), default=x.n(0))

    iso = bind(0, x.and_(x.regex(upper, ISO_DURATION), x.regex(upper, "[0-9]"), x.binary("<=", x.length(t), x.n(24))))
    iso_seconds = bind(1, x.case((iso, x.binary(
        "+",
        x.binary("+", x.binary("*", component("W"), x.n(UNITS["week"])), x.binary("*", component("D"), x.n(UNITS["day"]))),
        x.binary("+",
                 x.binary("+", x.binary("*", component("H"), x.n(3600)), x.binary("*", component("M"), x.n(60))),
                 component("S")),
    ))))
    ws = x.ws_class()
    plain = bind(0, x.and_(
        x.regex(lower, f"^[0-9]+([.][0-9]+)?{ws}*(minutes?|hours?|days?|weeks?)$"),
        x.regex(lower, f"^0*[0-9]{{0,15}}([.][0-9]{{0,10}}0*)?{ws}*[a-z]+$"),
    ))
    amount = bind(1, x.case((plain, x.try_cast(x.regex_replace(lower, "[^0-9.]", ""), x.DEC))))
    unit = bind(1, x.case(
        *((x.regex(lower, f"{name}s?$"), x.n(size)) for name, size in UNITS.items() if name != "week"),
        default=x.n(UNITS["week"]),
    ))
    value = bind(2, x.case(
        (iso, x.binary("*", x.cast(iso_seconds, x.INTDEC), x.n(US))),
        (plain, round_half_even(x.binary("*", x.binary("*", amount, unit), x.n(US)))),
    ))
    valid = x.and_(x.or_(iso, plain), in_range(value, 0, TD_MAX))
    return Reading(value, valid, 'a duration such as "60 days" or "P60D"')


def _enum(typ: Type, t: Expr, bind: Bind) -> Reading:
    lookup = {_enum_key(member): member for member in typ.members}
    lowered = x.lower(t)
    key = bind(0, x.case(
        (x.in_(lowered, [x.s(k) for k in lookup]), lowered),  # the usual case: a choice as it is written
        default=x.regex_replace(lowered, "[" + x.WS + "-]+", "_"),
    ))
    value = x.case(*((x.eq(key, x.s(k)), x.s(member)) for k, member in lookup.items()))
    return Reading(value, x.not_null(value), "one of " + ", ".join(typ.members))


# ---- lists ---------------------------------------------------------------------------------


def list_items(t: Expr) -> Expr:
    """The items of a (trimmed) `;`-separated text, trimmed, empty ones dropped, joined by `;`
    ('' for none). A text without `;` is one item as it is."""
    ws = x.ws_class()
    spaced = x.regex_replace(t, f"{ws}*;{ws}*", ";")
    joined = x.regex_replace(x.regex_replace(spaced, ";;+", ";"), "^;|;$", "")
    return x.case((x.eq(x.strpos(t, x.s(";")), x.n(0)), t), default=joined)


def wrap(items: Expr) -> Expr:
    """`a;b` to `;a;;b;`: every item between its own two `;`, so REPLACE and STRPOS see whole items."""
    return x.case(
        (x.eq(items, x.s("")), x.s("")),
        default=x.concat(x.s(";"), x.replace(items, ";", ";;"), x.s(";")),
    )


def read_list(item: Type, t: Expr, bind: Bind = inline) -> Reading:
    items = bind(0, list_items(t))
    if item.kind == "text":
        return Reading(wrap(items), x.true(), "a list of texts")
    if item.kind == "enum":
        lookup = {_enum_key(member): member for member in item.members}
        keys = bind(1, x.regex_replace(x.lower(items), "[" + x.WS + "-]+", "_"))
        alternatives = "(" + "|".join(lookup) + ")"
        valid = x.or_(x.eq(keys, x.s("")), x.regex(keys, f"^{alternatives}(;{alternatives})*$"))
        value = wrap(keys)
        for key, member in lookup.items():
            if key != member:
                value = x.replace(value, f";{key};", f";{member};")
        return Reading(value, valid, "a list of " + item.describe())
    if item.kind == "int":
        bare = bind(1, x.replace(items, "_", ""))
        valid = x.or_(x.eq(bare, x.s("")), x.regex(bare, f"^({INT_ITEM})(;({INT_ITEM}))*$"))
        return Reading(wrap(bare), valid, "a list of whole numbers")
    raise NotImplementedError(item.kind)


READERS: dict[str, Callable[[Expr, Bind], Reading]] = {
    "int": _int,
    "number": _number,
    "money": _money,
    "text": _text,
    "bool": _bool,
    "date": _date,
    "datetime": read_datetime,
    "duration": _duration,
}


def supported_list_item(item: Type | None) -> bool:
    return item is not None and item.kind in ("text", "enum", "int")


__all__ = ["Bind", "Reading", "inline", "read", "read_datetime", "read_list"]

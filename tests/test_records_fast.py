"""The converters' fast paths (``qualdsl.records``) give exactly what the general reading gives.

The fast paths answer only plain ``str`` values; a str subclass with the same text takes the
general reading (the code that was there before the fast paths, unchanged). So the oracle is
the converter itself, given the same text as a ``Text``: for every generated value the result
must be the same (same type, same repr) or the error the same (same field, message and value),
the first time and again when a memo answers.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualdsl import records
from qualdsl.check.literals import UNIT_SECONDS
from qualdsl.errors import RecordError
from qualdsl.model import Field
from qualdsl.records import FALSE_TEXTS, TRUE_TEXTS, converter
from qualdsl.types import Type

Convert = Callable[[str, Any], object]


class Text(str):
    """A str subclass: the fast paths leave it to the general reading."""


# ---- comparing -------------------------------------------------------------------------------

ENUM = Type("enum", ("ic", "manager", "director", "vp", "c_level"))
ENUM_ODD = Type("enum", ("Gold", "Silver-Plus", "A b", "x_Y"))
TYPES = [
    Type("int"), Type("number"), Type("money"), Type("text"), Type("bool"), Type("date"), Type("datetime"),
    Type("duration"), ENUM, ENUM_ODD, *(Type("list", item=t) for t in (Type("text"), Type("int"), Type("money"), ENUM)),
]
TYPE_IDS = [t.describe() for t in TYPES]


def outcome(convert: Callable[[], object]) -> tuple[object, ...]:
    """What a call gives, comparably: its result's type and repr, or its error in full."""
    try:
        result = convert()
    except RecordError as e:
        return ("error", e.field, e.detail, str(e), repr(e.value))
    except Exception as e:  # e.g. the old int(Decimal("sNaN")) item of a list: alike too
        return ("raised", type(e).__name__, str(e))
    return ("value", type(result).__name__, repr(result))


def general(value: object) -> object:
    """The same value, as the general reading gets it: a text as a ``Text``."""
    return Text(value) if type(value) is str else value


def assert_same(typ: Type, value: object) -> None:
    convert = converter(typ)
    want = outcome(lambda: convert("f", general(value)))
    assert outcome(lambda: convert("f", value)) == want, (typ, value)
    assert outcome(lambda: convert("f", value)) == want, (typ, value)  # again: from a memo, if any
    for field in (Field("f", typ, False, None, None), Field("f", typ, True, None, None)):
        want = outcome(functools.partial(records.convert_value, field, general(value), convert))
        assert outcome(functools.partial(records.convert_value, field, value, convert)) == want, (field, value)


# ---- generated values ------------------------------------------------------------------------

TOKENS = [
    "0", "1", "7", "9", "00", "400", "1,200", "12,345,678", ",", "_", ".", "-", "+", " ", "\t", "\n", "\u00a0", "\u3000",
    "e", "E", "e5", "E-3", "e+999999", "nan", "NaN", "snan", "inf", "Infinity", "-inf", "٣", "²", "１", "߁", "Ⅻ",
    "$", "€", "£", "¥", "yes", "no", "Y", "n", "TRUE", "False", "t", "F", "on", "ı", "İ", "ſ",
    "day", "days", "Days", "week", "weeks", "hour", "hours", "minute", "minutes", "month", "P", "T", "W", "D", "H", "M",
    "S", "p", "t", "d", "h", "m", "s", "2026", "2026-12-25", "12-25", "T09:00:00", "Z", "z", "+01:00", "-05:30",
    ".123456", "24:00", "vp", "VP", "C-Level", "c_level", "c level", "Ic", "gold", "silver plus", "A-B", "x y", ";", "; ",
]
token_texts = st.lists(st.sampled_from(TOKENS), max_size=6).map("".join)
char_texts = st.text(alphabet="0123456789 ,._-+eE.$€٣²１:TZPWDHMS;abcdeilnoprstuvwy\t\u00a0", max_size=45)
number_texts = st.one_of(
    st.integers(-(10**45), 10**45).map(str),
    st.integers(0, 10**45).map(lambda n: f"{n:,}"),
    st.integers(0, 10**45).map(lambda n: f"{n:_}"),
    st.builds(lambda n, k: (s := str(n))[:k] + "." + s[k:], st.integers(0, 10**45), st.integers(0, 46)),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
    st.integers(0, 10**6).map(lambda n: "0" * 35 + str(n)),
)
date_texts = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.datetimes(timezones=st.one_of(st.none(), st.timezones(), st.just(dt.UTC))).map(dt.datetime.isoformat),
    st.datetimes().map(lambda d: d.isoformat(timespec="seconds") + "Z"),
    st.datetimes().map(lambda d: d.isoformat(sep=" ", timespec="minutes") + "z"),
)
duration_texts = st.one_of(
    st.builds(lambda n, sp, u: f"{n}{sp}{u}", st.one_of(st.integers(0, 10**12), st.decimals(0, 10**6, places=3)),
              st.sampled_from(["", " ", "  ", "\t"]), st.sampled_from([*UNIT_SECONDS, "Days", "WEEKS", "month", "d"])),
    st.builds(lambda w, d, h: f"P{w}{d}T{h}", st.sampled_from(["", "2W", "0W"]), st.sampled_from(["", "60D", "999999999D"]),
              st.sampled_from(["", "3H", "4M", "5S", "1H2M3S"])),
)
digit_texts = st.text(alphabet="0123456789.٣²１߁Ⅻ", min_size=1, max_size=42)  # what str.isdigit() says yes to
texts = st.one_of(token_texts, char_texts, digit_texts, number_texts, date_texts, duration_texts,
                  st.text(max_size=12), st.just(""), st.just("x" * 100))
others = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(10**1000), 10**1000), st.floats(),
    st.decimals(allow_nan=True, allow_infinity=True), st.dates(), st.datetimes(timezones=st.one_of(st.none(), st.timezones())),
    st.timedeltas(), st.lists(st.one_of(texts, st.integers()), max_size=3), st.tuples(texts),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2), st.sets(st.integers(), max_size=2),
    texts.map(Text),
)
values = st.one_of(texts, texts, others)
FAST = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# spellings worth trying on every type, whatever the generator draws
SPELLINGS = [
    "400",
    " 400 ",
    "1,200",
    "٣",
    "²",
    "1.²",
    "1" * 30,
    "1" * 31,
    "1" * 40 + ".",
    "0." + "0" * 38 + "1",
    "yes",
    "TRUE",
    "60 days",
    "P60D",
    "1000000000 days",
    "VP",
    "2026-12-25",
    "2026-12-25T09:00:00",
    "0000-12-25T09:00:00Z",
    "a; VIP;;",
]


@pytest.mark.parametrize("typ", TYPES, ids=TYPE_IDS)
def test_known_spellings_agree_with_the_general_reading(typ: Type) -> None:
    for value in SPELLINGS:
        assert_same(typ, value)


@pytest.mark.parametrize("typ", TYPES, ids=TYPE_IDS)
@FAST
@given(value=values)
def test_fast_converters_agree_with_the_general_reading(typ: Type, value: object) -> None:
    assert_same(typ, value)


def test_every_accepted_bool_spelling() -> None:
    for text in [*TRUE_TEXTS, *FALSE_TEXTS]:
        for spelling in (text, text.upper(), text.capitalize(), f" {text} ", text.title(), text.swapcase()):
            assert_same(Type("bool"), spelling)


def test_memos_stay_bounded_and_right() -> None:
    many = [f"{n} days" for n in range(records.MEMO_SIZE + 50)]
    for text in many:
        assert_same(Type("duration"), text)
    assert 0 < len(records._DURATIONS) <= records.MEMO_SIZE
    for text in many[:5]:  # forgotten when the memo started over: read again, alike
        assert_same(Type("duration"), text)
    long = "60 days" + " " * 10_000
    assert_same(Type("duration"), long)
    assert_same(ENUM, "vp" + " " * 10_000)
    assert long not in records._DURATIONS


def test_enum_and_list_converters_are_shared() -> None:
    assert converter(ENUM) is converter(Type("enum", ENUM.members))
    assert converter(Type("list", item=ENUM)) is converter(Type("list", item=Type("enum", ENUM.members)))

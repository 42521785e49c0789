"""Input records to typed values: the one place where outside data is read and judged.

Both back ends call these converters, so a value means the same to each. A value
that cannot be read raises ``RecordError`` naming the field; empty means missing.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import reprlib
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from qualdsl.check.literals import UNIT_SECONDS, parse_datetime
from qualdsl.errors import RecordError
from qualdsl.model import Field
from qualdsl.types import Type

TRUE_TEXTS = frozenset({"yes", "y", "true", "t", "1"})
FALSE_TEXTS = frozenset({"no", "n", "false", "f", "0"})
MAX_INT_DIGITS = 30
INT_LIMIT = 10**MAX_INT_DIGITS  # an int is below this in size (the compiled evaluator's fast path agrees)
MAX_DECIMAL_EXPONENT = MAX_INT_DIGITS + 10  # a number or amount (not 0) is between 1E-40 and 1E+41
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$")
_ISO_DURATION = re.compile(
    r"^P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)
CURRENCY_SIGNS = "$€£¥"

# Fast paths. Every text a CSV file gives arrives here, so the common spellings are answered
# before the general reading; each gives exactly what the general reading gives, and anything
# else (a str subclass too) takes the general reading (tests/test_records_fast.py checks both).
_BOOL_SPELLINGS: dict[str, bool] = {
    spelling: truth
    for texts, truth in ((TRUE_TEXTS, True), (FALSE_TEXTS, False))
    for text in texts
    for spelling in (text, text.upper(), text.capitalize())
}
MEMO_SIZE = 1024  # texts a memo keeps (of one converter); full, it starts over
MEMO_TEXT = 64  # characters of the longest text a memo keeps ("60 days" padded with a megabyte of spaces: not kept)
_T = TypeVar("_T")


def _remember(memo: dict[str, _T], text: str, value: _T) -> _T:
    """Keeps ``text`` → ``value`` (immutable) in a bounded memo."""
    if len(text) <= MEMO_TEXT:
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[text] = value
    return value


def _plain_digits(text: str) -> bool:
    """ASCII digits, at most one `.`: a text no tidying changes (no space, sign, comma or `_`)."""
    return text.isascii() and text.replace(".", "", 1).isdigit()


def is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)  # NaN: unknown, as pandas writes a missing cell
    if isinstance(value, Decimal):
        return value.is_nan()  # quiet or signalling: comparing a signalling NaN would raise
    return False


MAX_SHOWN = 80  # characters of a refused value quoted in an error message
_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = _SHOWN.maxlong = MAX_SHOWN
_SHOWN.maxlist = _SHOWN.maxtuple = _SHOWN.maxset = _SHOWN.maxfrozenset = _SHOWN.maxdict = 10


def shown(value: object) -> str:
    """A refused value as an error message quotes it: short, whatever its size or nesting."""
    if isinstance(value, str):
        if len(value) <= MAX_SHOWN:
            return f'"{value}"'
        return f'"{value[:MAX_SHOWN]}…" ({len(value):,} characters)'
    if isinstance(value, int) and _huge_int(value):
        return f"a whole number of about {_digits(value):,} digits"  # repr() of it fails (int_max_str_digits)
    try:
        return _SHOWN.repr(value)
    except Exception:  # a value whose repr fails: say what it is
        return f"a value of type {type(value).__name__}"


def _huge_int(value: object) -> bool:
    return isinstance(value, int) and value.bit_length() > 3000  # about 900 digits


def _digits(value: int) -> int:
    return int(value.bit_length() * 0.30103) + 1


def _fail(field: str, expected: str, value: object) -> RecordError:
    kept = shown(value) if _huge_int(value) else value  # an int JSON or str() cannot write
    return RecordError(field, f"expected {expected}, got {shown(value)}", kept)


def _to_int(field: str, value: object) -> int:
    if type(value) is str and value.isascii() and value.isdigit() and len(value) <= MAX_INT_DIGITS:
        return int(value)  # "400": nothing to tidy
    if isinstance(value, bool):
        raise _fail(field, "a whole number", value)
    if isinstance(value, int):
        if -INT_LIMIT < value < INT_LIMIT:
            return value
        raise _fail(field, f"a whole number of at most {MAX_INT_DIGITS} digits", value)
    if isinstance(value, (float, Decimal)):
        # Decimal's own test: math.isfinite(Decimal("sNaN")) raises instead of answering
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite or not -INT_LIMIT < value < INT_LIMIT:  # before int(): 1E+999999
            what = "a whole number" if not finite else f"a whole number of at most {MAX_INT_DIGITS} digits"
            raise _fail(field, what, value)
        if value != int(value):
            raise _fail(field, "a whole number", value)
        return int(value)
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        if _GROUPED.match(text):
            text = text.replace(",", "")
        if len(text) > MAX_INT_DIGITS + 12:  # longer than any spelling of 30 digits ("-1...9.000000000")
            raise _fail(field, f"a whole number of at most {MAX_INT_DIGITS} digits", value)
        try:
            whole = int(text)
        except ValueError:
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise _fail(field, "a whole number", value) from None
            if number.is_finite() and number.adjusted() >= MAX_INT_DIGITS:  # "1E+999999" is short but huge
                raise _fail(field, f"a whole number of at most {MAX_INT_DIGITS} digits", value) from None
            if not (number.is_finite() and number == number.to_integral_value()):
                raise _fail(field, "a whole number", value) from None
            whole = int(number)
        if not -INT_LIMIT < whole < INT_LIMIT:
            raise _fail(field, f"a whole number of at most {MAX_INT_DIGITS} digits", value)
        return whole
    raise _fail(field, "a whole number", value)


def _to_decimal(field: str, value: object, expected: str = "a number") -> Decimal:
    if type(value) is str and _plain_digits(value) and len(value) <= MAX_INT_DIGITS + 10:
        result = Decimal(value)  # "1234.50": nothing to tidy, always a number
    elif isinstance(value, bool):
        raise _fail(field, expected, value)
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        if -INT_LIMIT < value < INT_LIMIT:
            return Decimal(value)
        result = Decimal(value) if not _huge_int(value) else Decimal("1E+999")  # too large either way
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().lstrip(CURRENCY_SIGNS).strip().replace("_", "")
        if _GROUPED.match(text):
            text = text.replace(",", "")
        if len(text) > MAX_INT_DIGITS + 10:
            raise _fail(field, expected, value)
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise _fail(field, expected, value) from None
    else:
        raise _fail(field, expected, value)
    if not result.is_finite():
        raise _fail(field, f"{expected} (not infinite or NaN)", value)
    if result and abs(result.adjusted()) > MAX_DECIMAL_EXPONENT:
        # "1E+999999" (or a float 1e308) is short, but arithmetic on it overflows (decimal.Overflow);
        # the same bound for every form the value comes in, so a CSV cell and a JSON number agree
        raise _fail(field, f"{expected} of at most {MAX_INT_DIGITS} digits", value)
    return result


def _to_money(field: str, value: object) -> Decimal:
    return _to_decimal(field, value, "an amount of money")


def _to_text(field: str, value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) and not _huge_int(value):
        return str(value)
    raise _fail(field, "a text", value)


def _to_bool(field: str, value: object) -> bool:
    if type(value) is str:
        found = _BOOL_SPELLINGS.get(value)
        if found is not None:
            return found
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE_TEXTS:
            return True
        if text in FALSE_TEXTS:
            return False
    raise _fail(field, "yes or no", value)


def _to_date(field: str, value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        raise _fail(field, "a date without a time", value)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise _fail(field, 'a date such as "2026-12-25"', value)


def to_datetime(field: str, value: object) -> dt.datetime:
    """A timezone-aware datetime; a time without a zone is taken as UTC."""
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except ValueError:
            pass
    elif isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    raise _fail(field, 'a date and time such as "2026-12-25T09:00:00Z"', value)


_DURATIONS: dict[str, dt.timedelta] = {}  # text → its duration: a column has few distinct ones


def _to_duration(field: str, value: object) -> dt.timedelta:
    if type(value) is str:
        known = _DURATIONS.get(value)
        if known is not None:
            return known
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, str):
        try:
            parsed = _parse_duration(value)
        except (OverflowError, ValueError):  # "1000000000 days": longer than a timedelta holds
            raise _fail(field, "a duration of at most 999,999,999 days", value) from None
        if parsed is not None:
            return _remember(_DURATIONS, value, parsed) if type(value) is str else parsed
    raise _fail(field, 'a duration such as "60 days" or "P60D"', value)


def _parse_duration(value: str) -> dt.timedelta | None:
    text = value.strip()
    iso = _ISO_DURATION.match(text.upper())
    if iso and any(iso.groupdict().values()):
        parts = {k: int(v) for k, v in iso.groupdict().items() if v}
        return dt.timedelta(
            weeks=parts.get("w", 0), days=parts.get("d", 0), hours=parts.get("h", 0),
            minutes=parts.get("m", 0), seconds=parts.get("s", 0),
        )
    plain = _DURATION.match(text.lower())
    if plain and plain.group(2) in UNIT_SECONDS:
        amount = Decimal(plain.group(1))
        return dt.timedelta(seconds=float(amount * UNIT_SECONDS[plain.group(2)]))
    return None


def _enum_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


@functools.lru_cache(maxsize=256)  # one converter (and memo) per set of members
def _enum(members: tuple[str, ...]) -> Callable[[str, object], str]:
    lookup = {_enum_key(m): m for m in members}
    seen: dict[str, str] = {}  # text as given → member

    def convert(field: str, value: object) -> str:
        if type(value) is str:
            known = seen.get(value)
            if known is not None:
                return known
        if isinstance(value, str):
            found = lookup.get(_enum_key(value))
            if found is not None:
                return _remember(seen, value, found) if type(value) is str else found
        raise _fail(field, "one of " + ", ".join(members), value)

    return convert


@functools.lru_cache(maxsize=256)
def _list(item: Type) -> Callable[[str, object], tuple[object, ...]]:
    convert_item = converter(item)
    of_text = item.kind == "text"  # the split parts are already what _to_text makes of them

    def convert(field: str, value: object) -> tuple[object, ...]:
        if isinstance(value, str):
            parts: Iterable[object] = [p for p in (s.strip() for s in value.split(";")) if p]
            if of_text and type(value) is str:
                return tuple(parts)
        elif isinstance(value, (list, tuple)):
            parts = value
        else:
            raise _fail(field, "a list (or texts separated by `;`)", value)
        return tuple(convert_item(field, p) for p in parts)

    return convert


SIMPLE_CONVERTERS: dict[str, Callable[[str, Any], object]] = {
    "int": _to_int,
    "number": _to_decimal,
    "money": _to_money,
    "text": _to_text,
    "bool": _to_bool,
    "date": _to_date,
    "datetime": to_datetime,
    "duration": _to_duration,
}


def converter(typ: Type) -> Callable[[str, Any], object]:
    """The function that turns an outside value into a value of ``typ``."""
    if typ.kind == "enum":
        return _enum(typ.members)
    if typ.kind == "list":
        assert typ.item is not None
        return _list(typ.item)
    return SIMPLE_CONVERTERS[typ.kind]


def raw_value(field: Field, record: Mapping[str, object]) -> object:
    """The field's value by its name, else by its source column."""
    value = record.get(field.name)
    if field.column is not None and is_missing(value):
        value = record.get(field.column, value)
    return value


def convert_value(field: Field, value: object, convert: Callable[[str, Any], object]) -> object:
    """Missing → None (or an empty list; or an error for a required field)."""
    if type(value) is str:  # a CSV cell
        return convert(field.name, value) if value.strip() else _missing(field, value)
    if is_missing(value):
        return _missing(field, value)
    if isinstance(value, (dict, set)):
        raise _fail(field.name, f"a single {field.type.describe()} value", value)
    return convert(field.name, value)


def _missing(field: Field, value: object) -> object:
    if field.type.kind == "list" and not field.optional:
        return ()  # a required list that is not given is empty; an optional one is unknown
    if field.optional:
        return None
    raise RecordError(field.name, "is required but missing", value)


def check_lead(record: object) -> None:
    if not isinstance(record, Mapping):
        raise RecordError("lead", "a lead must be a mapping of field names to values", record)


def convert_lead(fields: Iterable[Field], record: Mapping[str, object]) -> dict[str, object]:
    check_lead(record)
    return {f.name: convert_value(f, raw_value(f, record), converter(f.type)) for f in fields}


def event_parts(event: object) -> tuple[object, object]:
    """(type, time) from a tuple, a mapping, or an object with ``event``/``at``."""
    if isinstance(event, tuple) and len(event) == 2:
        return event[0], event[1]
    if isinstance(event, Mapping):
        kind = event.get("type", event.get("event", event.get("name")))
        at = event.get("at", event.get("time", event.get("timestamp")))
        return kind, at
    kind = getattr(event, "event", None)
    at = getattr(event, "at", None)
    if kind is not None and at is not None:
        return kind, at
    raise RecordError("events", "an event is a (type, time) pair or {\"type\": ..., \"at\": ...}", event)


def convert_events(
    events: Iterable[object], declared: frozenset[str] | set[str]
) -> list[tuple[str, dt.datetime]]:
    out = []
    for i, event in enumerate(events):
        kind, at = event_parts(event)
        if not isinstance(kind, str) or kind not in declared:
            raise RecordError(f"events[{i}].type", f"{kind!r} is not a declared event", kind)
        out.append((kind, to_datetime(f"events[{i}].at", at)))
    return out

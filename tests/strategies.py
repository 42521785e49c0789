"""Hypothesis strategies: random well-typed policies *as text*, and leads and events for them.

``policies()`` is type-directed: it knows the type of every field, list, segment,
score and framework it has declared and builds expressions of a wanted type from
them, following the checker's rules (including how the known side of a comparison
tells a literal its type). Its text goes through the parser and the checker like
any policy, and `compiled` asserts that the checker accepts it. It covers fields of
every type (optional or not, some `from "Column"`), events, named lists, segments
(all / any / at least N), scores (`per` with and without window and cap, `if`,
negative points), frameworks (all / any / at least N [of M] / `passes when` over the
criteria, now and then over other values too), `F passes`, `F.crit`, `at least N
of F`, comparisons, `between`, `in` / `not in`, `is [not] missing`, `is [not] empty`,
`starts with` / `ends with` / `contains` (texts and lists), and / or / not,
arithmetic on numbers, money, times and durations, `X in last D`, `no X in last D`,
`count of X [in last D]`, and an ordered qualify block ending in `otherwise`.
Derived values use only those declared before them (no cycles), but the
declarations are written in any order.

``lead_inputs(case)`` makes ``LeadInput``s for a policy: values of the right type,
as objects or as the texts a CSV file gives, some missing, sometimes under the
column name; about one lead in ten has a wrong value, a missing required field or
an unreadable event, and names the field the ``RecordError`` must name. Events lie
around ``NOW``, many exactly at, just inside and just outside the windows the
policy uses, some in the future, in several forms (tuples, other time zones, naive
times, ISO texts, mappings).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import attrs
from hypothesis import strategies as st

import qualdsl
from qualdsl.check.literals import duration_value, number_value
from qualdsl.types import BOOL, DATE, DATETIME, DURATION, INT, MONEY, NUMBER, TEXT, Type, list_of

T = TypeVar("T")
Draw = Callable[[st.SearchStrategy[Any]], Any]

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
UTC = dt.UTC
PLUS5 = dt.timezone(dt.timedelta(hours=5))
MINUS8 = dt.timezone(dt.timedelta(hours=-8))

# Small pools shared by literals and lead values, so that comparisons often hit.
TEXTS = ("a", "A", "ab", "Ab", "abc", "software", "SoftWare", "ß", "SS", "ss", "straße", "STRASSE",
         "x y", "é", "É", "İ", 'say "hi"', "back\\slash", "1", "50")
INTS = (0, 1, 2, 3, 5, 10, 49, 50, 51, 100, 5000)
DECIMALS = ("0.5", "1.5", "2.5", "10.25", "100.0", "0.1")
DURATION_TEXTS = ("0 days", "1 minute", "90 minutes", "1 hour", "36 hours", "1 day", "1.5 days",
                  "7 days", "30 days", "60 days", "2 weeks", "1 week")
DATES = tuple(NOW.date() + dt.timedelta(days=d) for d in (-400, -31, -30, -1, 0, 1, 30))
DATETIMES = tuple(NOW + delta for delta in (
    dt.timedelta(0), dt.timedelta(seconds=-1), dt.timedelta(hours=-1), dt.timedelta(days=-1),
    dt.timedelta(days=-30), dt.timedelta(days=-60, minutes=-1), dt.timedelta(days=2), dt.timedelta(days=-400),
))
# no two differ only in case (E221 refuses that); mixed case stays, to test matching ignoring case
ENUM_MEMBERS = ("kic", "kmgr", "kVp", "kc_level", "kDir", "kX", "kLead")
OUTCOMES = ("o_sql", "o_mql", "o_dq", "o_nurture", "lead")

# ---------------------------------------------------------------------------------
# the policy generator


@attrs.define
class FieldSpec:
    name: str
    type: Type
    optional: bool
    column: str | None


@attrs.define
class Env:
    """What has been declared so far, by type, for building expressions."""

    fields: list[FieldSpec] = attrs.Factory(list)
    events: list[str] = attrs.Factory(list)
    lists: dict[str, Type] = attrs.Factory(dict)
    segments: list[str] = attrs.Factory(list)
    scores: list[str] = attrs.Factory(list)
    frameworks: dict[str, list[str]] = attrs.Factory(dict)
    criteria: list[str] = attrs.Factory(list)  # bare criterion names, inside `passes when`
    windows: set[dt.timedelta] = attrs.Factory(set)
    enums: list[Type] = attrs.Factory(list)

    def fields_of(self, typ: Type) -> list[str]:
        return [f.name for f in self.fields if f.type == typ]


@attrs.frozen
class PolicyCase:
    """A generated policy and what the lead generator needs to know about it."""

    text: str
    fields: tuple[FieldSpec, ...]
    events: tuple[str, ...]
    windows: tuple[dt.timedelta, ...]


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def negate(operand: str) -> str:
    """``-x``; of a negative literal too (``-(-5)``, once read as the number ``--5``)."""
    return "(-" + operand + ")"


class Gen:
    """Draws the pieces of one policy; every method returns policy text."""

    def __init__(self, draw: Draw, env: Env, depth: int) -> None:
        self.draw = draw
        self.env = env
        self.max_depth = depth
        self.criteria_only = False

    # ---- drawing helpers ---------------------------------------------------------
    def pick(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(options))  # type: ignore[no-any-return]

    def chance(self, percent: int) -> bool:
        """True with about this probability; shrinks to False."""
        return bool(self.draw(st.integers(0, 99)) >= 100 - percent)

    def choose(self, options: list[tuple[bool, Callable[[], str]]]) -> str:
        usable = [make for ok, make in options if ok]
        return self.pick(usable)()

    def field_or(self, fields: list[str], other: Callable[[], str]) -> str:
        """A field (more often than not, so that the lead matters), else ``other()``."""
        if fields and not self.chance(35):
            return self.pick(fields)
        return other()

    # ---- literals ------------------------------------------------------------------
    def int_lit(self) -> str:
        value = self.draw(st.one_of(st.sampled_from(INTS), st.integers(-20, 200)))
        if value >= 1000 and self.chance(30):
            return f"{value:_}"
        return str(value)

    def dec_lit(self) -> str:
        text = self.pick(DECIMALS)
        return "-" + text if self.chance(15) else text

    def duration_lit(self) -> str:
        text = self.pick(DURATION_TEXTS)
        amount, unit = text.split()
        self.env.windows.add(duration_value(number_value(amount), unit))
        return text

    def window(self) -> str:
        return "in last " + self.duration_lit()

    def text_lit(self) -> str:
        return quote(self.pick(TEXTS))

    def date_lit(self) -> str:
        return quote(self.pick(DATES).isoformat())

    def datetime_lit(self) -> str:
        value: dt.datetime = self.pick(DATETIMES)
        style = self.pick(("z", "offset", "naive"))
        if style == "z":
            return quote(value.strftime("%Y-%m-%dT%H:%M:%SZ"))
        if style == "offset":
            return quote(value.astimezone(PLUS5).isoformat())
        return quote(value.replace(tzinfo=None).isoformat())

    def enum_lit(self, typ: Type) -> str:
        member = self.pick(typ.members)
        return quote(member) if self.chance(30) else member

    # ---- expressions of a type ---------------------------------------------------------
    def expr(self, typ: Type, depth: int, expect: Type | None = None) -> str:
        """An expression of ``typ`` (numbers: of some numeric type). ``expect`` is what the
        checker will expect here, which decides how literals are read."""
        kind = typ.kind
        if kind == "bool":
            return self.cond(depth)
        if typ.is_numeric:
            return self.numeric(typ, depth, expect)
        if kind == "text":
            return self.text(expect)
        if kind == "enum":
            return self.enum(typ, expect)
        if kind == "date":
            return self.date(depth, expect)
        if kind == "datetime":
            return self.datetime(depth, expect)
        if kind == "duration":
            return self.duration(depth, expect)
        assert kind == "list" and typ.item is not None
        return self.list_expr(typ.item, expect)

    def numeric(self, typ: Type, depth: int, expect: Type | None) -> str:
        env = self.env
        lit_ok = expect is None or expect.kind != "duration"
        fields = env.fields_of(typ)
        sub = depth - 1
        if typ == INT:
            return self.field_or(fields, lambda: self.choose([
                (lit_ok, self.int_lit),
                (bool(fields), lambda: self.pick(fields)),
                (bool(env.events), lambda: "(count of " + self.pick([*env.events, "event"])
                 + (" " + self.window() if self.chance(60) else "") + ")"),
                (bool(env.scores), lambda: self.pick(env.scores)),
                (depth > 0, lambda: self.arith(INT, INT, self.pick("+-*"), sub, expect)),
                (depth > 0, lambda: negate(self.numeric(INT, sub, expect))),
            ]))
        if typ == NUMBER:
            return self.field_or(fields, lambda: self.choose([
                (lit_ok, self.dec_lit),
                (bool(fields), lambda: self.pick(fields)),
                (depth > 0, lambda: self.arith(INT, INT, "/", sub, expect)),
                (depth > 0, lambda: self.arith(NUMBER, self.pick((INT, NUMBER)), self.pick("+-*/"), sub, expect)),
                (depth > 0, lambda: self.arith(INT, NUMBER, self.pick("+-*/"), sub, expect)),
                (depth > 0, lambda: negate(self.numeric(NUMBER, sub, expect))),
            ]))
        assert typ == MONEY
        return self.field_or(fields, lambda: self.choose([
            (lit_ok, lambda: self.pick((self.int_lit, self.dec_lit))()),
            (bool(fields), lambda: self.pick(fields)),
            (depth > 0, lambda: self.arith(MONEY, self.pick((INT, NUMBER, MONEY)), self.pick("+-*/"), sub, expect)),
            (depth > 0, lambda: self.arith(self.pick((INT, NUMBER)), MONEY, self.pick("+-*"), sub, expect)),
        ]))

    def arith(self, left: Type, right: Type, op: str, depth: int, expect: Type | None) -> str:
        """``(left op right)``: the left operand gets the outer expectation, the right one
        the left's type when that is a number (as the checker does)."""
        a = self.expr(left, depth, expect)
        b = self.expr(right, depth, left if left.is_numeric else None)
        return f"({a} {op} {b})"

    def text(self, expect: Type | None) -> str:
        fields = self.env.fields_of(TEXT)
        return self.field_or(fields, lambda: self.choose([
            (expect is None or expect == TEXT, self.text_lit),
            (bool(fields), lambda: self.pick(fields)),
        ]))

    def enum(self, typ: Type, expect: Type | None) -> str:
        fields = self.env.fields_of(typ)
        return self.choose([
            (expect == typ, lambda: self.enum_lit(typ)),
            (bool(fields), lambda: self.pick(fields)),
        ])

    def date(self, depth: int, expect: Type | None) -> str:
        fields = self.env.fields_of(DATE)
        sub = depth - 1
        return self.choose([
            (expect == DATE, self.date_lit),
            (bool(fields), lambda: self.pick(fields)),
            (depth > 0 and bool(fields), lambda: self.arith(DATE, DURATION, self.pick("+-"), sub, expect)),
            (depth > 0 and bool(fields), lambda: self.arith(DURATION, DATE, "+", sub, expect)),
        ])

    def datetime(self, depth: int, expect: Type | None) -> str:
        fields = self.env.fields_of(DATETIME)
        if fields and self.chance(50):
            return self.pick(fields)
        sub = depth - 1
        return self.choose([
            (True, lambda: "now"),
            (expect == DATETIME, self.datetime_lit),
            (bool(fields), lambda: self.pick(fields)),
            (depth > 0, lambda: self.arith(DATETIME, DURATION, self.pick("+-"), sub, expect)),
            (depth > 0, lambda: self.arith(DURATION, DATETIME, "+", sub, expect)),
        ])

    def duration(self, depth: int, expect: Type | None) -> str:
        fields = self.env.fields_of(DURATION)
        if fields and self.chance(50):
            return self.pick(fields)
        sub = depth - 1
        # `2 * 30 days` only where the checker does not expect a duration (or money):
        # there it reads the `2` as a duration and reports E202 (see the report).
        number_first = expect is None or expect.kind not in ("duration", "money")
        return self.choose([
            (True, self.duration_lit),
            (bool(fields), lambda: self.pick(fields)),
            (depth > 0, lambda: self.arith(DATETIME, DATETIME, "-", sub, expect)),
            (depth > 0, lambda: self.arith(DURATION, DURATION, self.pick("+-"), sub, expect)),
            (depth > 0, lambda: self.arith(DURATION, self.pick((INT, NUMBER)), self.pick("*/"), sub, expect)),
            (depth > 0 and number_first, lambda: self.arith(self.pick((INT, NUMBER)), DURATION, "*", sub, expect)),
            (depth > 0, lambda: negate(self.duration(sub, expect))),
        ])

    def list_expr(self, item: Type, expect: Type | None) -> str:
        env = self.env
        fields = env.fields_of(list_of(item))
        named = [n for n, t in env.lists.items() if t == list_of(item)]
        return self.choose([
            (True, lambda: self.list_lit(item, list_of(item))),
            (bool(fields), lambda: self.pick(fields)),
            (bool(named), lambda: self.pick(named)),
        ])

    def list_lit(self, item: Type, expect: Type | None) -> str:
        """A list literal whose items the checker reads as ``item`` (numbers may mix)."""
        count = self.draw(st.integers(0, 4))
        items = []
        for _ in range(count):
            if item.is_numeric:
                items.append(self.pick((self.int_lit, self.dec_lit))() if item != INT else self.int_lit())
            elif item == TEXT:
                items.append(self.text_lit())
            elif item.kind == "enum":
                items.append(self.enum_lit(item))
            elif item == DATE:
                items.append(self.date_lit())
            elif item == DATETIME:
                items.append(self.datetime_lit())
            elif item == DURATION:
                items.append(self.duration_lit())
            else:
                assert item == BOOL
                items.append(self.pick(("yes", "no")))
        trailing = "," if items and self.chance(10) else ""
        return "[" + ", ".join(items) + trailing + "]"

    # ---- conditions ----------------------------------------------------------------------
    def scalar_types(self) -> list[Type]:
        """The types an operand read without expectation can have (a date or a choice
        needs a field: its literals are texts unless the other side tells)."""
        types = [INT, NUMBER, MONEY, TEXT, DATETIME, DURATION, BOOL]
        if self.env.fields_of(DATE):
            types.append(DATE)
        return types + [t for t in self.env.enums if self.env.fields_of(t)]

    def cond(self, depth: int) -> str:
        """A yes/no expression: an atom, or a parenthesized compound."""
        env = self.env
        sub = depth - 1
        if self.criteria_only:
            return self.choose([
                (True, lambda: self.pick(env.criteria)),
                (depth > 0, lambda: self.logical(sub)),
                (depth > 0, lambda: "(not " + self.cond(sub) + ")"),
                (depth > 0, lambda: f"({self.cond(sub)} {self.pick(('=', '!='))} {self.cond(sub)})"),
                (True, lambda: self.pick(("yes", "no"))),
            ])
        bools = env.fields_of(BOOL)
        if bools and self.chance(15):
            return self.pick(bools)
        options: list[tuple[bool, Callable[[], str]]] = [
            (True, lambda: self.pick(("yes", "no"))),
            (bool(bools), lambda: self.pick(bools)),
            (bool(env.criteria), lambda: self.pick(env.criteria)),
            (bool(env.segments), lambda: self.pick(env.segments)),
            (bool(env.frameworks), lambda: "(" + self.pick(list(env.frameworks)) + " passes)"),
            (bool(env.frameworks), self.member),
            (bool(env.frameworks), self.at_least_of),
            (bool(env.events), lambda: self.pick(env.events)),
            (True, lambda: "(" + self.pick([*env.events, "event"]) + " " + self.window() + ")"),
            (True, lambda: "(no " + self.pick([*env.events, "event"]) + " " + self.window() + ")"),
        ]
        if depth > 0:
            options += [
                (True, lambda: self.compare(sub)),
                (True, lambda: self.compare(sub)),
                (True, lambda: self.between(sub)),
                (True, lambda: self.in_list(sub)),
                (True, lambda: self.missing(sub)),
                (True, lambda: self.empty(sub)),
                (True, lambda: self.text_test(sub)),
                (True, lambda: self.list_contains(sub)),
                (True, lambda: self.logical(sub)),
                (True, lambda: "(not " + self.cond(sub) + ")"),
            ]
        return self.choose(options)

    def at_least_of(self) -> str:
        name = self.pick(list(self.env.frameworks))
        return f"(at least {self.draw(st.integers(1, len(self.env.frameworks[name])))} of {name})"

    def member(self) -> str:
        name = self.pick(list(self.env.frameworks))
        return f"{name}.{self.pick(self.env.frameworks[name])}"

    def compare(self, depth: int) -> str:
        typ = self.pick([*self.scalar_types(), list_of(TEXT), list_of(INT)])
        ordered = typ.kind in ("int", "number", "money", "date", "datetime", "duration", "text")
        op = self.pick(("=", "!=", "<", "<=", ">", ">=") if ordered else ("=", "!="))
        if typ.is_numeric:
            left = self.numeric(typ, depth, None)
            right = self.numeric(self.pick((INT, NUMBER, MONEY)), depth, typ)
        else:
            left = self.left_operand(typ, depth)
            right = self.expr(typ, depth, typ)
        return f"({left} {op} {right})"

    def left_operand(self, typ: Type, depth: int) -> str:
        """An operand the checker reads with no expectation: no enum, date or time literals."""
        if typ.kind == "enum":
            return self.pick(self.env.fields_of(typ))
        return self.expr(typ, depth, None)

    def between(self, depth: int) -> str:
        typ = self.pick([t for t in self.scalar_types() if t.kind not in ("bool", "enum")])
        operand = self.left_operand(typ, depth)
        low = self.expr(typ, depth, typ)
        high = self.expr(typ, depth, typ)
        return f"({operand} between {low} and {high})"

    def in_list(self, depth: int) -> str:
        typ = self.pick(self.scalar_types())
        operand = self.left_operand(typ, depth)
        word = "not in" if self.chance(40) else "in"
        env = self.env
        named = [n for n, t in env.lists.items() if (t.item == TEXT and typ == TEXT)
                 or (t.item is not None and t.item.is_numeric and typ.is_numeric)]
        list_fields = [f.name for f in env.fields if f.type.kind == "list" and f.type.item is not None
                       and (f.type.item == typ or (f.type.item.is_numeric and typ.is_numeric))]
        collection = self.choose([
            (True, lambda: self.list_lit(typ, list_of(typ))),
            (bool(named), lambda: self.pick(named)),
            (bool(list_fields), lambda: self.pick(list_fields)),
        ])
        return f"({operand} {word} {collection})"

    def missing(self, depth: int) -> str:
        optional = [f.name for f in self.env.fields if f.optional]
        if optional and self.chance(70):
            operand = self.pick(optional)
        else:
            operand = self.expr(self.pick([*self.scalar_types(), list_of(TEXT)]), depth, None)
        word = "is not missing" if self.chance(50) else "is missing"
        return f"({operand} {word})"

    def empty(self, depth: int) -> str:
        typ = self.pick((list_of(TEXT), list_of(INT)))  # a text is never empty: blank is missing
        operand = self.expr(typ, depth, None)
        word = "is not empty" if self.chance(50) else "is empty"
        return f"({operand} {word})"

    def text_test(self, depth: int) -> str:
        op = self.pick(("starts with", "ends with", "contains"))
        return f"({self.text(None)} {op} {self.text(TEXT)})"

    def list_contains(self, depth: int) -> str:
        item = self.pick((TEXT, INT))
        left = self.list_expr(item, None)
        right = self.text(TEXT) if item == TEXT else self.numeric(self.pick((INT, NUMBER, MONEY)), depth, INT)
        return f"({left} contains {right})"

    def logical(self, depth: int) -> str:
        op = self.pick(("and", "or"))
        count = self.draw(st.integers(2, 3))
        return "(" + f" {op} ".join(self.cond(depth) for _ in range(count)) + ")"

    def top_condition(self) -> str:
        """A rule's condition: sometimes a bare `a and b`, continued on the next line."""
        if self.chance(25):
            count = self.draw(st.integers(2, 3))
            word = self.pick(("and", "or"))
            joiner = f"\n      {word} " if self.chance(50) else f" {word} "
            return joiner.join(self.cond(self.max_depth) for _ in range(count))
        return self.cond(self.max_depth)


# ---- declarations --------------------------------------------------------------------------

SIMPLE_FIELD_TYPES: tuple[tuple[str, Type], ...] = (
    ("int", INT), ("number", NUMBER), ("money", MONEY), ("text", TEXT), ("yes/no", BOOL),
    ("date", DATE), ("datetime", DATETIME), ("duration", DURATION),
    ("list of text", list_of(TEXT)), ("list of int", list_of(INT)),
)


def _label(gen: Gen) -> str:
    return " " + gen.text_lit() if gen.chance(20) else ""


def _fields(gen: Gen, draw: Draw) -> list[str]:
    env = gen.env
    enums: list[Type] = []
    for _ in range(draw(st.integers(0, 2))):
        count = draw(st.integers(1, 4))
        members = tuple(draw(st.lists(st.sampled_from(ENUM_MEMBERS), min_size=count, max_size=count, unique=True)))
        enums.append(Type("enum", members=members))
    env.enums = enums
    lines = []
    for i in range(draw(st.integers(1, 9))):
        choices = [(s, t) for s, t in SIMPLE_FIELD_TYPES] + [("one of " + ", ".join(t.members), t) for t in enums]
        spelled, typ = gen.pick(choices)
        optional = gen.chance(40)
        column = f"Column {i}" if gen.chance(25) else None
        name = f"f{i}"
        env.fields.append(FieldSpec(name, typ, optional, column))
        line = f"{name}: {spelled}" + ("?" if optional else "") + (f" from {quote(column)}" if column else "")
        line += "  # a comment" if gen.chance(10) else ""
        lines.append(line)
    return ["lead {", *("  " + line for line in lines), "}"]


def _segment(gen: Gen, name: str) -> list[str]:
    count = gen.draw(st.integers(1, 4))
    criteria = [gen.cond(gen.max_depth) + _label(gen) for _ in range(count)]
    mode = gen.pick(("", "all of ", "any of ", "at least"))
    if mode == "at least":
        mode = f"at least {gen.draw(st.integers(1, count))} of "
    label = " " + gen.text_lit() if gen.chance(20) else ""
    return [f"segment {name}{label} {mode}{{", *("  " + c for c in criteria), "}"]


def _score(gen: Gen, name: str) -> list[str]:
    rules = []
    for _ in range(gen.draw(st.integers(0, 4))):
        points = gen.draw(st.one_of(st.sampled_from((0, 5, 10, 25)), st.integers(0, 60)))
        sign = "-" if gen.chance(35) else "+"
        if gen.env.events and gen.chance(50):
            rule = f"{sign}{points} per {gen.pick([*gen.env.events, 'event'])}"
            if gen.chance(70):
                rule += " " + gen.window()
            if gen.chance(60):
                rule += f", at most {gen.draw(st.sampled_from((0, 10, 20, 30, 100)))}"
        else:
            rule = f"{sign}{points} if {gen.cond(gen.max_depth)}"
        rules.append(rule + _label(gen))
    return [f"score {name}{_label(gen)} {{", *("  " + r for r in rules), "}"]


def _framework(gen: Gen, name: str) -> tuple[list[str], list[str]]:
    count = gen.draw(st.integers(1, 4))
    crit_names = [f"{name.lower()}_c{j}" for j in range(count)]
    items = [f"{c} : {gen.cond(gen.max_depth)}{_label(gen)}" for c in crit_names]
    kind = gen.pick(("none", "all", "any", "at least", "at least of", "expr"))
    rule = None
    if kind in ("all", "any"):
        rule = f"passes when {kind}"
    elif kind.startswith("at least"):
        rule = f"passes when at least {gen.draw(st.integers(1, count))}" + (f" of {count}" if kind.endswith("of") else "")
    elif kind == "expr":
        # over the criteria; now and then over other values too (the checker allows that)
        gen.env.criteria = crit_names
        gen.criteria_only = not gen.chance(25)
        rule = "passes when " + gen.cond(gen.max_depth)
        gen.env.criteria = []
        gen.criteria_only = False
    if rule is not None:
        items.insert(gen.draw(st.integers(0, len(items))), rule)
    return [f"framework {name}{_label(gen)} {{", *("  " + i for i in items), "}"], crit_names


def _qualify(gen: Gen) -> list[str]:
    lines = []
    for _ in range(gen.draw(st.integers(0, 6))):
        reason = " " + gen.text_lit() if gen.chance(25) else ""
        comment = "   # why" if gen.chance(15) else ""
        lines.append(f"{gen.pick(OUTCOMES)} when {gen.top_condition()}{reason}{comment}")
    lines.append(f"otherwise {gen.pick(OUTCOMES)}" + (" " + gen.text_lit() if gen.chance(20) else ""))
    return ["qualify {", *("  " + line for line in lines), "}"]


@st.composite
def policies(draw: Draw, max_depth: int = 2) -> PolicyCase:
    """A random well-typed policy, as text."""
    env = Env()
    gen = Gen(draw, env, draw(st.integers(1, max_depth)))
    blocks: list[list[str]] = [_fields(gen, draw)]
    env.events = [f"e{i}" for i in range(draw(st.integers(0, 4)))]
    if env.events:
        blocks.append(["events " + ", ".join(env.events)])
    for i in range(draw(st.integers(0, 2))):
        item = gen.pick((TEXT, INT))
        name = f"l{i}"
        blocks.append([f"list {name} = {gen.list_lit(item, None)}"])
        env.lists[name] = list_of(item)
    counts = {"segment": 0, "score": 0, "framework": 0}
    for kind in draw(st.lists(st.sampled_from(("segment", "score", "framework")), max_size=6)):
        i = counts[kind]
        counts[kind] += 1
        if kind == "segment":
            name = f"s{i}"
            blocks.append(_segment(gen, name))
            env.segments.append(name)
        elif kind == "score":
            name = f"sc{i}"
            blocks.append(_score(gen, name))
            env.scores.append(name)
        else:
            name = f"FW{i}"
            lines, crit_names = _framework(gen, name)
            blocks.append(lines)
            env.frameworks[name] = crit_names
    blocks.append(_qualify(gen))
    ordered = draw(st.permutations(blocks)) if gen.chance(50) else blocks
    header = ['policy "generated"'] + (['version "1"'] if gen.chance(50) else [])
    text = "\n".join(header) + "\n\n" + "\n\n".join("\n".join(b) for b in ordered) + "\n"
    return PolicyCase(text, tuple(env.fields), tuple(env.events), tuple(sorted(env.windows)))


def compiled(case: PolicyCase) -> qualdsl.Policy:
    """The policy compiled; the generator only makes policies the checker must accept."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", SyntaxWarning)  # the generated Python must compile cleanly
            return qualdsl.compile_text(case.text)
    except qualdsl.PolicyError as exc:  # pragma: no cover - a generator (or checker) bug
        raise AssertionError(f"the checker refused a generated policy:\n{exc}\n---\n{case.text}") from exc


# ---------------------------------------------------------------------------------
# leads and events


EXTREMES: dict[str, tuple[object, ...]] = {
    "int": (10**20, -(10**15), 10**29),
    "number": (Decimal("1E+35"), Decimal("-9.99E-30")),
    "money": (Decimal("1E+35"),),
    "date": (dt.date(9999, 12, 31), dt.date(1, 1, 1)),
    "datetime": (dt.datetime(9999, 12, 31, 23, 0, tzinfo=UTC), dt.datetime(1, 1, 2, tzinfo=UTC)),
    "duration": (dt.timedelta(days=10**8), dt.timedelta.max, dt.timedelta.min, dt.timedelta(days=-3)),
}


def _native(draw: Draw, typ: Type) -> object:
    """A value of the type, as a program would pass it; now and then one at the edge of its range."""
    kind = typ.kind
    if kind in EXTREMES and draw(st.integers(0, 99)) >= 97:
        return draw(st.sampled_from(EXTREMES[kind]))
    if kind == "int":
        return draw(st.one_of(st.sampled_from(INTS), st.integers(-10**6, 10**6)))
    if kind in ("number", "money"):
        return draw(st.one_of(
            st.sampled_from([Decimal(d) for d in DECIMALS]),
            st.sampled_from((Decimal(0), Decimal("-2.5"), Decimal("50"), Decimal("10000.00"), Decimal("1E+3")))
        ))
    if kind == "text":
        return draw(st.sampled_from(TEXTS))
    if kind == "bool":
        return draw(st.booleans())
    if kind == "date":
        return draw(st.sampled_from(DATES))
    if kind == "datetime":
        return draw(st.sampled_from(DATETIMES))
    if kind == "duration":
        return draw(st.sampled_from(tuple(duration_value(number_value(t.split()[0]), t.split()[1])
                                          for t in DURATION_TEXTS)))
    if kind == "enum":
        return draw(st.sampled_from(typ.members))
    assert kind == "list" and typ.item is not None
    return draw(st.lists(_native_strategy(typ.item), max_size=4))


def _native_strategy(typ: Type) -> st.SearchStrategy[object]:
    return st.composite(lambda draw: _native(draw, typ))()


def _as_text(draw: Draw, typ: Type, value: object) -> object:
    """The value written the way a CSV cell (or a loose JSON file) might give it."""
    kind = typ.kind
    if kind == "int":
        assert isinstance(value, int)
        return draw(st.sampled_from((str(value), f" {value} ", f"{value:,}", f"{value}.0")))
    if kind in ("number", "money"):
        assert isinstance(value, Decimal)
        forms: list[object] = [str(value), f" {value}"]
        if kind == "money" and value >= 0:
            forms += [f"${value:,}", f"€ {value}"]
        if value == value.to_integral_value():
            forms.append(int(value))
        return draw(st.sampled_from(forms))
    if kind == "text":
        assert isinstance(value, str)
        return draw(st.sampled_from((value, f"  {value}\t")))
    if kind == "bool":
        return draw(st.sampled_from(("yes", "Y", "true", "1", 1) if value else ("no", "N", "False", "0", 0)))
    if kind == "date":
        assert isinstance(value, dt.date)
        return draw(st.sampled_from((value.isoformat(), value.isoformat() + "T23:59:00")))
    if kind == "datetime":
        assert isinstance(value, dt.datetime)
        return draw(st.sampled_from((
            value.astimezone(UTC).isoformat().replace("+00:00", "Z"), value.astimezone(MINUS8).isoformat(),
            value.replace(tzinfo=None).isoformat(), value.replace(tzinfo=None),
        )))
    if kind == "duration":
        assert isinstance(value, dt.timedelta)
        if value < dt.timedelta(0):
            return value  # no text form: "-5 days" is refused
        seconds = value.days * 86400 + value.seconds  # exact: total_seconds() is a float
        spans: list[object] = [f"P{value.days}DT{value.seconds}S" if value.seconds else f"P{value.days}D"]
        if seconds % 86400 == 0:
            spans.append(f"{seconds // 86400} days")
        if seconds % 60 == 0:
            spans.append(f"{seconds // 60} minutes")
        return draw(st.sampled_from(spans))
    if kind == "enum":
        assert isinstance(value, str)
        return draw(st.sampled_from((value, value.upper(), " " + value.replace("_", "-") + " ", value.replace("_", " "))))
    assert kind == "list" and isinstance(value, list) and typ.item is not None
    if typ.item == TEXT and all(";" not in str(v) and str(v).strip() for v in value):
        return draw(st.sampled_from(("; ".join(str(v) for v in value), tuple(value))))
    return tuple(value)


MISSING = (None, "", "   ", float("nan"), Decimal("NaN"), Decimal("sNaN"))

WRONG: dict[str, tuple[object, ...]] = {
    "int": ("abc", 1.5, "1.5", True, [1], {"a": 1}, float("inf"), "1" * 40, "1E+999999"),
    "number": ("x", Decimal("Infinity"), True, "nan", [1], float("inf"), "1E+999999", "-1e-999999"),
    "money": ("ten dollars", True, "1.2.3", {"a": 1}, Decimal("-Infinity"), "$1E+999999"),
    "text": (True, [1], {"a": 1}, {"a"}),
    "bool": ("maybe", 2, 1.0, "", [True]),
    "date": (dt.datetime(2026, 1, 1, tzinfo=UTC), "30/11/2026", 5, "2026-13-01"),
    "datetime": (dt.date(2026, 1, 1), "yesterday", 5, "2026-11-31T00:00:00Z"),
    "duration": ("soon", 60, "60", "P", "-5 days"),
    "enum": ("zzz", 5, True),
    "list": (5, {"a"}, {"a": 1}, [None], [True, {}]),
}


@st.composite
def field_value(draw: Draw, field: FieldSpec, bad: bool) -> tuple[str, object] | None:
    """(key, value) for one field, or None to leave it out."""
    key = field.column if field.column is not None and draw(st.booleans()) else field.name
    if bad:
        wrong = WRONG["list" if field.type.kind == "list" else field.type.kind]
        value: object = draw(st.sampled_from(wrong))
        if value == "" and field.type.kind == "bool" and field.optional:
            value = "maybe"
        return key, value
    roll = draw(st.integers(0, 99))
    value = _native(draw, field.type)
    if roll < 55:
        return key, value
    if roll < 85 or not (field.optional or field.type.kind == "list"):
        return key, _as_text(draw, field.type, value)
    if roll < 93:
        return key, draw(st.sampled_from(MISSING))
    return None


@st.composite
def leads(draw: Draw, case: PolicyCase, wrong: int | None = None) -> dict[str, object]:
    """A lead for the policy: values of the right type, as objects or as texts, some missing,
    sometimes under the field's column name (or under both names, one of them blank).
    ``wrong`` is the index of a field to give a wrong value instead (or, for a required
    field, none at all): then both back ends must refuse the lead naming that field."""
    lead: dict[str, object] = {}
    for i, field in enumerate(case.fields):
        if i == wrong and not field.optional and field.type.kind != "list" and draw(st.booleans()):
            if draw(st.booleans()):
                lead[field.name] = draw(st.sampled_from(MISSING))
            continue  # a required field missing
        pair = draw(field_value(field, i == wrong))
        if pair is None:
            continue
        lead[pair[0]] = pair[1]
        if field.column is not None and i != wrong and draw(st.integers(0, 99)) >= 90:
            # both the name and the column: a blank one must give way to the other
            other = field.name if pair[0] == field.column else field.column
            lead[other] = draw(st.one_of(st.sampled_from(MISSING), field_value(field, False).map(
                lambda p: None if p is None else p[1])))
    return lead


def _edge_times(case: PolicyCase) -> list[dt.datetime]:
    tiny = dt.timedelta(microseconds=1)
    times = [NOW, NOW - tiny, NOW + tiny, NOW + dt.timedelta(days=1)]
    for window in case.windows:
        edge = NOW - window
        times += [edge, edge + tiny, edge - tiny, edge - dt.timedelta(seconds=1)]
    return times


# events that cannot be read, with the field the RecordError must name ({i}: their index)
BROKEN_EVENTS: tuple[tuple[Callable[[str], object], str], ...] = (
    (lambda name: ("not_an_event", NOW), "events[{i}].type"),
    (lambda name: (5, NOW), "events[{i}].type"),
    (lambda name: (name, "yesterday"), "events[{i}].at"),
    (lambda name: (name, dt.date(2026, 1, 1)), "events[{i}].at"),
    (lambda name: {"type": name}, "events[{i}].at"),
    (lambda name: (name, NOW, "extra"), "events"),
)


@st.composite
def event_histories(draw: Draw, case: PolicyCase, broken: bool = False) -> tuple[list[object], str | None]:
    """Events around ``NOW``: many at window edges, some in the future, in several forms;
    with ``broken``, one that cannot be read, and the field the refusal must name."""
    names = list(case.events) or ["undeclared"]
    edges = _edge_times(case)
    out: list[object] = []
    for _ in range(draw(st.integers(0, 8)) if case.events else 0):
        name = draw(st.sampled_from(names))
        when: dt.datetime = draw(st.one_of(
            st.sampled_from(edges),
            st.integers(-3 * 86400, 400 * 86400).map(lambda s: NOW - dt.timedelta(seconds=s)),
        ))
        form = draw(st.integers(0, 99))
        if form < 70:
            out.append((name, when))
        elif form < 78:
            out.append((name, when.astimezone(PLUS5)))
        elif form < 84:
            out.append((name, when.astimezone(UTC).replace(tzinfo=None)))
        elif form < 92:
            out.append((name, when.isoformat()))
        else:
            out.append({"type": name, "at": when})
    if not broken:
        return out, None
    make, field = draw(st.sampled_from(BROKEN_EVENTS))
    index = draw(st.integers(0, len(out)))
    out.insert(index, make(names[0]))
    if not case.events and field.endswith(".at"):
        field = "events[{i}].type"  # no event is declared: its type is wrong first
    return out, field.format(i=index)


@attrs.frozen
class LeadInput:
    """One lead and its events; ``refused`` names the field a RecordError must name, if any."""

    lead: dict[str, object]
    events: list[object]
    refused: str | None


@st.composite
def lead_inputs(draw: Draw, case: PolicyCase, min_size: int = 20, max_size: int = 40) -> list[LeadInput]:
    """Leads to evaluate against one policy; about one in ten cannot be read."""
    out = []
    for _ in range(draw(st.integers(min_size, max_size))):
        roll = draw(st.integers(0, 99))
        wrong = draw(st.integers(0, len(case.fields) - 1)) if roll >= 93 and case.fields else None
        lead = draw(leads(case, wrong))
        events, refused = draw(event_histories(case, broken=88 <= roll < 93 or (roll >= 93 and not case.fields)))
        if wrong is not None:
            refused = case.fields[wrong].name  # the lead is read before its events
        out.append(LeadInput(lead, events, refused))
    return out

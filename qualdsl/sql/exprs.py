"""Checked expressions (``qualdsl.model``) to SQL expressions, with the interpreter's meaning.

SQL's NULL is the interpreter's unknown, and SQL's AND / OR / NOT are Kleene's, as
``interpret.kleene_and`` is. Where SQL differs from the interpreter the translation
says so: ``BETWEEN`` is unknown as soon as one bound is (SQL can give false), an
empty ``IN ()`` does not parse, texts compare folded on both sides, division by
zero and time arithmetic out of range give NULL. Parts of an expression that do
not depend on the lead (literals, named lists, ``now``) are computed here, by the
interpreter itself, and become literals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal

import attrs
from sqlglot import exp

from qualdsl import model as m
from qualdsl.interpret import Interpreter
from qualdsl.nullability import Nullability
from qualdsl.sql import sqlx as x
from qualdsl.sql.reading import (
    DATE_MAX,
    DATE_MIN,
    DAY_US,
    DT_MAX,
    DT_MIN,
    TD_MAX,
    TD_MIN,
    days,
    in_range,
    micros,
    round_half_even,
)
from qualdsl.sql.sqlx import Expr
from qualdsl.types import Type

FOLDED_KINDS = frozenset({"text", "enum"})
LEAD_NODES = (m.FieldRef, m.SegmentRef, m.ScoreRef, m.FrameworkPass, m.CriterionRef, m.EventCount,
              m.CriteriaCount, m.OutcomeIs)


class SqlUnsupported(Exception):
    """A policy construct the SQL back end cannot express (yet); the message names it."""


def sql_type(typ: Type) -> exp.DataType:
    kind = typ.kind
    if kind == "int" or kind in ("datetime", "duration"):
        return x.INTDEC
    if kind in ("number", "money"):
        return x.DEC
    if kind == "bool":
        return exp.DataType.build("BOOLEAN")
    if kind == "date":
        return x.BIGINT
    return x.TEXT


def literal(value: object, typ: Type) -> Expr:
    """A value of the interpreter as a SQL literal in the representation of ``reading``."""
    if value is None:
        return x.cast(x.null(), sql_type(typ))
    if isinstance(value, bool):
        return x.true() if value else x.false()
    if isinstance(value, dt.datetime):
        return x.cast(x.n(micros(value)), x.INTDEC)
    if isinstance(value, dt.date):
        return x.n(days(value))
    if isinstance(value, dt.timedelta):
        return x.cast(x.n(micros(value)), x.INTDEC)
    if isinstance(value, str):
        return x.s(value)
    if isinstance(value, int):
        if typ.kind in ("number", "money"):
            return x.cast(x.n(value), x.DEC)
        return x.cast(x.n(value), x.INTDEC)
    if isinstance(value, Decimal):
        if typ.kind == "int" and value == value.to_integral_value():
            return x.cast(x.n(int(value)), x.INTDEC)
        return x.cast(x.n(f"{value:f}"), x.DEC)
    raise SqlUnsupported(f"a value {value!r} of type {typ.describe()} in SQL")


def wrapped_items(values: tuple[object, ...]) -> str:
    """A constant list in the representation of list fields (see ``reading.wrap``)."""
    return "".join(f";{v};" for v in values)


@attrs.define
class Scope:
    """What the names of the policy are in the CTE being written: SQL expressions (columns)."""

    fields: dict[str, Expr] = attrs.Factory(dict)
    counters: dict[tuple[str | None, dt.timedelta | None], Expr] = attrs.Factory(dict)
    segments: dict[str, Expr] = attrs.Factory(dict)
    scores: dict[str, Expr] = attrs.Factory(dict)
    frameworks: dict[str, Expr] = attrs.Factory(dict)
    criteria: dict[tuple[str, str], Expr] = attrs.Factory(dict)


class ExprSql:
    """Translates one expression at a time; ``scope`` is updated as derived values are added."""

    def __init__(self, policy: m.PolicyModel, now: dt.datetime, dialect: str, scope: Scope) -> None:
        self.policy = policy
        self.now = now
        self.dialect = dialect
        self.scope = scope
        self._nullability = Nullability(policy)
        self._constants = Interpreter(policy, {}, (), now)

    # ---- helpers ----------------------------------------------------------------------
    def constant(self, e: m.Expr) -> bool:
        return not any(isinstance(node, LEAD_NODES) for node in m.walk(e))

    def value(self, e: m.Expr) -> object:
        return self._constants.eval(e)

    def nullable(self, e: m.Expr) -> bool:
        """Whether ``e`` may be NULL in SQL (as ``codegen`` works out where unknown can arise)."""
        if isinstance(e, m.Const):
            return e.value is None
        if self.constant(e) and e.type.kind != "list":
            return self.value(e) is None
        return self._nullability(e)

    def folded(self, e: m.Expr) -> Expr:
        """The expression, case-folded when it is a text or a choice (constants folded here)."""
        if e.type.kind in FOLDED_KINDS:
            if self.constant(e):
                value = self.value(e)
                return literal(value.casefold() if isinstance(value, str) else value, e.type)
            return x.fold(self.sql(e))
        return self.sql(e)

    # ---- the translation -------------------------------------------------------------------
    def sql(self, e: m.Expr) -> Expr:
        if self.constant(e) and e.type.kind != "list" and not isinstance(e, m.Const):
            return literal(self.value(e), e.type)
        method: Callable[[m.Expr], Expr] = getattr(self, "_" + type(e).__name__.lower())
        return method(e)

    def _const(self, e: m.Const) -> Expr:
        if isinstance(e.value, tuple):
            return x.s(wrapped_items(e.value))
        return literal(e.value, e.type)

    def _fieldref(self, e: m.FieldRef) -> Expr:
        return self.scope.fields[e.name]

    def _segmentref(self, e: m.SegmentRef) -> Expr:
        return self.scope.segments[e.name]

    def _scoreref(self, e: m.ScoreRef) -> Expr:
        return self.scope.scores[e.name]

    def _frameworkpass(self, e: m.FrameworkPass) -> Expr:
        return self.scope.frameworks[e.name]

    def _criterionref(self, e: m.CriterionRef) -> Expr:
        found = self.scope.criteria.get((e.framework, e.criterion))
        if found is not None:
            return found
        framework = self.policy.frameworks[e.framework]
        return self.sql(next(c.expr for c in framework.criteria if c.name == e.criterion))

    def _eventcount(self, e: m.EventCount) -> Expr:
        return self.scope.counters[(e.event, e.window)]

    def _nowref(self, e: m.NowRef) -> Expr:
        return literal(self.now, e.type)

    def _compare(self, e: m.Compare) -> Expr:
        if e.left.type.kind == "list" or e.right.type.kind == "list":
            return self._compare_lists(e)
        left, right = self.folded(e.left), self.folded(e.right)
        if e.left.type.kind in FOLDED_KINDS:
            left, right = x.collate_text(left, self.dialect), x.collate_text(right, self.dialect)
        return x.binary(e.op, left, right)

    def _compare_lists(self, e: m.Compare) -> Expr:
        """Lists are equal when they have the same items in the same order (case counts: the
        interpreter folds texts, not tuples)."""
        sides: list[Expr] = []
        for side in (e.left, e.right):
            self._list_items_supported(side)
            if self.constant(side):
                values = self.value(side)
                assert isinstance(values, tuple)
                if any(isinstance(v, str) and (";" in v or not v) for v in values):
                    # no list read from text holds such an item: never equal (unless unknown)
                    return self._unless_unknown([e.left, e.right], x.true() if e.op == "!=" else x.false())
                sides.append(x.s(wrapped_items(values)))
            else:
                sides.append(self.sql(side))
        return x.binary(e.op, sides[0], sides[1])

    def _unless_unknown(self, operands: list[m.Expr], known: Expr) -> Expr:
        """``known``, or NULL when one of ``operands`` is (an optional list, say)."""
        unknown = [x.is_null(self.sql(o)) for o in operands if self.nullable(o)]
        if not unknown:
            return known
        return x.case((x.or_(*unknown), x.cast(x.null(), exp.DataType.build("BOOLEAN"))), default=known)

    def _list_items_supported(self, e: m.Expr) -> None:
        item = e.type.item
        if self.constant(e) or item is None or item.kind in ("text", "enum"):
            return
        raise SqlUnsupported(
            f"line {e.span.line}: comparing or searching a list of {item.describe()} read from the lead "
            "is not supported by the SQL back end (lists of texts and choices are)"
        )

    def _between(self, e: m.Between) -> Expr:
        parts = [e.operand, e.low, e.high]
        operand, low, high = (self.folded(p) for p in parts)
        if e.operand.type.kind in FOLDED_KINDS:
            operand, low, high = (x.collate_text(v, self.dialect) for v in (operand, low, high))
        test = x.and_(x.binary(">=", operand, low), x.binary("<=", operand, high))
        unknown = [x.is_null(v) for p, v in zip(parts, (operand, low, high), strict=True) if self.nullable(p)]
        if not unknown:
            return test
        # SQL's BETWEEN is false when x is below a known bound and the other one is NULL;
        # the interpreter says unknown as soon as any of the three is
        return x.case((x.or_(*unknown), x.cast(x.null(), sql_type(e.type))), default=test)

    def _inlist(self, e: m.InList) -> Expr:
        if self.constant(e.items):
            values = self.value(e.items)
            assert isinstance(values, tuple)
            operand = self.folded(e.operand)
            if not values:
                found: Expr = x.false()
                if self.nullable(e.operand):
                    found = x.case((x.is_null(operand), x.cast(x.null(), sql_type(e.type))), default=x.false())
                return x.not_(found) if e.negated else found
            items = [literal(v.casefold() if isinstance(v, str) else v, e.operand.type) for v in values]
            node = x.in_(operand, items)
            return x.not_(node) if e.negated else node
        self._list_items_supported(e.items)
        needle_is_const = self.constant(e.operand)
        if needle_is_const:
            needle = self.value(e.operand)
            if needle is None:
                return x.cast(x.null(), sql_type(e.type))
            assert isinstance(needle, str)
            if ";" in needle or not needle:
                return self._unless_unknown([e.items], x.true() if e.negated else x.false())
        operand = self.folded(e.operand)
        haystack = x.fold(self.sql(e.items))
        test = x.binary(">", x.strpos(haystack, x.concat(x.s(";"), operand, x.s(";"))), x.n(0))
        if not needle_is_const and e.operand.type.kind == "text":
            test = x.and_(test, x.eq(x.strpos(operand, x.s(";")), x.n(0)))
        return x.not_(test) if e.negated else test

    def _ismissing(self, e: m.IsMissing) -> Expr:
        if not self.nullable(e.operand):
            return x.true() if e.negated else x.false()
        value = self.sql(e.operand)
        return x.not_null(value) if e.negated else x.is_null(value)

    def _isempty(self, e: m.IsEmpty) -> Expr:
        value = self.sql(e.operand)
        if e.operand.type.kind == "list":
            return x.binary("!=" if e.negated else "=", value, x.s(""))
        return x.binary("!=" if e.negated else "=", x.length(value), x.n(0))

    def _texttest(self, e: m.TextTest) -> Expr:
        left = self.folded(e.left)
        if self.constant(e.right) and self.value(e.right) == "":
            # every text starts with, ends with and contains the empty text
            if not self.nullable(e.left):
                return x.true()
            return x.case((x.is_null(left), x.cast(x.null(), sql_type(e.type))), default=x.true())
        right = self.folded(e.right)
        if e.op == "starts with":
            return x.eq(x.substr(left, 1, x.length(right)), right)
        if e.op == "ends with":
            return x.eq(exp.Right(this=left, expression=x.length(right)), right)
        return x.binary(">", x.strpos(left, right), x.n(0))

    def _logical(self, e: m.Logical) -> Expr:
        items = [self.sql(i) for i in e.items]
        return x.and_(*items) if e.op == "and" else x.or_(*items)

    def _not(self, e: m.Not) -> Expr:
        return x.not_(self.sql(e.operand))

    def _neg(self, e: m.Neg) -> Expr:
        value = self.sql(e.operand)
        if e.type.kind == "duration":
            return _checked(x.neg(value), TD_MIN, TD_MAX)
        return x.cast(x.neg(value), sql_type(e.type))

    def _arith(self, e: m.Arith) -> Expr:
        kinds = (e.left.type.kind, e.right.type.kind)
        left, right = self.sql(e.left), self.sql(e.right)
        if e.type.is_numeric:
            return _numeric(e.op, left, right, sql_type(e.type))
        if kinds == ("datetime", "datetime"):
            return x.binary("-", left, right)
        if kinds == ("duration", "duration"):
            return _checked(x.binary(e.op, left, right), TD_MIN, TD_MAX)
        if e.type.kind == "datetime":
            return _checked(x.binary(e.op, left, right), DT_MIN, DT_MAX)
        if e.type.kind == "date":
            day, span = (left, right) if kinds[0] == "date" else (right, left)
            return _date_shift(day, span, e.op)
        # a duration times or divided by a number
        span, number = (left, right) if kinds[0] == "duration" else (right, left)
        factor = x.cast(number, x.DEC)
        if e.op == "*":
            scaled = x.binary("*", span, factor)
        else:
            scaled = x.binary("/", x.cast(span, x.DEC), exp.Nullif(this=factor, expression=x.n(0)))
        return _checked(round_half_even(scaled), TD_MIN, TD_MAX)

    def _criteriacount(self, e: m.CriteriaCount) -> Expr:
        framework = self.policy.frameworks[e.framework]
        refs: list[m.Expr] = [
            m.CriterionRef(e.framework, c.name, c.expr.type, c.expr.nullable, c.span) for c in framework.criteria
        ]
        return self.combine("at least", e.need, refs)

    def _outcomeis(self, e: m.OutcomeIs) -> Expr:
        raise SqlUnsupported(f"line {e.span.line}: `qualified as` (lifecycle guards) has no SQL form")

    # ---- groups --------------------------------------------------------------------------------
    def combine(self, mode: str, need: int, items: list[m.Expr]) -> Expr:
        """`all` / `any` / `at least N` over three-valued items, as ``interpret.combine``."""
        codes = [self.sql(i) for i in items]
        if mode == "all":
            return x.and_(*codes)
        if mode == "any":
            return x.or_(*codes)
        true = _sum([x.case((c, x.n(1)), default=x.n(0)) for c in codes])
        unknowns = [x.case((x.is_null(c), x.n(1)), default=x.n(0)) for c, i in zip(codes, items, strict=True)
                    if self.nullable(i)]
        if not unknowns:
            return x.binary(">=", true, x.n(need))
        return x.case(
            (x.binary(">=", true, x.n(need)), x.true()),
            (x.binary("<", x.binary("+", true, _sum(unknowns)), x.n(need)), x.false()),
            default=x.cast(x.null(), exp.DataType.build("BOOLEAN")),
        )


def _sum(items: Sequence[Expr]) -> Expr:
    out = items[0]
    for item in items[1:]:
        out = x.binary("+", out, item)
    return out


def _numeric(op: str, left: Expr, right: Expr, to: exp.DataType) -> Expr:
    """Exact decimal arithmetic; ``x / 0`` is NULL (unknown), as in the interpreter."""
    if op == "/":
        quotient = x.binary("/", x.cast(left, x.DEC), exp.Nullif(this=x.cast(right, x.DEC), expression=x.n(0)))
        return x.cast(quotient, x.DEC)
    return x.cast(x.binary(op, left, right), to)


def _checked(value: Expr, low: int, high: int) -> Expr:
    """NULL outside [low, high]: where Python's dates, times and durations end (OverflowError,
    which the interpreter turns into unknown)."""
    return x.case((in_range(value, low, high), value))


def _date_shift(day: Expr, span: Expr, op: str) -> Expr:
    """``date ± duration``: Python moves a date by the duration's whole days (``timedelta.days``,
    rounded down); out of the range of dates it is unknown."""
    whole_days = x.floor_div(x.cast(span, x.BIGINT), DAY_US)
    moved = x.binary(op, x.cast(day, x.BIGINT), whole_days)
    limit = (DATE_MAX - DATE_MIN + 1) * DAY_US
    # nested, so that the BIGINT cast only runs on spans that fit (AND need not short-circuit)
    return x.case((x.binary("<", exp.Abs(this=span), x.n(limit)), _checked(moved, DATE_MIN, DATE_MAX)))


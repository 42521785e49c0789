"""Pass 3: resolve the names in an expression and give every node its type."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

from qualdsl import model as m
from qualdsl import nodes as n
from qualdsl.check.limits import DEPTH_HINT, MAX_LEVELS
from qualdsl.check.literals import duration_value, number_value, parse_date, parse_datetime
from qualdsl.check.scope import KIND_WORDS, RESERVED_EVENT, Scope, suggest
from qualdsl.errors import error, warning
from qualdsl.source import Span
from qualdsl.types import (
    BOOL,
    DATE,
    DATETIME,
    DURATION,
    INT,
    MONEY,
    NUMBER,
    ORDERED_KINDS,
    TEXT,
    Type,
    comparable,
    list_of,
    numeric_result,
)


class Derivations(Protocol):
    """Checks a segment, score or framework on first use (and finds cycles)."""

    def segment(self, name: str, span: Span) -> m.Segment | None: ...

    def score(self, name: str, span: Span) -> m.Score | None: ...

    def framework(self, name: str, span: Span) -> m.Framework | None: ...

    def field_type(self, name: str) -> m.Field | None: ...

    def chain(self) -> list[tuple[str, str]]: ...


class ExprChecker:
    """Types expressions in one context. ``criteria`` names a framework's own criteria
    (inside its ``passes when``); ``outcomes`` lets a test's ``expect`` name an outcome."""

    def __init__(
        self,
        scope: Scope,
        derivations: Derivations,
        criteria: Mapping[str, m.Criterion] | None = None,
        framework: str = "",
        allow_outcomes: bool = False,
    ) -> None:
        self.scope = scope
        self.derive = derivations
        self.criteria = criteria or {}
        self.framework = framework
        self.allow_outcomes = allow_outcomes

    # ---- entry points -----------------------------------------------------
    def condition(self, expr: n.Expr) -> m.Expr | None:
        """An expression that must be yes/no."""
        typed = self.infer(expr)
        if typed is None:
            return None
        if typed.type != BOOL:
            self.scope.report(error(
                "E201", f"a condition must be yes or no, but this is {typed.type.describe()}",
                expr.span, _condition_hint(typed),
            ))
            return None
        return typed

    def infer(self, expr: n.Expr, expect: Type | None = None) -> m.Expr | None:
        scope = self.scope
        if scope.depth >= MAX_LEVELS:
            # a long chain of segments built on one another: stop before Python's recursion limit
            if not scope.too_deep:
                scope.too_deep = True
                chain = [f"{kind} `{name}`" for kind, name in self.derive.chain()]
                shown = chain if len(chain) <= 6 else [*chain[:3], "…", *chain[-2:]]
                through = f" (through {' → '.join(shown)})" if shown else ""
                scope.report(error(
                    "E181", f"this condition is nested more than {MAX_LEVELS} levels deep, counting the segments, "
                    f"scores and frameworks it uses{through}", expr.span, DEPTH_HINT,
                ))
            return None
        scope.depth += 1
        try:
            method = getattr(self, "_" + type(expr).__name__.lower())
            result: m.Expr | None = method(expr, expect)
        finally:
            scope.depth -= 1
        return result

    # ---- literals -----------------------------------------------------------
    def _number(self, expr: n.Number, expect: Type | None) -> m.Expr | None:
        try:
            value = number_value(expr.text)
        except ValueError as exc:
            self.scope.report(error("E210", f"this number is too large: {exc}", expr.span))
            return None
        if expect is not None and expect.kind == "money":
            return m.Const(Decimal(value), MONEY, expr.span)
        if expect is not None and expect.kind == "duration":
            self.scope.report(error(
                "E202", "a duration needs a unit", expr.span,
                f"write e.g. `{expr.text} days`; units are minutes, hours, days and weeks",
            ))
            return None
        if isinstance(value, Decimal):
            return m.Const(value, NUMBER, expr.span)
        return m.Const(value, INT, expr.span)

    def _duration(self, expr: n.Duration, expect: Type | None) -> m.Expr | None:
        try:
            value = duration_value(number_value(expr.amount.text), expr.unit)
        except ValueError as exc:
            self.scope.report(error("E210", f"this duration is out of range: {exc}", expr.span))
            return None
        return m.Const(value, DURATION, expr.span)

    def _string(self, expr: n.String, expect: Type | None) -> m.Expr | None:
        if expect is not None and expect.kind == "enum":
            return self._enum_member(expr.value, expr.span, expect)
        if expect is not None and expect.kind in ("date", "datetime"):
            try:
                value: object = (
                    parse_date(expr.value) if expect.kind == "date" else parse_datetime(expr.value)
                )
            except ValueError:
                example = "2026-12-25" if expect.kind == "date" else "2026-12-25T09:00:00Z"
                what = "a date" if expect.kind == "date" else "a date and time"
                self.scope.report(error(
                    "E203", f'"{expr.value}" is not {what}', expr.span,
                    f'write year-month-day, e.g. "{example}"',
                ))
                return None
            return m.Const(value, expect, expr.span)
        return m.Const(expr.value, TEXT, expr.span)

    def _bool(self, expr: n.Bool, expect: Type | None) -> m.Expr | None:
        return m.Const(expr.value, BOOL, expr.span)

    def _now(self, expr: n.Now, expect: Type | None) -> m.Expr | None:
        return m.NowRef(DATETIME, False, expr.span)

    def _listlit(self, expr: n.ListLit, expect: Type | None) -> m.Expr | None:
        item_expect = expect.item if expect is not None and expect.kind == "list" else None
        items: list[m.Const] = []
        for item in expr.items:
            typed = self.infer(item, item_expect)
            if typed is None:
                return None
            if not isinstance(typed, m.Const):
                self.scope.report(error(
                    "E204", "a list holds fixed values: texts, numbers or choices", item.span,
                    'write e.g. `["software", "fintech"]`',
                ))
                return None
            if items and not comparable(items[0].type, typed.type):
                self.scope.report(error(
                    "E205", f"this list mixes {items[0].type.describe()} and {typed.type.describe()}",
                    item.span, "put values of one kind in a list",
                ))
                return None
            item_expect = item_expect or typed.type
            items.append(typed)
        item_type = _widest([i.type for i in items]) if items else item_expect
        values = tuple(_coerce(i.value, item_type) for i in items)
        return m.Const(values, list_of(item_type) if item_type else Type("list"), expr.span)

    def _enum_member(self, value: str, span: Span, enum: Type) -> m.Expr | None:
        if value in enum.members:
            return m.Const(value, enum, span)
        hint = suggest(value, enum.members) or "to allow it, add it to the field's `one of` list in the lead block"
        self.scope.report(error("E206", f"`{value}` is not one of the choices: {', '.join(enum.members)}", span, hint))
        return None

    # ---- names ------------------------------------------------------------------
    def _name(self, expr: n.Name, expect: Type | None) -> m.Expr | None:
        name = expr.name
        if name in self.criteria:
            crit = self.criteria[name]
            return m.CriterionRef(self.framework, name, BOOL, _nullable(crit.expr), expr.span)
        kind = self.scope.kind_of(name)
        if kind is not None:
            self.scope.used.add((kind, name))
        if kind == "field":
            field = self.derive.field_type(name)
            if field is None:
                return None
            return m.FieldRef(name, field.type, field.optional, expr.span)
        if kind == "segment":
            segment = self.derive.segment(name, expr.span)
            if segment is None:
                return None
            nullable = any(_nullable(c.expr) for c in segment.criteria)
            return m.SegmentRef(name, BOOL, nullable, expr.span)
        if kind == "score":
            if self.derive.score(name, expr.span) is None:
                return None
            return m.ScoreRef(name, INT, False, expr.span)
        if kind == "framework":
            self.scope.report(error(
                "E207", f"`{name}` is a framework: say what you ask of it", expr.span,
                f"write `{name} passes`, or `{name}.CRITERION` for one of its criteria",
            ))
            return None
        if kind == "event":
            count = m.EventCount(name, None, INT, False, expr.span)
            return m.Compare(">=", count, m.Const(1, INT, expr.span), BOOL, False, expr.span)
        if kind == "list":
            return self.infer(self.scope.lists[name].items, expect)
        if expect is not None and expect.kind == "enum":
            return self._enum_member(name, expr.span, expect)
        return self._unknown_name(expr, expect)

    def _unknown_name(self, expr: n.Name, expect: Type | None = None) -> m.Expr | None:
        name = expr.name
        if name in self.scope.outcomes:
            self.scope.report(error(
                "E108", f"`{name}` is an outcome of the qualify block, not a value", expr.span,
                f"to build on the rule for `{name}`, move its condition into a segment and use the segment in both rules",
            ))
            return None
        if name == RESERVED_EVENT:
            self.scope.report(error(
                "E109", "`event` means any event, and works only in a time window", expr.span,
                "write e.g. `no event in last 60 days`",
            ))
            return None
        candidates = self.scope.all_names() + list(self.criteria)
        hint = suggest(name, candidates)
        if not hint and expect is not None and expect.kind in ("text", "list"):
            hint = f'a text is written in double quotes: "{name}"'
        self.scope.report(error(
            "E102", f"unknown name `{name}`", expr.span,
            hint or "declare it as a lead field, an event, a list, a segment, a score or a framework",
        ))
        return None

    def _member(self, expr: n.Member, expect: Type | None) -> m.Expr | None:
        owner = expr.owner.name
        if owner not in self.scope.frameworks:
            kind = self.scope.kind_of(owner)
            what = f"`{owner}` is {KIND_WORDS[kind]}" if kind else f"unknown framework `{owner}`"
            self.scope.report(error(
                "E103", f"{what}; `X.criterion` works only on frameworks", expr.owner.span,
                suggest(owner, self.scope.frameworks) if not kind else "",
            ))
            return None
        self.scope.used.add(("framework", owner))
        framework = self.derive.framework(owner, expr.span)
        if framework is None:
            return None
        for crit in framework.criteria:
            if crit.name == expr.name.name:
                return m.CriterionRef(owner, crit.name, BOOL, _nullable(crit.expr), expr.span)
        self.scope.report(error(
            "E105", f"framework `{owner}` has no criterion `{expr.name.name}`", expr.name.span,
            suggest(expr.name.name, [c.name for c in framework.criteria])
            or "its criteria are " + ", ".join(c.name for c in framework.criteria),
        ))
        return None

    def _passes(self, expr: n.Passes, expect: Type | None) -> m.Expr | None:
        name = expr.framework.name
        if name not in self.scope.frameworks:
            kind = self.scope.kind_of(name)
            if kind is not None:
                self.scope.used.add((kind, name))
                message = f"`{name}` is {KIND_WORDS[kind]}; only a framework `passes`"
                hint = f"write just `{name}`" if kind == "segment" else ""
            else:
                message = f"unknown framework `{name}`"
                hint = suggest(name, self.scope.frameworks) or "declare it with `framework`, or `use` a file that does"
            self.scope.report(error("E106", message, expr.framework.span, hint))
            return None
        self.scope.used.add(("framework", name))
        framework = self.derive.framework(name, expr.span)
        if framework is None:
            return None
        nullable = any(_nullable(c.expr) for c in framework.criteria) or (
            framework.rule is not None and _nullable(framework.rule)
        )
        return m.FrameworkPass(name, BOOL, nullable, expr.span)

    # ---- events -------------------------------------------------------------------
    def _event_name(self, name: n.Name, allow_any: bool) -> str | bool | None:
        """The event's name, None for `event` (any), or False after reporting an error."""
        if name.name == RESERVED_EVENT and allow_any:
            return None
        if name.name in self.scope.events:
            self.scope.used.add(("event", name.name))
            return name.name
        kind = self.scope.kind_of(name.name)
        if kind is not None:
            self.scope.report(error(
                "E107", f"`{name.name}` is {KIND_WORDS[kind]}, not an event", name.span,
                "time windows and `per` count events declared with `events`",
            ))
        else:
            self.scope.report(error(
                "E102", f"unknown event `{name.name}`", name.span,
                suggest(name.name, self.scope.events) or "declare it in an `events` line",
            ))
        return False

    def _window(self, duration: n.Duration | None) -> m.Expr | bool | None:
        if duration is None:
            return None
        typed = self._duration(duration, None)
        return False if typed is None else typed

    def event_count(self, event: n.Name, window: n.Duration | None, span: Span, allow_any: bool) -> m.EventCount | None:
        name = self._event_name(event, allow_any)
        typed_window = self._window(window)
        if name is False or typed_window is False:
            return None
        delta = typed_window.value if isinstance(typed_window, m.Const) else None
        return m.EventCount(name if isinstance(name, str) else None, delta, INT, False, span)  # type: ignore[arg-type]

    def _countof(self, expr: n.CountOf, expect: Type | None) -> m.Expr | None:
        return self.event_count(expr.event, expr.window, expr.span, allow_any=True)

    def _eventinwindow(self, expr: n.EventInWindow, expect: Type | None) -> m.Expr | None:
        if not isinstance(expr.event, n.Name):
            self.scope.report(error(
                "E107", "`in last ...` counts events: put an event name before it", expr.event.span,
                "e.g. `demo_watched in last 60 days`",
            ))
            return None
        count = self.event_count(expr.event, expr.window, expr.span, allow_any=True)
        if count is None:
            return None
        return m.Compare(">=", count, m.Const(1, INT, expr.span), BOOL, False, expr.span)

    def _noeventinwindow(self, expr: n.NoEventInWindow, expect: Type | None) -> m.Expr | None:
        count = self.event_count(expr.event, expr.window, expr.span, allow_any=True)
        if count is None:
            return None
        return m.Compare("=", count, m.Const(0, INT, expr.span), BOOL, False, expr.span)

    # ---- operators --------------------------------------------------------------------
    def _logical(self, expr: n.Logical, expect: Type | None) -> m.Expr | None:
        # a chain `a and b and c ...` is checked as one list, without recursion: it may be long
        operands: list[n.Expr] = []
        pending: list[n.Expr] = [expr]
        while pending:
            node = pending.pop()
            if isinstance(node, n.Logical) and node.op == expr.op:
                pending.extend((node.right, node.left))
            else:
                operands.append(node)
        typed = [self._side(operand, expr.op) for operand in operands]
        items: list[m.Expr] = []
        for side in typed:
            if side is None:
                return None
            if isinstance(side, m.Logical) and side.op == expr.op:
                items.extend(side.items)
            else:
                items.append(side)
        nullable = any(_nullable(i) for i in items)
        return m.Logical(expr.op, tuple(items), BOOL, nullable, expr.span)

    def _side(self, operand: n.Expr, op: str) -> m.Expr | None:
        """One side of `and` / `or`: `industry = "a" or "b"` gets a hint of its own."""
        if isinstance(operand, (n.String, n.Number, n.ListLit)):
            typed = self.infer(operand)
            if typed is None:
                return None
            self.scope.report(error(
                "E201", f"a condition must be yes or no, but this is {typed.type.describe()}", operand.span,
                f'each side of `{op}` is a whole condition, e.g. `industry = "software" {op} industry = "fintech"`; '
                'for several values of one field write `industry in ["software", "fintech"]`',
            ))
            return None
        return self.condition(operand)

    def _not(self, expr: n.Not, expect: Type | None) -> m.Expr | None:
        operand = self.condition(expr.operand)
        if operand is None:
            return None
        return m.Not(operand, BOOL, _nullable(operand), expr.span)

    def _pair(self, left: n.Expr, right: n.Expr) -> tuple[m.Expr, m.Expr] | None:
        """Type two operands, letting the known side tell a choice or date literal its type."""
        first = self.infer(left)
        if first is None:
            return None
        second = self.infer(right, first.type)
        if second is None:
            return None
        if isinstance(first, m.Const) and not isinstance(second, m.Const) and first.type == TEXT:
            retyped = self.infer(left, second.type)
            if retyped is None:
                return None
            first = retyped
        return first, second

    def _compare(self, expr: n.Compare, expect: Type | None) -> m.Expr | None:
        pair = self._pair(expr.left, expr.right)
        if pair is None:
            return None
        left, right = pair
        if not comparable(left.type, right.type):
            self.scope.report(error(
                "E208", f"cannot compare {left.type.describe()} with {right.type.describe()}",
                expr.span, _compare_hint(left, right),
            ))
            return None
        if expr.op not in ("=", "!=") and left.type.kind not in ORDERED_KINDS:
            self.scope.report(error(
                "E209", f"`{expr.op}` does not apply to {left.type.describe()}", expr.span,
                "only numbers, money, dates, times, durations and texts have an order; use `=` or `!=`",
            ))
            return None
        left, right = _align_numeric(left, right)
        return m.Compare(expr.op, left, right, BOOL, _nullable(left) or _nullable(right), expr.span)

    def _between(self, expr: n.Between, expect: Type | None) -> m.Expr | None:
        operand = self.infer(expr.operand)
        if operand is None:
            return None
        low = self.infer(expr.low, operand.type)
        high = self.infer(expr.high, operand.type)
        if low is None or high is None:
            return None
        for bound, node in ((low, expr.low), (high, expr.high)):
            if operand.type.kind not in ORDERED_KINDS:
                self.scope.report(error(
                    "E208", f"`between` does not apply to {operand.type.describe()}", expr.span,
                    "`between` works on numbers, money, dates, times and durations, e.g. `employees between 50 and 5000`",
                ))
                return None
            if not comparable(operand.type, bound.type):
                hint = "give both bounds the same kind of value as the left side, e.g. `employees between 50 and 5000`"
                if operand.type == TEXT and bound.type.is_numeric:
                    hint = 'a text cannot lie between two numbers; to check for some texts write e.g. ' \
                        '`industry in ["software", "fintech"]`'
                self.scope.report(error(
                    "E208", f"`between` compares values of one kind, but `{self.scope.text(expr.operand.span)}` is "
                    f"{operand.type.describe()} and `{self.scope.text(node.span)}` is {bound.type.describe()}",
                    expr.span, hint,
                ))
                return None
        operand, low = _align_numeric(operand, low)
        operand, high = _align_numeric(operand, high)
        nullable = any(_nullable(x) for x in (operand, low, high))
        return m.Between(operand, low, high, BOOL, nullable, expr.span)

    def _in(self, expr: n.In, expect: Type | None) -> m.Expr | None:
        operand = self.infer(expr.operand)
        if operand is None:
            return None
        if operand.type.kind == "list":
            self.scope.report(error(
                "E211", "`in` asks whether one value is in a list; this is already a list",
                expr.operand.span, "to ask whether a list holds a value write `pain_points contains \"x\"`",
            ))
            return None
        items = self.infer(expr.collection, list_of(operand.type))
        if items is None:
            return None
        if items.type.kind != "list":
            self.scope.report(error(
                "E212", f"`in` needs a list, but this is {items.type.describe()}", expr.collection.span,
                'write e.g. `industry in ["software", "fintech"]`, or use `=` for one value',
            ))
            return None
        if items.type.item is not None and not comparable(operand.type, items.type.item):
            self.scope.report(error(
                "E208", f"cannot look for {operand.type.describe()} in a list of {items.type.item.describe()}",
                expr.span, "",
            ))
            return None
        nullable = _nullable(operand) or _nullable(items)
        return m.InList(operand, items, expr.negated, BOOL, nullable, expr.span)

    def _ismissing(self, expr: n.IsMissing, expect: Type | None) -> m.Expr | None:
        operand = self.infer(expr.operand)
        if operand is None:
            return None
        if not _nullable(operand):
            always = "true" if expr.negated else "false"
            test = "is not missing" if expr.negated else "is missing"
            if isinstance(operand, m.FieldRef):
                message = f"`{operand.name}` is never missing (it has no `?`), so `{test}` is always {always}"
                example = f"{operand.name} : {_spelled(operand.type)}?"
                hint = f"if it may be missing, add `?` after its type in the lead block, e.g. `{example}`"
                if operand.type.kind == "list":
                    hint += "; a required list that is not given is empty: ask `is empty` for that"
            else:
                message = f"this value is never missing, so `{test}` is always {always}"
                hint = "mark the field optional with `?` if it may be missing"
            self.scope.report(warning("W305", message, expr.span, hint))
        return m.IsMissing(operand, expr.negated, BOOL, False, expr.span)

    def _isempty(self, expr: n.IsEmpty, expect: Type | None) -> m.Expr | None:
        operand = self.infer(expr.operand)
        if operand is None:
            return None
        if operand.type.kind == "text":
            self.scope.report(error(
                "E213", "`is empty` applies to lists; an empty text counts as missing", expr.span,
                "write `is missing` (or `is not missing`) for a text",
            ))
            return None
        if operand.type.kind != "list":
            self.scope.report(error(
                "E213", f"`is empty` applies to lists, not {operand.type.describe()}", expr.span,
                "use `is missing` to ask whether a value is unknown",
            ))
            return None
        return m.IsEmpty(operand, expr.negated, BOOL, _nullable(operand), expr.span)

    def _texttest(self, expr: n.TextTest, expect: Type | None) -> m.Expr | None:
        left = self.infer(expr.left)
        if left is None:
            return None
        if expr.op == "contains" and left.type.kind == "list":
            item = self.infer(expr.right, left.type.item)
            if item is None:
                return None
            if left.type.item is not None and not comparable(left.type.item, item.type):
                self.scope.report(error(
                    "E208", f"cannot look for {item.type.describe()} in {left.type.describe()}", expr.span,
                ))
                return None
            nullable = _nullable(left) or _nullable(item)
            return m.InList(item, left, False, BOOL, nullable, expr.span)
        right = self.infer(expr.right, TEXT)
        if right is None:
            return None
        for side, node in ((left, expr.left), (right, expr.right)):
            if side.type != TEXT:
                self.scope.report(error(
                    "E214", f"`{expr.op}` works on texts, not {side.type.describe()}", node.span,
                    "compare numbers with = < >; ask lists with `contains`",
                ))
                return None
        return m.TextTest(expr.op, left, right, BOOL, _nullable(left) or _nullable(right), expr.span)

    def _arith(self, expr: n.Arith, expect: Type | None) -> m.Expr | None:
        left = self.infer(expr.left, expect)
        if left is None:
            return None
        right = self.infer(expr.right, left.type if left.type.is_numeric else None)
        if right is None:
            return None
        result = _arith_type(expr.op, left.type, right.type)
        if result is None:
            self.scope.report(error(
                "E215", f"cannot compute {left.type.describe()} {expr.op} {right.type.describe()}",
                expr.span, "arithmetic works on numbers and money, and on times with durations",
            ))
            return None
        left, right = _align_numeric(left, right)
        nullable = _nullable(left) or _nullable(right) or (
            expr.op == "/" and not (isinstance(right, m.Const) and right.value != 0)
        )
        return m.Arith(expr.op, left, right, result, nullable, expr.span)

    def _neg(self, expr: n.Neg, expect: Type | None) -> m.Expr | None:
        operand = self.infer(expr.operand, expect)
        if operand is None:
            return None
        if not (operand.type.is_numeric or operand.type == DURATION):
            self.scope.report(error(
                "E215", f"cannot negate {operand.type.describe()}", expr.span,
            ))
            return None
        return m.Neg(operand, operand.type, _nullable(operand), expr.span)

    # ---- outcomes and framework counts ------------------------------------------------
    def _qualifiedas(self, expr: n.QualifiedAs, expect: Type | None) -> m.Expr | None:
        name = expr.outcome.name
        if not self.allow_outcomes:
            self.scope.report(error(
                "E127", "`qualified as` can be used in lifecycle transitions and tests, not here", expr.span,
                "in segments, scores, frameworks and the qualify block, say the conditions themselves",
            ))
            return None
        if name not in self.scope.outcomes:
            self.scope.report(error(
                "E126", f"`{name}` is not an outcome of the qualify block", expr.outcome.span,
                suggest(name, self.scope.outcomes) or "outcomes are " + ", ".join(self.scope.outcomes),
            ))
            return None
        return m.OutcomeIs(name, BOOL, False, expr.span)

    def _atleastof(self, expr: n.AtLeastOf, expect: Type | None) -> m.Expr | None:
        name = expr.framework.name
        if name not in self.scope.frameworks:
            self.scope.report(error(
                "E106", f"unknown framework `{name}`", expr.framework.span,
                suggest(name, self.scope.frameworks) or "`at least N of` counts the criteria of a framework",
            ))
            return None
        self.scope.used.add(("framework", name))
        framework = self.derive.framework(name, expr.span)
        if framework is None:
            return None
        total = len(framework.criteria)
        if not 1 <= expr.count <= total:
            self.scope.report(error(
                "E224", f"`at least {expr.count} of {name}` cannot work: {name} has {total} criteria", expr.span,
                f"choose a number from 1 to {total}",
            ))
            return None
        nullable = any(_nullable(c.expr) for c in framework.criteria)
        return m.CriteriaCount(name, expr.count, BOOL, nullable, expr.span)



def _spelled(typ: Type) -> str:
    """The type as it is written in a lead block."""
    if typ.kind == "enum":
        return "one of " + ", ".join(typ.members)
    if typ.kind == "list" and typ.item is not None:
        return "list of " + _spelled(typ.item)
    return "yes/no" if typ.kind == "bool" else typ.kind


def _nullable(expr: m.Expr) -> bool:
    return expr.nullable


def _widest(types: list[Type]) -> Type:
    kinds = {t.kind for t in types}
    if "money" in kinds:
        return MONEY
    if "number" in kinds:
        return NUMBER
    return types[0]


def _coerce(value: object, to: Type | None) -> object:
    if to is not None and to.kind in ("money", "number") and isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


def _align_numeric(left: m.Expr, right: m.Expr) -> tuple[m.Expr, m.Expr]:
    """Make an int constant compared with money exact money too (and the other way round)."""
    if isinstance(right, m.Const) and left.type.kind == "money" and right.type.kind == "int":
        right = m.Const(Decimal(int(right.value)), MONEY, right.span)  # type: ignore[call-overload]
    if isinstance(left, m.Const) and right.type.kind == "money" and left.type.kind == "int":
        left = m.Const(Decimal(int(left.value)), MONEY, left.span)  # type: ignore[call-overload]
    return left, right


def _arith_type(op: str, left: Type, right: Type) -> Type | None:
    if left.is_numeric and right.is_numeric:
        return numeric_result(left, right, op)
    kinds = (left.kind, right.kind)
    if op in "+-" and kinds in (("datetime", "duration"), ("date", "duration")):
        return left
    if op == "+" and kinds in (("duration", "datetime"), ("duration", "date")):
        return right
    if op == "-" and kinds == ("datetime", "datetime"):
        return DURATION
    if op in "+-" and kinds == ("duration", "duration"):
        return DURATION
    if op in "*/" and left == DURATION and right.kind in ("int", "number"):
        return DURATION
    if op == "*" and right == DURATION and left.kind in ("int", "number"):
        return DURATION
    return None


def _condition_hint(typed: m.Expr) -> str:
    if typed.type.is_numeric:
        return "compare it with a number, e.g. `engagement >= 50`"
    if typed.type == TEXT:
        return 'compare it, e.g. `industry = "software"`'
    if typed.type.kind == "list":
        return "ask e.g. `pain_points is not empty`"
    return "compare it with a value of the same kind"


def _compare_hint(left: m.Expr, right: m.Expr) -> str:
    kinds = {left.type.kind, right.type.kind}
    if "text" in kinds and kinds & {"int", "number", "money"}:
        return 'numbers are written without quotes: `employees >= 50`, not `employees >= "50"`'
    if "duration" in kinds and kinds & {"int", "number"}:
        return "give the number a unit, e.g. `90 days`"
    if "bool" in kinds:
        return "a yes/no field is compared with `yes` or `no`, or used on its own"
    if "enum" in kinds:
        choices = left.type if left.type.kind == "enum" else right.type
        return "the choices are " + ", ".join(choices.members)
    return "compare values of the same kind"


__all__ = ["DATE", "ExprChecker"]

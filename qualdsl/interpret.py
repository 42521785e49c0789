"""The reference semantics: a plain tree-walking interpreter over the checked model.

It is the oracle the compiled evaluator is tested against, and it powers
explanations: it evaluates every segment, score, framework and rule and records
what each gave. Values are Python values; ``None`` is unknown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, DivisionByZero, InvalidOperation

import attrs

from qualdsl import model as m

Value = object
Events = Sequence[tuple[str, dt.datetime]]


@attrs.frozen
class Trace:
    """Everything one evaluation computed, by name."""

    segments: Mapping[str, Value]
    segment_criteria: Mapping[str, tuple[Value, ...]]
    scores: Mapping[str, int]
    score_points: Mapping[str, tuple[int, ...]]
    score_hits: Mapping[str, tuple[Value, ...]]
    frameworks: Mapping[str, Value]
    framework_criteria: Mapping[str, Mapping[str, Value]]
    rule_values: tuple[Value, ...]
    chosen: int

    @property
    def outcome_index(self) -> int:
        return self.chosen


def kleene_and(values: Sequence[Value]) -> Value:
    return _kleene(values, decisive=False)


def kleene_or(values: Sequence[Value]) -> Value:
    return _kleene(values, decisive=True)


def _kleene(values: Sequence[Value], decisive: bool) -> Value:
    """Three-valued `and` (``decisive`` False) or `or` (True): one decisive value decides,
    else one unknown (None) makes it unknown, else it is the other value."""
    if any(v is decisive for v in values):
        return decisive
    if any(v is None for v in values):
        return None
    return not decisive


def at_least(values: Sequence[Value], need: int) -> Value:
    true = sum(1 for v in values if v is True)
    unknown = sum(1 for v in values if v is None)
    if true >= need:
        return True
    if true + unknown < need:
        return False
    return None


def combine(mode: str, need: int, values: Sequence[Value]) -> Value:
    if mode == "all":
        return kleene_and(values)
    if mode == "any":
        return kleene_or(values)
    return at_least(values, need)


def count_events(events: Events, now: dt.datetime, event: str | None, window: dt.timedelta | None) -> int:
    total = 0
    for name, at in events:
        if event is not None and name != event:
            continue
        age = now - at
        if age < dt.timedelta(0):
            continue
        if window is not None and age > window:
            continue
        total += 1
    return total


def award(rule: m.ScoreRule, hit: Value) -> int:
    """The points a rule gives: ``hit`` is True/False/None for `if`, a count for `per`."""
    if rule.condition is not None:
        return rule.points if hit is True else 0
    assert isinstance(hit, int)
    total = rule.points * hit
    if rule.cap is not None and abs(total) > rule.cap:
        return rule.cap if total > 0 else -rule.cap
    return total


def fold(value: Value) -> Value:
    return value.casefold() if isinstance(value, str) else value


class Interpreter:
    """Evaluates one lead. ``overrides`` replace field values or score totals (for near misses)."""

    def __init__(
        self,
        policy: m.PolicyModel,
        lead: Mapping[str, Value],
        events: Events,
        now: dt.datetime,
        score_overrides: Mapping[str, int] | None = None,
    ) -> None:
        self.policy = policy
        self.lead = lead
        self.events = events
        self.now = now
        self.score_overrides = score_overrides or {}
        self.segments: dict[str, Value] = {}
        self.segment_criteria: dict[str, tuple[Value, ...]] = {}
        self.scores: dict[str, int] = {}
        self.score_points: dict[str, tuple[int, ...]] = {}
        self.score_hits: dict[str, tuple[Value, ...]] = {}
        self.frameworks: dict[str, Value] = {}
        self.framework_criteria: dict[str, dict[str, Value]] = {}
        self.outcome: str | None = None

    def run(self) -> Trace:
        for derived in self.policy.order:
            getattr(self, "_derive_" + derived.kind)(derived.name)
        rule_values = tuple(
            True if rule.condition is None else self.eval(rule.condition) for rule in self.policy.rules
        )
        chosen = next(i for i, v in enumerate(rule_values) if v is True)
        return Trace(
            self.segments, self.segment_criteria, self.scores, self.score_points,
            self.score_hits, self.frameworks, self.framework_criteria, rule_values, chosen,
        )

    # ---- derived values ------------------------------------------------------------
    def _derive_segment(self, name: str) -> None:
        segment = self.policy.segments[name]
        values = tuple(self.eval(c.expr) for c in segment.criteria)
        self.segment_criteria[name] = values
        self.segments[name] = combine(segment.mode, segment.need, values)

    def _derive_score(self, name: str) -> None:
        score = self.policy.scores[name]
        hits: list[Value] = []
        points: list[int] = []
        for rule in score.rules:
            hit = self.eval(rule.condition if rule.condition is not None else rule.count)  # type: ignore[arg-type]
            hits.append(hit)
            points.append(award(rule, hit))
        self.score_hits[name] = tuple(hits)
        self.score_points[name] = tuple(points)
        self.scores[name] = self.score_overrides.get(name, sum(points))

    def _derive_framework(self, name: str) -> None:
        framework = self.policy.frameworks[name]
        values = {c.name: self.eval(c.expr) for c in framework.criteria}
        self.framework_criteria[name] = values
        if framework.mode == "expr":
            assert framework.rule is not None
            self.frameworks[name] = self.eval(framework.rule)
        else:
            self.frameworks[name] = combine(framework.mode, framework.need, tuple(values.values()))

    # ---- expressions -------------------------------------------------------------
    def eval(self, expr: m.Expr) -> Value:
        method = getattr(self, "_" + type(expr).__name__.lower())
        return method(expr)

    def _const(self, expr: m.Const) -> Value:
        return expr.value

    def _fieldref(self, expr: m.FieldRef) -> Value:
        return self.lead.get(expr.name)

    def _segmentref(self, expr: m.SegmentRef) -> Value:
        return self.segments[expr.name]

    def _scoreref(self, expr: m.ScoreRef) -> Value:
        return self.scores[expr.name]

    def _frameworkpass(self, expr: m.FrameworkPass) -> Value:
        return self.frameworks[expr.name]

    def _criterionref(self, expr: m.CriterionRef) -> Value:
        own = self.framework_criteria.get(expr.framework)
        if own is not None and expr.criterion in own:
            return own[expr.criterion]
        framework = self.policy.frameworks[expr.framework]
        crit = next(c for c in framework.criteria if c.name == expr.criterion)
        return self.eval(crit.expr)

    def _eventcount(self, expr: m.EventCount) -> Value:
        return count_events(self.events, self.now, expr.event, expr.window)

    def _nowref(self, expr: m.NowRef) -> Value:
        return self.now

    def _compare(self, expr: m.Compare) -> Value:
        left, right = fold(self.eval(expr.left)), fold(self.eval(expr.right))
        if left is None or right is None:
            return None
        return compare(expr.op, left, right)

    def _between(self, expr: m.Between) -> Value:
        values = [fold(self.eval(e)) for e in (expr.operand, expr.low, expr.high)]
        if any(v is None for v in values):
            return None
        x, low, high = values
        return bool(low <= x <= high)  # type: ignore[operator]

    def _inlist(self, expr: m.InList) -> Value:
        operand = self.eval(expr.operand)
        items = self.eval(expr.items)
        if operand is None or items is None:
            return None
        assert isinstance(items, tuple)
        found = fold(operand) in [fold(i) for i in items]
        return not found if expr.negated else found

    def _ismissing(self, expr: m.IsMissing) -> Value:
        missing = self.eval(expr.operand) is None
        return not missing if expr.negated else missing

    def _isempty(self, expr: m.IsEmpty) -> Value:
        value = self.eval(expr.operand)
        if value is None:
            return None
        empty = len(value) == 0  # type: ignore[arg-type]
        return not empty if expr.negated else empty

    def _texttest(self, expr: m.TextTest) -> Value:
        left, right = self.eval(expr.left), self.eval(expr.right)
        if left is None or right is None:
            return None
        assert isinstance(left, str) and isinstance(right, str)
        a, b = left.casefold(), right.casefold()
        if expr.op == "starts with":
            return a.startswith(b)
        if expr.op == "ends with":
            return a.endswith(b)
        return b in a

    def _logical(self, expr: m.Logical) -> Value:
        values = [self.eval(i) for i in expr.items]
        return kleene_and(values) if expr.op == "and" else kleene_or(values)

    def _not(self, expr: m.Not) -> Value:
        value = self.eval(expr.operand)
        return None if value is None else not value

    def _arith(self, expr: m.Arith) -> Value:
        left, right = self.eval(expr.left), self.eval(expr.right)
        if left is None or right is None:
            return None
        return arith(expr.op, left, right)

    def _neg(self, expr: m.Neg) -> Value:
        value = self.eval(expr.operand)
        return None if value is None else negate(value)

    def _criteriacount(self, expr: m.CriteriaCount) -> Value:
        framework = self.policy.frameworks[expr.framework]
        own = self.framework_criteria.get(expr.framework)
        values = tuple(own.values()) if own is not None else tuple(self.eval(c.expr) for c in framework.criteria)
        return at_least(values, expr.need)

    def _outcomeis(self, expr: m.OutcomeIs) -> Value:
        if self.outcome is None:
            for rule in self.policy.rules:
                if rule.condition is None or self.eval(rule.condition) is True:
                    self.outcome = rule.outcome
                    break
        return self.outcome == expr.outcome


def compare(op: str, left: Value, right: Value) -> bool:
    a: object = left
    b: object = right
    if op == "=":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    if op == ">":
        return a > b  # type: ignore[operator]
    return a >= b  # type: ignore[operator]


def arith(op: str, left: Value, right: Value) -> Value:
    """Numbers are exact: ints stay ints except for `/`, which gives a decimal; x / 0 is unknown."""
    if isinstance(left, dt.timedelta) or isinstance(right, dt.timedelta) or isinstance(left, (dt.date, dt.datetime)):
        return _time_arith(op, left, right)
    a, b = left, right
    if op == "+":
        return a + b  # type: ignore[operator]
    if op == "-":
        return a - b  # type: ignore[operator]
    if op == "*":
        return a * b  # type: ignore[operator]
    try:
        return Decimal(a) / Decimal(b)  # type: ignore[arg-type]
    except (DivisionByZero, InvalidOperation, ZeroDivisionError):
        return None


def _time_arith(op: str, left: Value, right: Value) -> Value:
    """Dates, times and durations; a result beyond the range Python can hold (year 9999,
    a billion days) is unknown, as a division by zero is."""
    try:
        return _time_arith_exact(op, left, right)
    except OverflowError:
        return None


def negate(value: Value) -> Value:
    """``-x``; the negation of a duration beyond the shortest one Python holds is unknown."""
    try:
        return -value  # type: ignore[operator]
    except OverflowError:
        return None


def _time_arith_exact(op: str, left: Value, right: Value) -> Value:
    if op in "*/":
        number = right if isinstance(left, dt.timedelta) else left
        span = left if isinstance(left, dt.timedelta) else right
        factor = float(number)  # type: ignore[arg-type]
        if op == "/":
            if factor == 0:
                return None
            return span / factor  # type: ignore[operator]
        return span * factor  # type: ignore[operator]
    if op == "+":
        return left + right  # type: ignore[operator]
    return left - right  # type: ignore[operator]


def interpret(
    policy: m.PolicyModel,
    lead: Mapping[str, Value],
    events: Events,
    now: dt.datetime,
    score_overrides: Mapping[str, int] | None = None,
) -> Trace:
    """Evaluate a converted lead (see ``qualdsl.records``) and return the full trace."""
    return Interpreter(policy, lead, events, now, score_overrides).run()

"""The checked policy: names resolved, every expression typed. What the back ends consume.

Expression nodes compare equal by structure (spans are left out of equality), so
lints can ask whether one condition is part of another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from qualdsl.source import Span
from qualdsl.types import Type

_span = attrs.field(eq=False, repr=False)


@attrs.frozen
class Const:
    value: object
    type: Type
    span: Span = _span
    nullable: bool = False


@attrs.frozen
class FieldRef:
    name: str
    type: Type
    nullable: bool
    span: Span = _span


@attrs.frozen
class SegmentRef:
    name: str
    type: Type
    nullable: bool
    span: Span = _span


@attrs.frozen
class ScoreRef:
    name: str
    type: Type
    nullable: bool
    span: Span = _span


@attrs.frozen
class FrameworkPass:
    name: str
    type: Type
    nullable: bool
    span: Span = _span


@attrs.frozen
class CriterionRef:
    framework: str
    criterion: str
    type: Type
    nullable: bool
    span: Span = _span


@attrs.frozen
class EventCount:
    """How many events of ``event`` (None: of any type) fall in the window (None: ever)."""

    event: str | None
    window: dt.timedelta | None
    type: Type
    nullable: bool
    span: Span = _span


@attrs.frozen
class NowRef:
    type: Type
    nullable: bool
    span: Span = _span


@attrs.frozen
class _Binary:
    """The fields of a node with two operands, ``left op right``; each kind of such node is its own class."""

    op: str
    left: Expr
    right: Expr
    type: Type
    nullable: bool
    span: Span = _span


@attrs.frozen
class _NegatableTest:
    """The fields of ``operand is [not] ...``; each kind of such test is its own class."""

    operand: Expr
    negated: bool
    type: Type
    nullable: bool
    span: Span = _span


@attrs.frozen
class Compare(_Binary):
    """``=`` / ``!=`` / ``<`` / ``<=`` / ``>`` / ``>=``."""


@attrs.frozen
class Between:
    operand: Expr
    low: Expr
    high: Expr
    type: Type
    nullable: bool
    span: Span = _span


@attrs.frozen
class InList:
    """``x in [..]`` / ``x not in [..]``; ``items`` is a list-typed expression."""

    operand: Expr
    items: Expr
    negated: bool
    type: Type
    nullable: bool
    span: Span = _span


@attrs.frozen
class IsMissing(_NegatableTest):
    """``is missing`` / ``is not missing``."""


@attrs.frozen
class IsEmpty(_NegatableTest):
    """``is empty`` / ``is not empty``, of text or a list."""


@attrs.frozen
class TextTest(_Binary):
    """``starts with`` / ``ends with`` / ``contains`` on text, case-insensitive."""


@attrs.frozen
class Logical:
    op: str  # "and" | "or"
    items: tuple[Expr, ...]
    type: Type
    nullable: bool
    span: Span = _span


@attrs.frozen
class Not:
    operand: Expr
    type: Type
    nullable: bool
    span: Span = _span


@attrs.frozen
class Arith(_Binary):
    """``+`` / ``-`` / ``*`` / ``/``."""


@attrs.frozen
class Neg:
    operand: Expr
    type: Type
    nullable: bool
    span: Span = _span


@attrs.frozen
class CriteriaCount:
    """``at least N of FRAMEWORK``: at least ``need`` of its criteria hold (three-valued count)."""

    framework: str
    need: int
    type: Type
    nullable: bool
    span: Span = _span


@attrs.frozen
class OutcomeIs:
    """``qualified as mql``: the qualify block chose ``outcome``. Only in lifecycle guards and tests."""

    outcome: str
    type: Type
    nullable: bool
    span: Span = _span


Expr = (
    Const | FieldRef | SegmentRef | ScoreRef | FrameworkPass | CriterionRef | EventCount
    | NowRef | Compare | Between | InList | IsMissing | IsEmpty | TextTest | Logical | Not
    | Arith | Neg | CriteriaCount | OutcomeIs
)


def children(expr: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions, for walks that do not care about the node kind."""
    if isinstance(expr, (Compare, Arith, TextTest)):
        return (expr.left, expr.right)
    if isinstance(expr, Between):
        return (expr.operand, expr.low, expr.high)
    if isinstance(expr, InList):
        return (expr.operand, expr.items)
    if isinstance(expr, (IsMissing, IsEmpty, Not, Neg)):
        return (expr.operand,)
    if isinstance(expr, Logical):
        return expr.items
    return ()


def walk(expr: Expr) -> list[Expr]:
    """Every node of the expression, parents before children."""
    out = [expr]
    for child in children(expr):
        out.extend(walk(child))
    return out


# ---- declarations ------------------------------------------------------------


@attrs.frozen
class Field:
    name: str
    type: Type
    optional: bool
    column: str | None
    span: Span = _span

    @property
    def source_column(self) -> str:
        return self.column or self.name


@attrs.frozen
class Criterion:
    """A segment criterion, or a framework criterion (then it has a name)."""

    name: str
    expr: Expr
    text: str
    label: str | None
    span: Span = _span


@attrs.frozen
class Segment:
    name: str
    label: str | None
    mode: str  # "all" | "any" | "at least"
    need: int
    criteria: tuple[Criterion, ...]
    span: Span = _span


@attrs.frozen
class ScoreRule:
    """``+points if condition`` (``condition`` set) or ``+points per event`` (``count``)."""

    index: int
    points: int
    condition: Expr | None
    count: Expr | None
    cap: int | None
    text: str
    label: str | None
    span: Span = _span


@attrs.frozen
class Score:
    name: str
    label: str | None
    rules: tuple[ScoreRule, ...]
    span: Span = _span


@attrs.frozen
class Framework:
    name: str
    label: str | None
    criteria: tuple[Criterion, ...]
    mode: str  # "all" | "any" | "at least" | "expr"
    need: int
    rule: Expr | None
    rule_text: str
    span: Span = _span


@attrs.frozen
class QualifyRule:
    index: int
    outcome: str
    condition: Expr | None  # None for `otherwise`
    reason: str | None
    text: str
    span: Span = _span


@attrs.frozen
class TestEvent:
    event: str
    at: dt.datetime


@attrs.frozen
class Expectation:
    """A test's ``expect``: an outcome name, a condition that must be true, or the
    lifecycle stage the test's history ends in (``expect stage sal``)."""

    outcome: str | None
    condition: Expr | None
    text: str
    span: Span = _span
    stage: str | None = None


@attrs.frozen
class TestCase:
    name: str
    lead: Mapping[str, object]
    events: tuple[TestEvent, ...]
    now: dt.datetime
    expects: tuple[Expectation, ...]
    span: Span = _span


@attrs.frozen
class Derived:
    """One computed value in evaluation order: ("segment" | "score" | "framework", name)."""

    kind: str
    name: str


@attrs.frozen
class Transition:
    """``source -> target on EVENT when CONDITION``; the first transition that fires wins."""

    index: int
    source: str
    target: str
    event: str | None
    condition: Expr | None
    owner: str | None
    recycle: bool
    reasons: tuple[str, ...] | None
    text: str
    guard_text: str
    span: Span = _span


@attrs.frozen
class Lifecycle:
    stages: tuple[str, ...]
    start: str
    finals: frozenset[str]
    owners: Mapping[str, str]
    transitions: tuple[Transition, ...]
    span: Span = _span

    def leaving(self, stage: str) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions if t.source == stage)


@attrs.frozen
class Escalation:
    to: str
    after: dt.timedelta
    days: int | None
    calendar: str | None
    text: str


@attrs.frozen
class TimerRule:
    """A per-lead timer: each lead entering ``stage`` must see one of ``events`` in time.
    ``within`` is working time; when ``days`` is set the limit is that many working days."""

    index: int
    stage: str
    events: tuple[str, ...]
    owner: str
    within: dt.timedelta
    days: int | None
    calendar: str | None
    escalations: tuple[Escalation, ...]
    text: str
    span: Span = _span


@attrs.frozen
class VolumeRule:
    """``OWNER delivers at least COUNT STAGE per PERIOD``."""

    index: int
    owner: str
    count: int
    stage: str
    period: str
    text: str
    span: Span = _span


@attrs.frozen
class PolicyModel:
    name: str
    version: str
    content_hash: str
    fields: tuple[Field, ...]
    events: tuple[str, ...]
    lists: Mapping[str, Const]
    segments: Mapping[str, Segment]
    scores: Mapping[str, Score]
    frameworks: Mapping[str, Framework]
    rules: tuple[QualifyRule, ...]  # the last one is `otherwise`
    order: tuple[Derived, ...]
    tests: tuple[TestCase, ...]
    path: str
    lifecycle: Lifecycle | None = None
    calendars: Mapping[str, Any] = attrs.field(factory=dict)
    timers: tuple[TimerRule, ...] = ()
    volumes: tuple[VolumeRule, ...] = ()

    @property
    def outcomes(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for rule in self.rules:
            seen.setdefault(rule.outcome, None)
        return tuple(seen)

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None


def policy_exprs(policy: PolicyModel) -> list[Expr]:
    """Every expression a policy evaluates: segment and framework criteria, pass rules,
    score rules, qualify rules and lifecycle guards (not the tests' expectations)."""
    return [
        *segment_exprs(policy), *score_exprs(policy), *framework_exprs(policy), *rule_exprs(policy),
        *guard_exprs(policy),
    ]


def segment_exprs(policy: PolicyModel) -> list[Expr]:
    """The criteria of every segment."""
    return [c.expr for segment in policy.segments.values() for c in segment.criteria]


def score_exprs(policy: PolicyModel) -> list[Expr]:
    """The condition (`if`) or event count (`per`) of every score rule."""
    return [e for score in policy.scores.values() for r in score.rules for e in (r.condition, r.count) if e is not None]


def framework_exprs(policy: PolicyModel) -> list[Expr]:
    """The criteria of every framework, each framework's followed by its pass rule when that is an expression."""
    out: list[Expr] = []
    for framework in policy.frameworks.values():
        out.extend(c.expr for c in framework.criteria)
        if framework.rule is not None:
            out.append(framework.rule)
    return out


def rule_exprs(policy: PolicyModel) -> list[Expr]:
    """The conditions of the qualify rules (`otherwise` has none)."""
    return [r.condition for r in policy.rules if r.condition is not None]


def guard_exprs(policy: PolicyModel) -> list[Expr]:
    """The `when` conditions of the lifecycle's transitions."""
    if policy.lifecycle is None:
        return []
    return [t.condition for t in policy.lifecycle.transitions if t.condition is not None]

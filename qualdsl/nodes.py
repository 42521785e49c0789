"""The syntax tree: what a policy file says, before names are resolved or types checked.

Every node is immutable and carries the span it was read from. No logic lives here.
"""

from __future__ import annotations

import attrs

from qualdsl.source import Span

# ---- expressions -----------------------------------------------------------


@attrs.frozen
class Number:
    text: str
    span: Span


@attrs.frozen
class Duration:
    amount: Number
    unit: str
    span: Span


@attrs.frozen
class String:
    value: str
    span: Span


@attrs.frozen
class Bool:
    value: bool
    span: Span


@attrs.frozen
class Now:
    span: Span


@attrs.frozen
class Name:
    name: str
    span: Span


@attrs.frozen
class Member:
    """``FRAMEWORK.criterion``."""

    owner: Name
    name: Name
    span: Span


@attrs.frozen
class ListLit:
    items: tuple[Expr, ...]
    span: Span


@attrs.frozen
class CountOf:
    event: Name
    window: Duration | None
    span: Span


@attrs.frozen
class Logical:
    op: str  # "and" | "or"
    left: Expr
    right: Expr
    span: Span


@attrs.frozen
class Not:
    operand: Expr
    span: Span


@attrs.frozen
class Compare:
    op: str  # = != < <= > >=
    left: Expr
    right: Expr
    span: Span


@attrs.frozen
class Arith:
    op: str  # + - * /
    left: Expr
    right: Expr
    span: Span


@attrs.frozen
class Neg:
    operand: Expr
    span: Span


@attrs.frozen
class Between:
    operand: Expr
    low: Expr
    high: Expr
    span: Span


@attrs.frozen
class In:
    operand: Expr
    collection: Expr
    negated: bool
    span: Span


@attrs.frozen
class EventInWindow:
    """``demo_watched in last 60 days``."""

    event: Expr
    window: Duration
    span: Span


@attrs.frozen
class NoEventInWindow:
    """``no pricing_view in last 30 days``; ``no event in last 60 days`` means any event."""

    event: Name
    window: Duration
    span: Span


@attrs.frozen
class IsMissing:
    operand: Expr
    negated: bool
    span: Span


@attrs.frozen
class IsEmpty:
    operand: Expr
    negated: bool
    span: Span


@attrs.frozen
class TextTest:
    op: str  # "starts with" | "ends with" | "contains"
    left: Expr
    right: Expr
    span: Span


@attrs.frozen
class Passes:
    framework: Name
    span: Span



# ---- declarations ------------------------------------------------------------


@attrs.frozen
class TypeName:
    name: str
    span: Span


@attrs.frozen
class EnumType:
    members: tuple[Name, ...]
    span: Span


@attrs.frozen
class ListType:
    item: TypeSpec
    span: Span


TypeSpec = TypeName | EnumType | ListType


@attrs.frozen
class PolicyDecl:
    name: String
    span: Span


@attrs.frozen
class VersionDecl:
    version: String
    span: Span


@attrs.frozen
class UseDecl:
    path: String
    span: Span


@attrs.frozen
class FieldDecl:
    name: Name
    type: TypeSpec
    optional: bool
    column: String | None
    span: Span


@attrs.frozen
class LeadDecl:
    fields: tuple[FieldDecl, ...]
    span: Span


@attrs.frozen
class EventsDecl:
    names: tuple[Name, ...]
    span: Span


@attrs.frozen
class ListDecl:
    name: Name
    items: ListLit
    span: Span


@attrs.frozen
class Combinator:
    kind: str  # "all" | "any" | "at least"
    count: int
    span: Span


@attrs.frozen
class Criterion:
    expr: Expr
    label: String | None
    span: Span


@attrs.frozen
class SegmentDecl:
    name: Name
    label: String | None
    combinator: Combinator | None
    criteria: tuple[Criterion, ...]
    span: Span


@attrs.frozen
class PerRule:
    points: int
    event: Name
    window: Duration | None
    cap: Number | None
    label: String | None
    span: Span


@attrs.frozen
class IfRule:
    points: int
    condition: Expr
    label: String | None
    span: Span


ScoreRule = PerRule | IfRule


@attrs.frozen
class ScoreDecl:
    name: Name
    label: String | None
    rules: tuple[ScoreRule, ...]
    span: Span


@attrs.frozen
class NamedCriterion:
    name: Name
    expr: Expr
    label: String | None
    span: Span


@attrs.frozen
class PassRule:
    kind: str  # "all" | "any" | "at least" | "expr"
    count: int
    of: Number | None
    expr: Expr | None
    span: Span


@attrs.frozen
class FrameworkDecl:
    name: Name
    label: String | None
    criteria: tuple[NamedCriterion, ...]
    pass_rules: tuple[PassRule, ...]
    span: Span


@attrs.frozen
class QualifyRule:
    outcome: Name
    condition: Expr
    reason: String | None
    span: Span


@attrs.frozen
class Otherwise:
    outcome: Name
    reason: String | None
    span: Span


@attrs.frozen
class QualifyDecl:
    rules: tuple[QualifyRule, ...]
    otherwise: tuple[Otherwise, ...]
    span: Span


@attrs.frozen
class FieldValue:
    name: Name
    value: Expr
    span: Span


@attrs.frozen
class EventSpec:
    """One line of ``given events``: ``kind`` is "times in last", "ago" or "at"."""

    event: Name
    kind: str
    count: int
    duration: Duration | None
    timestamp: String | None
    span: Span


@attrs.frozen
class TestDecl:
    name: String
    lead: tuple[FieldValue, ...]
    events: tuple[EventSpec, ...]
    now: String | None
    expects: tuple[Expr, ...]
    span: Span
    stages: tuple[Name, ...] = ()






# ---- lifecycle, calendars and SLAs ------------------------------------------------


@attrs.frozen
class QualifiedAs:
    """``qualified as mql``: the qualify block's outcome is ``mql`` (lifecycle guards, tests)."""

    outcome: Name
    span: Span


@attrs.frozen
class AtLeastOf:
    """``at least 3 of BANT``: a framework's criteria counted at the place of use."""

    count: int
    framework: Name
    span: Span


@attrs.frozen
class StagesLine:
    names: tuple[Name, ...]
    span: Span


@attrs.frozen
class StartLine:
    stage: Name
    span: Span


@attrs.frozen
class FinalLine:
    stages: tuple[Name, ...]
    span: Span


@attrs.frozen
class OwnerLine:
    owner: String
    stages: tuple[Name, ...]
    span: Span


@attrs.frozen
class Transition:
    source: Name
    target: Name
    event: Name | None
    condition: Expr | None
    owner: String | None
    recycle: bool
    reasons: Name | None
    span: Span


@attrs.frozen
class LifecycleDecl:
    stages: tuple[StagesLine, ...]
    starts: tuple[StartLine, ...]
    finals: tuple[FinalLine, ...]
    owners: tuple[OwnerLine, ...]
    transitions: tuple[Transition, ...]
    span: Span


@attrs.frozen
class HoursLine:
    """``monday to friday 09:00 to 17:00 in "America/New_York"`` (or one day)."""

    first_day: Name
    last_day: Name
    start: String
    end: String
    zone: String | None
    span: Span


@attrs.frozen
class ClosedLine:
    dates: tuple[String, ...]
    span: Span


@attrs.frozen
class CalendarDecl:
    name: Name
    hours: tuple[HoursLine, ...]
    closed: tuple[ClosedLine, ...]
    zone: String | None
    span: Span


@attrs.frozen
class Escalation:
    to: String
    after: Duration
    calendar: Name | None
    span: Span


@attrs.frozen
class TimerSla:
    """``each mql is contacted by sales within 4 hours of sales_hours``."""

    stage: Name
    events: tuple[Name, ...]
    owner: String | None
    within: Duration
    calendar: Name | None
    span: Span


@attrs.frozen
class VolumeSla:
    """``marketing delivers at least 200 mql per quarter``."""

    owner: String
    count: int
    stage: Name
    period: str
    span: Span


@attrs.frozen
class SlaDecl:
    items: tuple[TimerSla | VolumeSla | Escalation, ...]
    span: Span


Expr = (
    Number | Duration | String | Bool | Now | Name | Member | ListLit | CountOf | Logical
    | Not | Compare | Arith | Neg | Between | In | EventInWindow | NoEventInWindow
    | IsMissing | IsEmpty | TextTest | Passes | QualifiedAs | AtLeastOf
)

Decl = (
    PolicyDecl | VersionDecl | UseDecl | LeadDecl | EventsDecl | ListDecl | SegmentDecl
    | ScoreDecl | FrameworkDecl | QualifyDecl | TestDecl | LifecycleDecl | CalendarDecl | SlaDecl
)


@attrs.frozen
class Module:
    """One parsed file."""

    path: str
    decls: tuple[Decl, ...]

"""Lark parse tree to syntax nodes (``qualdsl.nodes``), keeping every span."""

from __future__ import annotations

from typing import Any

from lark import Token, Transformer_NonRecursive, v_args
from lark.tree import Meta

from qualdsl import nodes as n
from qualdsl.source import Span

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
MAX_DIGITS = 30  # as ``qualdsl.check.literals.MAX_DIGITS``


class NumberTooLarge(Exception):
    """A count (``at least N``, points, ``N times``) with more digits than any policy needs."""

    def __init__(self, token: Token) -> None:
        super().__init__(str(token))
        self.token = token


def unquote(literal: str) -> str:
    """The value of a quoted string literal (``\\"``, ``\\\\``, ``\\n``, ``\\t`` escapes)."""
    body = literal[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _split(items: tuple[Any, ...], kind: type) -> tuple[list[Any], list[Any]]:
    picked = [i for i in items if isinstance(i, kind)]
    rest = [i for i in items if not isinstance(i, kind)]
    return picked, rest


def _opt_string(items: list[Any]) -> n.String | None:
    strings = [i for i in items if isinstance(i, n.String)]
    return strings[-1] if strings else None


@v_args(meta=True, inline=True)
class TreeToNodes(Transformer_NonRecursive[Token, n.Module]):
    """Builds nodes bottom-up; ``path`` goes into every span. Non-recursive, so a long
    chain of conditions (`a and b and c ...`) cannot exhaust Python's stack."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    # ---- spans ---------------------------------------------------------
    def _span(self, meta: Meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.path, 1, 1, 1, 1, 0, 0)
        return Span(
            self.path, meta.line, meta.column, meta.end_line, meta.end_column,
            meta.start_pos, meta.end_pos,
        )

    def _tok_span(self, token: Token) -> Span:
        return Span(
            self.path, token.line or 1, token.column or 1,
            token.end_line or token.line or 1, token.end_column or token.column or 1,
            token.start_pos or 0, token.end_pos or 0,
        )

    def _name(self, token: Token) -> n.Name:
        return n.Name(str(token), self._tok_span(token))

    def _string(self, token: Token) -> n.String:
        return n.String(unquote(str(token)), self._tok_span(token))

    def __default_token__(self, token: Token) -> Any:
        if token.type == "STRING":
            return self._string(token)
        return token

    # ---- module and declarations -----------------------------------------
    def start(self, meta: Meta, *decls: n.Decl) -> tuple[n.Decl, ...]:
        return decls

    def policy_decl(self, meta: Meta, name: n.String) -> n.PolicyDecl:
        return n.PolicyDecl(name, self._span(meta))

    def version_decl(self, meta: Meta, version: n.String) -> n.VersionDecl:
        return n.VersionDecl(version, self._span(meta))

    def use_decl(self, meta: Meta, path: n.String) -> n.UseDecl:
        return n.UseDecl(path, self._span(meta))

    def lead_decl(self, meta: Meta, _lead: Token, *fields: n.FieldDecl) -> n.LeadDecl:
        return n.LeadDecl(fields, self._span(meta))

    def field(self, meta: Meta, name: Token, type_spec: n.TypeSpec, *rest: Any) -> n.FieldDecl:
        optional = any(isinstance(r, Token) and r.type == "OPTIONAL" for r in rest)
        column = _opt_string(list(rest))
        return n.FieldDecl(self._name(name), type_spec, optional, column, self._span(meta))

    def source(self, meta: Meta, column: n.String) -> n.String:
        return column

    def type_name(self, meta: Meta, token: Token) -> n.TypeName:
        return n.TypeName(str(token), self._tok_span(token))

    def enum_type(self, meta: Meta, *members: Token) -> n.EnumType:
        return n.EnumType(tuple(self._name(m) for m in members), self._span(meta))

    def list_type(self, meta: Meta, item: n.TypeSpec) -> n.ListType:
        return n.ListType(item, self._span(meta))

    def events_decl(self, meta: Meta, *names: Token) -> n.EventsDecl:
        return n.EventsDecl(tuple(self._name(t) for t in names), self._span(meta))

    def list_decl(self, meta: Meta, name: Token, _eq: Token, items: n.ListLit) -> n.ListDecl:
        return n.ListDecl(self._name(name), items, self._span(meta))

    # ---- segments ----------------------------------------------------------
    def all_of(self, meta: Meta, _kw: Token) -> n.Combinator:
        return n.Combinator("all", 0, self._span(meta))

    def any_of(self, meta: Meta, _kw: Token) -> n.Combinator:
        return n.Combinator("any", 1, self._span(meta))

    def at_least_of(self, meta: Meta, count: Token) -> n.Combinator:
        return n.Combinator("at least", _int(count), self._span(meta))

    def criterion(self, meta: Meta, expr: n.Expr, label: n.String | None = None) -> n.Criterion:
        return n.Criterion(expr, label, self._span(meta))

    def segment_decl(self, meta: Meta, name: Token, *rest: Any) -> n.SegmentDecl:
        criteria, others = _split(rest, n.Criterion)
        combinators = [o for o in others if isinstance(o, n.Combinator)]
        return n.SegmentDecl(
            self._name(name), _opt_string(others),
            combinators[0] if combinators else None, tuple(criteria), self._span(meta),
        )

    # ---- scores ----------------------------------------------------------
    def points(self, meta: Meta, sign: Token, amount: Token) -> int:
        value = _int(amount)
        return -value if sign.type == "MINUS" else value

    def cap(self, meta: Meta, amount: Token) -> n.Number:
        return n.Number(str(_int(amount)), self._tok_span(amount))

    def window(self, meta: Meta, duration: n.Duration) -> n.Duration:
        return duration

    def per_rule(self, meta: Meta, points: int, event: Token, *rest: Any) -> n.PerRule:
        windows = [r for r in rest if isinstance(r, n.Duration)]
        caps = [r for r in rest if isinstance(r, n.Number)]
        return n.PerRule(
            points, self._name(event), windows[0] if windows else None,
            caps[0] if caps else None, _opt_string(list(rest)), self._span(meta),
        )

    def if_rule(self, meta: Meta, points: int, condition: n.Expr, label: n.String | None = None) -> n.IfRule:
        return n.IfRule(points, condition, label, self._span(meta))

    def score_decl(self, meta: Meta, name: Token, *rest: Any) -> n.ScoreDecl:
        rules = tuple(r for r in rest if isinstance(r, (n.PerRule, n.IfRule)))
        label = next((r for r in rest if isinstance(r, n.String)), None)
        return n.ScoreDecl(self._name(name), label, rules, self._span(meta))

    # ---- frameworks --------------------------------------------------------
    def named_criterion(self, meta: Meta, name: Token, expr: n.Expr, label: n.String | None = None) -> n.NamedCriterion:
        return n.NamedCriterion(self._name(name), expr, label, self._span(meta))

    def pass_all(self, meta: Meta, *_: Token) -> n.PassRule:
        return n.PassRule("all", 0, None, None, self._span(meta))

    def pass_any(self, meta: Meta, *_: Token) -> n.PassRule:
        return n.PassRule("any", 1, None, None, self._span(meta))

    def pass_at_least(self, meta: Meta, _kw: Token, count: Token, of: Token | None = None) -> n.PassRule:
        total = n.Number(str(_int(of)), self._tok_span(of)) if of is not None else None
        return n.PassRule("at least", _int(count), total, None, self._span(meta))

    def pass_expr(self, meta: Meta, _kw: Token, expr: n.Expr) -> n.PassRule:
        return n.PassRule("expr", 0, None, expr, self._span(meta))

    def framework_decl(self, meta: Meta, name: Token, *rest: Any) -> n.FrameworkDecl:
        criteria = tuple(r for r in rest if isinstance(r, n.NamedCriterion))
        rules = tuple(r for r in rest if isinstance(r, n.PassRule))
        label = next((r for r in rest if isinstance(r, n.String)), None)
        return n.FrameworkDecl(self._name(name), label, criteria, rules, self._span(meta))

    # ---- qualify -----------------------------------------------------------
    def outcome(self, meta: Meta, token: Token) -> n.Name:
        return self._name(token)

    def rule(self, meta: Meta, outcome: n.Name, condition: n.Expr, reason: n.String | None = None) -> n.QualifyRule:
        return n.QualifyRule(outcome, condition, reason, self._span(meta))

    def otherwise(self, meta: Meta, outcome: n.Name, reason: n.String | None = None) -> n.Otherwise:
        return n.Otherwise(outcome, reason, self._span(meta))

    def qualify_decl(self, meta: Meta, *items: Any) -> n.QualifyDecl:
        rules, others = _split(items, n.QualifyRule)
        return n.QualifyDecl(tuple(rules), tuple(others), self._span(meta))

    # ---- tests -------------------------------------------------------------
    def field_value(self, meta: Meta, name: Token, value: n.Expr) -> n.FieldValue:
        return n.FieldValue(self._name(name), value, self._span(meta))

    def given_lead(self, meta: Meta, _lead: Token, *values: n.FieldValue) -> tuple[str, tuple[n.FieldValue, ...]]:
        return ("lead", values)

    def given_events(self, meta: Meta, *specs: n.EventSpec) -> tuple[str, tuple[n.EventSpec, ...]]:
        return ("events", specs)

    def events_in_window(self, meta: Meta, event: Token, count: Token, window: n.Duration) -> n.EventSpec:
        return n.EventSpec(self._name(event), "times in last", _int(count), window, None, self._span(meta))

    def event_ago(self, meta: Meta, event: Token, duration: n.Duration) -> n.EventSpec:
        return n.EventSpec(self._name(event), "ago", 1, duration, None, self._span(meta))

    def event_at(self, meta: Meta, event: Token, at: n.String) -> n.EventSpec:
        return n.EventSpec(self._name(event), "at", 1, None, at, self._span(meta))

    def test_now(self, meta: Meta, _now: Token, at: n.String) -> tuple[str, n.String]:
        return ("now", at)

    def expect(self, meta: Meta, expr: n.Expr) -> tuple[str, n.Expr]:
        return ("expect", expr)

    def expect_stage(self, meta: Meta, stage: n.Name) -> tuple[str, n.Name]:
        return ("stage", stage)

    def test_decl(self, meta: Meta, name: n.String, *items: tuple[str, Any]) -> n.TestDecl:
        lead: list[n.FieldValue] = []
        events: list[n.EventSpec] = []
        nows = [value for kind, value in items if kind == "now"]
        for kind, value in items:
            if kind == "lead":
                lead.extend(value)
            elif kind == "events":
                events.extend(value)
        expects = tuple(value for kind, value in items if kind == "expect")
        stages = tuple(value for kind, value in items if kind == "stage")
        return n.TestDecl(
            name, tuple(lead), tuple(events), nows[-1] if nows else None, expects,
            self._span(meta), stages,
        )

    # ---- expressions ---------------------------------------------------------
    def number(self, meta: Meta, token: Token) -> n.Number:
        return n.Number(str(token).replace("_", ""), self._tok_span(token))

    def duration(self, meta: Meta, amount: n.Number, unit: Token) -> n.Duration:
        return n.Duration(amount, str(unit), self._span(meta))

    def string(self, meta: Meta, value: n.String) -> n.String:
        return value

    def yes(self, meta: Meta, token: Token) -> n.Bool:
        return n.Bool(True, self._tok_span(token))

    def no(self, meta: Meta, token: Token) -> n.Bool:
        return n.Bool(False, self._tok_span(token))

    def now(self, meta: Meta, token: Token) -> n.Now:
        return n.Now(self._tok_span(token))

    def name(self, meta: Meta, token: Token) -> n.Name:
        return self._name(token)

    def member(self, meta: Meta, owner: Token, name: Token) -> n.Member:
        return n.Member(self._name(owner), self._name(name), self._span(meta))

    def count_of(self, meta: Meta, event: Token, window: n.Duration | None = None) -> n.CountOf:
        return n.CountOf(self._name(event), window, self._span(meta))

    def list_lit(self, meta: Meta, *items: n.Expr) -> n.ListLit:
        return n.ListLit(items, self._span(meta))

    def or_(self, meta: Meta, left: n.Expr, right: n.Expr) -> n.Logical:
        return n.Logical("or", left, right, self._span(meta))

    def and_(self, meta: Meta, left: n.Expr, right: n.Expr) -> n.Logical:
        return n.Logical("and", left, right, self._span(meta))

    def not_(self, meta: Meta, operand: n.Expr) -> n.Not:
        return n.Not(operand, self._span(meta))

    def compare(self, meta: Meta, left: n.Expr, op: Token, right: n.Expr) -> n.Compare:
        return n.Compare(str(op), left, right, self._span(meta))

    def arith(self, meta: Meta, left: n.Expr, op: Token, right: n.Expr) -> n.Arith:
        return n.Arith(str(op), left, right, self._span(meta))

    def neg(self, meta: Meta, _minus: Token, operand: n.Expr) -> n.Expr:
        if isinstance(operand, n.Number):
            text = operand.text[1:] if operand.text.startswith("-") else "-" + operand.text
            return n.Number(text, self._span(meta))
        return n.Neg(operand, self._span(meta))

    def between(self, meta: Meta, operand: n.Expr, low: n.Expr, high: n.Expr) -> n.Between:
        return n.Between(operand, low, high, self._span(meta))

    def in_(self, meta: Meta, operand: n.Expr, collection: n.Expr) -> n.In:
        return n.In(operand, collection, False, self._span(meta))

    def not_in(self, meta: Meta, operand: n.Expr, collection: n.Expr) -> n.In:
        return n.In(operand, collection, True, self._span(meta))

    def event_in_window(self, meta: Meta, event: n.Expr, window: n.Duration) -> n.EventInWindow:
        return n.EventInWindow(event, window, self._span(meta))

    def no_event_in_window(self, meta: Meta, _no: Token, event: Token, window: n.Duration) -> n.NoEventInWindow:
        return n.NoEventInWindow(self._name(event), window, self._span(meta))

    def is_missing(self, meta: Meta, operand: n.Expr) -> n.IsMissing:
        return n.IsMissing(operand, False, self._span(meta))

    def is_not_missing(self, meta: Meta, operand: n.Expr) -> n.IsMissing:
        return n.IsMissing(operand, True, self._span(meta))

    def is_empty(self, meta: Meta, operand: n.Expr) -> n.IsEmpty:
        return n.IsEmpty(operand, False, self._span(meta))

    def is_not_empty(self, meta: Meta, operand: n.Expr) -> n.IsEmpty:
        return n.IsEmpty(operand, True, self._span(meta))

    def starts_with(self, meta: Meta, left: n.Expr, right: n.Expr) -> n.TextTest:
        return n.TextTest("starts with", left, right, self._span(meta))

    def ends_with(self, meta: Meta, left: n.Expr, right: n.Expr) -> n.TextTest:
        return n.TextTest("ends with", left, right, self._span(meta))

    def contains(self, meta: Meta, left: n.Expr, right: n.Expr) -> n.TextTest:
        return n.TextTest("contains", left, right, self._span(meta))

    def passes(self, meta: Meta, framework: Token, _kw: Token) -> n.Passes:
        return n.Passes(self._name(framework), self._span(meta))


    # ---- lifecycle, calendars, SLAs ----------------------------------------------------
    def stage(self, meta: Meta, token: Token) -> n.Name:
        return self._name(token)

    def owner_name(self, meta: Meta, value: Token | n.String) -> n.String:
        if isinstance(value, n.String):
            return value
        return n.String(str(value), self._tok_span(value))

    def stages_line(self, meta: Meta, *names: n.Name) -> n.StagesLine:
        return n.StagesLine(names, self._span(meta))

    def start_line(self, meta: Meta, stage: n.Name) -> n.StartLine:
        return n.StartLine(stage, self._span(meta))

    def final_line(self, meta: Meta, *stages: n.Name) -> n.FinalLine:
        return n.FinalLine(stages, self._span(meta))

    def owner_line(self, meta: Meta, owner: n.String, *stages: n.Name) -> n.OwnerLine:
        return n.OwnerLine(owner, stages, self._span(meta))

    def on_event(self, meta: Meta, event: Token) -> tuple[str, n.Name]:
        return ("on", self._name(event))

    def when_condition(self, meta: Meta, expr: n.Expr) -> tuple[str, n.Expr]:
        return ("when", expr)

    def transition_owner(self, meta: Meta, owner: n.String) -> tuple[str, n.String]:
        return ("owner", owner)

    def recycle(self, meta: Meta, _kw: Token, reasons: Token | None = None) -> tuple[str, n.Name | None]:
        return ("recycle", self._name(reasons) if reasons is not None else None)

    def transition(
        self, meta: Meta, source: n.Name, _arrow: Token, target: n.Name, *parts: tuple[str, Any]
    ) -> n.Transition:
        found = dict(parts)
        return n.Transition(
            source, target, found.get("on"), found.get("when"), found.get("owner"), "recycle" in found,
            found.get("recycle"), self._span(meta),
        )

    def lifecycle_decl(self, meta: Meta, *items: Any) -> n.LifecycleDecl:
        def pick(kind: type) -> tuple[Any, ...]:
            return tuple(i for i in items if isinstance(i, kind))

        return n.LifecycleDecl(
            pick(n.StagesLine), pick(n.StartLine), pick(n.FinalLine), pick(n.OwnerLine), pick(n.Transition),
            self._span(meta),
        )

    def hours_line(self, meta: Meta, first: Token, *rest: Any) -> n.HoursLine:
        names = [r for r in rest if isinstance(r, Token) and r.type == "NAME"]
        clocks = [r for r in rest if isinstance(r, Token) and r.type == "CLOCK"]
        zone = next((r for r in rest if isinstance(r, n.String)), None)
        last = self._name(names[0]) if names else self._name(first)
        start, end = (n.String(str(c), self._tok_span(c)) for c in clocks)
        return n.HoursLine(self._name(first), last, start, end, zone, self._span(meta))

    def closed_line(self, meta: Meta, *dates: n.String) -> n.ClosedLine:
        return n.ClosedLine(dates, self._span(meta))

    def calendar_decl(self, meta: Meta, name: Token, *items: Any) -> n.CalendarDecl:
        hours = tuple(i for i in items if isinstance(i, n.HoursLine))
        closed = tuple(i for i in items if isinstance(i, n.ClosedLine))
        return n.CalendarDecl(self._name(name), hours, closed, None, self._span(meta))

    def timer_sla(self, meta: Meta, stage: n.Name, *rest: Any) -> n.TimerSla:
        events = tuple(self._name(r) for r in rest if isinstance(r, Token) and r.type == "NAME")
        owner = next((r for r in rest if isinstance(r, n.String)), None)
        within = next(r for r in rest if isinstance(r, n.Duration))
        # a trailing NAME after the duration is the calendar (`of CAL`)
        calendar = None
        tokens = [r for r in rest if not isinstance(r, n.String)]
        if isinstance(tokens[-1], Token):
            calendar = self._name(tokens[-1])
            events = events[:-1]
        return n.TimerSla(stage, events, owner, within, calendar, self._span(meta))

    def escalation(self, meta: Meta, to: n.String, after: n.Duration, calendar: Token | None = None) -> n.Escalation:
        return n.Escalation(to, after, self._name(calendar) if calendar is not None else None, self._span(meta))

    def period(self, meta: Meta, token: Token) -> str:
        return str(token).removesuffix("s") if str(token) in ("days", "weeks") else str(token)

    def volume_sla(self, meta: Meta, owner: n.String, count: Token, stage: n.Name, period: str) -> n.VolumeSla:
        return n.VolumeSla(owner, _int(count), stage, period, self._span(meta))

    def sla_decl(self, meta: Meta, *items: Any) -> n.SlaDecl:
        return n.SlaDecl(items, self._span(meta))

    def qualified_as(self, meta: Meta, outcome: n.Name) -> n.QualifiedAs:
        return n.QualifiedAs(outcome, self._span(meta))

    def at_least_of_framework(self, meta: Meta, count: Token, framework: Token) -> n.AtLeastOf:
        return n.AtLeastOf(_int(count), self._name(framework), self._span(meta))

def _int(token: Token) -> int:
    digits = str(token).replace("_", "")
    if len(digits) > MAX_DIGITS:
        raise NumberTooLarge(token)
    return int(digits)

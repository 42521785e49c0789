"""Pass 2: declarations to the checked model, each segment, score and framework once,
on first use, so that references are checked in dependency order and cycles are found."""

from __future__ import annotations

import datetime as dt

from qualdsl import model as m
from qualdsl import nodes as n
from qualdsl.check.exprs import ExprChecker
from qualdsl.check.literals import parse_datetime
from qualdsl.check.scope import KIND_WORDS, Scope, suggest
from qualdsl.errors import error, warning
from qualdsl.source import Span
from qualdsl.types import SIMPLE_TYPES, Type, list_of

TYPE_ALIASES = {
    "integer": "int", "float": "number", "decimal": "number", "string": "text",
    "str": "text", "bool": "yes/no", "boolean": "yes/no", "currency": "money",
    "timestamp": "datetime", "time": "datetime",
}

MAX_TEST_EVENTS = 10_000

DEFAULT_TEST_NOW = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


class Declarations:
    """Builds model objects from the scope; implements ``Derivations`` for the expression checker."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.fields: dict[str, m.Field] = {}
        self.segments: dict[str, m.Segment] = {}
        self.scores: dict[str, m.Score] = {}
        self.frameworks: dict[str, m.Framework] = {}
        self.order: list[m.Derived] = []
        self._failed: set[tuple[str, str]] = set()
        self._active: list[tuple[str, str]] = []
        self.exprs = ExprChecker(scope, self)

    # ---- fields ----------------------------------------------------------------
    def build_fields(self) -> None:
        for name, decl in self.scope.fields.items():
            typ = self.type_of(decl.type)
            if typ is not None:
                column = decl.column.value if decl.column else None
                self.fields[name] = m.Field(name, typ, decl.optional, column, decl.span)

    def type_of(self, spec: n.TypeSpec) -> Type | None:
        if isinstance(spec, n.TypeName):
            if spec.name in SIMPLE_TYPES:
                return SIMPLE_TYPES[spec.name]
            alias = TYPE_ALIASES.get(spec.name.lower())
            hint = f"did you mean `{alias}`?" if alias else suggest(spec.name, SIMPLE_TYPES)
            self.scope.report(error(
                "E220", f"unknown type `{spec.name}`", spec.span,
                hint or "types are int, number, money, text, yes/no, date, datetime, duration, "
                "`one of ...` and `list of ...`",
            ))
            return None
        if isinstance(spec, n.EnumType):
            names = [member.name for member in spec.members]
            folded = [name.casefold() for name in names]
            for i, member in enumerate(spec.members):
                if member.name in names[:i]:
                    self.scope.report(error("E221", f"the choice `{member.name}` is listed twice", member.span))
                    return None
                if folded[i] in folded[:i]:
                    twin = names[folded.index(folded[i])]
                    self.scope.report(error(
                        "E221", f"the choices `{twin}` and `{member.name}` differ only in case", member.span,
                        "a lead's value is matched ignoring case, so the two cannot be told apart: keep one",
                    ))
                    return None
            return Type("enum", members=tuple(names))
        item = self.type_of(spec.item)
        if item is None:
            return None
        if item.kind == "list":
            self.scope.report(error("E222", "a list of lists is not supported", spec.span,
                                    "use `list of text` and one value per item"))
            return None
        return list_of(item)

    def field_type(self, name: str) -> m.Field | None:
        return self.fields.get(name)

    def chain(self) -> list[tuple[str, str]]:
        """The segments, scores and frameworks being typed now, outermost first."""
        return list(self._active)

    # ---- segments, scores, frameworks (on first use) ---------------------------------
    def _enter(self, kind: str, name: str, span: Span) -> bool:
        key = (kind, name)
        if key in self._active:
            cycle = " → ".join(f"{k} `{v}`" for k, v in self._active[self._active.index(key):])
            self.scope.report(error(
                "E110", f"{kind} `{name}` depends on itself: {cycle} → {kind} `{name}`", span,
                "break the cycle: a segment, score or framework cannot use itself",
            ))
            self._failed.add(key)
            return False
        if key in self._failed:
            return False
        self._active.append(key)
        return True

    def _leave(self, kind: str, name: str, ok: bool) -> None:
        self._active.pop()
        if ok:
            self.order.append(m.Derived(kind, name))
        else:
            self._failed.add((kind, name))

    def segment(self, name: str, span: Span) -> m.Segment | None:
        if name in self.segments:
            return self.segments[name]
        if not self._enter("segment", name, span):
            return None
        decl = self.scope.segments[name]
        criteria = []
        for crit in decl.criteria:
            expr = self.exprs.condition(crit.expr)
            if expr is not None:
                label = crit.label.value if crit.label else None
                criteria.append(m.Criterion("", expr, self.scope.text(crit.expr.span), label, crit.span))
        ok = len(criteria) == len(decl.criteria)
        mode, need = self._combinator(decl)
        if ok and mode is not None:
            self.segments[name] = m.Segment(
                name, decl.label.value if decl.label else None, mode, need, tuple(criteria), decl.span
            )
        self._leave("segment", name, ok and mode is not None)
        return self.segments.get(name)

    def _combinator(self, decl: n.SegmentDecl) -> tuple[str | None, int]:
        comb = decl.combinator
        total = len(decl.criteria)
        if total == 0:
            self.scope.report(error("E223", f"segment `{decl.name.name}` has no criteria", decl.span,
                                    "list at least one condition inside the braces"))
            return None, 0
        if comb is None or comb.kind == "all":
            return "all", total
        if comb.kind == "any":
            return "any", 1
        if not 1 <= comb.count <= total:
            self.scope.report(error(
                "E224", f"`at least {comb.count} of` cannot work with {total} criteria", comb.span,
                f"choose a number from 1 to {total}",
            ))
            return None, 0
        return "at least", comb.count

    def score(self, name: str, span: Span) -> m.Score | None:
        if name in self.scores:
            return self.scores[name]
        if not self._enter("score", name, span):
            return None
        decl = self.scope.scores[name]
        rules = [self._score_rule(i, rule) for i, rule in enumerate(decl.rules)]
        built = [r for r in rules if r is not None]
        ok = len(built) == len(rules)
        if ok:
            self.scores[name] = m.Score(name, decl.label.value if decl.label else None, tuple(built), decl.span)
        self._leave("score", name, ok)
        return self.scores.get(name)

    def _score_rule(self, index: int, rule: n.ScoreRule) -> m.ScoreRule | None:
        label = rule.label.value if rule.label else None
        text = self.scope.text(rule.span)
        if isinstance(rule, n.IfRule):
            cond = self.exprs.condition(rule.condition)
            if cond is None:
                return None
            return m.ScoreRule(index, rule.points, cond, None, None, text, label, rule.span)
        kind = self.scope.kind_of(rule.event.name)
        if kind is not None and kind != "event":
            self.scope.report(error(
                "E230", f"`per` counts events, but `{rule.event.name}` is {KIND_WORDS[kind]}", rule.event.span,
                f"to give points when it holds write `{'+' if rule.points >= 0 else ''}{rule.points} if {rule.event.name}`",
            ))
            return None
        count = self.exprs.event_count(rule.event, rule.window, rule.span, allow_any=True)
        if count is None:
            return None
        cap = int(rule.cap.text) if rule.cap is not None else None
        if cap is not None and rule.cap is not None and cap < abs(rule.points):
            self.scope.report(warning(
                "W303", f"the cap {cap} is below a single award of {abs(rule.points)} points",
                rule.cap.span, "the rule can never give its full points; raise the cap or lower the points",
            ))
        return m.ScoreRule(index, rule.points, None, count, cap, text, label, rule.span)

    def framework(self, name: str, span: Span) -> m.Framework | None:
        if name in self.frameworks:
            return self.frameworks[name]
        if not self._enter("framework", name, span):
            return None
        decl = self.scope.frameworks[name]
        criteria: list[m.Criterion] = []
        ok = True
        for crit in decl.criteria:
            if any(c.name == crit.name.name for c in criteria):
                self.scope.report(error("E225", f"criterion `{crit.name.name}` is declared twice", crit.name.span))
                ok = False
                continue
            expr = self.exprs.condition(crit.expr)
            if expr is None:
                ok = False
                continue
            label = crit.label.value if crit.label else None
            criteria.append(m.Criterion(crit.name.name, expr, self.scope.text(crit.expr.span), label, crit.span))
        built = self._pass_rule(decl, criteria) if ok else None
        if built is not None:
            mode, need, rule, text = built
            self.frameworks[name] = m.Framework(
                name, decl.label.value if decl.label else None, tuple(criteria), mode, need, rule, text, decl.span
            )
        self._leave("framework", name, built is not None)
        return self.frameworks.get(name)

    def _pass_rule(
        self, decl: n.FrameworkDecl, criteria: list[m.Criterion]
    ) -> tuple[str, int, m.Expr | None, str] | None:
        total = len(criteria)
        if total == 0:
            self.scope.report(error("E223", f"framework `{decl.name.name}` has no criteria", decl.span,
                                    "add criteria as `NAME : CONDITION`"))
            return None
        if len(decl.pass_rules) > 1:
            self.scope.report(error("E226", "a framework has one pass rule", decl.pass_rules[1].span,
                                    "keep one `passes when ...` line"))
            return None
        if not decl.pass_rules:
            return "all", total, None, "passes when all"
        rule = decl.pass_rules[0]
        text = self.scope.text(rule.span)
        if rule.kind == "all":
            return "all", total, None, text
        if rule.kind == "any":
            return "any", 1, None, text
        if rule.kind == "at least":
            if rule.of is not None and int(rule.of.text) != total:
                self.scope.report(error(
                    "E227", f"`{decl.name.name}` has {total} criteria, not {rule.of.text}", rule.of.span,
                    f"write `at least {rule.count} of {total}`",
                ))
                return None
            if not 1 <= rule.count <= total:
                self.scope.report(error(
                    "E224", f"`at least {rule.count}` cannot work with {total} criteria", rule.span,
                    f"choose a number from 1 to {total}",
                ))
                return None
            return "at least", rule.count, None, text
        assert rule.expr is not None
        checker = ExprChecker(self.scope, self, {c.name: c for c in criteria}, decl.name.name)
        expr = checker.condition(rule.expr)
        if expr is None:
            return None
        return "expr", 0, expr, text

    # ---- qualify ---------------------------------------------------------------------
    def build_rules(self) -> tuple[m.QualifyRule, ...]:
        blocks = self.scope.qualify
        if not blocks:
            return ()
        for extra in blocks[1:]:
            self.scope.report(error("E121", "a policy has one `qualify` block", extra.span,
                                    "merge the rules into the first block: their order decides"))
        block = blocks[0]
        for outcome in self.scope.outcomes.values():
            kind = self.scope.kind_of(outcome.name)
            if kind is not None:
                self.scope.report(error(
                    "E125", f"the outcome `{outcome.name}` has the name of a {kind}", outcome.span,
                    "give outcomes names of their own, e.g. `mql`, `sql`, `disqualified`",
                ))
        rules: list[m.QualifyRule] = []
        for i, rule in enumerate(block.rules):
            cond = self.exprs.condition(rule.condition)
            reason = rule.reason.value if rule.reason else None
            if cond is not None:
                text = self.scope.text(rule.condition.span)
                rules.append(m.QualifyRule(i, rule.outcome.name, cond, reason, text, rule.span))
        return tuple(rules) + self._otherwise(block, len(block.rules))

    def _otherwise(self, block: n.QualifyDecl, index: int) -> tuple[m.QualifyRule, ...]:
        if not block.otherwise:
            self.scope.report(error(
                "E123", "the qualify block needs a last `otherwise` rule", block.span,
                "add `otherwise lead` (or another outcome) as the last line, for leads no rule matches",
            ))
            return ()
        for extra in block.otherwise[1:]:
            self.scope.report(error("E124", "only one `otherwise` rule is allowed", extra.span))
        last = block.otherwise[0]
        late = [r for r in block.rules if r.span.start > last.span.start]
        if late:
            self.scope.report(error(
                "E122", "`otherwise` must be the last rule: rules after it never apply", late[0].span,
                "move `otherwise` to the end of the qualify block",
            ))
        reason = last.reason.value if last.reason else None
        return (m.QualifyRule(index, last.outcome.name, None, reason, "otherwise", last.span),)

    # ---- tests -----------------------------------------------------------------------
    def build_tests(self) -> tuple[m.TestCase, ...]:
        return tuple(t for t in (self._test(decl) for decl in self.scope.tests) if t is not None)

    def _test(self, decl: n.TestDecl) -> m.TestCase | None:
        ok = True
        now = DEFAULT_TEST_NOW
        if decl.now is not None:
            try:
                now = parse_datetime(decl.now.value)
            except ValueError:
                self.scope.report(error("E203", f'"{decl.now.value}" is not a date and time', decl.now.span,
                                        'write e.g. now is "2026-12-01T09:00:00Z"'))
                ok = False
        lead: dict[str, object] = {}
        for value in decl.lead:
            typed = self._test_value(value)
            if typed is None:
                ok = False
            else:
                lead[value.name.name] = typed.value
        given = {value.name.name for value in decl.lead}
        absent = [f.name for f in self.fields.values() if not f.optional and f.type.kind != "list" and f.name not in given]
        if absent:
            self.scope.report(error(
                "E140", "this test gives no value for the required field(s) " + ", ".join(f"`{a}`" for a in absent),
                decl.name.span, "add them to `given lead { ... }`, or mark the fields optional with `?`",
            ))
            ok = False
        events: list[m.TestEvent] = []
        for spec in decl.events:
            built = self._test_events(spec, now)
            if built is None:
                ok = False
            elif len(events) + len(built) > MAX_TEST_EVENTS:
                self.scope.report(error(
                    "E142", f"this test has more than {MAX_TEST_EVENTS:,} events in all", spec.span,
                    "a test needs only enough events to reach its rule, e.g. `pricing_view 3 times in last 10 days`",
                ))
                ok = False
                break
            else:
                events.extend(built)
        expects = []
        for stage in decl.stages:
            if not self.scope.lifecycles:
                self.scope.report(error("E143", "`expect stage` needs a lifecycle block in the policy", stage.span))
                ok = False
                continue
            names = [n_.name for line in self.scope.lifecycles[0].stages for n_ in line.names]
            if stage.name not in names:
                self.scope.report(error("E161", f"unknown stage `{stage.name}`", stage.span,
                                        suggest(stage.name, names) or "the stages are " + ", ".join(names)))
                ok = False
                continue
            expects.append(m.Expectation(None, None, f"stage {stage.name}", stage.span, stage.name))
        for expr in decl.expects:
            expectation = self._expectation(expr)
            if expectation is None:
                ok = False
            else:
                expects.append(expectation)
        if not ok:
            return None
        ordered = tuple(sorted(events, key=lambda e: e.at))
        return m.TestCase(decl.name.value, lead, ordered, now, tuple(expects), decl.span)

    def _test_value(self, value: n.FieldValue) -> m.Const | None:
        field = self.fields.get(value.name.name)
        if field is None:
            if value.name.name not in self.scope.fields:
                self.scope.report(error(
                    "E102", f"unknown field `{value.name.name}`", value.name.span,
                    suggest(value.name.name, self.scope.fields) or "declare it in the lead block",
                ))
            return None
        typed = self.exprs.infer(value.value, field.type)
        if typed is None:
            return None
        if not isinstance(typed, m.Const) or not _fits(typed.type, field.type):
            self.scope.report(error(
                "E141", f"`{field.name}` is {field.type.describe()}; this value does not fit", value.value.span,
                "give a fixed value of the field's type",
            ))
            return None
        if field.type.kind == "money" and typed.type.kind != "money":
            from decimal import Decimal
            return m.Const(Decimal(typed.value), field.type, typed.span)  # type: ignore[arg-type]
        return typed

    def _test_events(self, spec: n.EventSpec, now: dt.datetime) -> list[m.TestEvent] | None:
        name = spec.event.name
        if name not in self.scope.events:
            self.scope.report(error("E102", f"unknown event `{name}`", spec.event.span,
                                    suggest(name, self.scope.events) or "declare it in an `events` line"))
            return None
        if spec.kind == "at":
            assert spec.timestamp is not None
            try:
                return [m.TestEvent(name, parse_datetime(spec.timestamp.value))]
            except ValueError:
                self.scope.report(error("E203", f'"{spec.timestamp.value}" is not a date and time',
                                        spec.timestamp.span, 'write e.g. "2026-12-01T09:00:00Z"'))
                return None
        assert spec.duration is not None
        typed = self.exprs.infer(spec.duration)
        if not isinstance(typed, m.Const):
            return None
        span = typed.value
        assert isinstance(span, dt.timedelta)
        count = spec.count
        if count > MAX_TEST_EVENTS:
            self.scope.report(error(
                "E142", f"{count:,} events are more than a test can hold (at most {MAX_TEST_EVENTS:,} per line)",
                spec.span, "a test needs only enough events to reach its rule, e.g. `pricing_view 3 times in last 10 days`",
            ))
            return None
        try:
            if spec.kind == "ago":
                return [m.TestEvent(name, now - span)]
            return [m.TestEvent(name, now - span * k / (count + 1)) for k in range(1, count + 1)]
        except OverflowError:  # `now` near the year 1 (or 9999), or a duration of thousands of years
            self.scope.report(error(
                "E186", f"this event's time is outside the calendar: {_spelled_span(span)} before "
                f"{now.isoformat()} is before the year 1", spec.span,
                'give the event a time in the calendar, e.g. `demo_watched 2 days ago`, or another `now is "..."`',
            ))
            return None

    def _expectation(self, expr: n.Expr) -> m.Expectation | None:
        text = self.scope.text(expr.span)
        if isinstance(expr, n.Name) and expr.name in self.scope.outcomes and self.scope.kind_of(expr.name) is None:
            return m.Expectation(expr.name, None, text, expr.span)
        if isinstance(expr, n.Name) and self.scope.kind_of(expr.name) is None:
            self.scope.report(error(
                "E126", f"`{expr.name}` is not an outcome of the qualify block", expr.span,
                suggest(expr.name, self.scope.outcomes) or "outcomes are " + ", ".join(self.scope.outcomes),
            ))
            return None
        cond = ExprChecker(self.scope, self, allow_outcomes=True).condition(expr)
        if cond is None:
            return None
        return m.Expectation(None, cond, text, expr.span)


def _spelled_span(span: dt.timedelta) -> str:
    if span % dt.timedelta(days=1):
        return str(span)
    return "1 day" if span.days == 1 else f"{span.days:,} days"


def _fits(value: Type, field: Type) -> bool:
    if field.kind == "list":
        return value.kind == "list" and (value.item is None or field.item is None or _fits(value.item, field.item))
    if field.kind in ("money", "number"):
        return value.kind in ("int", "number", "money")
    return value == field

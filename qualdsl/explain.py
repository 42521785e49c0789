"""Why a lead got its outcome: the reference trace turned into an explanation, with near misses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

import attrs

from qualdsl import model as m
from qualdsl.errors import RecordError
from qualdsl.interpret import Events, Trace, interpret

Decide = Callable[[Mapping[str, object]], int]  # a lead (values as read) -> the chosen rule's index

MAX_NEAR_MISSES = 5
WITHIN_REACH = Decimal("0.2")  # a known threshold counts as "within reach" up to 20% away


def state(value: object) -> str:
    """A value as the explanation shows it, with None as "unknown"."""
    return "unknown" if value is None else show(value)


def show(value: object) -> str:
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        for unit, size in (("weeks", 604800), ("days", 86400), ("hours", 3600), ("minutes", 60)):
            if seconds % size == 0 and seconds:
                amount = seconds // size
                return f"{amount} {unit if amount != 1 else unit[:-1]}"
        return f"{seconds} seconds"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def jsonable(value: object) -> object:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    return show(value)


@attrs.frozen
class Check:
    """One criterion, rule or score rule: its text, line, and what it gave."""

    text: str
    line: int
    value: object
    name: str = ""
    path: str = ""
    points: int | None = None
    missing: tuple[str, ...] = ()
    label: str | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"text": self.text, "line": self.line, "value": jsonable(self.value)}
        if self.path:
            out["path"] = self.path
        if self.name:
            out["name"] = self.name
        if self.points is not None:
            out["points"] = self.points
        if self.missing and self.value is None:
            out["missing"] = list(self.missing)
        if self.label:
            out["label"] = self.label
        return out


@attrs.frozen
class Group:
    """A segment, framework or score with the checks inside it."""

    kind: str
    name: str
    label: str | None
    value: object
    rule: str
    checks: tuple[Check, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name, "label": self.label, "value": jsonable(self.value),
            "rule": self.rule, "checks": [c.to_dict() for c in self.checks],
        }


@attrs.frozen
class NearMiss:
    """One known fact that would move the lead to an earlier (higher) outcome."""

    subject: str
    current: object
    needed: str
    outcome: str
    line: int

    @property
    def text(self) -> str:
        return f"{self.subject} is {state(self.current)}; if it were {self.needed}, the outcome would be {self.outcome}"

    def to_dict(self) -> dict[str, object]:
        return {
            "subject": self.subject, "current": jsonable(self.current), "needed": self.needed,
            "outcome": self.outcome, "line": self.line, "text": self.text,
        }


@attrs.frozen
class Explanation:
    outcome: str
    reason: str | None
    chosen: Check
    rules: tuple[Check, ...]
    scores: tuple[Group, ...]
    segments: tuple[Group, ...]
    frameworks: tuple[Group, ...]
    unknown_fields: tuple[str, ...]
    near_misses: tuple[NearMiss, ...]
    path: str = ""

    def where(self, check: Check) -> str:
        """`line N` in the policy's own file, `FILE:N` for a line of a used file."""
        if check.path and check.path != self.path:
            return f"{check.path}:{check.line}"
        return f"line {check.line}"

    def to_dict(self) -> dict[str, object]:
        return {
            "policy_path": self.path,
            "outcome": self.outcome,
            "reason": self.reason,
            "chosen_rule": self.chosen.to_dict(),
            "rules": [r.to_dict() for r in self.rules],
            "scores": [s.to_dict() for s in self.scores],
            "segments": [s.to_dict() for s in self.segments],
            "frameworks": [f.to_dict() for f in self.frameworks],
            "unknown_fields": list(self.unknown_fields),
            "near_misses": [n.to_dict() for n in self.near_misses],
        }

    def render(self) -> str:
        """Plain words, for a person."""
        out = [f"Outcome: {self.outcome}"]
        if self.chosen.text == "otherwise":
            out.append(f"  because no earlier rule held (otherwise, {self.where(self.chosen)})")
        else:
            out.append(f"  because {self.chosen.text}  ({self.where(self.chosen)})")
        if self.reason:
            out.append(f"  reason: {self.reason}")
        earlier = [r for r in self.rules if r.line < self.chosen.line or r is self.chosen]
        if len(earlier) > 1:
            out.append("")
            out.append("Rules tried, in order:")
            for rule in self.rules:
                mark = "<- chosen" if rule == self.chosen else ""
                out.append(f"  {rule.name:<14} {state(rule.value):<8} {rule.text}  ({self.where(rule)}) {mark}".rstrip())
                if rule == self.chosen:
                    break
        for title, groups in (("Scores", self.scores), ("Segments", self.segments), ("Frameworks", self.frameworks)):
            if not groups:
                continue
            out.append("")
            out.append(f"{title}:")
            for group in groups:
                label = f' "{group.label}"' if group.label else ""
                out.append(f"  {group.name}{label}: {state(group.value)}" + (f"  ({group.rule})" if group.rule else ""))
                for check in group.checks:
                    head = f"{check.points:+d}" if check.points is not None else state(check.value)
                    name = f"{check.name}: " if check.name else ""
                    missing = f"  [missing: {', '.join(check.missing)}]" if check.missing and check.value is None else ""
                    label = f"  -- {check.label}" if check.label else ""
                    out.append(f"    {head:>8}  {name}{check.text}  ({self.where(check)}){missing}{label}")
        if self.unknown_fields:
            out.append("")
            out.append("Unknown fields: " + ", ".join(self.unknown_fields))
        if self.near_misses:
            out.append("")
            out.append("Near misses:")
            for miss in self.near_misses:
                out.append(f"  - {miss.text}")
        return "\n".join(out)


def _fields_in(expr: m.Expr) -> list[str]:
    return [node.name for node in m.walk(expr) if isinstance(node, m.FieldRef)]


def _missing(expr: m.Expr | None, lead: Mapping[str, object], facts: _PolicyFacts) -> tuple[str, ...]:
    """The fields the condition (None: `otherwise`, or a `per` score rule) reads that the lead lacks."""
    if expr is None:
        return ()
    return tuple(f for f in facts.fields_of[id(expr)] if lead.get(f) is None)


def explain_trace(
    policy: m.PolicyModel,
    trace: Trace,
    lead: Mapping[str, object],
    events: Events,
    now: dt.datetime,
    decide: Decide | None = None,
) -> Explanation:
    """The explanation of ``trace``. ``decide(lead)``, when given, is the chosen rule's index for
    a changed lead (the compiled evaluator: the near misses try several), else the interpreter's."""
    facts = _facts(policy)
    rules = tuple(
        Check(r.text, r.span.line, trace.rule_values[i], r.outcome, r.span.path,
              missing=_missing(r.condition, lead, facts))
        for i, r in enumerate(policy.rules)
    )
    chosen_rule = policy.rules[trace.chosen]
    scores = tuple(
        Group("score", s.name, s.label, trace.scores[s.name], "", tuple(
            Check(r.text, r.span.line, trace.score_hits[s.name][i], path=r.span.path, points=trace.score_points[s.name][i],
                  missing=_missing(r.condition, lead, facts))
            for i, r in enumerate(s.rules)
        ))
        for s in policy.scores.values()
    )
    segments = tuple(
        Group("segment", s.name, s.label, trace.segments[s.name], _mode_text(s.mode, s.need), tuple(
            Check(c.text, c.span.line, trace.segment_criteria[s.name][i], path=c.span.path,
                  missing=_missing(c.expr, lead, facts), label=c.label)
            for i, c in enumerate(s.criteria)
        ))
        for s in policy.segments.values()
    )
    frameworks = tuple(
        Group("framework", f.name, f.label, trace.frameworks[f.name], f.rule_text, tuple(
            Check(c.text, c.span.line, trace.framework_criteria[f.name][c.name], c.name, c.span.path,
                  missing=_missing(c.expr, lead, facts), label=c.label)
            for c in f.criteria
        ))
        for f in policy.frameworks.values()
    )
    read = facts.fields_read
    unknown = tuple(f.name for f in policy.fields if f.optional and f.name in read and lead.get(f.name) is None)
    return Explanation(
        chosen_rule.outcome, chosen_rule.reason, rules[trace.chosen], rules, scores, segments,
        frameworks, unknown, near_misses(policy, trace, lead, events, now, decide), policy.path,
    )


def _mode_text(mode: str, need: int) -> str:
    return {"all": "all of", "any": "any of"}.get(mode, f"at least {need} of")


# ---- near misses ---------------------------------------------------------------------

NEEDED_WORDS = {">=": "{} or more", ">": "more than {}", "<=": "{} or less", "<": "less than {}", "=": "{}"}


def _qualify_exprs(policy: m.PolicyModel) -> list[m.Expr]:
    """What deciding the outcome evaluates, in the order near misses are tried: not the lifecycle
    guards (an explanation does not run the lifecycle), so not all of ``m.policy_exprs``."""
    return [*m.segment_exprs(policy), *m.framework_exprs(policy), *m.score_exprs(policy), *m.rule_exprs(policy)]


@attrs.frozen
class _PolicyFacts:
    """What an explanation needs of the policy alone: worked out once per policy, not per lead."""

    candidates: tuple[tuple[str, str, object, str], ...]
    fields_read: frozenset[str]
    fields_of: dict[int, tuple[str, ...]]  # id of each condition and criterion -> the fields it reads, once each


_FACTS: dict[int, tuple[m.PolicyModel, _PolicyFacts]] = {}  # by identity: hashing a model walks all of it
_FACTS_KEPT = 64


def _facts(policy: m.PolicyModel) -> _PolicyFacts:
    entry = _FACTS.get(id(policy))
    if entry is None or entry[0] is not policy:
        if len(_FACTS) >= _FACTS_KEPT:
            _FACTS.clear()
        exprs = _qualify_exprs(policy)
        read = frozenset(name for expr in exprs for name in _fields_in(expr))
        fields_of = {id(expr): tuple(dict.fromkeys(_fields_in(expr))) for expr in exprs}
        entry = (policy, _PolicyFacts(tuple(_candidates(policy)), read, fields_of))
        _FACTS[id(policy)] = entry
    return entry[1]


def _candidates(policy: m.PolicyModel) -> list[tuple[str, str, object, str]]:
    """(kind, name, value to try, words) from every comparison of a field or score with a constant."""
    found: list[tuple[str, str, object, str]] = []
    for expr in _qualify_exprs(policy):
        for node in m.walk(expr):
            found.extend(_from_node(node))
    for field in policy.fields:
        if field.type.kind == "bool":
            found.append(("field", field.name, True, "yes"))
            found.append(("field", field.name, False, "no"))
    return list(dict.fromkeys(found))


def _subject(expr: m.Expr) -> tuple[str, str] | None:
    if isinstance(expr, m.FieldRef):
        return ("field", expr.name)
    if isinstance(expr, m.ScoreRef):
        return ("score", expr.name)
    return None


def _from_node(node: m.Expr) -> list[tuple[str, str, object, str]]:
    if isinstance(node, m.Compare) and isinstance(node.right, m.Const) and node.op != "!=":
        subject = _subject(node.left)
        if subject is None:
            return []
        value = node.right.value
        if node.op == ">" and isinstance(value, int):
            value = value + 1
        elif node.op == "<" and isinstance(value, int):
            value = value - 1
        elif node.op in ("<", ">"):
            return []
        return [(*subject, value, NEEDED_WORDS[node.op].format(show(node.right.value)))]
    if isinstance(node, m.Between) and isinstance(node.low, m.Const) and isinstance(node.high, m.Const):
        subject = _subject(node.operand)
        if subject is None:
            return []
        words = f"between {show(node.low.value)} and {show(node.high.value)}"
        return [(*subject, node.low.value, words), (*subject, node.high.value, words)]
    if isinstance(node, m.InList) and isinstance(node.items, m.Const):
        subject = _subject(node.operand)
        if subject is None or node.negated:
            return []
        assert isinstance(node.items.value, tuple)
        return [(*subject, v, show(v)) for v in node.items.value[:5]]
    return []


def _within_reach(current: object, target: object) -> bool:
    """Unknown values and yes/no answers are always worth trying; numbers within 20%."""
    if current is None or isinstance(current, bool):
        return True
    if isinstance(current, (int, Decimal)) and isinstance(target, (int, Decimal)) and not isinstance(current, bool):
        gap = abs(Decimal(target) - Decimal(current))
        base = max(abs(Decimal(target)), Decimal(1))
        return gap / base <= WITHIN_REACH
    return False


def near_misses(
    policy: m.PolicyModel, trace: Trace, lead: Mapping[str, object], events: Sequence[tuple[str, dt.datetime]],
    now: dt.datetime, decide: Decide | None = None,
) -> tuple[NearMiss, ...]:
    if trace.chosen == 0:
        return ()
    found: dict[tuple[str, str], NearMiss] = {}
    for kind, name, value, words in _facts(policy).candidates:
        current = lead.get(name) if kind == "field" else trace.scores.get(name)
        if current == value or not _within_reach(current, value):
            continue
        if kind == "field":
            chosen = _chosen_with(policy, {**lead, name: value}, events, now, decide)
        else:
            chosen = interpret(policy, lead, events, now, {name: value}).chosen  # type: ignore[dict-item]
        if chosen < trace.chosen:
            rule = policy.rules[chosen]
            key = (name, rule.outcome)
            if key not in found:
                found[key] = NearMiss(name, current, words, rule.outcome, rule.span.line)
        if len(found) >= MAX_NEAR_MISSES:
            break
    return tuple(found.values())


def _chosen_with(
    policy: m.PolicyModel, lead: Mapping[str, object], events: Sequence[tuple[str, dt.datetime]],
    now: dt.datetime, decide: Decide | None,
) -> int:
    """The rule chosen for a changed lead: by ``decide`` (held equal to the interpreter by the
    differential tests) unless a value it is given cannot be read there, then by the interpreter."""
    if decide is not None:
        try:
            return decide(lead)
        except RecordError:
            pass
    return interpret(policy, lead, events, now).chosen

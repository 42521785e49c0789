"""Running a policy's own `test` blocks, and which of its rules the tests exercised.

Coverage counts, over all tests of a policy: each qualify rule that chose a test's
outcome, each score rule that gave points, each segment and framework criterion that
held, and each lifecycle transition that fired while replaying a test's events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from qualdsl import model as m
from qualdsl.explain import show, state
from qualdsl.interpret import Interpreter, Trace
from qualdsl.lifecycle import HistoryEvent
from qualdsl.policy import Policy
from qualdsl.records import convert_events, convert_lead


@attrs.frozen
class CoverageItem:
    key: str
    kind: str
    text: str
    path: str
    line: int


@attrs.frozen
class TestResult:
    name: str
    path: str
    line: int
    failures: tuple[str, ...]
    explanation: str
    covered: frozenset[str] = frozenset()

    @property
    def passed(self) -> bool:
        return not self.failures


@attrs.frozen
class Coverage:
    items: tuple[CoverageItem, ...]
    covered: frozenset[str]

    @property
    def percent(self) -> float:
        if not self.items:
            return 100.0
        return 100.0 * sum(1 for i in self.items if i.key in self.covered) / len(self.items)

    @property
    def missed(self) -> tuple[CoverageItem, ...]:
        return tuple(i for i in self.items if i.key not in self.covered)


def coverage_items(model: m.PolicyModel) -> tuple[CoverageItem, ...]:
    """Everything a test can exercise, in policy order."""
    items: list[CoverageItem] = []
    for name, segment in model.segments.items():
        for i, c in enumerate(segment.criteria):
            items.append(CoverageItem(f"segment:{name}:{i}", f"segment {name}", c.text, c.span.path, c.span.line))
    for name, score in model.scores.items():
        for i, award in enumerate(score.rules):
            items.append(CoverageItem(f"score:{name}:{i}", f"score {name}", award.text, award.span.path, award.span.line))
    for name, framework in model.frameworks.items():
        for c in framework.criteria:
            items.append(CoverageItem(f"framework:{name}:{c.name}", f"framework {name}", f"{c.name}: {c.text}",
                                      c.span.path, c.span.line))
    for rule in model.rules:
        text = f"{rule.outcome} when {rule.text}" if rule.condition is not None else f"otherwise {rule.outcome}"
        items.append(CoverageItem(f"rule:{rule.index}", "qualify", text, rule.span.path, rule.span.line))
    if model.lifecycle is not None:
        for t in model.lifecycle.transitions:
            items.append(CoverageItem(f"transition:{t.index}", "lifecycle", t.text, t.span.path, t.span.line))
    return tuple(items)


def _covered_by(model: m.PolicyModel, trace: Trace) -> set[str]:
    keys = {f"rule:{model.rules[trace.chosen].index}"}
    for name, values in trace.segment_criteria.items():
        keys.update(f"segment:{name}:{i}" for i, v in enumerate(values) if v is True)
    for name, points in trace.score_points.items():
        keys.update(f"score:{name}:{i}" for i, p in enumerate(points) if p != 0)
    for name, criteria in trace.framework_criteria.items():
        keys.update(f"framework:{name}:{c}" for c, v in criteria.items() if v is True)
    return keys


def run_test(policy: Policy, case: m.TestCase) -> TestResult:
    model = policy.model
    events = [(e.event, e.at) for e in case.events]
    try:
        decision = policy.evaluate(case.lead, events, case.now)
        values = convert_lead(model.fields, case.lead)
        converted = convert_events(events, set(model.events))
    except Exception as exc:
        failure = f"the test's lead cannot be evaluated: {exc}"
        return TestResult(case.name, case.span.path, case.span.line, (failure,), "")
    interpreter = Interpreter(model, values, converted, case.now)
    trace = interpreter.run()
    covered = _covered_by(model, trace)
    final_stage = None
    if model.lifecycle is not None:
        timeline = policy.replay(case.lead, [HistoryEvent(e.event, e.at) for e in case.events], case.now)
        final_stage = timeline.stage
        covered.update(f"transition:{v.via.index}" for v in timeline.visits if v.via is not None)
    failures = [f for f in (_check(e, decision.outcome, final_stage, interpreter) for e in case.expects) if f]
    text = decision.explain().render() if failures else ""
    return TestResult(case.name, case.span.path, case.span.line, tuple(failures), text, frozenset(covered))


def _check(expect: m.Expectation, outcome: str, stage: str | None, interpreter: Interpreter) -> str:
    line = expect.span.line
    if expect.stage is not None:
        return "" if stage == expect.stage else f"line {line}: expected stage {expect.stage}, got {stage}"
    if expect.outcome is not None:
        return "" if outcome == expect.outcome else f"line {line}: expected outcome {expect.outcome}, got {outcome}"
    assert expect.condition is not None
    value = interpreter.eval(expect.condition)
    if value is True:
        return ""
    return f"line {line}: expected `{expect.text}`, but it is {state(value)}" + _actual(expect.condition, interpreter)


def _actual(condition: m.Expr, interpreter: Interpreter) -> str:
    if isinstance(condition, m.Compare):
        left = interpreter.eval(condition.left)
        return f" (actual: {show(left) if left is not None else 'unknown'})"
    return ""


def run_tests(policy: Policy) -> list[TestResult]:
    return [run_test(policy, case) for case in policy.model.tests]


def coverage(policy: Policy, results: Iterable[TestResult]) -> Coverage:
    covered: set[str] = set()
    for result in results:
        covered |= result.covered
    return Coverage(coverage_items(policy.model), frozenset(covered))


def render_coverage(path: str, cov: Coverage, limit: int = 50) -> list[str]:
    lines = [f"{path}: {cov.percent:.0f}% of {len(cov.items)} rules exercised by tests"]
    for item in cov.missed[:limit]:
        lines.append(f"  not exercised: {item.path}:{item.line}  {item.kind}: {item.text}")
    if len(cov.missed) > limit:
        lines.append(f"  ... and {len(cov.missed) - limit} more")
    return lines


__all__: Sequence[str] = ["Coverage", "TestResult", "coverage", "render_coverage", "run_test", "run_tests"]

"""Running a policy's own `test` blocks."""

from __future__ import annotations

import attrs

from qualdsl import model as m
from qualdsl.explain import show, state
from qualdsl.interpret import Interpreter
from qualdsl.policy import Policy
from qualdsl.records import convert_events, convert_lead


@attrs.frozen
class TestResult:
    name: str
    path: str
    line: int
    failures: tuple[str, ...]
    explanation: str

    @property
    def passed(self) -> bool:
        return not self.failures


def run_test(policy: Policy, case: m.TestCase) -> TestResult:
    model = policy.model
    events = [(e.event, e.at) for e in case.events]
    try:
        decision = policy.evaluate(case.lead, events, case.now)
        values = convert_lead(model.fields, case.lead)
        converted = convert_events(events, set(model.events))
    except Exception as exc:
        return TestResult(case.name, case.span.path, case.span.line, (f"the test's lead cannot be evaluated: {exc}",), "")
    interpreter = Interpreter(model, values, converted, case.now)
    interpreter.run()
    failures = []
    for expect in case.expects:
        if expect.outcome is not None:
            if decision.outcome != expect.outcome:
                failures.append(
                    f"line {expect.span.line}: expected outcome {expect.outcome}, got {decision.outcome}"
                )
            continue
        assert expect.condition is not None
        value = interpreter.eval(expect.condition)
        if value is not True:
            failures.append(
                f"line {expect.span.line}: expected `{expect.text}`, but it is {state(value)}"
                + _actual(expect.condition, interpreter)
            )
    text = decision.explain().render() if failures else ""
    return TestResult(case.name, case.span.path, case.span.line, tuple(failures), text)


def _actual(condition: m.Expr, interpreter: Interpreter) -> str:
    if isinstance(condition, m.Compare):
        left = interpreter.eval(condition.left)
        return f" (actual: {show(left) if left is not None else 'unknown'})"
    return ""


def run_tests(policy: Policy) -> list[TestResult]:
    return [run_test(policy, case) for case in policy.model.tests]

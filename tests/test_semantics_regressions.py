"""Disagreements between the compiled evaluator and the reference interpreter found by the
differential test (``tests/test_differential.py``), each pinned down by a small policy.

Every test runs both back ends and checks them against the value the semantics give.
"""

from __future__ import annotations

import datetime as dt
import warnings
from decimal import Decimal

import pytest

import qualdsl

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def both(policy: qualdsl.Policy, lead: dict[str, object], events: list[object] | None = None) -> tuple[str, dict[str, int]]:
    """The outcome and scores, after checking that both back ends give the same."""
    events = events or []
    decision = policy.evaluate(lead, events, NOW)
    trace = policy.reference(lead, events, NOW)
    reference = (policy.model.rules[trace.chosen].outcome, dict(trace.scores))
    assert (decision.outcome, decision.scores) == reference
    assert decision.rule_index == trace.chosen
    return reference


def refused_field(policy: qualdsl.Policy, lead: dict[str, object], events: list[object] | None = None) -> str:
    """The field both back ends name when they refuse the lead."""
    with pytest.raises(qualdsl.RecordError) as compiled:
        policy.evaluate(lead, events or [], NOW)
    with pytest.raises(qualdsl.RecordError) as reference:
        policy.reference(lead, events or [], NOW)
    assert compiled.value.field == reference.value.field
    return compiled.value.field


def test_signalling_nan_is_missing_not_a_crash() -> None:
    # Decimal("sNaN") != Decimal("sNaN") raises InvalidOperation: `is_missing` crashed both back ends.
    policy = qualdsl.compile_text(
        'policy "p"\nlead {\n  budget: money?\n  size: number\n}\n'
        "qualify {\n  known when budget is not missing\n  otherwise lead\n}\n"
    )
    assert both(policy, {"budget": Decimal("sNaN"), "size": 1}) == ("lead", {})
    assert both(policy, {"budget": Decimal("NaN"), "size": 1}) == ("lead", {})
    assert refused_field(policy, {"budget": 5, "size": Decimal("sNaN")}) == "size"


def test_choice_with_capitals_is_found_in_a_list() -> None:
    # The compiled `in` folded the list's choices (`kvp`) but not the field's value (`kVp`).
    policy = qualdsl.compile_text(
        'policy "p"\nlead {\n  seniority: one of kVp, kic\n}\n'
        "score s {\n  +5 if seniority in [kVp]\n  +7 if seniority not in [kVp, kic]\n}\n"
        "qualify {\n  senior when seniority in [kVp]\n  otherwise lead\n}\n"
    )
    assert both(policy, {"seniority": "kVp"}) == ("senior", {"s": 5})
    assert both(policy, {"seniority": "KVP"}) == ("senior", {"s": 5})
    assert both(policy, {"seniority": "kic"}) == ("lead", {"s": 0})


def test_is_missing_of_a_constant_compiles_without_warning() -> None:
    # `5 is missing` compiled to `(5 is None)`, which Python warns about (SyntaxWarning).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        policy = qualdsl.compile_text(
            'policy "p"\nlead {\n  n: int\n}\n'
            "qualify {\n  a when 5 is missing\n  b when 5 is not missing\n  otherwise lead\n}\n"
        )
    assert both(policy, {"n": 1}) == ("b", {})


def test_framework_whose_rule_uses_an_optional_field_may_be_unknown() -> None:
    # The checker marks `F passes` never unknown when its criteria never are, though its
    # `passes when` reads an optional field: the compiled `not (F passes)` was `not None`, true.
    policy = qualdsl.compile_text(
        'policy "p"\nlead {\n  x: int?\n}\n'
        "framework F {\n  c: yes\n  passes when c and x > 5\n}\n"
        "score s {\n  +3 if not (F passes)\n  +4 if F passes or no\n}\n"
        "qualify {\n  a when not (F passes)\n  b when F passes\n  otherwise lead\n}\n"
    )
    assert both(policy, {}) == ("lead", {"s": 0})  # unknown: neither rule fires
    assert both(policy, {"x": 9}) == ("b", {"s": 4})
    assert both(policy, {"x": 1}) == ("a", {"s": 3})


def test_is_missing_of_a_computed_constant_compiles_without_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        policy = qualdsl.compile_text(
            'policy "p"\nlead {\n  n: int?\n}\n'
            "qualify {\n  a when (10 * 121) is missing\n  b when n + 1 is missing\n  otherwise lead\n}\n"
        )
    assert both(policy, {"n": 1}) == ("lead", {})
    assert both(policy, {}) == ("b", {})


def test_time_arithmetic_out_of_range_is_unknown_not_a_crash() -> None:
    # `1 minute * n` with n = 10**20, or a date pushed past year 9999, raised OverflowError
    # in both back ends. Like a division by zero, it is now unknown.
    policy = qualdsl.compile_text(
        'policy "p"\nlead {\n  n: int\n  d: date\n  wait: duration\n}\n'
        "score s {\n  +1 if 1 minute * n > 0 days\n  +2 if not (d + wait > d)\n  +4 if -(wait * n) < 0 days\n}\n"
        "qualify {\n  long when 1 minute * n > 0 days\n  short when 1 minute * n <= 0 days\n  otherwise lead\n}\n"
    )
    big = {"n": 10**20, "d": dt.date(9999, 12, 1), "wait": dt.timedelta(days=60)}
    assert both(policy, big) == ("lead", {"s": 0})
    small = {"n": 2, "d": dt.date(2026, 1, 1), "wait": dt.timedelta(days=60)}
    assert both(policy, small) == ("long", {"s": 5})
    # the negation of the longest duration Python holds does not fit either
    assert both(policy, {"n": 1, "d": dt.date(2026, 1, 1), "wait": dt.timedelta.max}) == ("long", {"s": 1})


@pytest.mark.parametrize(("field_type", "text"), [("int", "1E+999999"), ("number", "1E+999999"),
                                                  ("money", "$1e999999"), ("number", "-1E-999999")])
def test_numbers_with_absurd_exponents_are_refused(field_type: str, text: str) -> None:
    # A short text with a huge exponent was read (an int of a million digits; a decimal whose
    # arithmetic raises decimal.Overflow in both back ends).
    policy = qualdsl.compile_text(
        f'policy "p"\nlead {{\n  x: {field_type}\n}}\nqualify {{\n  big when x * x > 1\n  otherwise lead\n}}\n'
    )
    assert refused_field(policy, {"x": text}) == "x"
    assert both(policy, {"x": "1E+3"}) == ("big", {})


@pytest.mark.parametrize("text", ["1000000000 days", "P1000000000D", "P" + "9" * 5000 + "D", "9" * 400 + " weeks"])
def test_durations_too_long_for_python_are_refused(text: str) -> None:
    # timedelta raised OverflowError (or int() ValueError past 4300 digits) from the converter.
    policy = qualdsl.compile_text(
        'policy "p"\nlead {\n  wait: duration?\n}\nqualify {\n  slow when wait > 30 days\n  otherwise lead\n}\n'
    )
    assert refused_field(policy, {"wait": text}) == "wait"
    assert both(policy, {"wait": "P31D"}) == ("slow", {})


def test_criteria_count_compared_with_a_framework() -> None:
    # `(at least 2 of F) != (G passes)` compiled to `(a + b) >= 2 != g`, which Python
    # reads as the chain `(a + b >= 2) and (2 != g)`.
    policy = qualdsl.compile_text(
        'policy "p"\nlead {\n  a: yes/no\n  b: yes/no\n  g: yes/no\n}\n'
        "framework F {\n  fa: a\n  fb: b\n}\nframework G {\n  only: g\n}\n"
        "qualify {\n  differ when (at least 2 of F) != (G passes)\n  otherwise lead\n}\n"
    )
    assert both(policy, {"a": True, "b": True, "g": False}) == ("differ", {})
    assert both(policy, {"a": True, "b": True, "g": True}) == ("lead", {})
    assert both(policy, {"a": False, "b": True, "g": True}) == ("differ", {})
    assert both(policy, {"a": False, "b": True, "g": False}) == ("lead", {})

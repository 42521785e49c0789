"""`qualdsl check` never crashes: whatever the text, it either accepts the policy or
reports diagnostics that each name a file, a line and a column.

Inputs are arbitrary text, a soup of the language's own words, and the Acme policy
broken in the ways people (and copy-paste) break files: lines and words deleted,
doubled or swapped, stray characters, huge numbers, deep nesting, very long lines.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qualdsl
from qualdsl.check import check
from qualdsl.errors import Diagnostic, PolicyError, render
from qualdsl.loader import load_text
from tests.conftest import POLICIES

ACME = (POLICIES / "examples" / "acme.qual").read_text(encoding="utf-8")
# shown as a file beside acme.qual, so its `use "../frameworks/bant.qual"` is found
FUZZ_PATH = str(POLICIES / "examples" / "fuzz.qual")

LINES = ACME.splitlines(keepends=True)
TOKENS = re.findall(r'"[^"\n]*"|[A-Za-z_][A-Za-z0-9_]*|[0-9]+|\s+|.', ACME)
WORDS = sorted({t for t in TOKENS if t.strip()})

EXTREMES = [
    str(10**400),
    "9" * 5000,
    "0." + "9" * 500,
    "-" + "1" * 400 + " days",
    "(" * 500 + "is_competitor" + ")" * 500,
    "(" * 500,
    ")" * 500,
    "not " * 500 + "is_competitor",
    " and is_competitor" * 2000,
    " or decision_maker" * 2000,
    "- " * 600 + "1",
    " + 1" * 600,
    "[" * 300 + "]" * 300,
    "{" * 300,
    "}" * 300,
    "x" * 100_000,
    '"' + "y" * 100_000 + '"',
    " " * 100_000,
    "\n" * 2000,
    "pricing_view 99999999 times in last 1 days",
    "pricing_view 1 day ago, " * 500,
    "1_",
    "1__000",
    "\ufeff",
    "\r",
    "\x00",
    "\u00a0",
    "“software”",
]

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_placed(diagnostic: Diagnostic) -> None:
    span = diagnostic.span
    assert span.path, diagnostic
    assert span.line >= 1, diagnostic
    assert span.column >= 1, diagnostic
    assert diagnostic.message, diagnostic


def check_text(text: str) -> list[Diagnostic]:
    """What `qualdsl check` does with a file, starting from its text."""
    loaded = load_text(text, FUZZ_PATH)
    diagnostics = list(loaded.diagnostics)
    if not any(d.is_error for d in diagnostics) and loaded.modules:
        _, found = check(loaded.modules, loaded.sources)
        diagnostics.extend(found)
    for diagnostic in diagnostics:
        assert_placed(diagnostic)
        assert "Traceback" not in render(diagnostic, loaded.sources)
    return diagnostics


def compile_text(text: str) -> None:
    """`qualdsl.compile_text` either succeeds or raises PolicyError with placed diagnostics."""
    try:
        qualdsl.compile_text(text, FUZZ_PATH)
    except PolicyError as exc:
        assert exc.errors
        for diagnostic in exc.diagnostics:
            assert_placed(diagnostic)
        exc.render()


def check_and_compile(text: str) -> None:
    check_text(text)
    compile_text(text)


# ---- arbitrary text --------------------------------------------------------------


@FAST
@given(st.text(max_size=400))
def test_arbitrary_text(text: str) -> None:
    check_and_compile(text)


VOCABULARY = [
    *WORDS, "\n", "\n", "\n", "{", "}", "(", ")", "[", "]", ",", ":", ".", "=", "==", ">=", "<", "!=",
    "+", "-", "*", "/", "?", "1", "2.5", "30", '"x"', '"2026-01-01"', "days", "event", "not", "is",
    "missing", "empty", "between", "count", "of", "at", "least", "most", "per", "if", "when", "all", "any",
    "passes", "now", "ago", "times", "given", "expect", "otherwise", "starts", "with", "contains",
]


@FAST
@given(st.lists(st.sampled_from(VOCABULARY), max_size=80))
def test_soup_of_the_language_words(words: list[str]) -> None:
    check_and_compile(" ".join(words))


# ---- the Acme policy, broken ---------------------------------------------------------


@st.composite
def broken_acme(draw: st.DrawFn) -> str:
    parts = list(draw(st.sampled_from([TOKENS, LINES])))
    for _ in range(draw(st.integers(1, 4))):
        if not parts:
            break
        i = draw(st.integers(0, len(parts) - 1))
        j = draw(st.integers(0, len(parts) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "insert", "extreme"]))
        if op == "delete":
            del parts[i]
        elif op == "duplicate":
            parts.insert(i, parts[i])
        elif op == "swap":
            parts[i], parts[j] = parts[j], parts[i]
        elif op == "replace":
            parts[i] = draw(st.sampled_from(WORDS))
        elif op == "insert":
            parts.insert(i, draw(st.text(min_size=1, max_size=6)))
        else:
            parts.insert(i, draw(st.sampled_from(EXTREMES)))
    return "".join(parts)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken_acme())
def test_broken_acme(text: str) -> None:
    check_and_compile(text)


# ---- conditions made of the language's pieces, well-formed or not in type ------------

ATOMS = [
    "employees", "industry", "seniority", "budget_amount", "pain_points", "timeline", "is_competitor",
    "ideal_customer", "engagement", "free_mail", "BANT", "BANT.need", "BANT passes", "pricing_view",
    "demo_watched", "event", "lead", "mql", "now", "yes", "no", "0", "-1", "2.5", "400", "30 days",
    "1 week", '"software"', '""', '"2026-12-01"', '"2026-12-01T09:00:00Z"', "[]", "[vp, c_level]",
    '["a", "b"]', "[1, 2.5]", "[[1]]", "vp", "ceo", "count of pricing_view", "count of event in last 7 days",
    "pricing_view in last 30 days", "no event in last 60 days", "no pricing_view in last 1 days",
]
BINARY = [
    "and", "or", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "in", "not in", "contains",
    "starts with", "ends with",
]
POSTFIX = ["is missing", "is not missing", "is empty", "is not empty", "in last 3 days", "passes"]

conditions = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(BINARY), inner).map(" ".join),
        st.tuples(inner, st.sampled_from(POSTFIX)).map(" ".join),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} between {t[1]} and {t[2]}"),
        inner.map(lambda c: f"not {c}"),
        inner.map(lambda c: f"- {c}"),
        inner.map(lambda c: f"({c})"),
    ),
    max_leaves=12,
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conditions, st.sampled_from(["engagement >= 50\n", "is_competitor ", "pain_points is not empty"]))
def test_conditions_of_any_type(condition: str, replaced: str) -> None:
    check_and_compile(ACME.replace(replaced, condition + ("\n" if replaced.endswith("\n") else " "), 1))


# ---- extremes, every time ---------------------------------------------------------------

CONDITION = "sql          when ideal_customer and engagement >= 50"


@pytest.mark.parametrize("extreme", EXTREMES, ids=lambda e: repr(e[:20]) + f"…({len(e)})")
def test_extremes_inside_a_condition(extreme: str) -> None:
    assert CONDITION in ACME
    check_and_compile(ACME.replace(CONDITION, CONDITION + " " + extreme))
    check_and_compile(ACME.replace("engagement >= 50", extreme, 1))


@pytest.mark.parametrize(
    "condition",
    [
        "(" * 500 + "is_competitor" + ")" * 500,
        "not " * 500 + "is_competitor",
        " and ".join(["is_competitor"] * 3000),
        " or ".join(["(is_competitor and decision_maker)"] * 1000),
        "employees > " + " + ".join(["1"] * 300),
        "employees > " + "- " * 300 + "employees",
        "employees > " + str(10**400),
        "budget_amount >= 1." + "5" * 400,
        "timeline <= " + "9" * 40 + " days",
        "pricing_view in last " + "9" * 20 + " weeks",
    ],
    ids=lambda c: c[:24],
)
def test_deep_and_huge_conditions(condition: str) -> None:
    check_and_compile(ACME.replace("engagement >= 50\n", condition + "\n", 1))

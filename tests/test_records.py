"""How outside values are read: each type's accepted forms, missing values, and per-field errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import qualdsl
from tests.conftest import NOW

POLICY = """
policy "types"
lead {
  n      : int?
  x      : number?
  m      : money?
  t      : text?
  b      : yes/no?
  d      : date?
  dtm    : datetime?
  dur    : duration?
  level  : one of c_level, vp, ic ?
  tags   : list of text
  need   : int   from "Need Column"
}
events seen
qualify {
  hit when n = 5 or x = 2.5 or m = 10000 or t = "acme" or b or d = "2026-11-30"
        or dtm = "2026-11-30T09:00:00Z" or dur = 3 days or level = vp or tags contains "vip"
  otherwise miss
}
"""


@pytest.fixture(scope="module")
def policy() -> qualdsl.Policy:
    return qualdsl.compile_text(POLICY)


def outcome(policy: qualdsl.Policy, **fields: object) -> str:
    record: dict[str, object] = {"need": 1}
    record.update(fields)
    return policy.evaluate(record, (), NOW).outcome


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("n", 5), ("n", "5"), ("n", " 5 "), ("n", 5.0), ("n", "5.0"),
        ("x", 2.5), ("x", "2.5"), ("x", Decimal("2.50")),
        ("m", 10000), ("m", "10,000"), ("m", "$10000.00"), ("m", 10000.0),
        ("t", "ACME"), ("t", "  acme "),
        ("b", True), ("b", "yes"), ("b", "TRUE"), ("b", 1), ("b", "y"),
        ("d", "2026-11-30"), ("d", dt.date(2026, 11, 30)),
        ("dtm", "2026-11-30T09:00:00Z"), ("dtm", "2026-11-30T10:00:00+01:00"), ("dtm", "2026-11-30T09:00:00"),
        ("dur", "3 days"), ("dur", "P3D"), ("dur", "72 hours"), ("dur", dt.timedelta(days=3)),
        ("level", "VP"), ("level", "C-Level".replace("C-Level", "vp")),
        ("tags", "a; VIP"), ("tags", ["vip"]),
    ],
)
def test_accepted_forms(policy: qualdsl.Policy, field: str, value: object) -> None:
    assert outcome(policy, **{field: value}) == "hit"


def test_enum_ignores_case_spaces_and_hyphens() -> None:
    policy = qualdsl.compile_text(POLICY.replace("level = vp", "level = c_level"))
    assert outcome(policy, level="C-Level") == "hit"
    assert outcome(policy, level="c level") == "hit"


@pytest.mark.parametrize("empty", [None, "", "   ", float("nan")])
def test_empty_means_missing(policy: qualdsl.Policy, empty: object) -> None:
    assert outcome(policy, n=empty, x=empty, t=empty, b=empty) == "miss"


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("n", "five", "expected a whole number"),
        ("n", 5.5, "expected a whole number"),
        ("n", True, "expected a whole number"),
        ("n", "9" * 40, "at most 30 digits"),
        ("x", "inf", "not infinite"),
        ("x", [1], "expected a number"),
        ("m", "ten", "an amount of money"),
        ("b", "maybe", "expected yes or no"),
        ("d", "30/11/2026", "a date such as"),
        ("d", dt.datetime(2026, 1, 1), "without a time"),
        ("dtm", "tomorrow", "a date and time"),
        ("dur", "soon", "a duration"),
        ("dur", 5, "a duration"),
        ("level", "intern", "one of c_level, vp, ic"),
        ("t", {"nested": 1}, "expected a single text value"),
        ("tags", 5, "a list"),
    ],
)
def test_bad_values_name_the_field(policy: qualdsl.Policy, field: str, value: object, words: str) -> None:
    with pytest.raises(qualdsl.RecordError) as info:
        outcome(policy, **{field: value})
    assert info.value.field == field
    assert words in str(info.value)


def test_required_field_missing_and_column_alias(policy: qualdsl.Policy) -> None:
    with pytest.raises(qualdsl.RecordError) as info:
        policy.evaluate({}, (), NOW)
    assert info.value.field == "need" and "required" in str(info.value)
    assert policy.evaluate({"Need Column": "3"}, (), NOW).outcome == "miss"


def test_events_are_checked(policy: qualdsl.Policy) -> None:
    with pytest.raises(qualdsl.RecordError) as info:
        policy.evaluate({"need": 1}, [("seen", NOW), ("unseen", NOW)], NOW)
    assert info.value.field == "events[1].type"
    with pytest.raises(qualdsl.RecordError) as info:
        policy.evaluate({"need": 1}, [{"type": "seen", "at": "never"}], NOW)
    assert info.value.field == "events[0].at"
    assert policy.evaluate({"need": 1}, [{"type": "seen", "at": "2026-11-30T00:00:00"}], NOW).outcome == "miss"


def test_same_input_same_decision_bytes(policy: qualdsl.Policy) -> None:
    import json

    record = {"need": 1, "n": "5", "tags": "a;b"}
    first = json.dumps(policy.evaluate(record, (), NOW).to_dict(explain=True), sort_keys=True)
    second = json.dumps(qualdsl.compile_text(POLICY).evaluate(dict(record), (), NOW).to_dict(explain=True), sort_keys=True)
    assert first == second

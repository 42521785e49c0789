"""A lead prepared once (read and checked) is decided as evaluate decides it, at any time."""

from __future__ import annotations

import datetime as dt

import pytest

import qualdsl
from tests.conftest import NOW
from tests.test_acme import ACME, days_ago, lead

EVENTS = [("pricing_view", days_ago(3)), {"type": "demo_watched", "at": "2026-11-20T10:00:00Z"},
          ("webinar_attended", days_ago(40))]


@pytest.fixture(scope="module")
def acme() -> qualdsl.Policy:
    return qualdsl.load(ACME)


def as_seen(decision: qualdsl.Decision) -> tuple[object, ...]:
    return decision.outcome, decision.scores, decision.rule_index, decision.reason


@pytest.mark.parametrize("days", [0, 1, 10, 29, 31, 59, 61, 89, 91, 365])
def test_a_prepared_lead_is_decided_as_evaluate_decides_it(acme: qualdsl.Policy, days: int) -> None:
    prepared = acme.prepare(lead(), EVENTS)
    now = NOW + dt.timedelta(days=days)
    assert as_seen(acme.evaluate_prepared(prepared, now)) == as_seen(acme.evaluate(lead(), EVENTS, now))


def test_prepare_reads_and_checks_every_value_once(acme: qualdsl.Policy) -> None:
    prepared = acme.prepare(lead(), EVENTS)
    assert isinstance(prepared, qualdsl.PreparedLead)
    assert prepared.values[:4] == (400, "software", "us", "vp")  # "400", texts folded, "VP" as read
    assert [name for name, _ in prepared.events] == ["pricing_view", "demo_watched", "webinar_attended"]
    assert all(at.tzinfo is not None for _, at in prepared.events)
    assert prepared.lead["industry"] == "Software"


def test_prepare_refuses_a_bad_record_as_evaluate_does(acme: qualdsl.Policy) -> None:
    for bad_lead, events in [(lead(NumberOfEmployees="many"), []), (lead(), [("pricing_view", "yesterday")]),
                             (lead(), [("no_such_event", NOW)])]:
        with pytest.raises(qualdsl.RecordError) as prepared:
            acme.prepare(bad_lead, events)
        with pytest.raises(qualdsl.RecordError) as evaluated:
            acme.evaluate(bad_lead, events, NOW)
        assert (prepared.value.field, prepared.value.detail) == (evaluated.value.field, evaluated.value.detail)


def test_the_decision_of_a_prepared_lead_explains_itself(acme: qualdsl.Policy) -> None:
    decision = acme.evaluate_prepared(acme.prepare(lead(), EVENTS), NOW)
    explained = decision.explain()
    assert explained.outcome == decision.outcome
    assert decision.to_dict()["outcome"] == acme.evaluate(lead(), EVENTS, NOW).to_dict()["outcome"]


def test_only_what_this_policy_prepared_is_taken(acme: qualdsl.Policy) -> None:
    with pytest.raises(TypeError, match=r"policy\.prepare"):
        acme.evaluate_prepared(lead(), NOW)  # type: ignore[arg-type]
    other = qualdsl.load(ACME)
    with pytest.raises(ValueError, match="prepared by another policy"):
        other.evaluate_prepared(acme.prepare(lead()), NOW)


def test_now_as_text_or_none(acme: qualdsl.Policy) -> None:
    prepared = acme.prepare(lead(), EVENTS)
    assert as_seen(acme.evaluate_prepared(prepared, "2026-12-01T12:00:00Z")) == as_seen(acme.evaluate(lead(), EVENTS, NOW))
    assert acme.evaluate_prepared(prepared).now.tzinfo is not None  # None: the current time


def test_a_policy_without_fields_or_events_prepares_too() -> None:
    policy = qualdsl.compile_text('policy "p"\nqualify {\n  otherwise lead\n}\n')
    assert policy.evaluate_prepared(policy.prepare({}), NOW).outcome == "lead"
    with pytest.raises(qualdsl.RecordError):
        policy.prepare({}, [("anything", NOW)])

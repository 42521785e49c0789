"""The example policy from the language sketch works end to end."""

from __future__ import annotations

import datetime as dt

import qualdsl
from qualdsl.testing import run_tests
from tests.conftest import NOW, POLICIES

ACME = str(POLICIES / "examples" / "acme.qual")


def lead(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "NumberOfEmployees": "400", "industry": "Software", "country": "US", "seniority": "VP",
        "email_domain": "acme.io", "budget_confirmed": "yes", "decision_maker": "no",
        "pain_points": "manual reporting", "is_competitor": "no", "timeline": "60 days",
    }
    base.update(changes)
    return base


def days_ago(n: float) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


def test_the_policy_own_tests_pass() -> None:
    results = run_tests(qualdsl.load(ACME))
    assert len(results) == 6
    assert [r.failures for r in results] == [()] * 6


def test_sql_with_engagement_and_bant() -> None:
    events = [("pricing_view", days_ago(d)) for d in (1, 2, 3, 4)] + [("demo_watched", days_ago(3))]
    decision = qualdsl.load(ACME).evaluate(lead(), events, NOW)
    assert decision.outcome == "sql"
    assert decision.scores == {"engagement": 55}  # pricing views capped at 30, plus 25 for the demo


def test_competitor_is_disqualified_first_with_its_reason() -> None:
    decision = qualdsl.load(ACME).evaluate(lead(is_competitor=True), [], NOW)
    assert (decision.outcome, decision.reason) == ("disqualified", "competitor")


def test_inactivity_and_free_mail_are_negative_points() -> None:
    decision = qualdsl.load(ACME).evaluate(lead(email_domain="GMAIL.com"), [("pricing_view", days_ago(61))], NOW)
    assert decision.scores["engagement"] == -70
    assert decision.outcome == "lead"


def test_explanation_names_the_missing_field_and_a_near_miss() -> None:
    events = [("demo_watched", days_ago(1)), ("pricing_view", days_ago(1)), ("pricing_view", days_ago(2)),
              ("pricing_view", days_ago(3))]
    record = lead(budget_confirmed="no", decision_maker="no", seniority="director")
    decision = qualdsl.load(ACME).evaluate(record, events, NOW)
    assert decision.outcome == "mql"
    explanation = decision.explain()
    bant = explanation.frameworks[0]
    budget = next(c for c in bant.checks if c.name == "budget")
    assert budget.value is None and budget.missing == ("budget_amount",)
    assert "budget_amount" in explanation.unknown_fields
    assert any(m.subject == "budget_amount" and m.outcome == "sql" for m in explanation.near_misses)
    assert "Near misses" in explanation.render()

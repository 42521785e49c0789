"""The compiled evaluator agrees with the reference interpreter on generated policies and leads.

Each example is one random policy (text: parsed, checked and compiled) and 20-40 leads
with event histories. For every lead either both back ends refuse it with a
``RecordError`` naming the same field, or both decide it: same rule, same outcome,
same scores. Any other exception, in either, is a failure.

A longer run, outside pytest:

    python -m tests.test_differential --cases 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable, Sequence

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

import qualdsl
from qualdsl.explain import explain_trace
from qualdsl.records import convert_events, convert_lead
from tests.strategies import NOW, LeadInput, PolicyCase, compiled, lead_inputs, policies

EXAMPLES = 150
STATS = {"policies": 0, "cases": 0, "refused": 0}

Outcome = tuple[object, ...]


def outcome_of(run: Callable[[], Outcome]) -> Outcome:
    """What ``run`` gives, or how it failed: refused naming a field, or crashed."""
    try:
        return run()
    except qualdsl.RecordError as exc:
        return ("refused", exc.field)
    except Exception as exc:
        return ("crashed", f"{type(exc).__name__}: {exc}")


def decided(decision: qualdsl.Decision) -> Outcome:
    return ("decided", decision.rule_index, decision.outcome, decision.scores, tuple(decision.score_values))


def compiled_result(policy: qualdsl.Policy, lead: dict[str, object], events: list[object], now: dt.datetime) -> Outcome:
    return outcome_of(lambda: decided(policy.evaluate(lead, events, now)))


def prepared_results(
    policy: qualdsl.Policy, lead: dict[str, object], events: list[object], times: Sequence[dt.datetime]
) -> list[Outcome]:
    """The lead prepared once, then decided at each of ``times``."""
    prepared: list[qualdsl.PreparedLead] = []
    failed = outcome_of(lambda: ("prepared", prepared.append(policy.prepare(lead, events))))
    if not prepared:
        return [failed] * len(times)
    return [outcome_of(lambda now=now: decided(policy.evaluate_prepared(prepared[0], now))) for now in times]


def reference_result(policy: qualdsl.Policy, lead: dict[str, object], events: list[object], now: dt.datetime) -> Outcome:
    def run() -> Outcome:
        trace = policy.reference(lead, events, now)
        scores = dict(trace.scores)
        in_order = tuple(scores[name] for name in policy.model.scores)
        return ("decided", trace.chosen, policy.model.rules[trace.chosen].outcome, scores, in_order)

    return outcome_of(run)


def near_misses_agree(policy: qualdsl.Policy, lead: dict[str, object], events: list[object], now: dt.datetime) -> bool:
    """The explanation tries its near misses with the compiled evaluator; the interpreter finds the same."""
    values = convert_lead(policy.model.fields, lead)
    converted = convert_events(events, frozenset(policy.model.events))
    trace = policy.reference(lead, events, now)
    by_interpreter = explain_trace(policy.model, trace, values, converted, now).near_misses
    return policy.explain(lead, events, now).near_misses == by_interpreter


def check_agreement(case: PolicyCase, inputs: Sequence[LeadInput], now: dt.datetime = NOW) -> None:
    policy = compiled(case)
    STATS["policies"] += 1
    for item in inputs:
        fast = compiled_result(policy, item.lead, list(item.events), now)
        slow = reference_result(policy, item.lead, list(item.events), now)
        # prepared once, decided now and a week later: as evaluate decides the lead each time
        later = now + dt.timedelta(days=7)
        prepared = prepared_results(policy, item.lead, list(item.events), (now, later))
        STATS["cases"] += 1
        if slow[0] == "refused":
            STATS["refused"] += 1
        agree = (fast == slow and fast[0] != "crashed"
                 and prepared == [fast, compiled_result(policy, item.lead, list(item.events), later)]
                 and (fast[0] != "decided" or near_misses_agree(policy, item.lead, list(item.events), now)))
        expected = item.refused is None or slow == ("refused", item.refused)
        assert agree and expected, (
            ("the back ends disagree" if not agree else f"the lead must be refused naming `{item.refused}`")
            + f"\ncompiled:  {fast}\nreference: {slow}\nprepared:  {prepared}\n"
            f"lead: {item.lead!r}\nevents: {item.events!r}\n--- policy ---\n{case.text}"
            f"--- generated ---\n{policy.generated_source}"
        )


@st.composite
def policy_with_inputs(
    draw: Callable[..., object], min_leads: int = 20, max_leads: int = 40, max_depth: int = 2
) -> tuple[PolicyCase, list[LeadInput]]:
    case = draw(policies(max_depth=max_depth))
    assert isinstance(case, PolicyCase)
    inputs = draw(lead_inputs(case, min_leads, max_leads))
    assert isinstance(inputs, list)
    return case, inputs


# No shrinking: an example is a whole policy with dozens of leads, so shrinking one takes
# minutes, and the failure message already shows the one lead the back ends disagree on.
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


@SETTINGS
@given(policy_with_inputs())
def test_compiled_evaluator_matches_reference(example: tuple[PolicyCase, list[LeadInput]]) -> None:
    case, inputs = example
    check_agreement(case, inputs)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies(max_depth=3))
def test_generated_policies_pass_the_checker(case: PolicyCase) -> None:
    compiled(case)


def _run_example(example: tuple[PolicyCase, list[LeadInput]]) -> None:
    check_agreement(*example)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the differential test for longer.")
    parser.add_argument("--cases", type=int, default=20000, help="how many (policy, lead) cases at least")
    parser.add_argument("--seed", type=int, default=None, help="a seed, to repeat a run")
    parser.add_argument("--depth", type=int, default=3, help="how deep expressions nest (the test suite uses 2)")
    args = parser.parse_args(argv)
    batch = 200
    started = time.perf_counter()
    round_ = 0
    while STATS["cases"] < args.cases:
        run = settings(SETTINGS, max_examples=batch, database=None)(given(policy_with_inputs(max_depth=args.depth))(_run_example))
        if args.seed is not None:
            run = seed(args.seed * 100_003 + round_)(run)
        run()
        round_ += 1
    elapsed = time.perf_counter() - started
    print(
        f"checked {STATS['cases']} cases ({STATS['refused']} refused leads) on {STATS['policies']} policies "
        f"in {elapsed:.1f}s: the back ends agree"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

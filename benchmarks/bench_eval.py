"""Evaluation throughput: qualdsl's compiled acme policy against the same policy written by hand.

    python -m benchmarks.bench_eval [--leads 100000] [--explain-leads 2000] [--repeats 3] [--seed N]

Both contestants get the exact same inputs, converted once up front from the generated
JSON-like leads: ``budget_amount`` as ``decimal.Decimal`` and ``timeline`` as
``datetime.timedelta`` (so neither side parses "60 days"), events as
``(event_type, aware datetime)`` tuples, everything else as JSON gives it. Both must agree
on the outcome and the engagement score for every lead before anything is timed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import qualdsl

try:
    from benchmarks import leadgen
except ImportError:  # run as a script: python benchmarks/bench_eval.py
    import leadgen  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
ACME = ROOT / "policies" / "examples" / "acme.qual"
TARGET_RATIO = 0.8  # issue 6: at least 0.8x the hand-written function

Sample = tuple[dict[str, Any], list[tuple[str, dt.datetime]]]


# ---- the inputs: converted once, shared by both contestants ----------------------------------
UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7}


def to_timedelta(text: str) -> dt.timedelta:
    amount, unit = text.split()
    return dt.timedelta(days=int(amount) * UNIT_DAYS[unit])


def to_decimal(number: int | float) -> Decimal:
    # repr() so 12500.1 becomes Decimal("12500.1"), not its binary expansion (as qualdsl reads floats)
    return Decimal(number) if isinstance(number, int) else Decimal(repr(number))


def typed_inputs(samples: Sequence[Sample]) -> list[Sample]:
    out = []
    for lead, events in samples:
        typed = dict(lead)
        if typed["budget_amount"] is not None:
            typed["budget_amount"] = to_decimal(typed["budget_amount"])
        if typed["timeline"] is not None:
            typed["timeline"] = to_timedelta(typed["timeline"])
        out.append((typed, list(events)))
    return out


# ---- the hand-written contestant -------------------------------------------------------------
ICP_INDUSTRIES = frozenset({"software", "fintech", "healthtech"})
ICP_SENIORITY = frozenset({"director", "vp", "c_level"})
AUTHORITY_SENIORITY = frozenset({"vp", "c_level"})
FREE_MAIL = frozenset({"gmail.com", "yahoo.com", "outlook.com", "hotmail.com"})
ZERO = dt.timedelta(0)
DAYS_30 = dt.timedelta(days=30)
DAYS_60 = dt.timedelta(days=60)
DAYS_90 = dt.timedelta(days=90)
MIN_BUDGET = 10_000


def bant_passes(lead: Mapping[str, Any]) -> bool | None:
    """At least 3 of budget / authority / need / timeline; None when the unknowns decide it."""
    met = unknown = 0
    amount = lead.get("budget_amount")
    if lead["budget_confirmed"]:
        met += 1
    elif amount is None:
        unknown += 1
    elif amount >= MIN_BUDGET:
        met += 1
    if lead["decision_maker"] or lead["seniority"] in AUTHORITY_SENIORITY:
        met += 1
    if lead["pain_points"]:
        met += 1
    timeline = lead.get("timeline")
    if timeline is None:
        unknown += 1
    elif timeline <= DAYS_90:
        met += 1
    if met >= 3:
        return True
    if met + unknown < 3:
        return False
    return None


def handwritten(lead: Mapping[str, Any], events: Sequence[tuple[str, dt.datetime]], now: dt.datetime) -> tuple[str, int]:
    """The acme policy by hand: (outcome, engagement)."""
    pricing_views = demos = webinars = recent = 0
    for name, at in events:
        age = now - at
        if age < ZERO:  # a future event does not count
            continue
        if age <= DAYS_60:
            recent += 1
        if name == "pricing_view":
            if age <= DAYS_30:
                pricing_views += 1
        elif name == "demo_watched":
            if age <= DAYS_60:
                demos += 1
        elif name == "webinar_attended" and age <= DAYS_90:
            webinars += 1
    engagement = min(10 * pricing_views, 30) + min(15 * webinars, 30)
    if demos:
        engagement += 25
    if lead["email_domain"].casefold() in FREE_MAIL:
        engagement -= 50
    if not recent:
        engagement -= 20

    if lead["is_competitor"]:
        return "disqualified", engagement
    employees = lead.get("employees")
    if employees is None:
        employees = lead["NumberOfEmployees"]
    ideal_customer = (
        50 <= employees <= 5000
        and lead["industry"].casefold() in ICP_INDUSTRIES
        and lead["seniority"] in ICP_SENIORITY
    )
    if ideal_customer and engagement >= 50:
        return ("sql" if bant_passes(lead) is True else "mql"), engagement
    return "lead", engagement


class BadRecord(ValueError):
    """What the checking hand-written function raises for a value it cannot use."""


def _text(lead: Mapping[str, Any], name: str) -> str:
    value = lead.get(name)
    if value.__class__ is not str or not value.strip():
        raise BadRecord(name)
    return value


def _flag(lead: Mapping[str, Any], name: str) -> bool:
    value = lead.get(name)
    if value is not True and value is not False:
        raise BadRecord(name)
    return value


def handwritten_checked(lead: Mapping[str, Any], events: Sequence[tuple[str, dt.datetime]], now: dt.datetime) -> tuple[str, int]:
    """The same policy by hand, checking its input as the policy requires: every field of the
    lead block present with a value of its type (optional ones may be missing), every event of
    a declared type with an aware time. This is the like-for-like baseline: a function that
    must give a per-record error for a bad record, as qualdsl does, has to look at every field."""
    employees = lead.get("employees")
    if employees is None:
        employees = lead.get("NumberOfEmployees")
    if employees.__class__ is not int:
        raise BadRecord("employees")
    for name in ("industry", "country", "email_domain"):
        _text(lead, name)
    if lead.get("seniority") not in SENIORITIES:
        raise BadRecord("seniority")
    for name in ("budget_confirmed", "decision_maker", "is_competitor"):
        _flag(lead, name)
    amount = lead.get("budget_amount")
    if amount is not None and (amount.__class__ is not Decimal or not amount.is_finite()):
        raise BadRecord("budget_amount")
    timeline = lead.get("timeline")
    if timeline is not None and timeline.__class__ is not dt.timedelta:
        raise BadRecord("timeline")
    pains = lead.get("pain_points")
    if pains is not None and (pains.__class__ is not list or any(p.__class__ is not str for p in pains)):
        raise BadRecord("pain_points")
    for name, at in events:
        if name not in DECLARED_EVENTS:
            raise BadRecord("events")
        if at.__class__ is not dt.datetime or at.tzinfo is None:
            raise BadRecord("events")
    return handwritten(lead, events, now)


SENIORITIES = frozenset({"ic", "manager", "director", "vp", "c_level"})
DECLARED_EVENTS = frozenset({
    "pricing_view", "demo_watched", "webinar_attended", "whitepaper_download", "email_click", "contacted",
    "accepted_by_sales", "rejected_by_sales", "opportunity_created", "deal_won", "deal_lost",
})


# ---- agreement ---------------------------------------------------------------------------------
def check_agreement(policy: qualdsl.Policy, typed: Sequence[Sample], raw: Sequence[Sample], now: dt.datetime) -> Counter[str]:
    """Every lead: the compiled decision equals the hand-written one, and the raw JSON-typed lead
    gives qualdsl the same decision as the typed one (so the up-front conversion means what qualdsl means)."""
    outcomes: Counter[str] = Counter()
    for i, ((lead, events), (raw_lead, raw_events)) in enumerate(zip(typed, raw, strict=True)):
        decision = policy.evaluate(lead, events, now)
        got = (decision.outcome, decision.scores["engagement"])
        want = handwritten(lead, events, now)
        if handwritten_checked(lead, events, now) != want:
            sys.exit(f"DISAGREEMENT at lead {i}: the checking hand-written function differs from the plain one")
        from_raw = policy.evaluate(raw_lead, raw_events, now)
        if got != want or (from_raw.outcome, from_raw.scores) != (decision.outcome, decision.scores):
            sys.exit(
                f"DISAGREEMENT at lead {i}: qualdsl {got}, hand-written {want}, "
                f"qualdsl on the raw lead {(from_raw.outcome, from_raw.scores)}\n"
                f"  lead: {lead}\n  events: {events}\n"
                + policy.explain(lead, events, now).render()
            )
        outcomes[got[0]] += 1
    return outcomes


def check_explanations(policy: qualdsl.Policy, typed: Sequence[Sample], now: dt.datetime) -> None:
    """The explanation (the reference interpreter) gives the same outcome as the compiled evaluator."""
    for i, (lead, events) in enumerate(typed):
        decision = policy.evaluate(lead, events, now)
        explained = decision.explain()
        if explained.outcome != decision.outcome:
            sys.exit(f"DISAGREEMENT at lead {i}: explanation says {explained.outcome}, decision {decision.outcome}")


# ---- timing --------------------------------------------------------------------------------------
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = CLOCKS["wall"]  # --clock cpu: this process's CPU time, steadier when other work shares the CPUs


def best_of(runs: Mapping[str, Callable[[], None]], repeats: int) -> dict[str, float]:
    """Seconds for the fastest of ``repeats`` runs of each, after one untimed warm-up run of each.
    The runs are interleaved (a, b, c, a, b, c, ...) so a burst of load from elsewhere on the
    machine hits every contestant alike rather than one of them."""
    for run in runs.values():
        run()
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeats):
        for name, run in runs.items():
            gc.collect()
            start = clock()
            run()
            best[name] = min(best[name], clock() - start)
    return best


def run_handwritten(samples: Sequence[Sample], now: dt.datetime, checked: bool = False) -> Callable[[], None]:
    def run() -> None:
        decide = handwritten_checked if checked else handwritten
        for lead, events in samples:
            _outcome, _engagement = decide(lead, events, now)

    return run


def run_evaluate(policy: qualdsl.Policy, samples: Sequence[Sample], now: dt.datetime) -> Callable[[], None]:
    def run() -> None:
        evaluate = policy.evaluate
        for lead, events in samples:
            decision = evaluate(lead, events, now)
            _outcome, _scores = decision.outcome, decision.scores

    return run


def run_prepared(policy: qualdsl.Policy, samples: Sequence[Sample], now: dt.datetime) -> Callable[[], None]:
    """Leads prepared once, up front (read and checked), then decided: the re-scoring path."""
    prepared = [policy.prepare(lead, events) for lead, events in samples]

    def run() -> None:
        evaluate_prepared = policy.evaluate_prepared
        for lead in prepared:
            decision = evaluate_prepared(lead, now)
            _outcome, _scores = decision.outcome, decision.scores

    return run


def run_explain(policy: qualdsl.Policy, samples: Sequence[Sample], now: dt.datetime, render: bool) -> Callable[[], None]:
    def run() -> None:
        evaluate = policy.evaluate
        for lead, events in samples:
            explanation = evaluate(lead, events, now).explain()
            if render:
                explanation.render()

    return run


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000, help="leads timed per run (default 100000)")
    parser.add_argument("--explain-leads", type=int, default=2_000, help="leads explained per run (default 2000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs; the best counts (default 3)")
    parser.add_argument("--seed", type=int, default=leadgen.SEED)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="wall: time.perf_counter (default); cpu: time.process_time, for a machine shared with other work")
    args = parser.parse_args(argv)
    n, n_explain = args.leads, min(args.explain_leads, args.leads)
    global clock
    clock = CLOCKS[args.clock]

    print(f"== evaluation: {ACME.relative_to(ROOT)}, {n:,} leads (seed {args.seed}), "
          f"best of {args.repeats} interleaved runs after a warm-up, {args.clock} clock")
    now = leadgen.NOW
    started = time.perf_counter()
    raw = leadgen.generate(n, args.seed, now)
    typed = typed_inputs(raw)
    policy = qualdsl.load(str(ACME))
    events_per_lead = sum(len(e) for _, e in typed) / n
    print(f"   generated and converted in {time.perf_counter() - started:.1f} s; {events_per_lead:.2f} events per lead")
    print("   inputs (both sides): budget_amount as Decimal, timeline as timedelta, events as (type, aware datetime)")
    print("   tuples, the rest as JSON gives it; converted once up front, so neither side parses text.")

    outcomes = check_agreement(policy, typed, raw, now)
    check_explanations(policy, typed[:n_explain], now)
    mix = ", ".join(f"{k} {v / n:.1%}" for k, v in sorted(outcomes.items(), key=lambda kv: -kv[1]))
    print(f"   agreement: all {n:,} leads give the same outcome and score (outcomes: {mix})")

    sample = typed[:n_explain]
    runs = {
        "handwritten": run_handwritten(typed, now),
        "handwritten_checked": run_handwritten(typed, now, checked=True),
        "evaluate": run_evaluate(policy, typed, now),
        "evaluate_raw": run_evaluate(policy, raw, now),
        "prepared": run_prepared(policy, typed, now),
    }
    seconds = best_of(runs, args.repeats)
    seconds.update(best_of({
        "explain": run_explain(policy, sample, now, render=False),
        "explain_render": run_explain(policy, sample, now, render=True),
    }, args.repeats))
    rate = {key: (n_explain if key.startswith("explain") else n) / value for key, value in seconds.items()}
    ratio = rate["evaluate"] / rate["handwritten"]
    checked_ratio = rate["evaluate"] / rate["handwritten_checked"]
    explain_cost = rate["evaluate"] / rate["explain"]
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"

    def line(label: str, key: str, note: str = "") -> None:
        if key not in rate:
            return
        per = 1e6 / rate[key]
        print(f"   {label:<44} {rate[key]:>12,.0f} leads/s  {per:>8.2f} us/lead  {note}".rstrip())

    print()
    line("hand-written Python", "handwritten", "(baseline)")
    line("hand-written, checking its input like qualdsl", "handwritten_checked", "(like-for-like baseline)")
    line("qualdsl policy.evaluate + .outcome + .scores", "evaluate", f"{ratio:.2f}x plain, {checked_ratio:.2f}x checking")
    line("policy.evaluate_prepared + .outcome + .scores", "prepared",
         f"{rate['prepared'] / rate['handwritten']:.2f}x plain  (leads prepared once, up front)")
    line(f"policy.evaluate(...).explain()  [{n_explain:,} leads]", "explain", f"{explain_cost:.0f}x the cost of a decision")
    line("  ... and .render() to text", "explain_render", f"{rate['evaluate'] / rate['explain_render']:.0f}x")
    print("   for reference (not part of the ratio):")
    line("  policy.evaluate on the raw JSON leads", "evaluate_raw", f"{rate['evaluate_raw'] / rate['handwritten']:.2f}x hand")
    print()
    print(f"   compiled / hand-written = {ratio:.2f}x  (target >= {TARGET_RATIO}x: {verdict})")
    checked_verdict = "meets" if checked_ratio >= TARGET_RATIO else "MISSES"
    print(f"   compiled / hand-written with the same input checks = {checked_ratio:.2f}x  "
          f"(target >= {TARGET_RATIO}x: {checked_verdict})")
    prepared_ratio = rate["prepared"] / rate["handwritten"]
    prepared_verdict = "meets" if prepared_ratio >= TARGET_RATIO else "MISSES"
    print(f"   prepared once, decided / hand-written = {prepared_ratio:.2f}x  (target >= {TARGET_RATIO}x: {prepared_verdict})")
    per_explain, per_decision = 1e6 / rate["explain"], 1e6 / rate["evaluate"]
    print(f"   explanation = {explain_cost:.0f}x a plain decision ({per_explain:.0f} us vs {per_decision:.2f} us per lead)")
    return {**rate, "ratio": ratio, "checked_ratio": checked_ratio, "prepared_ratio": prepared_ratio,
            "explain_cost": explain_cost}


if __name__ == "__main__":
    main()

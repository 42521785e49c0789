"""Seeded synthetic lead histories for the acme policy, as the JSONL history format.

    python -m examples.synthetic_history --leads 1000 --seed 7 > history.jsonl

Each lead gets a `lead` row (its fields, CRM column names where the policy maps them)
and event rows over the ~90 days before `--now`: engagement (pricing views, webinars,
demos), then, for the engaged ones, sales' follow-up (contacted, accepted or rejected
with a reason, opportunity, won or lost) with business-like delays. Nothing here is real
data; the same seed gives the same file on every machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections.abc import Iterator
from typing import Any

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
INDUSTRIES = ["software", "fintech", "healthtech", "manufacturing", "retail", "education", "consulting"]
SENIORITY = ["ic", "manager", "director", "vp", "c_level"]
DOMAINS = ["acme.io", "globex.com", "initech.com", "umbrella.co", "gmail.com", "yahoo.com", "hooli.com"]
REASONS = ["no budget", "bad timing", "not the decision maker", "duplicate"]
PAINS = ["manual reporting", "slow onboarding", "data silos", "compliance"]


def _lead(rng: random.Random) -> dict[str, Any]:
    return {
        "NumberOfEmployees": int(rng.lognormvariate(5.5, 1.4)) + 1,
        "industry": rng.choice(INDUSTRIES),
        "country": rng.choice(["US", "GB", "DE", "IN", "CA"]),
        "seniority": rng.choices(SENIORITY, weights=[40, 25, 18, 12, 5])[0],
        "email_domain": rng.choice(DOMAINS),
        "budget_confirmed": rng.random() < 0.35,
        "budget_amount": None if rng.random() < 0.45 else rng.choice([5000, 12000, 25000, 80000]),
        "decision_maker": rng.random() < 0.3,
        "pain_points": rng.sample(PAINS, rng.randint(0, 2)),
        "timeline": None if rng.random() < 0.4 else rng.choice(["30 days", "60 days", "120 days"]),
        "is_competitor": rng.random() < 0.02,
    }


def _at(base: dt.datetime, hours: float) -> dt.datetime:
    return (base + dt.timedelta(hours=hours)).replace(microsecond=0)


def lead_rows(rng: random.Random, lead_id: str, now: dt.datetime) -> Iterator[dict[str, Any]]:
    yield {"lead_id": lead_id, "lead": _lead(rng)}
    start = (now - dt.timedelta(days=rng.uniform(5, 90))).replace(microsecond=0)
    t = start
    events: list[tuple[str, dt.datetime, str | None]] = []
    for _ in range(rng.randint(0, 6)):
        t = _at(t, rng.uniform(1, 72))
        events.append((rng.choices(["pricing_view", "webinar_attended", "whitepaper_download", "email_click"],
                                   weights=[5, 2, 2, 3])[0], t, None))
    if rng.random() < 0.45:
        t = _at(t, rng.uniform(0.5, 48))
        events.append(("demo_watched", t, None))
        if rng.random() < 0.8:
            events.append(("mql", t, "stage"))  # the CRM records the hand-off to sales
            t = _at(t, rng.expovariate(1 / 10))
            events.append(("contacted", t, None))
            t = _at(t, rng.expovariate(1 / 30))
            if rng.random() < 0.6:
                events.append(("accepted_by_sales", t, None))
                if rng.random() < 0.5:
                    t = _at(t, rng.uniform(24, 400))
                    events.append(("opportunity_created", t, None))
                    t = _at(t, rng.uniform(100, 1500))
                    events.append(("deal_won" if rng.random() < 0.35 else "deal_lost", t, None))
            else:
                events.append(("rejected_by_sales", t, rng.choice(REASONS) if rng.random() < 0.9 else None))
    for kind, at, extra in events:
        if at > now:
            break
        if extra == "stage":
            yield {"lead_id": lead_id, "stage": kind, "at": at.isoformat()}
            continue
        row: dict[str, Any] = {"lead_id": lead_id, "type": kind, "at": at.isoformat()}
        if extra is not None:
            row["reason"] = extra
        yield row


def history_rows(leads: int, seed: int = 7, now: dt.datetime = NOW) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(leads):
        yield from lead_rows(rng, f"L{i:06d}", now)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--leads", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--now", default=NOW.isoformat())
    args = parser.parse_args(argv)
    now = dt.datetime.fromisoformat(args.now)
    out = sys.stdout
    for row in history_rows(args.leads, args.seed, now):
        out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()

"""Seeded synthetic leads for the acme policy (policies/examples/acme.qual).

Each sample is ``(lead, events)``:

* ``lead`` is a dict keyed by field name, with values typed the way ``json.loads`` gives them:
  ints, strings, bools, lists of strings and ``None``. Employees come under the CRM column
  ``NumberOfEmployees`` (the policy maps it with ``from``); ``budget_amount`` is missing (None)
  about 45% of the time and otherwise a number (mostly int, sometimes a float with cents);
  ``timeline`` is missing about 40% of the time and otherwise a string such as ``"60 days"``.
* ``events`` is a list of ``(event_type, aware datetime)`` tuples over the ~120 days before ``now``
  (0-12 per lead), oldest first, mostly pricing_view / email_click / webinar_attended / demo_watched.

The same seed gives the same leads on every machine (only ``random.Random`` is used).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from typing import Any

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
SEED = 20261201
HISTORY_DAYS = 120
MAX_EVENTS = 12

Lead = dict[str, Any]
Events = list[tuple[str, dt.datetime]]
Sample = tuple[Lead, Events]

# (value, weight). ICP industries are software / fintech / healthtech (~36% together).
INDUSTRIES = [
    ("software", 20), ("fintech", 8), ("healthtech", 8), ("manufacturing", 12), ("retail", 10),
    ("education", 7), ("consulting", 8), ("logistics", 6), ("media", 5), ("government", 4),
    ("nonprofit", 4), ("real estate", 4), ("telecom", 4),
]
COUNTRIES = [
    ("US", 40), ("GB", 10), ("DE", 9), ("FR", 6), ("CA", 6), ("AU", 4), ("NL", 4), ("IN", 7),
    ("BR", 3), ("ES", 3), ("SE", 2), ("JP", 3), ("SG", 2), ("IE", 1),
]
SENIORITIES = [("ic", 35), ("manager", 30), ("director", 18), ("vp", 10), ("c_level", 7)]
KEEN_INDUSTRIES = frozenset({"software", "fintech", "healthtech"})  # senior people here engage more
KEEN_SENIORITY = frozenset({"director", "vp", "c_level"})
DECISION_MAKER_RATE = {"ic": 0.02, "manager": 0.10, "director": 0.35, "vp": 0.60, "c_level": 0.80}
# ~20% free mail in all; proton.me is free mail the policy's list does not name (realistic drift).
FREE_MAIL = [("gmail.com", 10), ("outlook.com", 4), ("yahoo.com", 3), ("hotmail.com", 2), ("proton.me", 1)]
FREE_MAIL_RATE = 0.20
TLDS = [("com", 60), ("io", 12), ("co", 6), ("de", 6), ("co.uk", 6), ("fr", 4), ("net", 3), ("ai", 3)]
SYLLABLES = ["ac", "me", "lo", "gix", "nova", "tek", "byte", "ly", "ro", "sol", "data", "hub", "ver", "ix",
             "quant", "sky", "blue", "core", "pay", "med", "flow", "zen", "ar", "on"]
PAIN_POINTS = [
    "manual reporting", "slow onboarding", "data silos", "compliance risk", "high churn",
    "poor forecasting", "spreadsheet sprawl", "integration gaps", "security audits", "scaling costs",
]
TIMELINES = [
    ("2 weeks", 6), ("30 days", 16), ("45 days", 6), ("60 days", 16), ("90 days", 16), ("12 weeks", 5),
    ("120 days", 10), ("180 days", 10), ("6 weeks", 6), ("365 days", 5), ("1 week", 4),
]
# Event mix: mostly marketing touches; sales-stage events are rare.
EVENT_TYPES = [
    ("pricing_view", 30), ("email_click", 30), ("webinar_attended", 12), ("demo_watched", 10),
    ("whitepaper_download", 8), ("contacted", 6), ("accepted_by_sales", 1.5), ("rejected_by_sales", 1.0),
    ("opportunity_created", 1.0), ("deal_won", 0.3), ("deal_lost", 0.2),
]


def _weighted(rng: random.Random, table: Sequence[tuple[Any, float]]) -> Any:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


def _cased(rng: random.Random, text: str) -> str:
    """CRM exports and web forms disagree on case: 60% lower, 30% Title, 10% UPPER."""
    roll = rng.random()
    if roll < 0.6:
        return text
    if roll < 0.9:
        return text.title()
    return text.upper()


def _employees(rng: random.Random) -> int:
    # log-normal: median ~150 people, a long tail to enterprises
    return max(1, min(500_000, round(rng.lognormvariate(math.log(150), 1.6))))


def _email_domain(rng: random.Random) -> str:
    if rng.random() < FREE_MAIL_RATE:
        domain = _weighted(rng, FREE_MAIL)
        return domain.capitalize() if rng.random() < 0.05 else domain
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    return f"{name}.{_weighted(rng, TLDS)}"


def _budget_amount(rng: random.Random) -> int | float | None:
    if rng.random() < 0.45:
        return None
    amount = rng.lognormvariate(math.log(15_000), 1.0)
    if rng.random() < 0.10:
        return round(amount, 2)  # a float with cents, as JSON gives 12500.5
    return int(round(amount / 500) * 500) or 500


def _events(rng: random.Random, now: dt.datetime, keen: bool) -> Events:
    """An activity level per lead: dormant, casual or hot (hot leads' events are recent).
    ``keen`` leads (the kind marketing targets) are hot more often: 45% instead of 20%."""
    hot = 0.45 if keen else 0.20
    roll = rng.random()
    if roll < 0.30 * (1 - hot) / 0.8:
        count, recency = rng.randint(0, 1), None
    elif roll < 1 - hot:
        count, recency = rng.randint(1, 5), None
    else:
        count, recency = rng.randint(4, MAX_EVENTS), 15.0
    out: Events = []
    for _ in range(count):
        days = rng.uniform(0, HISTORY_DAYS) if recency is None else min(rng.expovariate(1 / recency), HISTORY_DAYS)
        # 5% exactly N days ago, to exercise the window edges ("in last 30 days" includes day 30)
        age = dt.timedelta(days=round(days)) if rng.random() < 0.05 else dt.timedelta(seconds=round(days * 86400))
        out.append((_weighted(rng, EVENT_TYPES), now - age))
    out.sort(key=lambda event: event[1])
    return out


def generate_lead(rng: random.Random) -> Lead:
    seniority = _weighted(rng, SENIORITIES)
    budget_confirmed = rng.random() < 0.25
    return {
        "NumberOfEmployees": _employees(rng),
        "industry": _cased(rng, _weighted(rng, INDUSTRIES)),
        "country": _weighted(rng, COUNTRIES),
        "seniority": seniority,
        "email_domain": _email_domain(rng),
        "budget_confirmed": budget_confirmed,
        "budget_amount": _budget_amount(rng),
        "decision_maker": rng.random() < DECISION_MAKER_RATE[seniority],
        "pain_points": rng.sample(PAIN_POINTS, _weighted(rng, [(0, 30), (1, 35), (2, 25), (3, 10)])),
        "timeline": None if rng.random() < 0.40 else _weighted(rng, TIMELINES),
        "is_competitor": rng.random() < 0.02,
    }


def generate(count: int, seed: int = SEED, now: dt.datetime = NOW) -> list[Sample]:
    """``count`` (lead, events) samples, the same for the same seed."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        lead = generate_lead(rng)
        keen = lead["seniority"] in KEEN_SENIORITY and lead["industry"].lower() in KEEN_INDUSTRIES
        out.append((lead, _events(rng, now, keen)))
    return out


if __name__ == "__main__":  # a peek at the data: python -m benchmarks.leadgen
    import json

    for lead, events in generate(3):
        print(json.dumps(lead))
        print("  events:", [(name, at.isoformat()) for name, at in events])

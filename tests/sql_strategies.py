"""Inputs for the SQL back end's tests: leads as the texts a CSV file (or a VARCHAR table) holds.

* ``acme_cases(seed, count)`` makes leads and events for policies/examples/acme.qual, with
  unknowns, free-mail domains in any case, events exactly at the window edges, a microsecond
  inside and outside them, events in the future, and now and then a value that cannot be read.
* ``as_text_record`` turns a lead of ``tests/strategies.py`` (Python values) into texts, the
  form in which a warehouse table hands it to SQL; both back ends are then given those texts.
* ``Tables`` loads such records into DuckDB (every column VARCHAR) and runs a policy's query.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import qualdsl
from qualdsl import model as m
from qualdsl.sql import SqlOptions
from qualdsl.sql.duck import decide_rows, field_columns

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
PLUS5 = dt.timezone(dt.timedelta(hours=5))

Record = dict[str, str | None]
Event = tuple[str | None, str | None]


# ---- acme ------------------------------------------------------------------------------------

ACME_VALUES: dict[str, tuple[str, ...]] = {
    "employees": ("400", " 1,200 ", "49", "50", "5000", "5001", "120", "1_000", "400.0"),
    "industry": ("Software", "SOFTWARE", "software ", "fintech", "HealthTech", "retail", "Straße", "ß"),
    "country": ("US", "GB", "de"),
    "seniority": ("VP", "vp", "c-level", "C Level", "director", "ic", "Manager", " C_LEVEL "),
    "email_domain": ("GMAIL.com", "gmail.com", "acme.io", "Yahoo.Com", " outlook.com", "HOTMAIL.COM", "bank.co"),
    "budget_confirmed": ("yes", "no", "Y", "n", "TRUE", "false", "1", "0"),
    "budget_amount": ("$25,000", "9999.99", "10000", "€ 10000.50", "10,000.00", "0", "250000"),
    "decision_maker": ("yes", "no", "t", "F"),
    "pain_points": ("manual reporting", "a; b", " ; ", "data silos;manual reporting;", "x"),
    "timeline": ("60 days", "P90D", "90 days", "91 days", "PT2160H", "2 weeks", "1.5 days", "P13W", "PT2161H"),
    "is_competitor": ("no", "no", "no", "yes", "N"),
}
ACME_BAD: dict[str, tuple[str, ...]] = {
    "employees": ("abc", "1.5", "12 people"),
    "seniority": ("Vice President",),
    "budget_confirmed": ("maybe",),
    "budget_amount": ("25k", "10.000,50"),
    "timeline": ("3 months", "soon"),
    "is_competitor": ("2",),
}
ACME_OPTIONAL = ("budget_amount", "timeline", "pain_points")
ACME_EVENTS = ("pricing_view", "demo_watched", "webinar_attended", "whitepaper_download", "email_click",
               "contacted")
WINDOWS = (dt.timedelta(days=30), dt.timedelta(days=60), dt.timedelta(days=90))


def _event_time(rng: random.Random, now: dt.datetime) -> dt.datetime:
    tiny = dt.timedelta(microseconds=1)
    roll = rng.random()
    if roll < 0.5:
        edge = now - rng.choice(WINDOWS)
        return edge + rng.choice((dt.timedelta(0), tiny, -tiny, dt.timedelta(seconds=-1), dt.timedelta(seconds=1)))
    if roll < 0.6:
        return now + rng.choice((tiny, dt.timedelta(seconds=1), dt.timedelta(days=3)))  # the future
    if roll < 0.65:
        return now
    return now - dt.timedelta(seconds=rng.randrange(0, 120 * 86_400))


def _time_text(rng: random.Random, when: dt.datetime) -> str:
    style = rng.random()
    if style < 0.6:
        return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if style < 0.8:
        return when.astimezone(PLUS5).isoformat()
    return when.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


def acme_cases(seed: int, count: int, now: dt.datetime = NOW) -> list[tuple[Record, list[Event]]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        lead: Record = {}
        for name, values in ACME_VALUES.items():
            key = "NumberOfEmployees" if name == "employees" and rng.random() < 0.7 else name
            roll = rng.random()
            if roll < 0.02 and name in ACME_BAD:
                lead[key] = rng.choice(ACME_BAD[name])
            elif roll < 0.25 and name in ACME_OPTIONAL:
                lead[key] = rng.choice((None, "", "   "))
            elif roll < 0.003:
                lead[key] = None  # a required field missing
            else:
                lead[key] = rng.choice(values)
        events: list[Event] = []
        for _ in range(rng.choice((0, 1, 2, 3, 5, 8))):
            name = rng.choice(ACME_EVENTS)
            events.append((name, _time_text(rng, _event_time(rng, now))))
        if rng.random() < 0.02:
            events.append(rng.choice((("not_an_event", now.isoformat()), ("demo_watched", "yesterday"),
                                      ("demo_watched", None))))
        out.append((lead, events))
    return out


# ---- generated leads as texts -------------------------------------------------------------------

class NotText(Exception):
    """A value a CSV cell or VARCHAR column cannot hold (a mapping, a set, ...)."""


def value_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(value)
    if isinstance(value, Decimal):
        if value.is_nan():
            return ""
        return f"{value:f}" if value.is_finite() else str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        if value < dt.timedelta(0) or value.microseconds:
            raise NotText(value)
        return f"P{value.days}DT{value.seconds}S" if value.seconds else f"P{value.days}D"
    if isinstance(value, (list, tuple)):
        parts = [value_text(v) for v in value]
        if any(p is None or ";" in p or not p.strip() for p in parts):
            raise NotText(value)
        return ";".join(p for p in parts if p is not None)
    raise NotText(value)


def as_text_record(lead: Mapping[str, object]) -> Record:
    return {key: value_text(value) for key, value in lead.items()}


def as_text_events(events: Iterable[object]) -> list[Event]:
    out: list[Event] = []
    for event in events:
        if isinstance(event, tuple) and len(event) == 2:
            kind, at = event
        elif isinstance(event, Mapping):
            kind, at = event.get("type"), event.get("at")
        else:
            raise NotText(event)
        out.append((value_text(kind), value_text(at)))
    return out


# ---- DuckDB ------------------------------------------------------------------------------------------

def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_rows(con: Any, policy: m.PolicyModel, leads: Sequence[Record], events: Sequence[Sequence[Event]],
             now: dt.datetime) -> list[dict[str, Any]]:
    """Loads ``leads`` (ids 0, 1, ...) and their events into fresh VARCHAR tables and decides them."""
    columns = sorted({f.name for f in policy.fields} | {f.column for f in policy.fields if f.column}
                     | {k for lead in leads for k in lead})
    con.execute("DROP TABLE IF EXISTS leads")
    con.execute("DROP TABLE IF EXISTS events")
    con.execute("CREATE TABLE leads (id VARCHAR" + "".join(f", {_quote(c)} VARCHAR" for c in columns) + ")")
    con.execute('CREATE TABLE events (lead_id VARCHAR, "type" VARCHAR, "at" VARCHAR)')
    if leads:
        con.executemany(
            "INSERT INTO leads VALUES (?" + ", ?" * len(columns) + ")",
            [[str(i), *(lead.get(c) for c in columns)] for i, lead in enumerate(leads)],
        )
    rows = [[str(i), kind, at] for i, evs in enumerate(events) for kind, at in evs]
    if rows:
        con.executemany("INSERT INTO events VALUES (?, ?, ?)", rows)
    options = SqlOptions(now=now, columns=field_columns(policy, columns))
    out = decide_rows(con, policy, options)
    return sorted(out, key=lambda r: int(r["lead_id"]))


def python_record(lead: Record, events: Sequence[Event]) -> dict[str, Any]:
    """The same lead for the Python evaluator: blank cells left out as a CSV reader gives them."""
    record: dict[str, Any] = {k: v for k, v in lead.items() if v is not None}
    record["events"] = [{"type": kind, "at": at} for kind, at in events]
    return record


def compile_policy(text: str) -> qualdsl.Policy:
    return qualdsl.compile_text(text)

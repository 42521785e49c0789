"""The SQL back end on DuckDB: leads per second for a policy over a large table.

    python -m benchmarks.bench_sql                  # 10,000,000 leads (a few minutes)
    python -m benchmarks.bench_sql --leads 1000000  # smaller

Leads and events are made inside DuckDB with ``range()`` and ``hash()`` (the same data
every run), as text columns, the way a CSV file or a staging table hands them over. The
query is the one ``qualdsl sql`` prints; its result is written to a temporary table, so
every output column is computed. As a baseline from the same run, the Python evaluator
(``Policy.evaluate``) decides a sample of the same leads, and the two must agree on it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def _pick(values: list[str], salt: int) -> str:
    items = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"[{items}][CAST(1 + hash(i, {salt}) % {len(values)} AS BIGINT)]"


LEAD_COLUMNS = {
    "NumberOfEmployees": "CAST(10 + hash(i, 1) % 6000 AS VARCHAR)",
    "industry": _pick(["Software", "fintech", "retail", "HealthTech", "SOFTWARE", "manufacturing"], 2),
    "country": _pick(["US", "GB", "DE", "FR"], 3),
    "seniority": _pick(["VP", "director", "ic", "manager", "C-Level", "vp"], 4),
    "email_domain": _pick(["gmail.com", "acme.io", "Yahoo.com", "bank.co", "clinic.org", "GMAIL.COM"], 5),
    "budget_confirmed": _pick(["yes", "no", "no"], 6),
    "budget_amount": _pick(["", "$25,000", "9999.99", "10000", "250000", "5000"], 7),
    "decision_maker": _pick(["yes", "no"], 8),
    "pain_points": _pick(["", "manual reporting", "data silos; manual reporting"], 9),
    "timeline": _pick(["", "60 days", "P120D", "90 days", "2 weeks"], 10),
    "is_competitor": _pick(["no"] * 19 + ["yes"], 11),
}
EVENT_TYPES = ["pricing_view", "demo_watched", "webinar_attended", "whitepaper_download", "email_click", "contacted"]


def make_tables(con: Any, leads: int, events_per_lead: int) -> None:
    columns = ", ".join(f'{expr} AS "{name}"' for name, expr in LEAD_COLUMNS.items())
    con.execute(f"CREATE OR REPLACE TABLE leads AS SELECT CAST(i AS VARCHAR) AS id, {columns} FROM range({leads}) t(i)")
    now = NOW.strftime("%Y-%m-%d %H:%M:%S")
    types = ", ".join(f"'{t}'" for t in EVENT_TYPES)
    con.execute(f"""
        CREATE OR REPLACE TABLE events AS
        SELECT CAST(hash(i, 20) % {leads} AS VARCHAR) AS lead_id,
               [{types}][CAST(1 + hash(i, 21) % {len(EVENT_TYPES)} AS BIGINT)] AS type,
               strftime(TIMESTAMP '{now}' - to_seconds(CAST(hash(i, 22) % (130 * 86400) AS BIGINT) - 86400),
                        '%Y-%m-%dT%H:%M:%SZ') AS at
        FROM range({leads * events_per_lead}) t(i)
    """)


def python_baseline(con: Any, policy: Any, sample: int) -> tuple[float, list[tuple[str, str]]]:
    """Leads per second of ``Policy.evaluate`` on the first ``sample`` leads; their (id, outcome)."""
    cursor = con.execute(f"SELECT * FROM leads WHERE CAST(id AS BIGINT) < {sample}")
    names = [d[0] for d in cursor.description]
    leads = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    events: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for lead_id, kind, at in con.execute(
        f"SELECT lead_id, \"type\", \"at\" FROM events WHERE CAST(lead_id AS BIGINT) < {sample}"
    ).fetchall():
        events[lead_id].append((kind, at))
    started = time.perf_counter()
    outcomes = []
    for lead in leads:
        record = {k: v for k, v in lead.items() if v != ""}
        decision = policy.evaluate(record, [{"type": k, "at": a} for k, a in events[lead["id"]]], NOW)
        outcomes.append((lead["id"], decision.outcome))
    return len(leads) / (time.perf_counter() - started), outcomes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=10_000_000)
    parser.add_argument("--events-per-lead", type=int, default=3)
    parser.add_argument("--sample", type=int, default=100_000, help="leads for the Python baseline")
    parser.add_argument("--policy", default=str(ROOT / "policies" / "examples" / "acme.qual"))
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    import duckdb

    import qualdsl
    from qualdsl.sql import SqlOptions, build_query

    policy = qualdsl.load(args.policy)
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    started = time.perf_counter()
    make_tables(con, args.leads, args.events_per_lead)
    made = time.perf_counter() - started
    print(f"made {args.leads:,} leads and {args.leads * args.events_per_lead:,} events in DuckDB in {made:.1f} s")

    query = build_query(policy.model, SqlOptions(now=NOW), "duckdb").sql(dialect="duckdb")
    started = time.perf_counter()
    con.execute(f"CREATE OR REPLACE TEMP TABLE decided AS {query}")
    took = time.perf_counter() - started
    rate = args.leads / took
    print(f"DuckDB ({args.threads} threads): {args.leads:,} leads in {took:.1f} s = {rate:,.0f} leads/s")
    for outcome, count in con.execute("SELECT outcome, count(*) FROM decided GROUP BY 1 ORDER BY 2 DESC").fetchall():
        print(f"  {outcome or '(error)':>14}: {count:,}")

    sample = min(args.sample, args.leads)
    py_rate, outcomes = python_baseline(con, policy, sample)
    print(f"Python evaluator (1 thread): {sample:,} leads at {py_rate:,.0f} leads/s; "
          f"DuckDB is {rate / py_rate:,.1f}x that")
    sql_outcomes = dict(con.execute(f"SELECT lead_id, outcome FROM decided WHERE CAST(lead_id AS BIGINT) < {sample}").fetchall())
    differ = sum(1 for lead_id, outcome in outcomes if sql_outcomes.get(lead_id) != outcome)
    print(f"the two agree on {sample - differ:,} of {sample:,} sampled leads")
    if differ:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

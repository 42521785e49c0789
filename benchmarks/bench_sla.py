"""The SLA report over many leads' histories, end to end (read JSONL, replay, report).

    python -m benchmarks.bench_sla --leads 100000

Prints the seconds for the whole report and leads/second, beside a baseline measured in
the same run: reading the same history file alone (JSON decoding and grouping), so the
ratio says how much the replay and the report add. Target: 100,000 leads under 30 s.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from pathlib import Path

import qualdsl
from examples.synthetic_history import NOW, history_rows
from qualdsl.history import iter_sorted, read_history
from qualdsl.report import LeadOutcome, build_report, render

ROOT = Path(__file__).resolve().parents[1]
ACME = ROOT / "policies" / "examples" / "acme.qual"
TARGET_SECONDS = 30.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time the SLA report over synthetic lead histories.")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    policy = qualdsl.load(str(ACME))
    text = "".join(json.dumps(row) + "\n" for row in history_rows(args.leads, args.seed, NOW))
    rows = text.count("\n")

    start = time.perf_counter()
    read_history(io.StringIO(text), "jsonl", policy.model)
    read_only = time.perf_counter() - start

    start = time.perf_counter()
    history = read_history(io.StringIO(text), "jsonl", policy.model)
    outcomes = []
    for item in iter_sorted(history):
        timeline = policy.replay(item.lead, item.events, NOW, item.entries)
        outcomes.append(LeadOutcome(item.lead_id, timeline, tuple(policy.sla_status_of(timeline, item.events, NOW))))
    report = build_report(policy.model, outcomes, NOW, history.rows, [p.to_dict() for p in history.problems])
    render(report)
    total = time.perf_counter() - start

    print(f"SLA report over {args.leads:,} leads ({rows:,} history rows)")
    print(f"  baseline, reading the history only : {read_only:8.2f} s")
    print(f"  whole report (read, replay, report): {total:8.2f} s   {args.leads / total:,.0f} leads/s   "
          f"{total / read_only:.1f}x the baseline")
    verdict = "meets" if total < TARGET_SECONDS * args.leads / 100_000 else "MISSES"
    print(f"  target: 100,000 leads under {TARGET_SECONDS:.0f} s -> {verdict} it at this size")


if __name__ == "__main__":
    main()

"""`qualdsl diff` throughput: two versions of the acme policy compared over generated leads.

    python -m benchmarks.bench_diff [--leads 100000] [--repeats 3] [--seed N]

OLD is policies/examples/acme.qual; NEW is the same text with the qualify threshold
`engagement >= 50` lowered to 40 (for SQL and MQL). Both get the same generated leads
(``benchmarks.leadgen``: JSON-typed fields, events as (type, aware datetime) tuples under
"events"). The baseline, measured in the same run, decides every lead once with OLD
(``policy.evaluate``). A diff decides each lead with both policies, works out both
policies' segments, and tallies the matrix, volumes, score deltas and examples; rendering
the report (text, Markdown, JSON) is timed apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import qualdsl
from qualdsl.diff import DiffReport, diff_leads, render

try:
    from benchmarks import leadgen
except ImportError:  # run as a script: python benchmarks/bench_diff.py
    import leadgen  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
ACME = ROOT / "policies" / "examples" / "acme.qual"
TARGET_SECONDS = 20.0
OLD_RULE, NEW_RULE = "engagement >= 50", "engagement >= 40"


def policies() -> tuple[qualdsl.Policy, qualdsl.Policy]:
    """OLD (acme as it is) and NEW (the threshold lowered), NEW read from text under acme's path
    so that its `use` lines resolve as acme's do."""
    text = ACME.read_text(encoding="utf-8")
    if OLD_RULE not in text:
        raise SystemExit(f"{ACME} no longer has `{OLD_RULE}`; update OLD_RULE in {__file__}")
    return qualdsl.load(str(ACME)), qualdsl.compile_text(text.replace(OLD_RULE, NEW_RULE), str(ACME))


def best_of(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """The fastest of ``repeats`` timed runs (after a garbage collection each), and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def baseline(policy: qualdsl.Policy, records: Sequence[dict[str, Any]], now: dt.datetime) -> Callable[[], None]:
    def run() -> None:
        evaluate = policy.evaluate
        for record in records:
            decision = evaluate(record, record["events"], now)
            _outcome, _scores = decision.outcome, decision.scores

    return run


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000, help="leads compared (default 100000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs; the best counts (default 3)")
    parser.add_argument("--seed", type=int, default=leadgen.SEED)
    args = parser.parse_args(argv)
    n, now = args.leads, leadgen.NOW

    print(f"== diff: {ACME.relative_to(ROOT)} against itself with `{OLD_RULE}` -> `{NEW_RULE}`, "
          f"{n:,} leads (seed {args.seed}), best of {args.repeats}")
    started = time.perf_counter()
    records = [dict(lead, events=events) for lead, events in leadgen.generate(n, args.seed, now)]
    old, new = policies()
    print(f"   generated the leads and loaded both policies in {time.perf_counter() - started:.1f} s")

    base_seconds, _ = best_of(baseline(old, records, now), args.repeats)
    diff_seconds, report = best_of(lambda: diff_leads(old, new, records, now, source="generated"), args.repeats)
    assert isinstance(report, DiffReport)
    render_seconds, _ = best_of(lambda: (render(report), render(report, markdown=True),
                                         json.dumps(report.to_dict())), args.repeats)
    qualified = report.volume_of(report.qualified)

    def line(label: str, seconds: float, note: str = "") -> None:
        print(f"   {label:<46} {seconds:>7.2f} s  {n / seconds:>10,.0f} leads/s  {note}".rstrip())

    print()
    line("baseline: evaluate every lead once with OLD", base_seconds)
    line("qualdsl diff: both policies, segments, tallies", diff_seconds, f"{diff_seconds / base_seconds:.1f}x the baseline")
    print(f"   {'rendering the report (text, Markdown, JSON)':<46} {render_seconds:>7.3f} s")
    print(f"   result: {report.moved:,} of {report.compared:,} leads move; qualified ({qualified.name}) "
          f"{qualified.old:,} -> {qualified.new:,}")
    total = diff_seconds + render_seconds
    verdict = "meets" if total < TARGET_SECONDS else "MISSES"
    print(f"\n   diff of {n:,} leads: {total:.2f} s (target < {TARGET_SECONDS:.0f} s: {verdict})")
    return {"baseline": base_seconds, "diff": diff_seconds, "render": render_seconds,
            "ratio": diff_seconds / base_seconds}


if __name__ == "__main__":
    main()

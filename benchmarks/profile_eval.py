"""Where the time of ``policy.evaluate`` goes: cProfile, then a per-part cost breakdown.

    python -m benchmarks.profile_eval [--leads 50000] [--top 15] [--clock wall|cpu]

cProfile charges its own overhead to every Python-level call, so it overstates small helper
functions; the breakdown below it times each part of the path directly (best of 5, us per lead).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import time
from collections.abc import Callable, Sequence

import qualdsl

try:
    from benchmarks import bench_eval, leadgen
except ImportError:  # run as a script: python benchmarks/profile_eval.py
    import bench_eval  # type: ignore[no-redef]
    import leadgen  # type: ignore[no-redef]


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = CLOCKS["wall"]


def per_lead(run: Callable[[], object], count: int, repeats: int = 5) -> float:
    """Best-of-``repeats`` microseconds per lead, after a warm-up."""
    run()
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = clock()
        run()
        best = min(best, clock() - start)
    return best / count * 1e6


def breakdown(policy: qualdsl.Policy, samples: Sequence[bench_eval.Sample]) -> list[tuple[str, float]]:
    """Each part timed on its own, through the public API. ``evaluate`` is the generated function
    itself; ``evaluate_prepared`` is the same decision without reading and checking the lead, so
    the difference between the two is what reading and checking cost."""
    now = leadgen.NOW
    n = len(samples)
    decisions = [policy.evaluate(lead, events, now) for lead, events in samples]
    prepared = [policy.prepare(lead, events) for lead, events in samples]

    def loop_empty() -> None:
        for _lead, _events in samples:
            pass

    def loop_prepare() -> None:
        prepare = policy.prepare
        for lead, events in samples:
            prepare(lead, events)

    def loop_prepared() -> None:
        evaluate_prepared = policy.evaluate_prepared
        for lead in prepared:
            evaluate_prepared(lead, now)

    def loop_evaluate() -> None:
        evaluate = policy.evaluate
        for lead, events in samples:
            evaluate(lead, events, now)

    def loop_evaluate_read() -> None:
        evaluate = policy.evaluate
        for lead, events in samples:
            d = evaluate(lead, events, now)
            _ = d.outcome, d.scores

    def loop_outcome() -> None:
        for d in decisions:
            _ = d.outcome

    def loop_scores() -> None:
        for d in decisions:
            _ = d.scores

    def loop_events_only() -> None:  # the least any evaluator does with the events: a floor, not qualdsl code
        zero = bench_eval.ZERO
        for _, events in samples:
            for _name, at in events:
                if now - at < zero:
                    continue

    empty = per_lead(loop_empty, n)
    evaluate = per_lead(loop_evaluate, n) - empty
    parts = [
        ("loop overhead (subtracted from all below)", empty),
        ("policy.evaluate + .outcome + .scores", per_lead(loop_evaluate_read, n) - empty),
        ("  policy.evaluate (no reads)", evaluate),
    ]
    decided = per_lead(loop_prepared, n) - empty
    parts += [
        ("    policy.evaluate_prepared (the same, already read)", decided),
        ("    so: reading and checking the fields and events", evaluate - decided),
        ("  policy.prepare (reads, checks, converts the events)", per_lead(loop_prepare, n) - empty),
    ]
    parts += [
        ("  decision.outcome", per_lead(loop_outcome, n) - empty),
        ("  decision.scores", per_lead(loop_scores, n) - empty),
        ("hand-written", per_lead(bench_eval.run_handwritten(samples, now), n) - empty),
        ("  of which a bare loop over the events (unpack, age)", per_lead(loop_events_only, n) - empty),
    ]
    return parts


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=50_000)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall", help="for the breakdown: wall or cpu time")
    args = parser.parse_args(argv)
    global clock
    clock = CLOCKS[args.clock]
    policy = qualdsl.load(str(bench_eval.ACME))
    samples = bench_eval.typed_inputs(leadgen.generate(args.leads))
    run = bench_eval.run_evaluate(policy, samples, leadgen.NOW)
    run()

    profiler = cProfile.Profile()
    profiler.runcall(run)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(args.top)
    print(f"== cProfile: policy.evaluate + .outcome + .scores over {args.leads:,} typed leads (by own time)")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))

    print(f"\n== breakdown, us per lead (best of 5, {args.leads:,} leads, {args.clock} clock)")
    for label, micros in breakdown(policy, samples):
        print(f"   {label:<48} {micros:6.2f}")


if __name__ == "__main__":
    main()

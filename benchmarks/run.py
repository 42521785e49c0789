"""All the benchmarks, one command: ``python -m benchmarks`` (or ``python benchmarks/run.py``).

    python -m benchmarks [--leads 100000] [--explain-leads 2000] [--rules 1000] [--repeats 3] [--clock wall|cpu] [--quick]

Each figure is a ratio against a baseline measured in the same process and run, so the
numbers compare across machines better than the absolute rates do.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

try:
    from benchmarks import bench_eval, bench_load
except ImportError:  # run as a script: python benchmarks/run.py
    import bench_eval  # type: ignore[no-redef]
    import bench_load  # type: ignore[no-redef]


def revision() -> str:
    """The git commit measured, and whether the working tree had changes (empty outside git)."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "qualdsl", "grammar"], cwd=root,
                               capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return head.stdout.strip() + (" + uncommitted changes under qualdsl/" if dirty.stdout.strip() else "")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--explain-leads", type=int, default=2_000)
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="wall: time.perf_counter (default); cpu: time.process_time, for a machine shared with other work")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 10,000 leads, 300 explained, 1 repeat")
    args = parser.parse_args(argv)
    if args.quick:
        args.leads, args.explain_leads, args.repeats = 10_000, 300, 1

    started = time.perf_counter()
    print(f"qualdsl benchmarks: Python {platform.python_version()} ({sys.executable}), "
          f"{platform.machine()}, {platform.system()}, {os.cpu_count()} CPUs, git {revision() or 'unknown'}")
    print(f"load average at start {os.getloadavg()[0]:.2f} (well above 0 means other work shares the CPUs: "
          "trust the ratios more than the rates, or use --clock cpu)")
    common = ["--repeats", str(args.repeats), "--clock", args.clock]
    evaluation = bench_eval.main(["--leads", str(args.leads), "--explain-leads", str(args.explain_leads), *common])
    print()
    load = bench_load.main(["--rules", str(args.rules), *common])
    print()
    print("== summary")
    print(f"   compiled / hand-written     {evaluation['ratio']:.2f}x  (target >= {bench_eval.TARGET_RATIO}x)")
    if "checked_ratio" in evaluation:
        print(f"   ... / hand-written checking {evaluation['checked_ratio']:.2f}x  (the same input checks as qualdsl)")
    print(f"   explanation / decision      {evaluation['explain_cost']:.0f}x")
    print(f"   {args.rules}-rule load, fresh      {load['fresh']:.3f} s  (target < {bench_load.TARGET_SECONDS:.0f} s)")
    print(f"   {args.rules}-rule load, warm       {load['warm']:.3f} s")
    print(f"   (all benchmarks took {time.perf_counter() - started:.0f} s; load average at the end {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()

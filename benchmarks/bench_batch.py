"""Batch files end to end: `qualdsl eval` on a million leads, CSV and JSONL, one and two processes.

    python -m benchmarks.bench_batch [--leads 1000000] [--jobs 1,2] [--formats csv,jsonl] [--keep DIR]

Writes seeded leads (``benchmarks/leadgen.py``) to a temporary folder as CSV (no events: a CSV
row cannot carry them) and as JSONL (with events as {"type", "at"} objects), then runs, each in
a fresh child process so that starting Python, loading the policy, parsing the input and
writing the output all count:

* the baseline: read every record with the csv / json module and write it back out the same
  way (csv.reader + csv.writer; json.loads + json.dumps per line), nothing decided;
* ``qualdsl eval POLICY FILE --now ... -o OUT --jobs N`` for each --jobs value.

For each it prints wall time, leads per second and the child's peak resident memory
(``ru_maxrss`` of that child; for --jobs N the largest of the parent and its workers, and
their sum), and checks that every run wrote one output record per lead and that all the runs
for one input wrote the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

try:
    from benchmarks import leadgen
except ImportError:  # run as a script: python benchmarks/bench_batch.py
    import leadgen  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
ACME = ROOT / "policies" / "examples" / "acme.qual"
NOW = "2026-12-01T12:00:00Z"
CSV_COLUMNS = ["lead_id", "NumberOfEmployees", "industry", "country", "seniority", "email_domain", "budget_confirmed",
               "budget_amount", "decision_maker", "pain_points", "timeline", "is_competitor"]


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def write_inputs(folder: Path, count: int, seed: int = leadgen.SEED, formats: Sequence[str] = ("csv", "jsonl"),
                 distinct: int = 100_000) -> dict[str, Path]:
    """``count`` leads as leads.csv and leads.jsonl in ``folder``, streamed (constant memory). The first
    ``distinct`` are generated (``leadgen``, seeded); the rest repeat them in order under new lead ids
    (generating a million takes minutes; reading them is what is measured). 0: generate every one."""
    rng = random.Random(seed)
    distinct = count if distinct <= 0 else min(distinct, count)
    paths = {fmt: folder / f"leads.{fmt}" for fmt in formats}
    handles = {fmt: open(path, "w", encoding="utf-8", newline="") for fmt, path in paths.items()}  # noqa: SIM115
    try:
        pool: list[tuple[str, str]] = []  # (CSV cells after the id, JSON members after the id)
        for _ in range(distinct):
            lead = leadgen.generate_lead(rng)
            keen = lead["seniority"] in leadgen.KEEN_SENIORITY and lead["industry"].lower() in leadgen.KEEN_INDUSTRIES
            events = leadgen._events(rng, leadgen.NOW, keen)
            cells = io.StringIO()
            csv.writer(cells, lineterminator="\n").writerow([
                lead["NumberOfEmployees"], lead["industry"], lead["country"], lead["seniority"], lead["email_domain"],
                _yes_no(lead["budget_confirmed"]), "" if lead["budget_amount"] is None else lead["budget_amount"],
                _yes_no(lead["decision_maker"]), ";".join(lead["pain_points"]), lead["timeline"] or "",
                _yes_no(lead["is_competitor"]),
            ])
            record = {**lead, "events": [{"type": name, "at": at.isoformat().replace("+00:00", "Z")} for name, at in events]}
            pool.append(("," + cells.getvalue(), ", " + json.dumps(record)[1:] + "\n"))
        csv_out, jsonl_out = handles.get("csv"), handles.get("jsonl")
        if csv_out is not None:
            csv_out.write(",".join(CSV_COLUMNS) + "\n")
        block_csv: list[str] = []
        block_jsonl: list[str] = []
        for i in range(count):
            lead_id = f"L{i + 1:07d}"
            csv_tail, json_tail = pool[i % distinct]
            block_csv.append(lead_id + csv_tail)
            block_jsonl.append('{"lead_id": "' + lead_id + '"' + json_tail)
            if len(block_csv) == 10_000 or i == count - 1:
                if csv_out is not None:
                    csv_out.write("".join(block_csv))
                if jsonl_out is not None:
                    jsonl_out.write("".join(block_jsonl))
                block_csv.clear()
                block_jsonl.clear()
    finally:
        for handle in handles.values():
            handle.close()
    return paths


BASELINE = """
import csv, json, sys
src, dst, fmt = sys.argv[1:4]
with open(src, encoding="utf-8", newline="") as fin, open(dst, "w", encoding="utf-8", newline="") as fout:
    if fmt == "csv":
        writer = csv.writer(fout, lineterminator="\\n")
        for row in csv.reader(fin):
            writer.writerow(row)
    else:
        for line in fin:
            fout.write(json.dumps(json.loads(line)) + "\\n")
"""

def run_child(argv: list[str]) -> tuple[float, float, float, float]:
    """Wall seconds, and peak RSS in MiB: the largest single process and the sum over the child and
    the workers it started (ru_maxrss of RUSAGE_CHILDREN covers only the largest descendant, so
    each run is wrapped by a small reporter)."""
    wrapper = [sys.executable, "-c", RSS_WRAPPER, *argv]
    start = time.perf_counter()
    done = subprocess.run(wrapper, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 3):
        sys.exit(f"FAILED ({done.returncode}): {' '.join(argv)}\n{done.stderr}")
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return seconds, report["max_mib"], report["sum_mib"], report["cpu"]


# Runs the command, polls /proc for it and its descendants (peak RSS per process, summed over
# those alive at once), and prints the figures as the last line of stderr.
RSS_WRAPPER = r"""
import json, os, subprocess, sys, time
proc = subprocess.Popen(sys.argv[1:], stderr=subprocess.PIPE)
peak_sum = 0.0
def tree(pid):
    out = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        kids = []
    for kid in kids:
        out += tree(kid)
    return out
def rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
while proc.poll() is None:
    peak_sum = max(peak_sum, sum(rss(p) for p in tree(proc.pid)))
    time.sleep(0.05)
err = proc.stderr.read().decode()
import resource
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
max_mib = usage.ru_maxrss / 1024
sys.stderr.write(err)
sys.stderr.write(json.dumps({"max_mib": max_mib, "sum_mib": max(peak_sum, max_mib),
                             "cpu": usage.ru_utime + usage.ru_stime}) + "\n")
sys.exit(proc.returncode)
"""


def digest(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    lines = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
            lines += block.count(b"\n")
    return h.hexdigest()[:16], lines


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000, help="leads per file (default 1000000)")
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values to run (default 1,2)")
    parser.add_argument("--formats", default="csv,jsonl", help="input formats (default csv,jsonl)")
    parser.add_argument("--seed", type=int, default=leadgen.SEED)
    parser.add_argument("--distinct", type=int, default=100_000,
                        help="leads generated; the rest repeat them under new ids (default 100000; 0: all)")
    parser.add_argument("--keep", metavar="DIR", help="write the files here and keep them (default: a temp dir)")
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    jobs_list = [int(j) for j in args.jobs.split(",")]
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="qualdsl-batch-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"== batch: qualdsl eval {ACME.relative_to(ROOT)} on {args.leads:,} leads per file, jobs {jobs_list}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    results: dict[str, dict[str, float]] = {}
    try:
        started = time.perf_counter()
        paths = write_inputs(folder, args.leads, args.seed, formats, args.distinct)
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 2**20:,.0f} MiB" for p in paths.values())
        print(f"   generated in {time.perf_counter() - started:.0f} s ({min(args.distinct or args.leads, args.leads):,} distinct "
              f"leads, repeated under new ids): {sizes}")
        for fmt, path in paths.items():
            print(f"\n   {fmt.upper()} ({path.stat().st_size / 2**20:,.0f} MiB)")
            out = folder / f"baseline.{fmt}"
            seconds, peak, _, cpu = run_child([sys.executable, "-c", BASELINE, str(path), str(out), fmt])
            results[f"{fmt} baseline"] = {"seconds": seconds, "rate": args.leads / seconds, "rss": peak, "cpu": cpu}
            print(f"   {'baseline: csv/json read + write, nothing decided':<52} {seconds:>7.1f} s "
                  f"{args.leads / seconds:>10,.0f} leads/s  CPU {cpu / args.leads * 1e6:5.1f} us/lead  "
                  f"peak RSS {peak:>5.0f} MiB")
            out.unlink()
            digests = set()
            runs: list[tuple[str, list[str]]] = []
            base = [sys.executable, "-m", "qualdsl.cli", "eval", str(ACME), str(path), "--now", NOW,
                    "--id-column", "lead_id", "--no-progress"]
            for jobs in jobs_list:
                runs.append((f"qualdsl eval --jobs {jobs}", [*base, "-o", "{out}", "--jobs", str(jobs)]))
            for label, template in runs:
                out = folder / f"out-{fmt}.jsonl"
                seconds, peak, total, cpu = run_child([str(out) if part == "{out}" else part for part in template])
                sha, lines = digest(out)
                if lines != args.leads:
                    sys.exit(f"{out} has {lines} records for {args.leads} leads")
                digests.add(sha)
                results[f"{fmt} {label}"] = {"seconds": seconds, "rate": args.leads / seconds, "rss": peak,
                                             "rss_sum": total, "cpu": cpu}
                several = total > peak * 1.2
                print(f"   {label:<52} {seconds:>7.1f} s {args.leads / seconds:>10,.0f} leads/s  "
                      f"CPU {cpu / args.leads * 1e6:5.1f} us/lead  peak RSS {peak:>5.0f} MiB"
                      + (f" per process, {total:,.0f} MiB all processes" if several else ""))
                out.unlink()
            same = "the same bytes" if len(digests) == 1 else f"DIFFERENT outputs ({len(digests)} digests)"
            print(f"   every run wrote {args.leads:,} records: {same}")
            if len(digests) != 1:
                sys.exit(1)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"\n   load average at the end: {os.getloadavg()[0]:.1f}; "
          f"this process's own peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return results


if __name__ == "__main__":
    main()

"""The HTTP server under load: `qualdsl serve` on loopback, driven from other processes.

    python -m benchmarks.bench_server [--duration 10] [--connections 8] [--batch 100] [--workers 1]
                                      [--client auto|wrk|python] [--leads 500] [--rate 2000]

Starts ``python -m qualdsl.server`` on 127.0.0.1 with the acme policy (and the BANT framework
it uses) and a decision log, then for ``--duration`` seconds each:

* single: one lead per request (POST /v1/decisions/acme), as fast as the server answers;
* single at ``--rate`` requests/s (default 2,000): the latency at a steady load, each request timed
  from when it was due;
* batch: ``--batch`` leads per request, as fast as the server answers;

over ``--connections`` keep-alive connections. The load comes from ``wrk`` when it is installed
(``apt-get install -y wrk``; the paced run always uses the other client), else from a minimal
HTTP/1.1 client over raw sockets, one process per connection. (An httpx thread pool cannot load
the server on two cores: it spends more CPU per request than the server does, so it measures
itself: about 800 requests/s here.) Prints requests/s, decisions/s, p50 and p99 latency, and the
server's CPU time per request, beside an in-process baseline measured in the same run (the same
JSON bodies parsed, decided and encoded without HTTP).

Then checks that no request failed and that the decision log holds one valid JSON line per
decision made: no line lost or torn under the load. Exit code 1 when that check fails.
"""

from __future__ import annotations

import argparse
import array
import datetime as dt
import json
import multiprocessing as mp
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import qualdsl

try:
    from benchmarks import leadgen
except ImportError:  # run as a script: python benchmarks/bench_server.py
    import leadgen  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
POLICY = "acme"
TARGET_RPS = 2000
TARGET_P99_MS = 20.0
NOW = leadgen.NOW.isoformat()


# ---- inputs ---------------------------------------------------------------------------------------
def lead_items(count: int) -> list[dict[str, object]]:
    """Generated acme leads as JSON request items: events as {"type", "at"} objects."""
    return [
        {"lead": lead, "events": [{"type": kind, "at": at.isoformat()} for kind, at in events]}
        for lead, events in leadgen.generate(count)
    ]


def single_bodies(items: Sequence[dict[str, object]]) -> list[bytes]:
    return [json.dumps({**item, "now": NOW}).encode() for item in items]


def batch_bodies(items: Sequence[dict[str, object]], size: int, count: int = 20) -> list[bytes]:
    return [json.dumps({"leads": [items[(k * size + j) % len(items)] for j in range(size)], "now": NOW}).encode()
            for k in range(count)]


def http_request(path: str, body: bytes) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


# ---- the server -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(work: Path, workers: int) -> tuple[subprocess.Popen[bytes], int, Path]:
    policies = work / "policies"
    (policies / "examples").mkdir(parents=True)
    (policies / "frameworks").mkdir()
    shutil.copy(ROOT / "policies" / "examples" / "acme.qual", policies / "examples" / "acme.qual")
    shutil.copy(ROOT / "policies" / "frameworks" / "bant.qual", policies / "frameworks" / "bant.qual")
    port = free_port()
    log = work / "decisions.jsonl"
    command = [sys.executable, "-m", "qualdsl.server", str(policies / "examples"), "--port", str(port),
               "--decision-log", str(log), "--mask-field", "email_domain", "--workers", str(workers),
               "--log-level", "warning"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=(work / "server.log").open("wb"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                if response.status == 200:
                    return proc, port, log
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the server did not start:\n{(work / 'server.log').read_text()}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its children (uvicorn's workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


# ---- clients --------------------------------------------------------------------------------------
def read_response(stream: object) -> tuple[int, bytes]:
    status = int(stream.readline().split()[1])  # type: ignore[attr-defined]
    length = 0
    while (line := stream.readline()) != b"\r\n":  # type: ignore[attr-defined]
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return status, stream.read(length)  # type: ignore[attr-defined]


def python_client(port: int, requests: list[bytes], start_at: float, stop_at: float, offset: int, batch: int,
                  interval: float, results: mp.Queue) -> None:  # type: ignore[type-arg]
    """One keep-alive connection until ``stop_at``: send, read the whole answer, repeat; with an
    ``interval``, send on a fixed schedule instead, and count each latency from the time the request
    was due (so a stalled server is not hidden by requests that were sent late)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    stream = sock.makefile("rb")
    latencies = array.array("d")
    ok = failed = 0
    i = offset
    due = start_at
    time.sleep(max(0.0, start_at - time.monotonic()))
    while (began := time.monotonic()) < stop_at:
        if interval:
            if due > began:
                time.sleep(due - began)
            began, due = due, due + interval
        sock.sendall(requests[i % len(requests)])
        status, body = read_response(stream)
        latencies.append(time.monotonic() - began)
        if status == 200 and body.count(b'"outcome"') == batch:
            ok += 1
        else:
            failed += 1
        i += 1
    sock.close()
    results.put((latencies.tobytes(), ok, failed))


def run_python(port: int, path: str, bodies: list[bytes], batch: int, connections: int, seconds: float,
               rate: float = 0.0) -> dict[str, float]:
    """Closed loop over ``connections`` processes, or ``rate`` requests/s in all when given."""
    requests = [http_request(path, b) for b in bodies]
    results: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    start_at = time.monotonic() + 0.5
    interval = connections / rate if rate else 0.0
    procs = [mp.Process(target=python_client, args=(port, requests, start_at + k * interval / connections,
                                                     start_at + seconds, k * 7, batch, interval, results))
             for k in range(connections)]
    for p in procs:
        p.start()
    latencies = array.array("d")
    ok = failed = 0
    for _ in procs:
        raw, good, bad = results.get()
        latencies.frombytes(raw)
        ok, failed = ok + good, failed + bad
    for p in procs:
        p.join()
    ordered = sorted(latencies)
    return {"requests": ok, "errors": failed, "seconds": seconds, "in_flight": 0,
            "p50": ordered[len(ordered) // 2] * 1000 if ordered else 0.0,
            "p99": ordered[int(len(ordered) * 0.99)] * 1000 if ordered else 0.0}


WRK_SCRIPT = """\
local bodies = {%s}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  if i > #bodies then i = 1 end
  return wrk.format(nil, nil, nil, bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99), summary.duration))
end
"""


def run_wrk(
    port: int, path: str, bodies: list[bytes], batch: int, connections: int, seconds: float, work: Path
) -> dict[str, float]:
    script = work / f"bodies-{batch}.lua"
    script.write_text(WRK_SCRIPT % ",\n".join(f"[==[{b.decode()}]==]" for b in bodies), encoding="utf-8")
    threads = min(2, connections)
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(script),
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", out, re.M)
    if found is None:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    total, status_errors, socket_errors, p50, p99, micros = map(int, found.groups())
    # wrk stops while requests are still on the wire: those are decided (and logged) but not counted here
    return {"requests": total - status_errors, "errors": status_errors + socket_errors, "seconds": micros / 1e6,
            "in_flight": connections, "p50": p50 / 1000, "p99": p99 / 1000}


# ---- baseline and checks --------------------------------------------------------------------------
def baseline(bodies: list[bytes], seconds: float) -> tuple[float, float]:
    """In-process decisions/s: parse the JSON body, decide, encode the answer; and decide alone."""
    policy = qualdsl.load(str(ROOT / "policies" / "examples" / "acme.qual"))
    parsed = [json.loads(b) for b in bodies]
    now = dt.datetime.fromisoformat(NOW)
    rates = []
    for full in (True, False):
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 2:
            for body, data in zip(bodies, parsed, strict=True):
                if full:
                    data = json.loads(body)
                    json.dumps(policy.evaluate(data["lead"], data["events"], data["now"]).to_dict())
                else:
                    policy.evaluate(data["lead"], data["events"], now)
            done += len(bodies)
        rates.append(done / (time.perf_counter() - start))
    return rates[0], rates[1]


def log_lines(log: Path) -> tuple[int, int]:
    """(valid JSON lines, bad lines) over the log and its rotated files."""
    good = bad = 0
    for path in sorted(log.parent.glob(log.name + "*")):
        if path.name.endswith(".lock"):
            continue
        for line in path.read_bytes().splitlines():
            try:
                record = json.loads(line)
                good += record["input"]["lead"]["email_domain"] in ("***", None)
                bad += record["input"]["lead"]["email_domain"] not in ("***", None)
            except (ValueError, KeyError):
                bad += 1
    return good, bad


def metric_sum(port: int, name: str) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return int(sum(float(m) for m in re.findall(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)))


# ---- main -----------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per scenario")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--leads", type=int, default=500, help="distinct generated leads sent round-robin")
    parser.add_argument("--rate", type=float, default=TARGET_RPS,
                        help="requests/s of the paced run of single decisions (latency at a steady load)")
    args = parser.parse_args(argv)
    before = (os.getloadavg()[0] if hasattr(os, "getloadavg") else None, cpu_pressure())
    client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk") else "python")
    items = lead_items(args.leads)
    singles, batches = single_bodies(items), batch_bodies(items, args.batch)
    path = f"/v1/decisions/{POLICY}"

    with tempfile.TemporaryDirectory(prefix="qualdsl-bench-server-") as tmp:
        work = Path(tmp)
        proc, port, log = start_server(work, args.workers)
        try:
            def load(bodies: list[bytes], batch: int, seconds: float, rate: float = 0.0) -> dict[str, float]:
                cpu = cpu_seconds(proc.pid)
                if client == "wrk" and not rate:
                    result = run_wrk(port, path, bodies, batch, args.connections, seconds, work)
                else:
                    result = run_python(port, path, bodies, batch, args.connections, seconds, rate)
                result["cpu"] = cpu_seconds(proc.pid) - cpu
                return result

            warm = load(singles, 1, 1.0)
            runs = {"single": (load(singles, 1, args.duration), 1),
                    f"single {args.rate:g}/s": (load(singles, 1, args.duration, args.rate), 1),
                    f"batch of {args.batch}": (load(batches, args.batch, args.duration), args.batch)}
            time.sleep(0.5)
            served = metric_sum(port, "qualdsl_decisions_total") if args.workers == 1 else None
        finally:
            proc.terminate()
            proc.wait(15)
        lines, bad_lines = log_lines(log)
        server_log = (work / "server.log").read_text(errors="replace")
    full_rate, decide_rate = baseline(singles, 4.0)

    load_avg = f"load average before the run {before[0]:.2f}" if before[0] is not None else ""
    if before[1] is not None:  # other work on the machine: how much of the minute before a task waited for a CPU
        load_avg += f", CPU pressure {before[1]:.0f}% (share of the minute before with a task waiting for a CPU)"
    http = "httptools" if _has("httptools") else "h11"
    loop = "uvloop" if _has("uvloop") else "asyncio"
    print(f"qualdsl server benchmark: policy {POLICY}, {args.workers} worker(s), uvicorn {http} + {loop}, client {client} "
          f"with {args.connections} connections, {args.duration:g} s per scenario; {os.cpu_count()} CPUs, {load_avg}")
    print(f"baseline in-process, one thread: {full_rate:,.0f} decisions/s parsing and encoding JSON "
          f"({1e6 / full_rate:.0f} µs each); {decide_rate:,.0f} decisions/s deciding alone")
    print(f"{'scenario':<14} {'requests/s':>11} {'decisions/s':>12} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'server CPU/request':>19}")
    decided = warm["requests"]
    in_flight = warm["in_flight"]
    errors = warm["errors"]
    for name, (result, batch) in runs.items():
        rps = result["requests"] / result["seconds"]
        cpu = result["cpu"] / max(1, result["requests"]) * 1e6
        print(f"{name:<14} {rps:>11,.0f} {rps * batch:>12,.0f} {result['p50']:>8.2f} {result['p99']:>8.2f} "
              f"{int(result['errors']):>7} {cpu:>16,.0f} µs")
        decided += result["requests"] * batch
        in_flight += result["in_flight"] * batch
        errors += result["errors"]

    problems = []
    if errors:
        problems.append(f"{int(errors)} request(s) failed")
    if bad_lines:
        problems.append(f"{bad_lines} decision-log line(s) are not valid JSON or not masked")
    if served is not None and lines != served:
        problems.append(f"the server made {served} decisions but the log has {lines} lines")
    if not decided <= lines <= decided + in_flight:
        problems.append(f"the clients got {int(decided)} decisions but the log has {lines} lines")
    if "Traceback" in server_log:
        problems.append("the server logged an exception")
    exact = f"= {served:,} decisions made by the server" if served is not None else "(per-worker counts not summed)"
    print(f"decision log: {lines:,} lines, all valid JSON and masked {exact}; the clients received {int(decided):,}"
          + (f" (+ up to {int(in_flight):,} in flight when wrk stopped)" if in_flight else ""))
    single, _ = runs["single"]
    paced, _ = runs[f"single {args.rate:g}/s"]
    single_rps = single["requests"] / single["seconds"]
    met = single_rps >= TARGET_RPS and paced["p99"] < TARGET_P99_MS and args.rate >= TARGET_RPS
    print(f"target: at least {TARGET_RPS:,} single decisions/s with p99 under {TARGET_P99_MS:g} ms: "
          f"{'met' if met else 'NOT met'} (at most {single_rps:,.0f}/s, p99 {single['p99']:.1f} ms flat out; "
          f"p99 {paced['p99']:.1f} ms at {args.rate:,.0f}/s)")
    for problem in problems:
        print(f"FAILED: {problem}")
    return 1 if problems else 0


def cpu_pressure() -> float | None:
    """Linux pressure stall information: the share of the last 60 s some task waited for a CPU."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    found = re.search(r"avg60=([0-9.]+)", line)
    return float(found.group(1)) if found else None


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())

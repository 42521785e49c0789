"""Counters and a latency histogram, rendered in the Prometheus text format (no client library).

Updates take a lock (requests are counted from the event loop and from worker threads);
``render`` copies under the lock and formats outside it. With several worker processes
each has its own numbers.
"""

from __future__ import annotations

import bisect
import threading
from collections import Counter
from collections.abc import Iterable, Mapping

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Families = Mapping[str, tuple[str, str, Mapping[tuple[tuple[str, str], ...], float]]]  # name -> (type, help, {labels: value})


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def labels(**pairs: object) -> str:
    return "{" + ",".join(f'{k}="{escape(str(v))}"' for k, v in pairs.items()) + "}"


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class Metrics:
    def __init__(self, buckets: tuple[float, ...] = BUCKETS) -> None:
        self.buckets = buckets
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, str, int]] = Counter()  # (route, method, status)
        self.latency: dict[str, list[float]] = {}  # route -> [count per bucket ..., +Inf, sum]
        self.decisions: Counter[tuple[str, str]] = Counter()  # (policy, outcome)
        self.errors: Counter[int] = Counter()  # error code

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        slot = bisect.bisect_left(self.buckets, seconds)
        with self._lock:
            self.requests[(route, method, status)] += 1
            row = self.latency.get(route)
            if row is None:
                row = self.latency[route] = [0.0] * (len(self.buckets) + 2)
            row[slot] += 1
            row[-1] += seconds
            if status >= 400:
                self.errors[status] += 1

    def count_decisions(self, policy: str, outcomes: Iterable[str]) -> None:
        with self._lock:
            for outcome in outcomes:
                self.decisions[(policy, outcome)] += 1

    def count_errors(self, codes: Iterable[int]) -> None:
        """Errors of single leads inside a batch (the request itself succeeded)."""
        with self._lock:
            for code in codes:
                self.errors[code] += 1

    def render(self, extra: Families | None = None) -> str:
        """The text exposition; ``extra`` adds families kept elsewhere: name -> (type, help, {label pairs: value})."""
        with self._lock:
            requests, decisions, errors = dict(self.requests), dict(self.decisions), dict(self.errors)
            latency = {route: list(row) for route, row in self.latency.items()}
        out: list[str] = []
        family(out, "qualdsl_http_requests_total", "counter", "HTTP requests by route, method and status.",
               ((labels(route=r, method=m, status=s), v) for (r, m, s), v in sorted(requests.items())))
        out += histogram("qualdsl_http_request_duration_seconds", "Time to answer a request, by route.",
                         self.buckets, latency)
        family(out, "qualdsl_decisions_total", "counter", "Leads decided, by policy and outcome.",
               ((labels(policy=p, outcome=o), v) for (p, o), v in sorted(decisions.items())))
        family(out, "qualdsl_errors_total", "counter",
               "Errors answered, by code: failed requests, and single leads of a batch that could not be read.",
               ((labels(code=c), v) for c, v in sorted(errors.items())))
        for name, (kind, text, values) in (extra or {}).items():
            family(out, name, kind, text, ((labels(**dict(k)) if k else "", v) for k, v in sorted(values.items())))
        return "\n".join(out) + "\n"


def family(out: list[str], name: str, kind: str, text: str, samples: Iterable[tuple[str, float]]) -> None:
    out.append(f"# HELP {name} {text}")
    out.append(f"# TYPE {name} {kind}")
    out.extend(f"{name}{lbl} {number(v)}" for lbl, v in samples)


def histogram(name: str, text: str, buckets: tuple[float, ...], rows: Mapping[str, list[float]]) -> list[str]:
    out = [f"# HELP {name} {text}", f"# TYPE {name} histogram"]
    for route, row in sorted(rows.items()):
        running = 0.0
        for bound, count in zip((*buckets, float("inf")), row[:-1], strict=True):
            running += count
            le = "+Inf" if bound == float("inf") else number(bound)
            out.append(f"{name}_bucket{labels(route=route, le=le)} {number(running)}")
        out.append(f"{name}_sum{labels(route=route)} {row[-1]!r}")
        out.append(f"{name}_count{labels(route=route)} {number(running)}")
    return out

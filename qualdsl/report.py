"""The SLA and funnel report over many leads' histories: compliance per SLA, owner and
period; breaches and leads at risk; time to act; volume commitments; stage conversion
and time in stage. Built as plain data, then rendered as text, Markdown or JSON."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from qualdsl import model as m
from qualdsl.lifecycle import Timeline
from qualdsl.sla import TimerStatus

MAX_LISTED = 20


@attrs.frozen
class LeadOutcome:
    """One lead's replayed timeline and SLA timers (or why it could not be replayed)."""

    lead_id: str
    timeline: Timeline
    timers: tuple[TimerStatus, ...]


def period_of(at: dt.datetime, period: str) -> str:
    at = at.astimezone(dt.UTC)
    if period == "day":
        return at.date().isoformat()
    if period == "week":
        year, week, _ = at.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{at.year}-{at.month:02d}"
    if period == "quarter":
        return f"{at.year}-Q{(at.month - 1) // 3 + 1}"
    return str(at.year)


def _hours(values: Sequence[dt.timedelta]) -> dict[str, float | None]:
    if not values:
        return {"median_hours": None, "p90_hours": None}
    hours = sorted(v.total_seconds() / 3600 for v in values)
    p90 = hours[max(0, math.ceil(0.9 * len(hours)) - 1)]  # nearest rank
    return {"median_hours": round(statistics.median(hours), 2), "p90_hours": round(p90, 2)}


def _tally(statuses: Iterable[TimerStatus]) -> dict[str, Any]:
    items = list(statuses)
    states = Counter(s.state for s in items)
    decided = states["met"] + states["breached"]
    out: dict[str, Any] = {
        "timers": len(items),
        "met": states["met"], "breached": states["breached"], "at_risk": states["at risk"],
        "on_time": states["on time"], "left_stage": states["left stage"],
        "compliance": round(states["met"] / decided, 4) if decided else None,
    }
    out.update(_hours([s.time_to_act for s in items if s.time_to_act is not None]))
    return out


def build_report(
    policy: m.PolicyModel, outcomes: Sequence[LeadOutcome], now: dt.datetime, rows: int = 0,
    problems: Sequence[dict[str, object]] = (),
) -> dict[str, Any]:
    timers = [t for o in outcomes for t in o.timers]
    by_rule: dict[int, list[TimerStatus]] = defaultdict(list)
    by_owner: dict[str, list[TimerStatus]] = defaultdict(list)
    by_period: dict[tuple[int, str], list[TimerStatus]] = defaultdict(list)
    for t in timers:
        by_rule[t.rule.index].append(t)
        by_owner[t.rule.owner].append(t)
        by_period[(t.rule.index, period_of(t.entered_at, "month"))].append(t)
    slas = [
        {"sla": rule.text, "line": rule.span.line, "owner": rule.owner, **_tally(by_rule[rule.index])}
        for rule in policy.timers
    ]
    periods = [
        {"sla": policy.timers[index].text, "period": period, **_tally(items)}
        for (index, period), items in sorted(by_period.items())
    ]
    owners = [{"owner": owner, **_tally(items)} for owner, items in sorted(by_owner.items())]
    breaches = [{"lead_id": o.lead_id, **t.to_dict()} for o in outcomes for t in o.timers if t.state == "breached"]
    at_risk = [{"lead_id": o.lead_id, **t.to_dict()} for o in outcomes for t in o.timers if t.state == "at risk"]
    escalations = Counter(step for t in timers if t.state in ("breached", "at risk", "on time") for step in t.escalations_due)
    return {
        "now": now.isoformat(),
        "policy": {"name": policy.name, "version": policy.version, "hash": policy.content_hash},
        "leads": len(outcomes),
        "rows": rows,
        "problems": list(problems),
        "slas": slas,
        "owners": owners,
        "periods": periods,
        "breaches": breaches,
        "at_risk": at_risk,
        "escalations_due": dict(sorted(escalations.items())),
        "volumes": _volumes(policy, outcomes),
        "conversion": _conversion(policy, outcomes),
        "time_in_stage": _time_in_stage(policy, outcomes, now),
    }


def _volumes(policy: m.PolicyModel, outcomes: Sequence[LeadOutcome]) -> list[dict[str, Any]]:
    out = []
    for rule in policy.volumes:
        counts: Counter[str] = Counter()
        for o in outcomes:
            for visit in o.timeline.visits:
                if visit.stage == rule.stage:
                    counts[period_of(visit.entered_at, rule.period)] += 1
        out.append({
            "commitment": rule.text, "line": rule.span.line, "owner": rule.owner, "target": rule.count,
            "periods": [
                {"period": p, "delivered": c, "met": c >= rule.count} for p, c in sorted(counts.items())
            ],
        })
    return out


def _conversion(policy: m.PolicyModel, outcomes: Sequence[LeadOutcome]) -> list[dict[str, Any]]:
    lifecycle = policy.lifecycle
    if lifecycle is None:
        return []
    entered: Counter[str] = Counter()
    moved: Counter[tuple[str, str]] = Counter()
    for o in outcomes:
        visits = o.timeline.visits
        for i, visit in enumerate(visits):
            entered[visit.stage] += 1
            if i + 1 < len(visits):
                moved[(visit.stage, visits[i + 1].stage)] += 1
    return [
        {"from": a, "to": b, "leads": count, "rate": round(count / entered[a], 4) if entered[a] else None}
        for (a, b), count in sorted(moved.items(), key=lambda kv: (lifecycle.stages.index(kv[0][0]), -kv[1]))
    ]


def _time_in_stage(policy: m.PolicyModel, outcomes: Sequence[LeadOutcome], now: dt.datetime) -> list[dict[str, Any]]:
    lifecycle = policy.lifecycle
    if lifecycle is None:
        return []
    spans: dict[str, list[dt.timedelta]] = defaultdict(list)
    current: Counter[str] = Counter()
    for o in outcomes:
        for visit in o.timeline.visits:
            if visit.left_at is not None:
                spans[visit.stage].append(visit.left_at - visit.entered_at)
        current[o.timeline.stage] += 1
    return [
        {"stage": stage, "left": len(spans[stage]), "now_in_stage": current[stage], **_hours(spans[stage])}
        for stage in lifecycle.stages
    ]


# ---- rendering -------------------------------------------------------------------------------

def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], markdown: bool) -> list[str]:
    cells = [[str(c) for c in row] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in cells]
        return lines
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return lines


def render(report: dict[str, Any], markdown: bool = False) -> str:
    h1, h2 = ("# ", "## ") if markdown else ("", "")
    policy = report["policy"]
    out = [f"{h1}SLA report: {policy['name']} {policy['version']}".rstrip(),
           "", f"{report['leads']} leads, {report['rows']} history rows, now {report['now']}"]
    if report["problems"]:
        out.append(f"{len(report['problems'])} row(s) with problems (listed at the end)")

    def section(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        out.extend(["", f"{h2}{title}", ""])
        out.extend(_table(headers, rows, markdown) if rows else ["(none)"])

    tally_headers = ["timers", "met", "breached", "at risk", "on time", "left stage", "compliance",
                     "median h to act", "p90 h to act"]

    def tally(row: dict[str, Any]) -> list[object]:
        return [row["timers"], row["met"], row["breached"], row["at_risk"], row["on_time"], row["left_stage"],
                _pct(row["compliance"]), _num(row["median_hours"]), _num(row["p90_hours"])]

    section("Compliance per SLA", ["SLA", "owner", *tally_headers],
            [[s["sla"], s["owner"], *tally(s)] for s in report["slas"]])
    section("Compliance per owner", ["owner", *tally_headers], [[o["owner"], *tally(o)] for o in report["owners"]])
    section("Compliance per month of entry", ["SLA", "month", *tally_headers],
            [[p["sla"], p["period"], *tally(p)] for p in report["periods"]])
    section("Volume commitments", ["commitment", "period", "delivered", "target", "met"],
            [[v["commitment"], p["period"], p["delivered"], v["target"], "yes" if p["met"] else "NO"]
             for v in report["volumes"] for p in v["periods"]])
    section("Stage conversion", ["from", "to", "leads", "rate"],
            [[c["from"], c["to"], c["leads"], _pct(c["rate"])] for c in report["conversion"]])
    section("Time in stage (wall clock)", ["stage", "left", "now in stage", "median h", "p90 h"],
            [[t["stage"], t["left"], t["now_in_stage"], _num(t["median_hours"]), _num(t["p90_hours"])]
             for t in report["time_in_stage"]])
    listing = [["lead", "SLA", "entered", "deadline", "acted"]]
    for title, key in (("Breaches", "breaches"), ("At risk", "at_risk")):
        items = report[key]
        rows = [[b["lead_id"], b["sla"], b["entered_at"], b["deadline"], b["acted_at"] or "-"] for b in items[:MAX_LISTED]]
        section(f"{title} ({len(items)})", listing[0], rows)
        if len(items) > MAX_LISTED:
            out.append(f"... and {len(items) - MAX_LISTED} more (see --format json)")
    if report["escalations_due"]:
        section("Escalations due", ["to", "timers"], sorted(report["escalations_due"].items()))
    if report["problems"]:
        section("Rows with problems", ["row", "lead", "problem"],
                [[p["row"] or "-", p["lead_id"] or "-", p["message"]] for p in report["problems"][:MAX_LISTED]])
    return "\n".join(out) + "\n"

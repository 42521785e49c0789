"""Score a file of leads with a policy and print the prioritised list for sales.

    python examples/prioritised_list.py policies/examples/acme.qual examples/leads.jsonl --now 2026-12-01T12:00:00Z

Every lead in LEADS (CSV, JSON Lines, or a JSON array; events under "events") is decided by
the policy. The qualified leads are listed highest score first, each with its outcome, its
score, the reason of the rule that chose it and a one-line explanation: the rule, and for a
lead that is not yet in the strongest outcome, the one fact that would move it up (its first
near miss). `--outcome-first` lists the strongest outcome first (all SQLs, then all MQLs),
highest score first within each. When no lead qualifies, the leads closest to qualifying are
listed instead.

"Qualified" means what it means for `qualdsl backtest`: every outcome except the `otherwise`
one and those whose name starts with "disqualif" (`--qualified` names them instead). The
score is the policy's first score (`--score` names another).

Exit codes: 0 the list was printed; 1 the policy has errors; 2 wrong usage or a file that
cannot be read; 3 some leads could not be read (they are listed at the end).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import qualdsl
from qualdsl.backtest import qualified_outcomes
from qualdsl.decision import Decision
from qualdsl.policy import EvalResult, Policy, normalize_now


def read_leads(path: str) -> list[Mapping[str, Any]]:
    """The leads of a CSV, JSON Lines (.jsonl/.ndjson) or JSON (.json) file, as dictionaries."""
    text = Path(path).read_text(encoding="utf-8-sig")
    if path.lower().endswith(".csv"):
        return list(csv.DictReader(text.splitlines()))
    if path.lower().endswith(".json"):
        data = json.loads(text)
        return [data] if isinstance(data, dict) else list(data)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def lead_id(record: Mapping[str, Any], index: int, id_column: str | None) -> str:
    if id_column and record.get(id_column) not in (None, ""):
        return str(record[id_column])
    for key in ("lead_id", "id", "Id"):
        if record.get(key) not in (None, ""):
            return str(record[key])
    return f"row {index + 1}"


def one_line(decision: Decision, stronger: Sequence[str]) -> str:
    """Why the lead got its outcome, in one line: the rule, its reason, and the next step up."""
    rule = decision.to_dict()["rule"]
    assert isinstance(rule, dict)
    line = f"because {rule['text']} (line {rule['line']})"
    if decision.reason:
        line += f', reason "{decision.reason}"'
    if stronger:
        ups = [m for m in decision.explain().near_misses if m.outcome in stronger]
        if ups:
            line += f"; next: {ups[0].text}"
    return line


def closest_line(decision: Decision, qualified: Sequence[str]) -> str:
    """For a lead that does not qualify: what would, or the first qualified rule and its state."""
    explanation = decision.explain()
    ups = [m for m in explanation.near_misses if m.outcome in qualified]
    if ups:
        return ups[0].text
    for check in reversed(explanation.rules):  # the last qualified rule is usually the easiest to meet
        if check.name in qualified:
            state = {True: "yes", False: "no", None: "unknown"}[check.value]  # type: ignore[index]
            return f"{check.name} needs {check.text} (line {check.line}): {state}"
    return "no rule leads to a qualified outcome"


def prioritise(
    policy: Policy, records: Sequence[Mapping[str, Any]], now: dt.datetime, score: str, qualified: Sequence[str],
    outcome_first: bool = False,
) -> tuple[list[tuple[int, EvalResult]], list[EvalResult], list[EvalResult]]:
    """The qualified leads, numbered from 1 and best first; every decided lead; the leads with errors.

    Best first: the highest score, then the stronger outcome (the earlier rule), then file order;
    with ``outcome_first``, the stronger outcome first."""
    results = list(policy.evaluate_many(records, now=now))
    decided = [r for r in results if r.decision is not None]
    errors = [r for r in results if r.error is not None]
    chosen = [r for r in decided if r.decision is not None and r.decision.outcome in qualified]
    if outcome_first:
        order = policy.model.outcomes
        chosen.sort(key=lambda r: (order.index(_outcome(r)), -_score(r, score), _rule(r), r.index))
    else:
        chosen.sort(key=lambda r: (-_score(r, score), _rule(r), r.index))
    return list(enumerate(chosen, 1)), decided, errors


def _score(result: EvalResult, score: str) -> int:
    assert result.decision is not None
    return result.decision.scores.get(score, 0)


def _outcome(result: EvalResult) -> str:
    assert result.decision is not None
    return result.decision.outcome


def _rule(result: EvalResult) -> int:
    assert result.decision is not None
    return result.decision.rule_index


def render(
    policy: Policy, path: str, records: Sequence[Mapping[str, Any]], now: dt.datetime, score: str,
    qualified: Sequence[str], id_column: str | None, closest: int, outcome_first: bool = False,
) -> tuple[str, int]:
    """The report, and the exit code."""
    ranked, decided, errors = prioritise(policy, records, now, score, qualified, outcome_first)
    counts: dict[str, int] = {}
    for result in decided:
        assert result.decision is not None
        counts[result.decision.outcome] = counts.get(result.decision.outcome, 0) + 1
    out = [
        f"{policy.name} {policy.version} ({policy.content_hash}), now {now.isoformat()}".replace("  ", " "),
        f"{len(records)} leads from {path}: "
        + ", ".join(f"{counts.get(o, 0)} {o}" for o in policy.model.outcomes)
        + (f", {len(errors)} could not be read" if errors else ""),
        "",
    ]
    width = max((len(lead_id(r.record, r.index, id_column)) for _, r in ranked), default=4)
    if ranked:
        order = "strongest outcome first, then highest " if outcome_first else "highest "
        out.append(f"Qualified leads ({', '.join(qualified)}), {order}{score} first:")
        for rank, result in ranked:
            decision = result.decision
            assert decision is not None
            stronger = [o for o in qualified if policy.model.outcomes.index(o) < policy.model.outcomes.index(decision.outcome)]
            out.append(f"{rank:>3}. {lead_id(result.record, result.index, id_column):<{width}}  "
                       f"{decision.outcome:<6} {score} {decision.scores.get(score, 0)}")
            out.append(f"     {one_line(decision, stronger)}")
    else:
        out.append(f"No lead qualifies ({', '.join(qualified)}).")
        if path.lower().endswith(".csv") and policy.model.events:
            out.append("(A CSV file carries no events, and this policy scores events: decide a JSON Lines file "
                       "with each lead's events to see them count.)")
        rest = [r for r in decided if r.decision is not None and not r.decision.outcome.startswith("disqualif")]
        rest.sort(key=lambda r: (-_score(r, score), _rule(r), r.index))
        if rest and closest:
            out += ["", f"Closest to qualifying, highest {score} first:"]
            for rank, result in enumerate(rest[:closest], 1):
                assert result.decision is not None
                out.append(f"{rank:>3}. {lead_id(result.record, result.index, id_column)}  "
                           f"{result.decision.outcome}  {score} {result.decision.scores.get(score, 0)}")
                out.append(f"     {closest_line(result.decision, qualified)}")
    if errors:
        out += ["", "Leads that could not be read:"]
        out += [f"  {lead_id(r.record, r.index, id_column)}: {r.error}" for r in errors]
    return "\n".join(out) + "\n", 3 if errors else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the prioritised list of qualified leads.")
    parser.add_argument("policy", help="the policy file (.qual)")
    parser.add_argument("leads", help="the leads: CSV, JSON Lines (.jsonl) or a JSON array (.json)")
    parser.add_argument("--now", help="the evaluation time, e.g. 2026-12-01T12:00:00Z (default: now, UTC)")
    parser.add_argument("--id-column", help="the column that names each lead (default: lead_id or id)")
    parser.add_argument("--score", help="the score to sort by (default: the policy's first score)")
    parser.add_argument("--qualified", action="append", default=[], metavar="OUTCOME",
                        help="an outcome that counts as qualified; repeat for several")
    parser.add_argument("--outcome-first", action="store_true",
                        help="list the strongest outcome first, highest score first within each")
    parser.add_argument("--closest", type=int, default=5, help="leads shown when none qualifies (default 5)")
    args = parser.parse_args(argv)
    try:
        policy = qualdsl.load(args.policy)
    except qualdsl.PolicyError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    try:
        now = normalize_now(args.now)
        records = read_leads(args.leads)
    except (OSError, ValueError, qualdsl.RecordError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    scores = list(policy.model.scores)
    score = args.score or (scores[0] if scores else "")
    if args.score and args.score not in scores:
        print(f"error: the policy has no score `{args.score}`; its scores: {', '.join(scores) or 'none'}", file=sys.stderr)
        return 2
    unknown = [o for o in args.qualified if o not in policy.model.outcomes]
    if unknown:
        print(f"error: not an outcome of the policy: {', '.join(unknown)}", file=sys.stderr)
        return 2
    qualified = qualified_outcomes(policy, args.qualified)
    text, code = render(policy, args.leads, records, now, score, qualified, args.id_column, args.closest,
                        args.outcome_first)
    sys.stdout.write(text)
    return code


if __name__ == "__main__":
    sys.exit(main())

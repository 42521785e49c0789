"""Would the policy have worked? Leads with a known result (converted or not) decided again.

``backtest`` decides each lead whose result column can be read with one policy (or two, side
by side) and reports, per policy: leads and conversion rate per outcome and per score band,
precision and recall of "qualified" (the outcomes that count as qualified), and the share of
all conversions the qualified leads caught. ``render`` writes it as text or Markdown;
``BacktestReport.to_dict`` is the JSON form.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from qualdsl.batch import BadLine
from qualdsl.diff import (
    MAX_FAILURES_LISTED,
    Failure,
    PolicyInfo,
    count,
    default_qualified,
    events_of,
    lead_label,
    share,
    table,
)
from qualdsl.errors import RecordError
from qualdsl.policy import Policy
from qualdsl.records import FALSE_TEXTS, TRUE_TEXTS, is_missing

DEFAULT_BAND_WIDTH = 10


def parse_result(value: object) -> bool | None:
    """A result cell read as converted (True) or not (False): 1/0, yes/no, true/false (any case);
    None when it is missing or cannot be read."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return bool(value) if value in (0, 1) else None
    if isinstance(value, str) and not is_missing(value):
        text = value.strip().lower()
        if text in TRUE_TEXTS:
            return True
        if text in FALSE_TEXTS:
            return False
        try:
            number = float(text)
        except ValueError:
            return None
        return bool(number) if number in (0.0, 1.0) else None
    return None


@attrs.frozen
class Banding:
    """How scores are cut into bands: fixed ``width`` points (10 → 0 to 9, 10 to 19, ...), or
    ``quantiles`` bands holding about as many leads each (ties keep a score in one band)."""

    width: int = DEFAULT_BAND_WIDTH
    quantiles: int | None = None

    def describe(self) -> str:
        return f"{self.quantiles} quantile bands" if self.quantiles else f"bands of {self.width} points"


@attrs.frozen
class Group:
    """Leads that share an outcome or a score band: how many, and how many converted."""

    label: str
    leads: int
    converted: int

    @property
    def rate(self) -> float | None:
        return self.converted / self.leads if self.leads else None

    def to_dict(self, conversions: int) -> dict[str, object]:
        return {"label": self.label, "leads": self.leads, "converted": self.converted, "rate": _round(self.rate),
                "share_of_conversions": _round(self.converted / conversions if conversions else None)}


@attrs.frozen
class ScoreBands:
    """One score's leads cut into bands, lowest first."""

    score: str
    bands: tuple[Group, ...]


@attrs.frozen
class Result:
    """One policy's backtest: its outcome and score-band tables and the confusion counts of
    "qualified" (an outcome in ``qualified``) against "converted"."""

    info: PolicyInfo
    qualified: tuple[str, ...]
    failed: int
    failures: tuple[Failure, ...]
    outcomes: tuple[Group, ...]
    scores: tuple[ScoreBands, ...]
    true_positive: int
    false_positive: int
    false_negative: int
    true_negative: int
    all_conversions: int

    @property
    def decided(self) -> int:
        return self.true_positive + self.false_positive + self.false_negative + self.true_negative

    @property
    def conversions(self) -> int:
        """Conversions among the leads this policy decided."""
        return self.true_positive + self.false_negative

    @property
    def qualified_leads(self) -> int:
        return self.true_positive + self.false_positive

    @property
    def precision(self) -> float | None:
        """Of the qualified leads, the share that converted."""
        return _ratio(self.true_positive, self.qualified_leads)

    @property
    def recall(self) -> float | None:
        """Of the converted leads this policy decided, the share it qualified."""
        return _ratio(self.true_positive, self.conversions)

    @property
    def captured(self) -> float | None:
        """Of all conversions in the sample (also those of leads it could not decide), the share it qualified."""
        return _ratio(self.true_positive, self.all_conversions)

    @property
    def rest_rate(self) -> float | None:
        """The conversion rate of the leads it did not qualify."""
        return _ratio(self.false_negative, self.false_negative + self.true_negative)

    @property
    def lift(self) -> float | None:
        """Precision over the conversion rate of all the leads it decided."""
        base = _ratio(self.conversions, self.decided)
        precision = self.precision
        return None if precision is None or not base else precision / base

    def to_dict(self) -> dict[str, object]:
        return {
            "policy": self.info.to_dict(), "qualified_outcomes": list(self.qualified),
            "decided": self.decided, "failed": self.failed, "failures": [f.to_dict() for f in self.failures],
            "qualified": {
                "leads": self.qualified_leads, "share_of_leads": _round(_ratio(self.qualified_leads, self.decided)),
                "converted": self.true_positive, "precision": _round(self.precision), "recall": _round(self.recall),
                "share_of_all_conversions": _round(self.captured), "lift": _round(self.lift),
                "not_qualified_rate": _round(self.rest_rate),
                "confusion": {"true_positive": self.true_positive, "false_positive": self.false_positive,
                              "false_negative": self.false_negative, "true_negative": self.true_negative},
            },
            "outcomes": [g.to_dict(self.conversions) for g in self.outcomes],
            "scores": {s.score: [g.to_dict(self.conversions) for g in s.bands] for s in self.scores},
        }


@attrs.frozen
class Unlabelled:
    """A record skipped because its result cell is missing or cannot be read."""

    row: int
    value: str


@attrs.frozen
class BacktestReport:
    """Leads with a known result decided by one or more policies."""

    source: str
    outcome_column: str
    now: str
    banding: Banding
    records: int
    labelled: int
    conversions: int
    unlabelled: int
    unlabelled_examples: tuple[Unlabelled, ...]
    results: tuple[Result, ...]

    @property
    def base_rate(self) -> float | None:
        return _ratio(self.conversions, self.labelled)

    def to_dict(self) -> dict[str, object]:
        return {
            "leads": self.source, "outcome_column": self.outcome_column, "now": self.now,
            "bands": self.banding.describe(), "records": self.records, "labelled": self.labelled,
            "conversions": self.conversions, "base_rate": _round(self.base_rate),
            "unlabelled": self.unlabelled, "unlabelled_examples": [attrs.asdict(u) for u in self.unlabelled_examples],
            "policies": [r.to_dict() for r in self.results],
        }


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def qualified_outcomes(policy: Policy, wanted: Sequence[str] = ()) -> tuple[str, ...]:
    """The outcomes of ``policy`` that count as qualified: those of ``wanted`` it has, or by default
    all but the `otherwise` one and those whose name starts with ``disqualif``."""
    outcomes = policy.model.outcomes
    if wanted:
        return tuple(o for o in outcomes if o in wanted)
    return default_qualified(outcomes, policy.model.rules[-1].outcome)


# ---- running the backtest -----------------------------------------------------------------------

@attrs.define
class _Tally:
    """One policy's decisions gathered while the leads are read: (outcome, scores, converted)
    per decided lead, and the records it could not decide."""

    decisions: list[tuple[str, tuple[int, ...], bool]] = attrs.field(factory=list)
    failed: int = 0
    failures: list[Failure] = attrs.field(factory=list)


def backtest(
    policies: Sequence[tuple[Policy, str]],
    records: Iterable[Mapping[str, Any] | BadLine],
    now: dt.datetime,
    outcome_column: str,
    *,
    qualified: Sequence[str] = (),
    banding: Banding = Banding(),
    source: str = "",
    id_column: str | None = None,
    events_key: str = "events",
) -> BacktestReport:
    """Decide each record whose ``outcome_column`` can be read with every (policy, label) pair and
    report how well each policy's qualified outcomes (``qualified``, or the default) picked converters."""
    seen = [_Tally() for _ in policies]
    records_read = labelled = conversions = unlabelled = 0
    skipped: list[Unlabelled] = []
    for index, item in enumerate(records):
        records_read += 1
        row = index + 1
        raw = None if isinstance(item, BadLine) else item.get(outcome_column)
        result = None if isinstance(item, BadLine) else parse_result(raw)
        if result is None:
            unlabelled += 1
            if len(skipped) < MAX_FAILURES_LISTED:
                shown = item.message if isinstance(item, BadLine) else "(missing)" if is_missing(raw) else str(raw)
                skipped.append(Unlabelled(row, shown))
            continue
        assert not isinstance(item, BadLine)
        labelled += 1
        conversions += result
        for (policy, _), tally in zip(policies, seen, strict=True):
            _decide(policy, tally, item, row, result, now, id_column, events_key)
    results = tuple(
        _result(policy, label, tally, qualified_outcomes(policy, qualified), banding, conversions)
        for (policy, label), tally in zip(policies, seen, strict=True)
    )
    return BacktestReport(source, outcome_column, now.isoformat(), banding, records_read, labelled, conversions,
                          unlabelled, tuple(skipped), results)


def _decide(policy: Policy, tally: _Tally, record: Mapping[str, Any], row: int, converted: bool,
            now: dt.datetime, id_column: str | None, events_key: str) -> None:
    try:
        decision = policy.evaluate(record, events_of(record, events_key), now)
    except RecordError as exc:
        tally.failed += 1
        if len(tally.failures) < MAX_FAILURES_LISTED:
            tally.failures.append(Failure(row, lead_label(record, row, id_column), "policy", str(exc)))
        return
    tally.decisions.append((decision.outcome, decision.score_values, converted))


def _result(policy: Policy, label: str, seen: _Tally, qualified: tuple[str, ...], banding: Banding,
            all_conversions: int) -> Result:
    chosen = frozenset(qualified)
    confusion: Counter[tuple[bool, bool]] = Counter((outcome in chosen, converted) for outcome, _, converted in seen.decisions)
    leads: Counter[str] = Counter(outcome for outcome, _, _ in seen.decisions)
    converted: Counter[str] = Counter(outcome for outcome, _, c in seen.decisions if c)
    outcomes = tuple(Group(o, leads[o], converted[o]) for o in policy.model.outcomes)
    scores = tuple(
        ScoreBands(name, bands([(scores[i], c) for _, scores, c in seen.decisions], banding))
        for i, name in enumerate(policy.model.scores)
    )
    return Result(PolicyInfo.of(policy, label), qualified, seen.failed, tuple(seen.failures), outcomes, scores,
                  confusion[(True, True)], confusion[(True, False)], confusion[(False, True)],
                  confusion[(False, False)], all_conversions)


def bands(values: Sequence[tuple[int, bool]], banding: Banding) -> tuple[Group, ...]:
    """(score, converted) pairs grouped into score bands, lowest first; empty bands are left out."""
    if not values:
        return ()
    if banding.quantiles:
        return _quantile_bands(values, banding.quantiles)
    width = max(1, banding.width)
    leads: Counter[int] = Counter()
    converted: Counter[int] = Counter()
    for score, c in values:
        low = (score // width) * width
        leads[low] += 1
        converted[low] += c
    return tuple(Group(_span(low, low + width - 1), leads[low], converted[low]) for low in sorted(leads))


def _quantile_bands(values: Sequence[tuple[int, bool]], quantiles: int) -> tuple[Group, ...]:
    scores = sorted(score for score, _ in values)
    n = len(scores)
    cuts = sorted({scores[(k * n) // quantiles] for k in range(1, quantiles)} - {scores[0]})
    members: dict[int, list[tuple[int, bool]]] = {}
    for score, c in values:
        members.setdefault(bisect.bisect_right(cuts, score), []).append((score, c))
    out = []
    for key in sorted(members):
        group = members[key]
        low, high = min(s for s, _ in group), max(s for s, _ in group)
        out.append(Group(_span(low, high), len(group), sum(c for _, c in group)))
    return tuple(out)


def _span(low: int, high: int) -> str:
    return str(low) if low == high else f"{low} to {high}"


# ---- rendering ---------------------------------------------------------------------------------------

def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _summary_rows(results: Sequence[Result]) -> list[list[str]]:
    def row(title: str, values: Iterable[str]) -> list[str]:
        return [title, *values]

    return [
        row("qualified outcomes", (", ".join(r.qualified) or "(none)" for r in results)),
        row("leads decided", (count(r.decided) for r in results)),
        row("qualified leads", (f"{count(r.qualified_leads)} ({share(r.qualified_leads, r.decided)})" for r in results)),
        row("precision: qualified that converted", (f"{_rate(r.precision)} ({count(r.true_positive)})" for r in results)),
        row("recall: conversions qualified", (_rate(r.recall) for r in results)),
        row("share of all conversions captured", (f"{_rate(r.captured)} of {count(r.all_conversions)}" for r in results)),
        row("lift over the base rate", ("n/a" if r.lift is None else f"{r.lift:.2f}x" for r in results)),
        row("conversion rate of the rest", (_rate(r.rest_rate) for r in results)),
        row("records it could not decide", (count(r.failed) for r in results)),
    ]


def _group_rows(groups: Sequence[Group], conversions: int, decided: int) -> list[list[str]]:
    return [[g.label, count(g.leads), share(g.leads, decided), count(g.converted), _rate(g.rate),
             share(g.converted, conversions)] for g in groups]


def render(report: BacktestReport, markdown: bool = False) -> str:
    """The report as plain text, or as Markdown."""
    h2, h3, h4 = ("## ", "### ", "#### ") if markdown else ("", "", "")
    names = " vs ".join(r.info.label for r in report.results)
    out = [f"{h2}qualdsl backtest: {names}", "",
           f"Leads: {report.source or 'given'}, {count(report.records)} records; {count(report.labelled)} with a "
           f"readable `{report.outcome_column}`, of which {count(report.conversions)} converted "
           f"(base rate {_rate(report.base_rate)}); now {report.now}"]
    if report.unlabelled:
        shown = ", ".join(f"row {u.row}: {u.value}" for u in report.unlabelled_examples)
        out.append(f"Skipped {count(report.unlabelled)} record(s) without a readable result ({shown}"
                   f"{', ...' if report.unlabelled > len(report.unlabelled_examples) else ''})")

    def section(level: str, title: str, lines: list[str]) -> None:
        out.extend(["", f"{level}{title}", "", *lines])

    headers = ["", *(f"{r.info.label}" for r in report.results)]
    section(h3, "Qualified vs converted", table(headers, _summary_rows(report.results), markdown,
                                                 right=tuple(range(1, len(headers)))))
    group_headers = ["leads", "% of leads", "converted", "conversion rate", "% of conversions"]
    for r in report.results:
        title = " ".join(p for p in (r.info.name, r.info.version) if p)
        section(h3, f"{r.info.label} ({title})", [])
        out.pop()
        section(h4, "Per outcome", table(["outcome", *group_headers],
                                         _group_rows(r.outcomes, r.conversions, r.decided), markdown,
                                         right=(1, 2, 3, 4, 5)))
        for score in r.scores:
            section(h4, f"Per {score.score} band ({report.banding.describe()})",
                    table([score.score, *group_headers], _group_rows(score.bands, r.conversions, r.decided),
                          markdown, right=(1, 2, 3, 4, 5)))
        if r.failures:
            listed = [[f.row, f.lead, f.message] for f in r.failures]
            more = [f"... and {count(r.failed - len(listed))} more"] if r.failed > len(listed) else []
            section(h4, f"Records it could not decide ({count(r.failed)})",
                    [*table(["row", "lead", "why"], listed, markdown), *more])
    return "\n".join(out).rstrip() + "\n"

"""qualdsl backtest: conversion per outcome and score band, precision and recall of "qualified",
checked against counts made here by hand on seeded leads; and the CLI."""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import qualdsl
from qualdsl.backtest import BacktestReport, Banding, backtest, bands, parse_result, qualified_outcomes, render
from qualdsl.batch import BadLine
from qualdsl.review_cli import backtest as backtest_command
from tests.conftest import NOW

POLICY = """\
policy "Backtest test"
version "1"

lead {
  visits : int
  job    : text?  from "Job Title"
}

score heat {
  +10 if visits >= 2
  +10 if visits >= 5
  +15 if job = "pro"
}

qualify {
  disqualified when visits = 0  "never came"
  sql          when heat >= 25
  mql          when heat >= 10
  otherwise lead
}
"""

STRICT = POLICY.replace("heat >= 25", "heat >= 30").replace("heat >= 10", "heat >= 20")

TRUE_CELLS = ["1", "yes", "True", "Y"]
FALSE_CELLS = ["0", "no", "FALSE", "n"]


def heat(visits: int, job: str | None) -> int:
    return (10 if visits >= 2 else 0) + (10 if visits >= 5 else 0) + (15 if job == "pro" else 0)


def outcome(visits: int, job: str | None, strict: bool = False) -> str:
    h = heat(visits, job)
    if visits == 0:
        return "disqualified"
    if h >= (30 if strict else 25):
        return "sql"
    if h >= (20 if strict else 10):
        return "mql"
    return "lead"


def make_rows(count: int, seed: int) -> list[dict[str, str]]:
    """CSV-like rows: a result in many spellings, a few without a readable one, a few unreadable leads."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        visits = rng.randint(0, 8)
        job = rng.choice(["pro", "pro", "student", "", "other"])
        converted = rng.random() < 0.1 + heat(visits, job or None) / 50
        row = {"id": f"R{i}", "visits": str(visits), "Job Title": job,
               "Converted": rng.choice(TRUE_CELLS if converted else FALSE_CELLS)}
        roll = rng.random()
        if roll < 0.03:
            row["Converted"] = rng.choice(["", "maybe", "2"])
        elif roll < 0.05:
            row["visits"] = "lots"
        rows.append(row)
    return rows


def label(row: dict[str, str]) -> bool | None:
    return True if row["Converted"] in TRUE_CELLS else False if row["Converted"] in FALSE_CELLS else None


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return make_rows(4000, seed=3)


@pytest.fixture(scope="module")
def report(rows: list[dict[str, str]]) -> BacktestReport:
    policies = [(qualdsl.compile_text(POLICY, "base.qual"), "base"), (qualdsl.compile_text(STRICT, "strict.qual"), "strict")]
    return backtest(policies, rows, NOW, "Converted", source="generated", id_column="id")


def expected(rows: list[dict[str, str]], strict: bool) -> dict[str, Any]:
    labelled = [r for r in rows if label(r) is not None]
    decided = [r for r in labelled if r["visits"].isdigit()]
    leads: Counter[str] = Counter()
    converted: Counter[str] = Counter()
    for r in decided:
        o = outcome(int(r["visits"]), r["Job Title"] or None, strict)
        leads[o] += 1
        converted[o] += bool(label(r))
    qualified = {"sql", "mql"}
    tp = sum(converted[o] for o in qualified)
    return {"labelled": len(labelled), "decided": len(decided), "leads": leads, "converted": converted,
            "tp": tp, "fp": sum(leads[o] for o in qualified) - tp,
            "fn": sum(converted[o] for o in leads if o not in qualified),
            "all_conversions": sum(1 for r in labelled if label(r))}


def test_counts_rates_precision_and_recall_match_a_hand_count(report: BacktestReport, rows: list[dict[str, str]]) -> None:
    for result, strict in zip(report.results, (False, True), strict=True):
        want = expected(rows, strict)
        assert report.labelled == want["labelled"]
        assert report.conversions == want["all_conversions"]
        assert result.decided == want["decided"]
        assert result.failed == want["labelled"] - want["decided"] > 0
        assert result.qualified == ("sql", "mql")
        assert {g.label: (g.leads, g.converted) for g in result.outcomes} == {
            o: (want["leads"][o], want["converted"][o]) for o in ("disqualified", "sql", "mql", "lead")}
        assert (result.true_positive, result.false_positive, result.false_negative) == (want["tp"], want["fp"], want["fn"])
        assert result.precision == pytest.approx(want["tp"] / (want["tp"] + want["fp"]))
        assert result.recall == pytest.approx(want["tp"] / (want["tp"] + want["fn"]))
        assert result.captured == pytest.approx(want["tp"] / want["all_conversions"])
        base = (want["tp"] + want["fn"]) / want["decided"]
        assert result.lift == pytest.approx(result.precision / base)
    base, strict = report.results
    assert strict.precision > base.precision and strict.recall < base.recall  # the trade-off


def test_rows_without_a_result_are_counted_and_skipped(report: BacktestReport, rows: list[dict[str, str]]) -> None:
    missing = [i + 1 for i, r in enumerate(rows) if label(r) is None]
    assert report.unlabelled == len(missing) > 0
    assert [u.row for u in report.unlabelled_examples] == missing[:10]
    assert report.records == len(rows)


def test_score_bands_by_width(report: BacktestReport, rows: list[dict[str, str]]) -> None:
    decided = [r for r in rows if label(r) is not None and r["visits"].isdigit()]
    by_band: Counter[int] = Counter()
    conv: Counter[int] = Counter()
    for r in decided:
        low = heat(int(r["visits"]), r["Job Title"] or None) // 10 * 10
        by_band[low] += 1
        conv[low] += bool(label(r))
    (score,) = report.results[0].scores
    assert score.score == "heat"
    assert [(g.label, g.leads, g.converted) for g in score.bands] == [
        (f"{low} to {low + 9}", by_band[low], conv[low]) for low in sorted(by_band)]


def test_quantile_and_width_bands_on_known_values() -> None:
    values = [(s, s % 2 == 0) for s in range(100)]
    quartiles = bands(values, Banding(quantiles=4))
    assert [(g.label, g.leads, g.converted) for g in quartiles] == [
        ("0 to 24", 25, 13), ("25 to 49", 25, 12), ("50 to 74", 25, 13), ("75 to 99", 25, 12)]
    assert [g.label for g in bands([(5, True)] * 10, Banding(quantiles=5))] == ["5"]
    assert [(g.label, g.leads) for g in bands([(-3, False), (0, True), (24, True)], Banding(width=25))] == [
        ("-25 to -1", 1), ("0 to 24", 2)]
    assert bands([], Banding()) == ()


@pytest.mark.parametrize(("cell", "want"), [
    ("1", True), ("0", False), (" Yes ", True), ("no", False), ("TRUE", True), ("f", False), ("1.0", True),
    ("0.0", False), (1, True), (0, False), (True, True), (False, False), (1.0, True),
    ("", None), ("  ", None), (None, None), ("maybe", None), ("2", None), (2, None), ("nan", None), ([1], None),
])
def test_parse_result(cell: object, want: bool | None) -> None:
    assert parse_result(cell) is want


def test_qualified_outcomes_default_and_chosen() -> None:
    policy = qualdsl.compile_text(POLICY.replace("disqualified", "disqualify_spam"))
    assert qualified_outcomes(policy) == ("sql", "mql")
    assert qualified_outcomes(policy, ("sql", "nope")) == ("sql",)


def test_chosen_qualified_outcomes_change_the_confusion_counts(rows: list[dict[str, str]]) -> None:
    policy = qualdsl.compile_text(POLICY)
    only_sql = backtest([(policy, "p")], rows, NOW, "Converted", qualified=("sql",)).results[0]
    want = expected(rows, strict=False)
    assert only_sql.true_positive == want["converted"]["sql"]
    assert only_sql.qualified_leads == want["leads"]["sql"]


def test_bad_lines_are_unlabelled() -> None:
    policy = qualdsl.compile_text(POLICY)
    result = backtest([(policy, "p")], [BadLine(1, "bad"), {"visits": 3, "Converted": 1}], NOW, "Converted")
    assert (result.records, result.labelled, result.unlabelled) == (2, 1, 1)
    assert result.unlabelled_examples[0].value == "bad"


def test_renderings(report: BacktestReport) -> None:
    text = render(report)
    assert "Qualified vs converted" in text and "precision: qualified that converted" in text
    markdown = render(report, markdown=True)
    assert markdown.startswith("## qualdsl backtest: base vs strict")
    assert "| outcome | leads | % of leads | converted | conversion rate | % of conversions |" in markdown
    payload = json.loads(json.dumps(report.to_dict()))
    assert [p["policy"]["label"] for p in payload["policies"]] == ["base", "strict"]
    assert payload["policies"][0]["qualified"]["confusion"]["true_positive"] == report.results[0].true_positive


# ---- the command line -----------------------------------------------------------------------------

def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(backtest_command, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def write_inputs(tmp_path: Path, rows: list[dict[str, str]]) -> tuple[str, str, str]:
    (tmp_path / "base.qual").write_text(POLICY, encoding="utf-8")
    (tmp_path / "strict.qual").write_text(STRICT, encoding="utf-8")
    path = tmp_path / "leads.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(tmp_path / "base.qual"), str(tmp_path / "strict.qual"), str(path)


def test_cli_compare_side_by_side(tmp_path: Path, rows: list[dict[str, str]], report: BacktestReport) -> None:
    base, strict, data = write_inputs(tmp_path, rows)
    code, out, _ = run(base, "--compare", strict, "--leads", data, "--outcome-column", "Converted", "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert [p["qualified"]["converted"] for p in payload["policies"]] == [r.true_positive for r in report.results]
    assert payload["unlabelled"] == report.unlabelled
    code, out, _ = run(base, "--leads", data, "--outcome-column", "Converted", "--format", "markdown",
                       "--quantiles", "3", "--qualified", "sql")
    assert code == 0
    assert "(3 quantile bands)" in out and "| qualified outcomes | sql |" in out
    code, out, _ = run(base, "--leads", data, "--outcome-column", "Converted", "--band-width", "5")
    assert code == 0 and "bands of 5 points" in out and "15 to 19" in out


def test_cli_reads_jsonl_from_stdin(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    base, _, _ = write_inputs(tmp_path, rows)
    lines = '{"visits": 6, "Job Title": "pro", "Converted": 1}\n{"visits": 1, "Converted": false}\n'
    code, out, _ = run(base, "--leads", "-", "--outcome-column", "Converted", "--format", "json", input=lines)
    assert code == 0
    policy = json.loads(out)["policies"][0]
    assert policy["qualified"]["precision"] == 1.0 and policy["qualified"]["recall"] == 1.0


def test_cli_errors(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    base, _, data = write_inputs(tmp_path, rows)
    code, _, err = run(base, "--leads", data, "--outcome-column", "Sold")
    assert code == 2 and "Sold" in err
    assert run(base, "--leads", data)[0] == 2  # --outcome-column is required
    assert run(base, "--leads", data, "--outcome-column", "Converted", "--qualified", "vip")[0] == 2
    assert run(base, "--leads", data, "--outcome-column", "Converted", "--band-width", "5", "--quantiles", "4")[0] == 2
    assert run(base, "--leads", str(tmp_path / "none.csv"), "--outcome-column", "Converted")[0] == 2
    broken = tmp_path / "broken.qual"
    broken.write_text(POLICY.replace("heat >= 25", "heet >= 25"), encoding="utf-8")
    code, _, err = run(base, "--compare", str(broken), "--leads", data, "--outcome-column", "Converted")
    assert code == 1 and "heet" in err

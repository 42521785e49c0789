"""qualdsl diff: the transition matrix, volumes, score deltas, examples and declaration changes,
checked against answers computed here by hand on seeded leads; and the CLI, with --base on a git repository."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import qualdsl
from benchmarks import leadgen
from qualdsl.batch import BadLine
from qualdsl.diff import (
    DiffReport,
    Volume,
    checked_outcomes,
    declaration_changes,
    diff_leads,
    git_reader,
    normalize,
    render,
    segment_probe,
    volume_breaches,
)
from qualdsl.errors import Diagnostic
from qualdsl.loader import load_file
from qualdsl.review_cli import diff
from qualdsl.source import Source
from tests.conftest import NOW, POLICIES

OLD = """\
policy "Diff test"
version "1"

lead {
  employees : int
  industry  : text
  spend     : money?
  opted_out : yes/no
  legacy    : yes/no?
}

list target = ["software", "fintech"]

segment icp {
  employees >= 50
  industry in target
}

segment big {
  employees >= 1000
}

score fit {
  +20 if employees >= 200
  +10 if industry in target
  +15 if spend >= 1000
}

qualify {
  disqualified when opted_out  "opted out"
  sql          when icp and fit >= 40
  mql          when fit >= 20
  otherwise lead
}
"""

NEW = """\
policy "Diff test"
version "2"

lead {
  employees : int
  industry  : text
  spend     : money?
  opted_out : yes/no
  code      : int?  from "Code"
}

list target = ["software", "fintech"]

segment icp {
  industry in target
  employees >= 100
}

segment big {
  employees   >=   1000
}

score fit {
  +10 if industry in target
  +20 if employees >= 200
  +15 if spend >= 500
}

qualify {
  disqualified when opted_out  "opted out"
  sql          when icp and fit >= 40
  mql          when fit >= 25
  otherwise lead
}
"""

INDUSTRIES = ["software", "fintech", "retail", "media"]


def make_leads(count: int, seed: int) -> list[dict[str, Any]]:
    """Seeded leads; a few have values one policy or both cannot read."""
    rng = random.Random(seed)
    leads: list[dict[str, Any]] = []
    for i in range(count):
        lead: dict[str, Any] = {
            "id": f"L{i:04d}",
            "employees": rng.choice([10, 60, 90, 150, 250, 800, 1500]),
            "industry": rng.choice(INDUSTRIES),
            "spend": rng.choice([None, 200, 600, 1200]),
            "opted_out": rng.random() < 0.05,
        }
        roll = rng.random()
        if roll < 0.02:
            lead["employees"] = "many"  # both fail
        elif roll < 0.04:
            lead["legacy"] = "maybe"  # only OLD reads `legacy`
        elif roll < 0.06:
            lead["Code"] = "x1"  # only NEW reads `code`
        leads.append(lead)
    return leads


def decide_old(lead: dict[str, Any]) -> tuple[str, int, int, bool, bool]:
    """(outcome, rule line, fit, icp, big) by hand, as OLD says."""
    e, industry, spend = lead["employees"], lead["industry"], lead["spend"]
    fit = (20 if e >= 200 else 0) + (10 if industry in ("software", "fintech") else 0) \
        + (15 if spend is not None and spend >= 1000 else 0)
    icp = e >= 50 and industry in ("software", "fintech")
    if lead["opted_out"]:
        return "disqualified", 30, fit, icp, e >= 1000
    if icp and fit >= 40:
        return "sql", 31, fit, icp, e >= 1000
    if fit >= 20:
        return "mql", 32, fit, icp, e >= 1000
    return "lead", 33, fit, icp, e >= 1000


def decide_new(lead: dict[str, Any]) -> tuple[str, int, int, bool, bool]:
    e, industry, spend = lead["employees"], lead["industry"], lead["spend"]
    fit = (20 if e >= 200 else 0) + (10 if industry in ("software", "fintech") else 0) \
        + (15 if spend is not None and spend >= 500 else 0)
    icp = e >= 100 and industry in ("software", "fintech")
    if lead["opted_out"]:
        return "disqualified", 30, fit, icp, e >= 1000
    if icp and fit >= 40:
        return "sql", 31, fit, icp, e >= 1000
    if fit >= 25:
        return "mql", 32, fit, icp, e >= 1000
    return "lead", 33, fit, icp, e >= 1000


def bad_for(lead: dict[str, Any]) -> str | None:
    if lead["employees"] == "many":
        return "both"
    if "legacy" in lead:
        return "old"
    if "Code" in lead:
        return "new"
    return None


@pytest.fixture(scope="module")
def policies() -> tuple[qualdsl.Policy, qualdsl.Policy]:
    return qualdsl.compile_text(OLD, "old.qual"), qualdsl.compile_text(NEW, "new.qual")


@pytest.fixture(scope="module")
def leads() -> list[dict[str, Any]]:
    return make_leads(3000, seed=7)


@pytest.fixture(scope="module")
def report(policies: tuple[qualdsl.Policy, qualdsl.Policy], leads: list[dict[str, Any]]) -> DiffReport:
    return diff_leads(*policies, leads, NOW, id_column="id", examples=3, source="generated")


def test_matrix_and_volumes_match_a_hand_count(report: DiffReport, leads: list[dict[str, Any]]) -> None:
    good = [lead for lead in leads if bad_for(lead) is None]
    expected = Counter((decide_old(lead)[0], decide_new(lead)[0]) for lead in good)
    assert report.records == len(leads)
    assert report.compared == len(good)
    assert {k: v for k, v in report.matrix.items() if v} == dict(expected)
    assert report.outcomes == ("disqualified", "sql", "mql", "lead")
    for volume in report.volumes:
        assert volume.old == sum(v for (a, _), v in expected.items() if a == volume.name)
        assert volume.new == sum(v for (_, b), v in expected.items() if b == volume.name)
    assert report.moved == sum(v for (a, b), v in expected.items() if a != b) > 0


def test_segment_volumes_and_score_deltas(report: DiffReport, leads: list[dict[str, Any]]) -> None:
    good = [lead for lead in leads if bad_for(lead) is None]
    segments = {v.name: (v.old, v.new) for v in report.segments}
    assert segments == {
        "icp": (sum(decide_old(x)[3] for x in good), sum(decide_new(x)[3] for x in good)),
        "big": (sum(decide_old(x)[4] for x in good), sum(decide_new(x)[4] for x in good)),
    }
    deltas = [decide_new(x)[2] - decide_old(x)[2] for x in good]
    (fit,) = report.scores
    assert (fit.name, fit.leads, fit.changed) == ("fit", len(good), sum(1 for d in deltas if d))
    assert (fit.min, fit.max) == (min(deltas), max(deltas))
    assert fit.mean == pytest.approx(sum(deltas) / len(deltas))


def test_examples_name_the_rule_that_made_the_difference(report: DiffReport, leads: list[dict[str, Any]]) -> None:
    by_id = {lead["id"]: lead for lead in leads}
    for move in report.moves:
        assert move.old != move.new
        assert len(move.examples) == min(3, move.leads)
        assert sum(k for _, _, k in move.rules) == move.leads
        for example in move.examples:
            lead = by_id[example.lead]
            old, new = decide_old(lead), decide_new(lead)
            assert (old[0], new[0]) == (move.old, move.new)
            assert (example.old.line, example.new.line) == (old[1], new[1])
            assert example.old.outcome == move.old and example.new.outcome == move.new
    assert [m.leads for m in report.moves] == sorted((m.leads for m in report.moves), reverse=True)


def test_failures_are_counted_by_side_and_listed(report: DiffReport, leads: list[dict[str, Any]]) -> None:
    sides = Counter(bad_for(lead) for lead in leads if bad_for(lead) is not None)
    assert dict(report.failed) == {"old": sides["old"], "new": sides["new"], "both": sides["both"], "input": 0}
    assert 0 < len(report.failures) <= 10
    first = report.failures[0]
    assert first.lead.startswith("L") and first.side in ("old", "new", "both")


def test_declaration_changes_by_name_and_normalized_text(policies: tuple[qualdsl.Policy, qualdsl.Policy]) -> None:
    changes = {(c.kind, c.name): c for c in declaration_changes(policies[0].model, policies[1].model)}
    # `big` differs only in white space and fit's rules only moved: neither counts as changed
    assert set(changes) == {("field", "legacy"), ("field", "code"), ("segment", "icp"), ("score", "fit"),
                            ("rule", "mql")}
    assert changes[("field", "legacy")].change == "removed"
    assert changes[("field", "code")].details == ('+ code : whole number? from "Code"',)
    assert changes[("segment", "icp")].details == ("- employees >= 50", "+ employees >= 100")
    assert changes[("score", "fit")].details == ("- +15 if spend >= 1000", "+ +15 if spend >= 500")
    assert changes[("rule", "mql")].details == ("- line 32: mql when fit >= 20", "+ line 32: mql when fit >= 25")


def test_added_and_removed_rules_and_frameworks() -> None:
    base = 'policy "p"\nlead {\n  x : int\n}\nframework F {\n  a : x > 1\n  b : x > 2\n  passes when any\n}\n'
    old = qualdsl.compile_text(base + "qualify {\n  hot when x > 5\n  warm when x > 3\n  otherwise cold\n}\n").model
    new = qualdsl.compile_text(base.replace("x > 2", "x > 3").replace("passes when any", "passes when all")
                               + "qualify {\n  hot when x > 5\n  fw when F passes\n  warm when x > 3\n"
                                 "  otherwise cold\n}\n").model
    changes = declaration_changes(old, new)
    assert [(c.kind, c.name, c.change) for c in changes] == [
        ("framework", "F", "changed"), ("rule", "fw", "added")]
    assert changes[0].details == ("- b : x > 2", "+ b : x > 3", "- passes when any", "+ passes when all")
    assert changes[1].details == ("+ line 12: fw when F passes",)


def test_normalize_keeps_white_space_inside_quotes() -> None:
    assert normalize('  industry   in  ["a  b",\n "c"]  ') == 'industry in ["a  b", "c"]'
    assert normalize('x = "say \\"hi  there\\""   and  y') == 'x = "say \\"hi  there\\"" and y'


def test_segment_probe_equals_the_reference_interpreter() -> None:
    policy = qualdsl.load(str(POLICIES / "examples" / "acme.qual"))
    probe = segment_probe(policy)
    names = tuple(policy.model.segments)
    for lead, events in leadgen.generate(400, seed=11):
        trace = policy.reference(lead, events, leadgen.NOW)
        got = dict(zip(names, probe(lead, events, leadgen.NOW), strict=True))
        assert {k: v is True for k, v in got.items()} == {k: trace.segments[k] is True for k in names}


def test_bad_lines_count_as_input_failures(policies: tuple[qualdsl.Policy, qualdsl.Policy]) -> None:
    records = [BadLine(1, "line 1 is not valid JSON"), {"employees": 5, "industry": "x", "opted_out": "no"}]
    report = diff_leads(*policies, records, NOW)
    assert (report.records, report.compared, report.failed["input"]) == (2, 1, 1)
    assert report.failures[0].message == "line 1 is not valid JSON"


def test_volume_breaches_and_checked_outcomes(report: DiffReport) -> None:
    assert checked_outcomes(report) == ("disqualified", "sql", "mql")
    percent = {v.name: abs(v.percent or 0) for v in report.volumes}
    limit = (percent["sql"] + percent["mql"]) / 2
    flagged = {v.name for v in volume_breaches(report, ("sql", "mql"), limit)}
    assert flagged == {name for name in ("sql", "mql") if percent[name] > limit}
    assert volume_breaches(report, ("sql", "mql"), 10_000) == ()
    assert Volume("x", 0, 3).percent is None and Volume("x", 0, 0).percent == 0.0


def test_renderings(report: DiffReport) -> None:
    text = render(report)
    assert "Outcome transitions" in text and "score fit: changed" in text and "Traceback" not in text
    markdown = render(report, markdown=True)
    assert markdown.startswith("## qualdsl diff")
    assert "**qualified (sql + mql):" in markdown
    assert "| OLD \\ NEW | disqualified | sql | mql | lead | total OLD |" in markdown
    assert markdown.count("<details>") == len(report.moves) + 1  # and one for the failures
    payload = json.loads(json.dumps(report.to_dict()))
    assert payload["transitions"]["mql"]["lead"] == report.matrix.get(("mql", "lead"), 0)
    assert payload["qualified"]["outcomes"] == ["sql", "mql"]


def test_load_file_reads_through_a_given_reader() -> None:
    files = {"mem/main.qual": 'policy "m"\nuse "lib/extra.qual"\nqualify {\n  a when big\n  otherwise b\n}\n',
             "mem/lib/extra.qual": "lead {\n  n : int\n}\nsegment big {\n  n > 5\n}\n"}

    def read(path: str) -> Source | Diagnostic:
        return Source(path, files[path])

    loaded = load_file("mem/main.qual", read)
    assert not loaded.diagnostics
    assert set(loaded.sources) == set(files)


# ---- the command line -----------------------------------------------------------------------------

def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(diff, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def write_inputs(tmp_path: Path, leads: list[dict[str, Any]]) -> tuple[str, str, str]:
    (tmp_path / "old.qual").write_text(OLD, encoding="utf-8")
    (tmp_path / "new.qual").write_text(NEW, encoding="utf-8")
    path = tmp_path / "leads.jsonl"
    path.write_text("".join(json.dumps(lead) + "\n" for lead in leads), encoding="utf-8")
    return str(tmp_path / "old.qual"), str(tmp_path / "new.qual"), str(path)


def test_cli_formats_and_fail_over(tmp_path: Path, leads: list[dict[str, Any]], report: DiffReport) -> None:
    old, new, data = write_inputs(tmp_path, leads)
    code, out, _ = run(old, new, "--leads", data, "--now", "2026-12-01T12:00:00Z", "--id-column", "id",
                       "--format", "json", "--examples", "2")
    assert code == 0
    payload = json.loads(out)
    assert payload["compared"] == report.compared
    assert all(len(m["examples"]) <= 2 for m in payload["moves"])
    sql = next(v for v in report.volumes if v.name == "sql")
    assert sql.percent is not None
    below, above = str(abs(sql.percent) - 0.5), str(abs(sql.percent) + 0.5)
    code, out, err = run(old, new, "--leads", data, "--fail-over", below, "--outcome", "sql", "--format", "markdown")
    assert code == 1
    assert "**Volume check FAILED" in out and "sql" in err
    code, out, _ = run(old, new, "--leads", data, "--fail-over", above, "--outcome", "sql")
    assert code == 0 and "Volume check passed" in out
    out_file = tmp_path / "report.md"
    code, _, _ = run(old, new, "--leads", data, "--format", "markdown", "-o", str(out_file))
    assert code == 0 and out_file.read_text(encoding="utf-8").startswith("## qualdsl diff")


def test_cli_reads_csv_and_stdin(tmp_path: Path, leads: list[dict[str, Any]]) -> None:
    old, new, _ = write_inputs(tmp_path, leads)
    csv_path = tmp_path / "leads.csv"
    csv_path.write_text("employees,industry,spend,opted_out\n300,software,1200,no\n60,fintech,,no\n", encoding="utf-8")
    code, out, _ = run(old, new, "--leads", str(csv_path), "--format", "json")
    assert code == 0 and json.loads(out)["compared"] == 2
    code, out, _ = run(old, new, "--leads", "-", "--format", "json",
                       input='{"employees": 300, "industry": "software", "opted_out": false}\n')
    assert code == 0 and json.loads(out)["compared"] == 1


def test_cli_usage_errors_exit_2_and_policy_errors_exit_1(tmp_path: Path, leads: list[dict[str, Any]]) -> None:
    old, new, data = write_inputs(tmp_path, leads)
    assert run(old, "--leads", data)[0] == 2  # one policy without --base
    assert run(old, new, new, "--leads", data)[0] == 2
    assert run(old, new, "--leads", str(tmp_path / "missing.jsonl"))[0] == 2
    assert run(old, new, "--leads", data, "--fail-over", "5", "--outcome", "nope")[0] == 2
    assert run(old, new, "--leads", data, "--now", "yesterday")[0] == 2
    (tmp_path / "leads.txt").write_text("{}\n", encoding="utf-8")
    assert run(old, new, "--leads", str(tmp_path / "leads.txt"))[0] == 2  # format unknown
    broken = tmp_path / "broken.qual"
    broken.write_text(OLD.replace("fit >= 20", "fitt >= 20"), encoding="utf-8")
    code, _, err = run(str(broken), new, "--leads", data)
    assert code == 1 and "fitt" in err


# ---- --base: OLD from git -------------------------------------------------------------------------------

MAIN = 'policy "Git test"\nuse "lib/scores.qual"\n\nqualify {\n  hot when heat >= THRESHOLD\n  otherwise cold\n}\n'
LIB = "lead {\n  visits : int\n}\n\nscore heat {\n  +10 per_visit\n}\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
                    *args], cwd=repo, check=True, capture_output=True)


def lib(points: int) -> str:
    return LIB.replace("+10 per_visit", f"+{points} if visits >= 3")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    (root / "policies" / "lib").mkdir(parents=True)
    git(root, "init", "-q")
    (root / "policies" / "main.qual").write_text(MAIN.replace("THRESHOLD", "10"), encoding="utf-8")
    (root / "policies" / "lib" / "scores.qual").write_text(lib(10), encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    (root / "policies" / "lib" / "scores.qual").write_text(lib(20), encoding="utf-8")  # a used file changes
    (root / "policies" / "main.qual").write_text(MAIN.replace("THRESHOLD", "15"), encoding="utf-8")
    git(root, "commit", "-q", "-am", "second")
    (root / "leads.jsonl").write_text("".join(json.dumps({"visits": v}) + "\n" for v in range(6)), encoding="utf-8")
    return root


def test_base_takes_old_and_its_used_files_from_git(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    (repo / "policies" / "main.qual").write_text(MAIN.replace("THRESHOLD", "25"), encoding="utf-8")  # uncommitted
    code, out, _ = run("--base", "HEAD~1", "policies/main.qual", "--leads", "leads.jsonl", "--format", "json")
    assert code == 0, out
    payload = json.loads(out)
    assert payload["old"]["label"] == "policies/main.qual at HEAD~1"
    # HEAD~1: heat 10 for visits >= 3 and hot at >= 10; now: heat 20 and hot at >= 25
    assert payload["transitions"]["hot"]["cold"] == 3
    kinds = {(d["kind"], d["name"]) for d in payload["declarations"]}
    assert kinds == {("score", "heat"), ("rule", "hot")}
    code, out, _ = run("--base", "HEAD", "policies/main.qual", "--leads", "leads.jsonl", "--format", "json")
    assert json.loads(out)["transitions"]["hot"]["cold"] == 3  # HEAD: heat 20 >= 15 was hot


def test_base_works_from_another_directory(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("--base", "HEAD~1", str(repo / "policies" / "main.qual"), "--leads",
                       str(repo / "leads.jsonl"), "--format", "json")
    assert code == 0, out
    assert json.loads(out)["moved"] == 0  # HEAD~1 (10 points, >= 10) and now (20, >= 15) agree


def test_base_errors(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    code, _, err = run("--base", "no-such-ref", "policies/main.qual", "--leads", "leads.jsonl")
    assert code == 2 and "no-such-ref" in err
    (repo / "policies" / "other.qual").write_text(MAIN.replace("THRESHOLD", "1"), encoding="utf-8")
    code, _, err = run("--base", "HEAD", "policies/other.qual", "--leads", "leads.jsonl")
    assert code == 2 and "other.qual" in err  # not in that revision
    git(repo, "mv", "policies/lib/scores.qual", "policies/lib/moved.qual")
    (repo / "policies" / "main.qual").write_text(MAIN.replace("THRESHOLD", "1").replace("scores", "moved"),
                                                 encoding="utf-8")
    git(repo, "commit", "-q", "-am", "third")
    (repo / "policies" / "main.qual").write_text(
        MAIN.replace("THRESHOLD", "1").replace("scores", "gone"), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "fourth: uses a file that is not there")
    (repo / "policies" / "main.qual").write_text(MAIN.replace("THRESHOLD", "1").replace("scores", "moved"),
                                                 encoding="utf-8")  # NEW reads fine; only OLD is broken
    code, _, err = run("--base", "HEAD", "policies/main.qual", "--leads", "leads.jsonl")
    assert code == 1 and "E151" in err


def test_git_reader_reads_a_revision(repo: Path) -> None:
    source = git_reader("HEAD~1")(str(repo / "policies" / "lib" / "scores.qual"))
    assert isinstance(source, Source) and "+10 if visits >= 3" in source.text
    missing = git_reader("HEAD~1")(str(repo / "nothing.qual"))
    assert isinstance(missing, Diagnostic) and missing.code == "E151"

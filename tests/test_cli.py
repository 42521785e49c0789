"""The command line, through click's runner: outputs, one record per input, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from qualdsl.cli import main
from tests.conftest import POLICIES

ACME = str(POLICIES / "examples" / "acme.qual")
NOW = "2026-12-01T12:00:00Z"
HEADER = "lead_id,NumberOfEmployees,industry,country,seniority,email_domain,budget_confirmed,budget_amount," \
         "decision_maker,pain_points,timeline,is_competitor"


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.output


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_check_ok_and_library() -> None:
    code, out = run("check", ACME, str(POLICIES / "frameworks" / "bant.qual"))
    assert code == 0
    assert "acme.qual: ok" in out
    assert "library" in out


def test_check_reports_errors_with_exit_1(tmp_path: Path) -> None:
    text = 'policy "x"\nlead {\n  employes: int\n}\nqualify {\n  mql when employees > 5\n  otherwise lead\n}\n'
    bad = write(tmp_path, "bad.qual", text)
    code, out = run("check", bad)
    assert code == 1
    assert "bad.qual:6:12" in out and "did you mean `employes`?" in out
    assert "Traceback" not in out


def test_check_json_format(tmp_path: Path) -> None:
    code, out = run("check", "--format", "json", ACME)
    assert code == 0
    assert json.loads(out)[0]["ok"] is True


def test_usage_error_is_exit_2() -> None:
    code, _ = run("eval", ACME)
    assert code == 2


def test_eval_csv_one_output_per_input_even_with_bad_records(tmp_path: Path) -> None:
    rows = [
        "1,400,software,US,vp,acme.io,yes,,yes,reporting,60 days,no",
        "2,many,software,US,vp,acme.io,yes,,yes,reporting,60 days,no",  # bad int
        "3,400,software,US,intern,acme.io,yes,,yes,reporting,60 days,no",  # bad choice
        "4,400,software,US,vp,acme.io,yes,,yes,reporting,60 days,yes",
    ]
    leads = write(tmp_path, "leads.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    code, out = run("eval", ACME, leads, "--now", NOW, "--id-column", "lead_id")
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [r["row"] for r in lines] == [1, 2, 3, 4]
    assert [r["id"] for r in lines] == ["1", "2", "3", "4"]
    assert lines[1]["error"]["field"] == "employees" and "many" in lines[1]["error"]["message"]
    assert lines[2]["error"]["field"] == "seniority"
    assert lines[3]["outcome"] == "disqualified"
    assert code == 3


def test_eval_jsonl_with_events_and_csv_output(tmp_path: Path) -> None:
    lead = {"employees": 400, "industry": "software", "country": "US", "seniority": "vp", "email_domain": "a.io",
            "budget_confirmed": True, "decision_maker": True, "pain_points": ["x"], "is_competitor": False,
            "timeline": "P30D",
            "events": [{"type": "demo_watched", "at": "2026-11-30T12:00:00Z"}] +
                      [{"type": "pricing_view", "at": "2026-11-29T12:00:00Z"}] * 3}
    leads = write(tmp_path, "leads.jsonl", json.dumps(lead) + "\nnot json\n")
    code, out = run("eval", ACME, leads, "--now", NOW, "--output-format", "csv")
    rows = [r for r in out.strip().splitlines() if not r.startswith("1 record(s)")]
    assert rows[0].startswith("row,outcome,reason,rule_line,engagement")
    assert rows[1].startswith("1,sql,,")
    assert ",55," in rows[1]
    assert rows[2].startswith("2,,,,,record,line 2 is not valid JSON")
    assert code == 3


def test_eval_unknown_format_is_usage_error(tmp_path: Path) -> None:
    leads = write(tmp_path, "leads.txt", "x")
    code, out = run("eval", ACME, leads)
    assert code == 2 and "--input-format" in out


def test_eval_bad_now_is_usage_error(tmp_path: Path) -> None:
    code, out = run("eval", ACME, "-", "--now", "yesterday", input="")
    assert code == 2 and "not a date and time" in out


def test_eval_policy_error_is_exit_1(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.qual", "policy \"x\"\nqualify {\n  mql when nothing\n}\n")
    code, out = run("eval", bad, "-", input="{}\n")
    assert code == 1 and "nothing was evaluated" in out


def test_explain_text_and_json(tmp_path: Path) -> None:
    lead = {"employees": 400, "industry": "software", "country": "US", "seniority": "director",
            "email_domain": "a.io", "budget_confirmed": False, "decision_maker": False, "pain_points": ["x"],
            "is_competitor": False, "timeline": "60 days",
            "events": [{"type": "demo_watched", "at": "2026-11-30T12:00:00Z"}]
            + [{"type": "pricing_view", "at": "2026-11-29T12:00:00Z"}] * 3}
    path = write(tmp_path, "lead.json", json.dumps(lead))
    code, out = run("explain", ACME, path, "--now", NOW)
    assert code == 0
    assert "Outcome: mql" in out and "budget_amount is unknown" in out
    code, out = run("explain", ACME, path, "--now", NOW, "--json")
    payload = json.loads(out)
    assert payload["outcome"] == "mql"
    assert payload["explanation"]["near_misses"][0]["subject"] == "budget_amount"


def test_explain_bad_lead_names_the_field(tmp_path: Path) -> None:
    path = write(tmp_path, "lead.json", json.dumps({"employees": "lots"}))
    code, out = run("explain", ACME, path, "--now", NOW)
    assert code == 3 and "employees" in out


def test_test_command_runs_policy_tests() -> None:
    code, out = run("test", str(POLICIES), "-v")
    assert code == 0
    assert "PASS" in out and "0 failed" in out


def test_test_command_shows_expected_and_actual(tmp_path: Path) -> None:
    text = Path(ACME).read_text().replace("expect engagement = 55", "expect engagement = 60")
    bant = json.dumps(str(POLICIES / "frameworks" / "bant.qual"))
    policy = write(tmp_path, "acme.qual", text.replace('"../frameworks/bant.qual"', bant))
    code, out = run("test", policy)
    assert code == 1
    assert "expected `engagement = 60`, but it is no (actual: 55)" in out
    assert "1 failed" in out

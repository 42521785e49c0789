"""The runnable integrations in examples/: each is run as a user would run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

NOW = "2026-12-01T12:00:00Z"
ACME = "policies/examples/acme.qual"
EXAMPLES = ROOT / "examples"


def run(script: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, f"examples/{script}", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)


def load_module(name: str) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# ---- prioritised_list.py ------------------------------------------------------------------


def test_prioritised_list_of_the_jsonl_leads() -> None:
    done = run("prioritised_list.py", ACME, "examples/leads.jsonl", "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "Acme lead qualification 2026.11 (c27250c35ffb432b), now 2026-12-01T12:00:00+00:00\n"
        "10 leads from examples/leads.jsonl: 1 disqualified, 2 sql, 2 mql, 5 lead\n"
        "\n"
        "Qualified leads (sql, mql), highest engagement first:\n"
        "  1. J-06  sql    engagement 70\n"
        "     because ideal_customer and engagement >= 50 and BANT passes (line 43)\n"
        "  2. J-01  sql    engagement 55\n"
        "     because ideal_customer and engagement >= 50 and BANT passes (line 43)\n"
        "  3. J-02  mql    engagement 55\n"
        "     because ideal_customer and engagement >= 50 (line 44)\n"
        "  4. J-10  mql    engagement 55\n"
        "     because ideal_customer and engagement >= 50 (line 44)\n"
    )


def test_prioritised_list_of_the_csv_leads_the_issue_names() -> None:
    """The command of the issue: a CSV carries no events, so under acme no lead qualifies;
    the list says so, and why, and shows the leads closest to qualifying."""
    done = run("prioritised_list.py", ACME, "examples/leads.csv", "--now", NOW)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1] == "25 leads from examples/leads.csv: 3 disqualified, 0 sql, 0 mql, 22 lead"
    assert "No lead qualifies (sql, mql)." in lines
    assert any("A CSV file carries no events" in line for line in lines)
    assert "Closest to qualifying, highest engagement first:" in lines
    assert "     mql needs ideal_customer and engagement >= 50 (line 44): no" in lines


def test_prioritised_list_shows_the_next_step_of_an_mql(tmp_path: Path) -> None:
    lead = json.loads((ROOT / "examples" / "lead.json").read_text(encoding="utf-8"))
    leads = tmp_path / "one.jsonl"
    leads.write_text(json.dumps(lead) + "\n", encoding="utf-8")
    done = run("prioritised_list.py", ACME, str(leads), "--now", NOW)
    assert done.returncode == 0, done.stderr
    assert ("     because ideal_customer and engagement >= 50 (line 44); next: budget_amount is unknown; "
            "if it were 10000 or more, the outcome would be sql") in done.stdout.splitlines()


def test_prioritised_list_by_outcome_first() -> None:
    done = run("prioritised_list.py", "examples/tutorial/brightdesk_v2.qual", "examples/tutorial/leads.jsonl",
               "--now", NOW, "--outcome-first")
    assert done.returncode == 0, done.stderr
    ranked = [line.split()[1:3] for line in done.stdout.splitlines() if line[:4].strip().rstrip(".").isdigit()]
    assert ranked[0] == ["B-01", "sql"]
    assert [outcome for _, outcome in ranked] == ["sql"] + ["mql"] * 6
    plain = run("prioritised_list.py", "examples/tutorial/brightdesk_v2.qual", "examples/tutorial/leads.jsonl",
                "--now", NOW)
    by_score = [line.split()[1] for line in plain.stdout.splitlines() if line[:4].strip().rstrip(".").isdigit()]
    assert by_score[0] == "B-14" and by_score[-1] == "B-01"


def test_prioritised_list_reports_leads_it_cannot_read(tmp_path: Path) -> None:
    leads = tmp_path / "leads.jsonl"
    good = (ROOT / "examples" / "leads.jsonl").read_text(encoding="utf-8").splitlines()[0]
    leads.write_text(good + "\n" + json.dumps({"lead_id": "BAD", "employees": "many"}) + "\n", encoding="utf-8")
    done = run("prioritised_list.py", ACME, str(leads), "--now", NOW)
    assert done.returncode == 3
    assert "  BAD: field `employees`: expected a whole number, got \"many\"" in done.stdout


@pytest.mark.parametrize(("args", "code", "message"), [
    ([ACME, "examples/missing.csv"], 2, "error:"),
    ([ACME, "examples/leads.csv", "--now", "yesterday"], 2, "error:"),
    ([ACME, "examples/leads.csv", "--score", "fit"], 2, "has no score `fit`"),
    ([ACME, "examples/leads.csv", "--qualified", "hot"], 2, "not an outcome of the policy: hot"),
    (["tests/golden/errors/name_unknown_field.qual", "examples/leads.csv"], 1, "error[E102]"),
])
def test_prioritised_list_usage_errors(args: list[str], code: int, message: str) -> None:
    done = run("prioritised_list.py", *args)
    assert done.returncode == code
    assert message in done.stderr


# ---- webhook.py ---------------------------------------------------------------------------

RECORD = {
    "Id": "00Q5g00000AbCdE",
    "NumberOfEmployees": 350,
    "Industry": "Software",
    "Country": "US",
    "Title": "Director of Operations",
    "Email": "dana@brightpath.example",
    "Budget_Confirmed__c": False,
    "Decision_Maker__c": False,
    "Pain_Points__c": "manual reporting;data silos",
    "Timeline_Days__c": 45,
    "Is_Competitor__c": False,
    "events": [
        {"type": "pricing_view", "at": "2026-11-20T14:05:00Z"},
        {"type": "pricing_view", "at": "2026-11-24T09:40:00Z"},
        {"type": "pricing_view", "at": "2026-11-28T16:20:00Z"},
        {"type": "demo_watched", "at": "2026-11-26T11:00:00Z"},
    ],
}


def test_webhook_script_decides_a_record_from_stdin() -> None:
    done = run("webhook.py", "--now", NOW, stdin=json.dumps(RECORD))
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["ok"] is True
    assert answer["id"] == "00Q5g00000AbCdE"
    assert answer["outcome"] == "mql"
    assert answer["scores"] == {"engagement": 55}
    assert answer["rule"] == {"index": 2, "line": 44, "text": "ideal_customer and engagement >= 50"}
    assert answer["policy"] == {"name": "Acme lead qualification", "version": "2026.11", "hash": "c27250c35ffb432b"}
    assert answer["lead"]["seniority"] == "director"
    assert answer["lead"]["email_domain"] == "brightpath.example"
    assert answer["lead"]["timeline"] == "45 days"
    assert answer["summary"] == ("mql; closest change: budget_amount is unknown; if it were 10000 or more, "
                                 "the outcome would be sql")
    assert answer["explanation"]["unknown_fields"] == ["budget_amount"]
    assert answer["explanation"]["near_misses"][0]["outcome"] == "sql"
    assert answer["explanation_text"].startswith("Outcome: mql\n  because ideal_customer and engagement >= 50")


def test_webhook_script_answers_a_record_it_cannot_read() -> None:
    done = run("webhook.py", "--now", NOW, stdin=json.dumps({"Id": "x", "NumberOfEmployees": "many"}))
    assert done.returncode == 3
    answer = json.loads(done.stdout)
    assert answer == {
        "id": "x", "lead": {"employees": "many"}, "ok": False,
        "error": {"field": "employees", "message": "expected a whole number, got \"many\"", "value": "many"},
    }


@pytest.mark.parametrize("stdin", ["not json", "[1, 2]"])
def test_webhook_script_refuses_what_is_not_one_record(stdin: str) -> None:
    done = run("webhook.py", stdin=stdin)
    assert done.returncode == 2
    assert done.stderr.startswith("error: standard input")


def test_webhook_handle_from_python() -> None:
    webhook = load_module("webhook")
    competitor = dict(RECORD, Is_Competitor__c=True, Title="VP Engineering")
    answer = webhook.handle(competitor, now=NOW)
    assert answer["outcome"] == "disqualified" and answer["reason"] == "competitor"
    assert answer["lead"]["seniority"] == "vp"
    assert answer["summary"].startswith("disqualified (competitor)")
    json.dumps(answer)  # JSON-ready
    explicit = webhook.handle(dict(RECORD, Seniority__c="c_level", Budget_Amount__c="$25,000"), now=NOW)
    assert explicit["lead"]["seniority"] == "c_level"
    assert explicit["outcome"] == "sql"


@pytest.mark.parametrize(("title", "seniority"), [
    ("Chief Revenue Officer", "c_level"), ("CEO", "c_level"), ("VP, Sales", "vp"), ("Head of Support", "director"),
    ("Director of Operations", "director"), ("Marketing Manager", "manager"), ("Analyst", "ic"),
])
def test_webhook_reads_seniority_from_the_title(title: str, seniority: str) -> None:
    assert load_module("webhook").seniority_from_title(title) == seniority

"""`qualdsl eval --jobs N`: the same bytes and exit codes as one process, through click's runner."""

from __future__ import annotations

import io
import json
import random
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qualdsl.cli import main
from tests.conftest import POLICIES

ACME = str(POLICIES / "examples" / "acme.qual")
NOW = "2026-12-01T12:00:00Z"
HEADER = "lead_id,NumberOfEmployees,industry,country,seniority,email_domain,budget_confirmed,budget_amount," \
         "decision_maker,pain_points,timeline,is_competitor"


def invoke(*args: str, input: bytes | str | None = None) -> Result:
    result = CliRunner().invoke(main, ["eval", ACME, "--now", NOW, "--no-progress", *args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output  # never a traceback
    assert "Traceback" not in result.output
    return result


def lead(i: int, rng: random.Random) -> dict[str, object]:
    return {
        "lead_id": f"L{i}", "employees": rng.choice([30, 120, 400, 4000]),
        "industry": rng.choice(["software", "fintech", "retail"]), "country": "US",
        "seniority": rng.choice(["ic", "director", "vp", "c_level"]), "email_domain": rng.choice(["acme.io", "gmail.com"]),
        "budget_confirmed": rng.random() < 0.3, "budget_amount": rng.choice([None, 5000, 25000]),
        "decision_maker": rng.random() < 0.5, "pain_points": rng.sample(["reporting", "churn", "silos"], rng.randint(0, 2)),
        "timeline": rng.choice([None, "30 days", "120 days"]), "is_competitor": rng.random() < 0.05,
        "events": [{"type": rng.choice(["pricing_view", "demo_watched", "webinar_attended"]),
                    "at": f"2026-11-{rng.randint(1, 30):02d}T{rng.randint(0, 23):02d}:00:00Z"}
                   for _ in range(rng.randint(0, 6))],
    }


def jsonl_text(count: int, seed: int = 1) -> str:
    """Leads with events, a line that is not JSON, a record with a bad value, a blank line."""
    rng = random.Random(seed)
    lines = [json.dumps(lead(i, rng)) for i in range(count)]
    lines[3] = "not json"
    lines[5] = json.dumps({**lead(5, rng), "employees": "many"})
    lines[7] = ""
    return "\n".join(lines) + "\n"


def csv_text(count: int, seed: int = 2) -> str:
    """Rows with a bad number, a bad choice, one cell too many and a quoted cell across lines."""
    rng = random.Random(seed)
    rows = [HEADER]
    for i in range(count):
        employees = rng.choice(["30", "120", "400", "4000"])
        rows.append(f"L{i},{employees},software,US,{rng.choice(['ic', 'vp', 'director'])},acme.io,"
                    f"{rng.choice(['yes', 'no'])},,no,reporting;churn,60 days,{rng.choice(['no', 'no', 'yes'])}")
    rows[2] = "L1,many,software,US,vp,acme.io,yes,,yes,reporting,60 days,no"
    rows[4] = "L3,400,software,US,intern,acme.io,yes,,yes,reporting,60 days,no"
    rows[6] = "L5,400,software,US,vp,acme.io,yes,,yes,reporting,60 days,no,extra"
    rows[8] = 'L7,400,software,US,vp,acme.io,yes,,yes,"manual\nreporting",60 days,no'
    return "\n".join(rows) + "\n"


def run_to_file(tmp_path: Path, input_path: str, jobs: int, *args: str, input: str | None = None) -> tuple[int, bytes]:
    out = tmp_path / f"out-{jobs}.txt"
    result = invoke(input_path, "-o", str(out), "--jobs", str(jobs), *args, input=input)
    return result.exit_code, out.read_bytes()


OPTIONS = [(), ("--id-column", "lead_id"), ("--explain",), ("--output-format", "csv", "--id-column", "lead_id")]


@pytest.mark.parametrize("options", OPTIONS, ids=" ".join)
@pytest.mark.parametrize("name, text", [("leads.jsonl", jsonl_text(60)), ("leads.csv", csv_text(60))])
def test_jobs_2_writes_the_bytes_of_jobs_1(tmp_path: Path, name: str, text: str, options: tuple[str, ...]) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code1, one = run_to_file(tmp_path, str(path), 1, *options)
    code2, two = run_to_file(tmp_path, str(path), 2, *options)
    assert two == one
    assert code1 == code2 == 3  # the bad records: each has an error record, the rest were decided
    if "csv" not in options:
        records = [json.loads(line) for line in one.decode().splitlines()]
        assert [r["row"] for r in records] == list(range(1, len(records) + 1))
        assert sum("error" in r for r in records) == (2 if name.endswith(".jsonl") else 3)


def test_good_input_exits_0_and_the_message_for_bad_records(tmp_path: Path) -> None:
    rng = random.Random(3)
    good = tmp_path / "good.jsonl"
    good.write_text("".join(json.dumps(lead(i, rng)) + "\n" for i in range(30)), encoding="utf-8")
    assert run_to_file(tmp_path, str(good), 2)[0] == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text(jsonl_text(30), encoding="utf-8")
    result = invoke(str(bad), "--jobs", "2")
    assert result.exit_code == 3
    assert "2 record(s) could not be read" in result.stderr
    assert result.stdout == invoke(str(bad), "--jobs", "1").stdout  # standard output as well as -o


def test_many_chunks_keep_their_order(tmp_path: Path) -> None:
    """Inputs of a few MiB: several 1 MiB chunks over two workers, written back in input order."""
    for name, text in (("big.jsonl", jsonl_text(8000)), ("big.csv", csv_text(40000))):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert path.stat().st_size > 2 << 20
        code1, one = run_to_file(tmp_path, str(path), 1, "--id-column", "lead_id")
        code2, two = run_to_file(tmp_path, str(path), 2, "--id-column", "lead_id")
        assert (code1, code2) == (3, 3)
        assert two == one


@pytest.mark.parametrize("fmt, text", [("jsonl", jsonl_text(40)), ("csv", csv_text(40)),
                                       ("json", json.dumps([lead(i, random.Random(i)) for i in range(20)] + [7]))])
def test_standard_input_with_jobs(tmp_path: Path, fmt: str, text: str) -> None:
    want = invoke("-", "--input-format", fmt, "--id-column", "lead_id", input=text)
    got = invoke("-", "--input-format", fmt, "--id-column", "lead_id", "--jobs", "2", input=text)
    assert got.stdout == want.stdout
    assert got.exit_code == want.exit_code == 3


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
def test_standard_input_is_not_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str, fmt: str) -> None:
    text = {"jsonl": jsonl_text(10), "csv": csv_text(10), "json": "[" + json.dumps(lead(1, random.Random(1))) + "]"}[fmt]
    buffer = io.BytesIO(text.encode("utf-8"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(buffer, encoding="utf-8"))
    out = tmp_path / "out.jsonl"
    args = ["eval", ACME, "-", "--input-format", fmt, "--now", NOW, "--no-progress", "-o", str(out), "--jobs", jobs]
    try:
        main.main(args, standalone_mode=False)
    except SystemExit as exc:
        assert exc.code == 3
    assert not buffer.closed
    assert out.read_text(encoding="utf-8").count("\n") == (10 - 1 if fmt == "jsonl" else 10 if fmt == "csv" else 1)


def test_jobs_0_is_one_per_cpu(tmp_path: Path) -> None:
    path = tmp_path / "leads.jsonl"
    path.write_text(jsonl_text(30), encoding="utf-8")
    assert run_to_file(tmp_path, str(path), 0) == run_to_file(tmp_path, str(path), 1)


def test_input_that_cannot_be_read_is_exit_2_as_with_one_process(tmp_path: Path) -> None:
    header = tmp_path / "header.csv"
    header.write_bytes(b"lead\xff_id,industry\n1,software\n")
    array = tmp_path / "broken.json"
    array.write_text('[{"lead_id": 1},', encoding="utf-8")
    for path in (header, array, tmp_path / "missing.jsonl"):
        results = [invoke(str(path), "--jobs", jobs) for jobs in ("1", "2")]
        assert [r.exit_code for r in results] == [2, 2]
        assert results[0].stderr == results[1].stderr
        assert results[1].stderr.startswith("error: ")
    out = tmp_path / "out.jsonl"
    assert invoke(str(tmp_path / "missing.jsonl"), "--jobs", "2", "-o", str(out)).exit_code == 2
    assert not out.exists()  # the input is checked before the output file is made


def test_usage_errors(tmp_path: Path) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text(csv_text(10), encoding="utf-8")
    result = invoke(str(leads), "--jobs", "-1")
    assert result.exit_code == 2 and "--jobs" in result.stderr
    result = invoke(str(leads), "--jobs", "two")
    assert result.exit_code == 2 and "--jobs" in result.stderr
    result = invoke(str(leads), "--jobs", "2", "--engine", "duckdb")
    assert result.exit_code == 2 and "--jobs goes with the Python engine" in result.stderr
    for jobs in ("1", "2"):
        result = invoke(str(leads), "--jobs", jobs, "-o", str(tmp_path / "no" / "such" / "folder.jsonl"))
        assert result.exit_code == 2
        assert result.stderr.startswith("error: cannot write ")


def test_options_of_the_python_engine_are_refused_with_duckdb(tmp_path: Path) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text(csv_text(10), encoding="utf-8")
    result = invoke(str(leads), "--engine", "duckdb", "--explain")
    assert result.exit_code == 2 and "--explain goes with the Python engine" in result.stderr
    result = invoke(str(leads), "--engine", "duckdb", "--events-key", "history")
    assert result.exit_code == 2 and "--events-key goes with the Python engine" in result.stderr

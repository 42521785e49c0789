"""qualdsl.parquet: Parquet leads in, decisions out; the same decisions as the CSV and JSONL paths."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import qualdsl
from qualdsl.batch import InputError, Writer, evaluate_stream, result_dict
from tests.conftest import NOW, POLICIES

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from qualdsl.parquet import ParquetWriter, read_parquet  # noqa: E402  (after the skip)

ACME = str(POLICIES / "examples" / "acme.qual")
EVENT = pa.struct([("type", pa.string()), ("at", pa.timestamp("us", tz="UTC"))])


def leads_table(count: int) -> tuple[Any, list[dict[str, Any]]]:
    rows = []
    for i in range(count):
        rows.append({
            "lead_id": f"P{i}",
            "NumberOfEmployees": [40, 400, 4000][i % 3],
            "industry": ["software", "Fintech", "retail"][i % 3],
            "country": "US",
            "seniority": ["vp", "director", "ic", "manager"][i % 4],
            "email_domain": "acme.io" if i % 5 else "gmail.com",
            "budget_confirmed": i % 2 == 0,
            "budget_amount": None if i % 3 == 0 else Decimal("12500.50"),
            "decision_maker": i % 3 == 1,
            "pain_points": ["reporting"] if i % 2 else [],
            "timeline": None if i % 4 == 0 else dt.timedelta(days=30 * (i % 5)),
            "is_competitor": i == 7,
            "events": [{"type": "pricing_view", "at": NOW - dt.timedelta(days=d)} for d in range(i % 4)]
                      + ([{"type": "demo_watched", "at": NOW - dt.timedelta(days=2)}] if i % 3 == 1 else []),
        })
    rows[11]["seniority"] = "intern"  # a bad record: its error, not the file's
    rows[12]["events"] = [{"type": "teleport", "at": NOW}]
    schema = pa.schema([
        ("lead_id", pa.string()), ("NumberOfEmployees", pa.int64()), ("industry", pa.string()),
        ("country", pa.string()), ("seniority", pa.string()), ("email_domain", pa.string()),
        ("budget_confirmed", pa.bool_()), ("budget_amount", pa.decimal128(12, 2)), ("decision_maker", pa.bool_()),
        ("pain_points", pa.list_(pa.string())), ("timeline", pa.duration("s")), ("is_competitor", pa.bool_()),
        ("events", pa.list_(EVENT)),
    ])
    return pa.Table.from_pylist(rows, schema=schema), rows


def test_read_parquet_streams_rows_as_dicts(tmp_path: Path) -> None:
    table, _ = leads_table(25)
    path = tmp_path / "leads.parquet"
    pq.write_table(table, path, row_group_size=7)
    got = list(read_parquet(str(path), batch_rows=4))
    assert len(got) == 25
    assert got[1]["budget_amount"] == Decimal("12500.50")
    assert got[1]["timeline"] == dt.timedelta(days=30)
    assert got[2]["events"][0]["at"] == NOW


def test_parquet_in_gives_the_decisions_of_the_same_leads_as_python_objects(tmp_path: Path) -> None:
    policy = qualdsl.load(ACME)
    table, rows = leads_table(60)
    path = tmp_path / "leads.parquet"
    pq.write_table(table, path)
    from_parquet = list(evaluate_stream(policy, read_parquet(str(path), batch_rows=16), NOW))
    from_objects = list(evaluate_stream(policy, iter(rows), NOW))
    assert [result_dict(r, "lead_id", False) for r in from_parquet] == \
           [result_dict(r, "lead_id", False) for r in from_objects]
    assert from_parquet[11].error is not None and from_parquet[11].error.field == "seniority"
    assert from_parquet[12].error is not None and from_parquet[12].error.field == "events[0].type"
    assert sum(r.decision is not None for r in from_parquet) == 58


def test_parquet_out_has_the_csv_output_columns(tmp_path: Path) -> None:
    policy = qualdsl.load(ACME)
    table, _ = leads_table(30)
    leads = tmp_path / "leads.parquet"
    pq.write_table(table, leads)
    out = tmp_path / "decisions.parquet"
    csv_text = io.StringIO()
    csv_writer = Writer(csv_text, "csv", policy.score_names, True)
    with ParquetWriter(str(out), policy.score_names, True, batch_rows=8) as writer:
        for result in evaluate_stream(policy, read_parquet(str(leads)), NOW):
            record = result_dict(result, "lead_id", False)
            writer.write(record)
            csv_writer.write(record)
    back = pq.read_table(out)
    assert back.num_rows == 30
    assert back.schema.names == csv_text.getvalue().splitlines()[0].split(",")
    assert back.column("row").to_pylist() == list(range(1, 31))
    assert back.column("id").to_pylist()[:2] == ["P0", "P1"]
    assert back.column("engagement").type == pa.int64()
    again = io.StringIO()
    rows = csv.writer(again, lineterminator="\n")
    rows.writerow(back.schema.names)
    for row in back.to_pylist():
        rows.writerow(row.values())
    assert again.getvalue() == csv_text.getvalue()
    assert back.column("error_field").to_pylist()[11] == "seniority"


def test_a_file_that_is_not_parquet_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "leads.parquet"
    path.write_text("lead_id\n1\n")
    with pytest.raises(InputError, match="as Parquet"):
        list(read_parquet(str(path)))


# ---- the command line ---------------------------------------------------------------------------

def run_eval(*args: str) -> Any:
    from click.testing import CliRunner

    from qualdsl.cli import main

    return CliRunner().invoke(main, ["eval", ACME, *args, "--now", NOW.isoformat(), "--id-column", "lead_id"])


def test_eval_reads_parquet_and_decides_as_python_does(tmp_path: Path) -> None:
    table, rows = leads_table(30)
    path = tmp_path / "leads.parquet"
    pq.write_table(table, path)
    result = run_eval(str(path))
    assert result.exit_code == 3  # two bad records, each an error record
    records = [json.loads(line) for line in result.stdout.splitlines()]
    policy = qualdsl.load(ACME)
    assert len(records) == len(rows)
    for record, row in zip(records, rows, strict=True):
        try:
            want = policy.evaluate(row, row["events"], NOW).outcome
        except qualdsl.RecordError as exc:
            assert record["error"]["field"] == exc.field
            continue
        assert (record["id"], record["outcome"]) == (row["lead_id"], want)


def test_eval_writes_parquet_with_the_csv_columns(tmp_path: Path) -> None:
    table, _ = leads_table(30)
    source, out = tmp_path / "leads.parquet", tmp_path / "decisions.parquet"
    pq.write_table(table, source)
    as_csv = run_eval(str(source), "--output-format", "csv")
    result = run_eval(str(source), "--output-format", "parquet", "-o", str(out))
    assert result.exit_code == 3 and result.stdout == ""
    back = pq.read_table(out)
    lines = as_csv.stdout.splitlines()
    assert back.schema.names == lines[0].split(",")
    assert back.num_rows == len(lines) - 1 == 30


def test_eval_parquet_usage_errors(tmp_path: Path) -> None:
    table, _ = leads_table(13)
    source = tmp_path / "leads.parquet"
    pq.write_table(table, source)
    assert "writes a file" in run_eval(str(source), "--output-format", "parquet").output
    assert "one process" in run_eval(str(source), "--jobs", "2").output
    bad = tmp_path / "bad.parquet"
    bad.write_text("lead_id\n1\n")
    result = run_eval(str(bad))
    assert result.exit_code == 2 and "as Parquet" in result.output

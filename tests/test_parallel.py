"""qualdsl.parallel: chunked, multi-process `eval` writes what one process writes, in order."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

import qualdsl
from qualdsl.batch import BadLine, InputError, evaluate_item
from qualdsl.cli import main
from qualdsl.parallel import evaluate_file_parallel
from tests.conftest import NOW, POLICIES, ROOT

ACME = str(POLICIES / "examples" / "acme.qual")
NOW_TEXT = "2026-12-01T12:00:00Z"
HEADER = ["lead_id", "NumberOfEmployees", "industry", "country", "seniority", "email_domain", "budget_confirmed",
          "budget_amount", "decision_maker", "pain_points", "timeline", "is_competitor"]


def sequential(path: Path, output_format: str = "jsonl", id_column: str | None = "lead_id", explain: bool = False) -> str:
    """What `qualdsl eval` writes in one process (the reference)."""
    args = ["eval", ACME, str(path), "--now", NOW_TEXT, "--output-format", output_format, "--no-progress",
            "-o", str(path) + f".{output_format}.out"]
    if id_column:
        args += ["--id-column", id_column]
    if explain:
        args.append("--explain")
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 3), result.output
    return Path(str(path) + f".{output_format}.out").read_text(encoding="utf-8")


def parallel(path: Path, fmt: str, jobs: int, output_format: str = "jsonl", id_column: str | None = "lead_id",
             chunk_bytes: int = 1 << 20, explain: bool = False) -> tuple[str, int, int]:
    out = io.StringIO()
    records, failures = evaluate_file_parallel(ACME, str(path), fmt, out, NOW_TEXT, jobs, id_column, explain,
                                               "events", output_format, chunk_bytes=chunk_bytes)
    return out.getvalue(), records, failures


def lead(i: int, rng: random.Random) -> dict[str, object]:
    return {
        "lead_id": f"L{i}",
        "employees": rng.choice([30, 120, 400, 4000, 9000]),
        "industry": rng.choice(["software", "Fintech", "retail"]),
        "country": "US",
        "seniority": rng.choice(["ic", "director", "vp", "c_level"]),
        "email_domain": rng.choice(["acme.io", "gmail.com"]),
        "budget_confirmed": rng.random() < 0.3,
        "budget_amount": rng.choice([None, 5000, 25000, 12500.5]),
        "decision_maker": rng.random() < 0.5,
        "pain_points": rng.sample(["reporting", "churn", "silos"], rng.randint(0, 2)),
        "timeline": rng.choice([None, "30 days", "120 days", "P60D"]),
        "is_competitor": rng.random() < 0.05,
        "events": [{"type": rng.choice(["pricing_view", "demo_watched", "webinar_attended", "email_click"]),
                    "at": f"2026-11-{rng.randint(1, 30):02d}T{rng.randint(0, 23):02d}:00:00Z"}
                   for _ in range(rng.randint(0, 6))],
    }


@pytest.fixture(scope="module")
def jsonl_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Good leads mixed with every kind of bad record, blank lines and a CRLF line end."""
    rng = random.Random(5)
    lines = [json.dumps(lead(i, rng)) for i in range(300)]
    lines[10] = "not json"
    lines[20] = "[1, 2, 3]"
    lines[30] = ""
    lines[31] = "   "
    lines[40] = json.dumps({**lead(40, rng), "employees": "many"})
    lines[50] = json.dumps({**lead(50, rng), "events": [{"type": "teleport", "at": NOW_TEXT}]})
    lines[60] = json.dumps({**lead(60, rng), "events": [{"type": "pricing_view", "at": "yesterday"}]})
    lines[70] = json.dumps({**lead(70, rng), "events": "none"})
    lines[80] = json.dumps({**lead(80, rng), "events": [{"event": "demo_watched", "time": "2026-11-30T10:00:00"}]})
    lines[90] = json.dumps({**lead(90, rng), "events": [["pricing_view", NOW_TEXT]]})
    lines[100] = json.dumps({**lead(100, rng), "lead_id": 12345678901234567890123, "employees": 1e2})
    lines[110] = '{"lead_id": "dup", "lead_id": "second", "employees": NaN}'
    path = tmp_path_factory.mktemp("jsonl") / "leads.jsonl"
    path.write_bytes(("\n".join(lines[:200]) + "\r\n" + "\n".join(lines[200:]) + "\n").encode("utf-8"))
    return path


@pytest.mark.parametrize("output_format", ["jsonl", "csv"])
def test_jsonl_jobs_1_and_2_write_what_one_process_writes(jsonl_file: Path, output_format: str) -> None:
    want = sequential(jsonl_file, output_format)
    one, records, failures = parallel(jsonl_file, "jsonl", 1, output_format, chunk_bytes=2000)
    two, records2, failures2 = parallel(jsonl_file, "jsonl", 2, output_format, chunk_bytes=2000)
    assert one == want
    assert two == one  # byte-identical
    assert records == records2 == 298  # two blank lines give no record
    assert failures == failures2 == 8


def test_order_kept_one_output_per_input_and_bad_records_isolated(jsonl_file: Path) -> None:
    text, records, _ = parallel(jsonl_file, "jsonl", 2, chunk_bytes=1500)
    out = [json.loads(line) for line in text.splitlines()]
    assert len(out) == records
    assert [r["row"] for r in out] == list(range(1, records + 1))
    by_line = {r["id"]: r for r in out if r.get("id")}
    assert all(f"L{i}" in by_line for i in range(300) if i not in (10, 20, 30, 31, 100, 110))
    errors = [r for r in out if "error" in r]
    messages = [e["error"]["message"] for e in errors]
    assert "line 11 is not valid JSON: Expecting value" in messages  # line numbers count over the whole file
    assert "line 21 is not a JSON object" in messages
    fields = {e["id"]: e["error"]["field"] for e in errors if e.get("id")}
    assert fields["L40"] == "employees"
    assert fields["L50"] == "events[0].type"
    assert fields["L60"] == "events[0].at"
    assert fields["L70"] == "events"
    assert fields["L90"] == "events"  # a list is not an event; a (type, time) tuple or an object is
    # the neighbours of a bad record are decided as usual
    assert "outcome" in by_line["L39"] and "outcome" in by_line["L41"]
    assert "outcome" in by_line["L80"] and "outcome" in by_line["L89"] and "outcome" in by_line["L91"]


def csv_text(rng: random.Random, count: int, tricky: bool) -> str:
    """CSV with, when tricky, quoted cells holding commas, quotes, line breaks (LF, CRLF, CR), rows
    with too many cells and blank lines."""
    out = io.StringIO()
    import csv

    writer = csv.writer(out, lineterminator="\r\n" if tricky else "\n")
    writer.writerow(HEADER)
    for i in range(count):
        data = lead(i, rng)
        row = [data["lead_id"], data["employees"], data["industry"], data["country"], data["seniority"],
               data["email_domain"], "yes" if data["budget_confirmed"] else "no", data["budget_amount"] or "",
               "yes" if data["decision_maker"] else "no", ";".join(data["pain_points"]),  # type: ignore[arg-type]
               data["timeline"] or "", "yes" if data["is_competitor"] else "no"]
        if tricky:
            roll = rng.random()
            if roll < 0.15:
                row[9] = rng.choice(['slow\nonboarding;churn', 'a "quoted" pain', 'x,y', 'multi\r\nline\rcell', '"'])
            elif roll < 0.20:
                row[0] = f'id with\nnewline {i}'
            elif roll < 0.22:
                row.append("extra")
            elif roll < 0.24:
                row[1] = "lots"
        writer.writerow(row)
        if tricky and rng.random() < 0.03:
            out.write("\r\n")
    return out.getvalue()


@pytest.mark.parametrize("chunk_bytes", [64, 700, 1 << 20])
def test_csv_with_quoted_newlines_is_cut_only_between_records(tmp_path: Path, chunk_bytes: int) -> None:
    rng = random.Random(chunk_bytes)
    path = tmp_path / "leads.csv"
    path.write_text(csv_text(rng, 400, tricky=True), encoding="utf-8", newline="")
    assert b'"' in path.read_bytes() and b"\n" in path.read_bytes()
    for output_format in ("jsonl", "csv"):
        want = sequential(path, output_format)
        one, records, _ = parallel(path, "csv", 1, output_format, chunk_bytes=chunk_bytes)
        assert one == want
        assert records == 400
    two, _, _ = parallel(path, "csv", 2, "jsonl", chunk_bytes=chunk_bytes)
    assert two == sequential(path, "jsonl")
    ids = [json.loads(line).get("id") for line in two.splitlines()]
    assert any(i and "\n" in i for i in ids)  # a quoted line break stayed inside its cell


def test_csv_without_quotes_jobs_1_and_2_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text(csv_text(random.Random(3), 500, tricky=False), encoding="utf-8", newline="")
    assert b'"' not in path.read_bytes()
    want = sequential(path)
    one, records, failures = parallel(path, "csv", 1, chunk_bytes=999)
    two, _, _ = parallel(path, "csv", 2, chunk_bytes=999)
    assert one == two == want
    assert (records, failures) == (500, 0)


def test_csv_oddities(tmp_path: Path) -> None:
    cases = {
        "bom_and_quoted_header": "\ufeff" + '"lead_id","NumberOfEmployees","industry"\n1,400,software\n2,"4\n00",x\n',
        "header_across_lines": '"lead\nid",industry\n1,software\n',
        "duplicate_columns": "lead_id,industry,industry\n1,,software\n2,retail,\n",
        "lone_cr_line_ends": "lead_id,industry\r1,software\r2,retail\r",
        "no_final_line_end": "lead_id,industry\n1,software\n2,retail",
        "header_only": "lead_id,industry\n",
        "empty": "",
        "blank_first_line": "\nlead_id\n1\n",
        "unclosed_quote": 'lead_id,industry\n1,"software\n2,retail\n',
    }
    for name, text in cases.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(text.encode("utf-8"))
        want = sequential(path)
        for chunk_bytes in (1, 5, 1 << 20):
            got, _, _ = parallel(path, "csv", 1, chunk_bytes=chunk_bytes)
            assert got == want, (name, chunk_bytes)


def test_json_array_and_explain(tmp_path: Path) -> None:
    rng = random.Random(9)
    path = tmp_path / "leads.json"
    path.write_text(json.dumps([lead(i, rng) for i in range(40)] + [7]), encoding="utf-8")
    want = sequential(path, explain=True)
    one, records, failures = parallel(path, "json", 1, explain=True)
    two, _, _ = parallel(path, "json", 2, explain=True)
    assert one == two == want
    assert (records, failures) == (41, 1)
    assert '"explanation"' in one


def test_the_bundled_examples(tmp_path: Path) -> None:
    for name, fmt in (("leads.csv", "csv"), ("leads.jsonl", "jsonl")):
        path = tmp_path / name
        path.write_bytes((ROOT / "examples" / name).read_bytes())
        for output_format in ("jsonl", "csv"):
            assert parallel(path, fmt, 2, output_format, chunk_bytes=300)[0] == sequential(path, output_format)
        assert parallel(path, fmt, 1, id_column=None)[0] == sequential(path, id_column=None)


def test_bytes_that_are_not_utf8_make_error_records_as_in_one_process(tmp_path: Path) -> None:
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_bytes(b'{"lead_id": "a"}\n{"lead_id": "\xff"}\n{"lead_id": "c"}\n')
    csv_file = tmp_path / "bad.csv"
    csv_file.write_bytes(b'lead_id,industry\n1,software\n2,"soft\nw\xe9re"\n3,retail\n')
    for path, fmt in ((jsonl, "jsonl"), (csv_file, "csv")):
        want = sequential(path)
        assert "not UTF-8" in want
        for jobs in (1, 2):
            assert parallel(path, fmt, jobs, chunk_bytes=8)[0] == want
    header = tmp_path / "header.csv"
    header.write_bytes(b"lead\xff_id\n1\n")
    out = io.StringIO()
    with pytest.raises(InputError, match="the CSV header is not UTF-8"):
        evaluate_file_parallel(ACME, str(header), "csv", out, NOW, 1, output_format="csv")
    assert out.getvalue().startswith("row,outcome,")  # as `qualdsl eval` writes the output's header first
    with pytest.raises(InputError, match="cannot read"):
        parallel(tmp_path / "missing.jsonl", "jsonl", 1)


def test_evaluate_item_reads_json_events_as_the_evaluator_does() -> None:
    """The batch path's own reading of {"type", "at"} events changes nothing: same decision or same error."""
    policy = qualdsl.load(ACME)
    rng = random.Random(11)
    events_variants: list[object] = [
        [], None, "x", [{"type": "pricing_view", "at": "2026-11-30T10:00:00Z"}],
        [{"type": "pricing_view", "at": " 2026-11-30T10:00:00+02:00 "}],
        [{"type": "pricing_view", "at": "2026-11-30T10:00:00"}],  # naive: UTC
        [{"type": "pricing_view", "at": "2026-11-30"}],
        [{"type": "pricing_view", "at": "2027-01-01T00:00:00Z"}],  # in the future
        [{"type": "teleport", "at": "2026-11-30T10:00:00Z"}],
        [{"type": "pricing_view", "at": "soon"}],
        [{"type": "pricing_view", "at": 5}],
        [{"type": 5, "at": "2026-11-30T10:00:00Z"}],
        [{"event": "demo_watched", "at": "2026-11-30T10:00:00Z"}],
        [{"type": "demo_watched", "at": "2026-11-30T10:00:00Z", "extra": 1}, ("pricing_view", NOW)],
        [{"type": "demo_watched", "at": "2026-11-30T10:00:00Z"}, {"type": "bogus", "at": "nope"}],
    ]
    for i in range(200):
        record = lead(i, rng)
        record["events"] = events_variants[i % len(events_variants)]
        if i % 17 == 0:
            del record["events"]  # no events key at all (a CSV row)
        got = evaluate_item(policy, i, record, NOW)
        want = policy.evaluate_record(i, record, NOW)
        assert (got.index, got.record) == (want.index, want.record)
        if want.decision is None:
            assert got.decision is None and got.error is not None and want.error is not None
            assert got.error.to_dict() == want.error.to_dict()
        else:
            assert got.decision is not None
            assert (got.decision.outcome, got.decision.scores) == (want.decision.outcome, want.decision.scores)
            assert got.decision.explain().to_dict() == want.decision.explain().to_dict()
    bad = evaluate_item(policy, 3, BadLine(4, "line 4 is not valid JSON"), NOW)
    assert bad.error is not None and bad.error.to_dict()["message"] == "line 4 is not valid JSON"


def test_csv_fuzz_cut_points(tmp_path: Path) -> None:
    """Random text made of CSV's special characters, cut at random chunk sizes: the records, their
    line numbers and the errors are those of one csv.reader over the whole file."""
    from qualdsl.batch import Writer, evaluate_stream, open_input, read_records, result_dict

    policy = qualdsl.load(ACME)
    rng = random.Random(2026)
    alphabet = [b'"', b'"', b",", b",", b"\n", b"\n", b"\r", b"\r\n", b"a", b"b", b"400", b"vp", b" ",
                "\ufeff".encode(), "é".encode(), b"\xff", b"\xe9"]  # the last two are not UTF-8
    for i in range(80):
        text = b"lead_id,NumberOfEmployees,seniority\n" if i % 2 else b""
        text += b"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        path = tmp_path / f"fuzz{i}.csv"
        path.write_bytes(text)
        want = io.StringIO()
        try:
            with open_input(str(path)) as stream:
                writer = Writer(want, "jsonl", policy.score_names, True)
                for result in evaluate_stream(policy, read_records(stream, "csv"), NOW):
                    writer.write(result_dict(result, "lead_id", False))
        except InputError as exc:
            with pytest.raises(InputError, match=str(exc)[:20]):
                parallel(path, "csv", 1)
            continue
        for chunk_bytes in (1, rng.randint(2, 40), 1 << 20):
            got = io.StringIO()
            evaluate_file_parallel(ACME, str(path), "csv", got, NOW, 1, "lead_id", chunk_bytes=chunk_bytes, policy=policy)
            assert got.getvalue() == want.getvalue(), (i, chunk_bytes, text)


@pytest.mark.parametrize("policy_file", sorted((POLICIES / "examples").glob("*.qual")), ids=lambda p: p.stem)
def test_result_encoder_writes_what_the_writer_writes(policy_file: Path) -> None:
    """The pieced-together JSONL line equals Writer.write(result_dict(...)) for every policy's outcomes,
    reasons and scores (several scores, none, negative ones, texts that need escaping)."""
    from qualdsl.batch import ResultEncoder, Writer, evaluate_stream, result_dict

    policy = qualdsl.load(str(policy_file))
    rng = random.Random(policy_file.stem)
    records = []
    for i in range(300):
        record: dict[str, object] = lead(i, rng)
        record["lead_id"] = rng.choice([f"L{i}", i, None, 'quote " and é', ["list"], 1.5])
        for field in policy.model.fields:  # fill the fields acme does not have with plausible values
            if field.name not in record and rng.random() < 0.95:
                kind = field.type.kind
                record[field.name] = (rng.choice(field.type.members) if kind == "enum" else [] if kind == "list" else
                                      {"int": rng.randint(0, 5000), "number": rng.random() * 100, "money": 25000,
                                       "bool": rng.random() < 0.5, "text": "acme", "duration": "30 days",
                                       "date": "2026-11-01", "datetime": NOW_TEXT}.get(kind, "x"))
        records.append(record)
    results = list(evaluate_stream(policy, iter(records), NOW))
    assert any(r.decision is not None for r in results)
    for output_format in ("jsonl", "csv"):
        for id_column in (None, "lead_id"):
            want = io.StringIO()
            writer = Writer(want, output_format, policy.score_names, id_column is not None)
            encoder = ResultEncoder(policy, output_format, id_column, False)
            for result in results:
                writer.write(result_dict(result, id_column, False))
            got = encoder.header_text + "".join(encoder.line(result) for result in results)
            assert got == want.getvalue()

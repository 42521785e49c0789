"""Hostile data: every field type fed wrong values, and input files broken in the ways files break.

Through the Python API a value that cannot be read raises ``qualdsl.RecordError`` naming the
field, or is *missing* (unknown) as docs/language.md (section 6) says; the compiled evaluator and
the reference interpreter agree on which, always. Through `qualdsl eval`, every input record
gives exactly one output record, a run with unreadable records exits 3, and nothing prints a
traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import qualdsl
from qualdsl.cli import main
from tests.conftest import NOW

POLICY = """policy "every type"
lead {
  n     : int?
  x     : number?
  m     : money?
  t     : text?
  b     : yes/no?
  d     : date?
  w     : datetime?
  u     : duration?
  e     : one of vp, c_level
  li    : list of int
  lt    : list of text?
  need  : int?   from "Need Column"
}
events seen
score s {
  +1 if n > 10
  +1 if x * 2 > 1
  +1 if m / 3 > 100
  +1 if t contains "a"
  +1 if b
  +1 if d + 1 day > "2026-01-01"
  +1 if now - w < 30 days
  +1 if u * 2 > 1 day
  +1 if e = vp
  +1 if li contains 3
  +1 if lt is not empty
  +1 per seen in last 30 days
}
qualify {
  hot when s >= 6
  warm when n is missing or x is missing or m is missing or d is missing or w is missing
  otherwise cold
}
"""

BASE: dict[str, object] = {"e": "vp"}


@pytest.fixture(scope="module")
def policy() -> qualdsl.Policy:
    return qualdsl.compile_text(POLICY)


def both(policy: qualdsl.Policy, lead: dict[str, object], events: list[object] | None = None) -> tuple[object, ...]:
    """What each back end does with the lead; they must agree and neither may crash."""
    events = events or []
    try:
        d = policy.evaluate(lead, events, NOW)
        fast: tuple[object, ...] = ("decided", d.outcome, d.scores)
    except qualdsl.RecordError as exc:
        fast = ("refused", exc.field)
        _check_error(exc)
    try:
        trace = policy.reference(lead, events, NOW)
        slow: tuple[object, ...] = ("decided", policy.model.rules[trace.chosen].outcome, dict(trace.scores))
    except qualdsl.RecordError as exc:
        slow = ("refused", exc.field)
    assert fast == slow, (lead, events)
    if fast[0] == "decided":
        json.dumps(policy.evaluate(lead, events, NOW).to_dict(explain=True), sort_keys=True)
    return fast


def _check_error(exc: qualdsl.RecordError) -> None:
    """An error names the field, says what was wrong in a short message, and can be written as JSON."""
    assert exc.field
    assert len(str(exc)) < 400, str(exc)
    json.dumps(exc.to_dict(), default=str)


def missing(policy: qualdsl.Policy, field: str, value: object) -> bool:
    """True when ``value`` reads as missing: the lead is decided as if the field were absent."""
    lead = {**BASE, field: value}
    absent = {k: v for k, v in lead.items() if k != field}
    result = both(policy, lead)
    return result[0] == "decided" and result == both(policy, absent)


REFUSED: dict[str, list[object]] = {
    "n": ["ten", "1.5", 1.5, True, False, [1], {"a": 1}, float("inf"), -float("inf"), "1e400", "1" * 40, 10**30,
          -(10**30), 10**5000, Decimal("1E+999999"), Decimal("Infinity"), 1e300, "0x10", "1 000", b"5", object()],
    "x": ["x", "nan", "NaN", "inf", "Infinity", True, [1], {"a": 1}, float("inf"), Decimal("Infinity"),
          Decimal("-Infinity"), Decimal("9E+999999"), Decimal("1E-999999"), 1e308, 1e-300, "1E+999999", 10**50],
    "m": ["ten dollars", "25k", "1.000,50", "$", "$1E+999999", Decimal("9E+999999"), float("inf"), 1e300, True, [5]],
    "t": [True, False, [1], ["a"], {"a": 1}, {"a"}, 10**5000, b"bytes"],
    "b": ["maybe", 2, -1, 1.0, 0.0, [True], {"a": 1}, "yess", "2"],
    "d": ["2026-13-01", "0000-01-01", "10000-01-01", "25/12/2026", "2026-1-1", 20260101, dt.datetime(2026, 1, 1),
          dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "yesterday", True, [dt.date(2026, 1, 1)]],
    "w": ["yesterday", "2026-01-01T25:00:00Z", "2026-02-30T00:00:00Z", "2026-01-01T00:00:00+24:00", 1700000000,
          dt.date(2026, 1, 1), True, [NOW], "0000-01-01T00:00:00Z"],
    "u": ["60", "soon", "P", "PT", "P1Y", "P1M", "3 months", "-5 days", "1000000000 days", "P99999999999W", 60, True,
          "nan days", [dt.timedelta(1)]],
    "e": ["zzz", "Vice President", 5, True, ["vp"]],
    "li": [5, "1;x", [1, None], [True], [1.5], [10**30], [[1]], {"a": 1}, {1}, [1, Decimal("sNaN")], [float("nan")]],
    "lt": [5, [None], [{"a": 1}], [True], {"a"}],
}

ACCEPTED: dict[str, list[object]] = {
    "n": [400, "400", " 400 ", "1,200", "1_000", 400.0, Decimal("400"), "4E+2", 10**30 - 1, -(10**30) + 1, "-7"],
    "x": [2.5, "2.5", "1,200.75", Decimal("0.1"), 0, "-0", "1E+40", Decimal("1E-40"), Decimal("0E-999"), 10**40],
    "m": ["$25,000", "€10000.50", " £5 ", 25000, 0.1, "-5"],
    "t": ["software", "  padded  ", 5, 5.5, Decimal("1.50"), "x" * 1_000_000, "a\x00b", "\u0455oftware", "\ufeffbom"],
    "b": [True, False, "yes", "Y", "TRUE", " no ", 1, 0, "t", "F"],
    "d": ["2026-12-25", "2026-12-25T23:59:00", dt.date(2026, 1, 1), dt.date.max, dt.date.min, "9999-12-31", "0001-01-01"],
    "w": ["2026-12-01T09:00:00Z", "2026-12-01T09:00:00", "2026-12-01", dt.datetime(2026, 1, 1), dt.datetime.max,
          dt.datetime.min, "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", NOW],
    "u": ["60 days", "1.5 days", "P2W", "PT36H", dt.timedelta.max, dt.timedelta.min, "999999999 days"],
    "e": ["VP", " c-level ", "C LEVEL", "c_level"],
    "li": ["1;2;3", [1, 2, 3], (3,), [], "", "  ", ["3", " 4 "]],
    "lt": ["a;b", ["a", "b"], ";;", [], ["", " a "], ["a", 5]],
}

MISSING = [None, "", "   ", "\t\n", float("nan"), Decimal("NaN"), Decimal("sNaN")]


@pytest.mark.parametrize(("field", "value"), [(f, v) for f, vs in REFUSED.items() for v in vs],
                         ids=lambda v: repr(v)[:30] if not isinstance(v, int) or abs(v) < 10**40 else "huge int")
def test_a_wrong_value_is_refused_naming_the_field(policy: qualdsl.Policy, field: str, value: object) -> None:
    assert both(policy, {**BASE, field: value}) == ("refused", field)


@pytest.mark.parametrize(("field", "value"), [(f, v) for f, vs in ACCEPTED.items() for v in vs],
                         ids=lambda v: repr(v)[:30])
def test_an_odd_but_readable_value_is_decided(policy: qualdsl.Policy, field: str, value: object) -> None:
    assert both(policy, {**BASE, field: value})[0] == "decided"


@pytest.mark.parametrize("field", ["n", "x", "m", "t", "b", "d", "w", "u", "lt", "need"])
@pytest.mark.parametrize("value", MISSING, ids=repr)
def test_empty_values_are_missing(policy: qualdsl.Policy, field: str, value: object) -> None:
    assert missing(policy, field, value)


def test_a_required_field_that_is_missing_is_refused(policy: qualdsl.Policy) -> None:
    for value in MISSING:
        assert both(policy, {"e": value}) == ("refused", "e")
    assert both(policy, {}) == ("refused", "e")
    assert both(policy, {**BASE, "li": None}) == both(policy, BASE)  # a required list that is missing is empty


def test_the_same_number_as_text_and_as_a_number_is_read_alike(policy: qualdsl.Policy) -> None:
    """A CSV cell and a JSON number of the same value: both read, or both refused."""
    for number in (10**29, 10**30 - 1, 10**30, 10**31, -(10**30)):
        assert both(policy, {**BASE, "n": number})[0] == both(policy, {**BASE, "n": str(number)})[0]
    for text in ("1E+40", "1E+41", "1E-40", "1E-41", "9.99E+40"):
        assert both(policy, {**BASE, "x": Decimal(text)})[0] == both(policy, {**BASE, "x": text})[0]
        assert both(policy, {**BASE, "x": float(text)})[0] == both(policy, {**BASE, "x": text})[0]


def test_the_largest_values_a_lead_can_have_do_not_overflow(policy: qualdsl.Policy) -> None:
    lead = {**BASE, "n": 10**30 - 1, "x": Decimal("9.99E+40"), "m": "9" * 30 + ".99", "d": dt.date.max,
            "w": dt.datetime.max, "u": dt.timedelta.max, "li": [10**30 - 1] * 3}
    assert both(policy, lead)[0] == "decided"
    tiny = {**BASE, "x": Decimal("1E-40"), "m": Decimal("-1E-40"), "d": dt.date.min, "w": dt.datetime.min,
            "u": dt.timedelta.min}
    assert both(policy, tiny)[0] == "decided"


def test_naive_and_aware_datetimes(policy: qualdsl.Policy) -> None:
    naive = dt.datetime(2026, 11, 30, 12, 0)
    for value in (naive, naive.isoformat(), naive.replace(tzinfo=dt.UTC), naive.isoformat() + "Z",
                  naive.replace(tzinfo=dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=-8)))):
        assert both(policy, {**BASE, "w": value}) == both(policy, {**BASE, "w": naive.isoformat() + "+00:00"})
    events_naive = [("seen", dt.datetime(2026, 11, 30))]
    events_aware = [("seen", dt.datetime(2026, 11, 30, tzinfo=dt.UTC))]
    assert both(policy, BASE, events_naive) == both(policy, BASE, events_aware)


@pytest.mark.parametrize("events", [
    [("nope", NOW)], [("seen", "yesterday")], [("seen", dt.date(2026, 1, 1))], [("seen",)], ["seen"], [None], [5],
    [{"type": "seen"}], [{"at": NOW}], [("seen", NOW, "extra")], [(None, NOW)], [({"a": 1}, NOW)],
    [("seen", 1700000000)], [("seen", "0000-01-01T00:00:00Z")], [("seen", NOW), ("seen", float("nan"))],
], ids=repr)
def test_bad_events_are_refused_naming_the_event(policy: qualdsl.Policy, events: list[object]) -> None:
    result = both(policy, BASE, events)
    assert result[0] == "refused" and str(result[1]).startswith("events")


@pytest.mark.parametrize("events", [
    [("seen", dt.datetime.max)], [("seen", dt.datetime.min)], [("seen", "9999-12-31T23:59:59-05:00")],
    [("seen", "0001-01-01T00:00:00+05:00")], [{"type": "seen", "at": "2026-11-30"}], [("seen", NOW)] * 10_000,
], ids=lambda e: repr(e)[:40])
def test_events_at_the_ends_of_the_calendar_are_decided(policy: qualdsl.Policy, events: list[object]) -> None:
    assert both(policy, BASE, events)[0] == "decided"


def test_a_lead_that_is_not_a_mapping(policy: qualdsl.Policy) -> None:
    for lead in ([("e", "vp")], "e=vp", None, 5):
        with pytest.raises(qualdsl.RecordError) as info:
            policy.evaluate(lead, [], NOW)  # type: ignore[arg-type]
        assert info.value.field == "lead"


def test_error_messages_stay_short() -> None:
    from qualdsl.records import shown

    assert shown("x" * 1_000_000).startswith('"xxxx') and len(shown("x" * 1_000_000)) < 120
    assert "digits" in shown(10**5000)
    deep: list[object] = []
    for _ in range(10_000):
        deep = [deep]
    assert len(shown(deep)) < 120
    assert len(shown({i: i for i in range(10_000)})) < 200


# ---- the command line over broken files ---------------------------------------------------------

CLI_POLICY = """policy "cli"
lead {
  employees : int
  industry  : text?
  budget    : money?
}
events demo
qualify {
  big when employees > 100
  otherwise small
}
"""


@pytest.fixture()
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "cli.qual"
    path.write_text(CLI_POLICY, encoding="utf-8")
    return path


def run_eval(policy_file: Path, name: str, data: bytes, *extra: str) -> tuple[int, list[dict[str, Any]], str]:
    path = policy_file.parent / name
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["eval", str(policy_file), str(path), "--now", NOW.isoformat(), *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines] if "csv" not in extra else [{"line": line} for line in lines]
    return result.exit_code, records, result.stderr


CASES: list[tuple[str, bytes, list[str]]] = [
    # (file name, bytes, per record: "ok" or the start of the error's field)
    ("dup.csv", b"employees,employees,industry\n,5,a\n500,7,b\n", ["ok", "ok"]),
    ("ragged.csv", b"employees,industry\n5\n500,a,b\n7,b,\n7,b\n", ["ok", "record", "record", "ok"]),
    ("short.csv", b"employees,industry\n\n,\n5,\n", ["employees", "ok"]),
    ("latin1.csv", b"employees,industry\n5,a\n500,caf\xe9\n7,b\n", ["ok", "record", "ok"]),
    ("latin1.jsonl", b'{"employees": 5}\n{"employees": 500, "industry": "caf\xe9"}\n{"employees": 7}\n', ["ok", "record", "ok"]),
    ("bom_crlf.csv", b"\xef\xbb\xbfemployees,industry\r\n5,a\r\n500,b\r\n", ["ok", "ok"]),
    ("bom_crlf.jsonl", b'\xef\xbb\xbf{"employees": 5}\r\n{"employees": 500}\r\n', ["ok", "ok"]),
    ("nul.csv", b"employees,industry\n5,a\n500,ca\x00f\n", ["ok", "ok"]),
    ("lone_cr.csv", b"employees,industry\r5,a\r500,b\r", ["ok", "ok"]),
    ("huge_int.jsonl", b'{"employees": 5}\n{"employees": ' + b"9" * 5000 + b'}\n{"employees": 7}\n', ["ok", "record", "ok"]),
    ("big_int.jsonl", b'{"employees": ' + b"9" * 40 + b'}\n{"employees": "' + b"9" * 40 + b'"}\n', ["employees", "employees"]),
    ("deep.jsonl", b'{"employees": 5}\n{"employees": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n", ["ok", "record"]),
    ("surrogate.jsonl", b'{"employees": 5, "industry": "\\udce9"}\n{"employees": 5, "industry": "\\ud83d\\ude00"}\n',
     ["record", "ok"]),
    ("types.jsonl", b'{"employees": "ten"}\n{"employees": true}\n{"employees": 1.5}\n{"employees": null}\n'
     b'{"employees": {"a": 1}}\n{"employees": [1]}\n{"employees": NaN}\n{"employees": Infinity}\n'
     b'{"employees": 5, "budget": 1e400}\n{"employees": 5, "budget": "$1E+999999"}\n',
     ["employees"] * 8 + ["budget", "budget"]),
    ("not_objects.jsonl", b'[1, 2]\n"text"\n{"employees": 5\n\n{"employees": 5}\n', ["record", "record", "record", "ok"]),
    ("events.jsonl", b'{"employees": 5, "events": 5}\n{"employees": 5, "events": [{"type": "nope", "at": "2026-01-01"}]}\n'
     b'{"employees": 5, "events": [{"type": "demo", "at": "never"}]}\n{"employees": 5, "events": [{"type": "demo"}]}\n'
     b'{"employees": 5, "events": [{"type": "demo", "at": "2026-11-30T00:00:00Z"}]}\n',
     ["events", "events", "events", "events", "ok"]),
    ("huge_cell.csv", b"employees,industry\n5," + b"x" * 200_000 + b"\n7,b\n", ["record", "ok"]),
]


@pytest.mark.parametrize(("name", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_eval_gives_one_record_per_input_record(policy_file: Path, name: str, data: bytes, expected: list[str]) -> None:
    code, records, stderr = run_eval(policy_file, name, data, "--id-column", "industry")
    assert [r["row"] for r in records] == list(range(1, len(expected) + 1))
    got = ["ok" if "outcome" in r else r["error"]["field"] for r in records]
    assert [g if g == "ok" else g.split("[")[0].split(".")[0] for g in got] == expected
    assert code == (3 if any(e != "ok" for e in expected) else 0), stderr
    for record in records:
        if "error" in record:
            assert record["error"]["message"] and len(record["error"]["message"]) < 400


@pytest.mark.parametrize(("name", "data"), [
    ("badheader.csv", b"employees,ind\xe9stry\n5,a\n"),
    ("latin1.json", b'[{"employees": 5, "industry": "caf\xe9"}]'),
    ("huge_int.json", b'[{"employees": ' + b"9" * 5000 + b"}]"),
    ("deep.json", b"[" * 100_000 + b"]" * 100_000),
    ("broken.json", b'[{"employees": 5}'),
    ("scalar.json", b"5"),
])
def test_a_file_that_cannot_be_read_as_a_whole_exits_2(policy_file: Path, name: str, data: bytes) -> None:
    code, records, stderr = run_eval(policy_file, name, data)
    assert code == 2 and records == []
    assert stderr.startswith("error: ")


def test_the_command_in_a_real_process_never_prints_a_traceback(policy_file: Path) -> None:
    """Through a real UTF-8 stdout (a lone surrogate used to crash the writer there)."""
    path = policy_file.parent / "mixed.jsonl"
    path.write_bytes(b'{"employees": 500, "id": "\\udce9"}\n{"employees": 500, "industry": "caf\xe9"}\n'
                     b'{"employees": ' + b"9" * 5000 + b'}\n{"employees": 500, "id": "A-1"}\n')
    result = subprocess.run([sys.executable, "-m", "qualdsl.cli", "eval", str(policy_file), str(path), "--now",
                             NOW.isoformat(), "--id-column", "id", "--explain"], capture_output=True, timeout=120)
    assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
    assert result.returncode == 3
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == 4 and json.loads(lines[3])["outcome"] == "big"


def test_csv_output_of_broken_input(policy_file: Path) -> None:
    data = b"employees,industry\n5,caf\xe9\n500,b\n" + b"9" * 40 + b",c\n"
    code, lines, _ = run_eval(policy_file, "out.csv", data, "--output-format", "csv")
    assert code == 3
    assert [line["line"].split(",")[0] for line in lines] == ["row", "1", "2", "3"]


def test_nan_in_a_required_number_is_missing_not_a_crash(policy_file: Path) -> None:
    assert math.isnan(json.loads("NaN"))
    code, records, _ = run_eval(policy_file, "nan.jsonl", b'{"employees": NaN}\n')
    assert code == 3 and records[0]["error"]["field"] == "employees"

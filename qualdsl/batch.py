"""Lead files in and decision files out: CSV, JSONL and JSON arrays, streamed."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator, Mapping
from typing import IO, Any

import attrs

from qualdsl.errors import RecordError
from qualdsl.policy import EvalResult, Policy, normalize_now

FORMATS = ("csv", "jsonl", "json")


class InputError(Exception):
    """The input file as a whole cannot be read (not one record: the file)."""


def detect_format(path: str, declared: str) -> str:
    if declared != "auto":
        return declared
    lowered = path.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lowered.endswith(".json"):
        return "json"
    if path == "-":
        return "jsonl"
    raise InputError(f"cannot tell the format of `{path}` from its name; pass --input-format csv|jsonl|json")


@attrs.frozen
class BadLine:
    """A JSONL line that is not a JSON object: it still yields one output record."""

    line: int
    message: str


def read_records(stream: IO[str], fmt: str) -> Iterator[Mapping[str, Any] | BadLine]:
    if fmt == "csv":
        yield from _read_csv(stream)
    elif fmt == "jsonl":
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield BadLine(number, f"line {number} is not valid JSON: {exc.msg}")
                continue
            yield value if isinstance(value, dict) else BadLine(number, f"line {number} is not a JSON object")
    else:
        try:
            data = json.load(stream)
        except json.JSONDecodeError as exc:
            raise InputError(f"the input is not valid JSON: {exc.msg} at line {exc.lineno}") from exc
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list):
            raise InputError("a JSON input must be an array of lead objects")
        for number, value in enumerate(data, start=1):
            yield value if isinstance(value, dict) else BadLine(number, f"item {number} is not a JSON object")


def _read_csv(stream: IO[str]) -> Iterator[Mapping[str, Any] | BadLine]:
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise InputError(f"the CSV header cannot be read: {exc}") from exc
    width = len(header)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield BadLine(reader.line_num, f"CSV line {reader.line_num} cannot be read: {exc}")
            continue
        if not row:
            continue
        if len(row) > width:
            yield BadLine(reader.line_num, f"CSV line {reader.line_num} has {len(row)} cells, the header has {width}")
            continue
        record: dict[str, Any] = {}
        for column, value in zip(header, row, strict=False):
            if column not in record or not record[column]:
                record[column] = value
        yield record


def open_input(path: str) -> IO[str]:
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"cannot read `{path}`: {exc.strerror or exc}") from exc


def evaluate_stream(
    policy: Policy,
    records: Iterator[Mapping[str, Any] | BadLine],
    now: Any,
    events_key: str = "events",
) -> Iterator[EvalResult]:
    """One result per input record, in input order; bad lines become error results."""
    when = normalize_now(now)
    for index, item in enumerate(records):
        if isinstance(item, BadLine):
            yield EvalResult(index, {}, None, RecordError("record", item.message))
        else:
            yield policy.evaluate_record(index, item, when, events_key)


def result_dict(result: EvalResult, id_column: str | None, explain: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"row": result.index + 1}
    if id_column is not None:
        out["id"] = result.record.get(id_column) if isinstance(result.record, Mapping) else None
    if result.decision is not None:
        decision = result.decision.to_dict(explain=explain)
        decision.pop("policy", None)
        decision.pop("now", None)
        out.update(decision)
    elif result.error is not None:
        out["error"] = result.error.to_dict()
    return out


class Writer:
    """Writes result dicts as JSONL or CSV (scores flattened into columns)."""

    def __init__(self, stream: IO[str], fmt: str, score_names: tuple[str, ...], with_id: bool) -> None:
        self.stream = stream
        self.fmt = fmt
        self.score_names = score_names
        self._csv: Any = None
        if fmt == "csv":
            columns = ["row", *(["id"] if with_id else []), "outcome", "reason", "rule_line",
                       *score_names, "error_field", "error_message"]
            self._csv = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
            self._csv.writeheader()

    def write(self, record: dict[str, Any]) -> None:
        if self._csv is None:
            self.stream.write(json.dumps(record, ensure_ascii=False, sort_keys=False, default=str) + "\n")
            return
        row = {k: record.get(k) for k in ("row", "id", "outcome", "reason")}
        rule = record.get("rule")
        row["rule_line"] = rule["line"] if isinstance(rule, dict) else None
        for name, value in (record.get("scores") or {}).items():
            row[name] = value
        error = record.get("error")
        if isinstance(error, dict):
            row["error_field"] = error.get("field")
            row["error_message"] = error.get("message")
        self._csv.writerow(row)

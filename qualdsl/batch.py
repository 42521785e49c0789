"""Lead files in and decision files out: CSV, JSONL and JSON arrays, streamed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from json.encoder import encode_basestring
from typing import IO, Any

import attrs

from qualdsl.check.literals import parse_datetime
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
    if lowered.endswith(".parquet"):
        return "parquet"
    if path == "-":
        return "jsonl"
    raise InputError(f"cannot tell the format of `{path}` from its name; pass --input-format csv|jsonl|json|parquet")


@attrs.frozen
class BadLine:
    """A JSONL line that is not a JSON object: it still yields one output record."""

    line: int
    message: str


# Bytes that are not UTF-8, as ``open_input`` decodes them (errors="surrogateescape"): one lone
# surrogate each. A record that holds one is refused (an error record), the rest of the file is read.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")  # `\udce9` written in JSON
_HALF = "a lone surrogate (half of a character)"


def _not_utf8(where: str, found: str) -> str:
    byte = ord(found) - 0xDC00
    return f"{where} is not UTF-8 text: the byte 0x{byte:02X} cannot be read (save the file as UTF-8)"


def _json_problem(exc: BaseException) -> str:
    """What ``json.loads`` refused other than by a syntax error, in words."""
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    if "digits" in str(exc):
        return "a number has more than 4,300 digits"
    return str(exc)


def _lone_surrogate(text: str, value: object) -> str | None:
    """A JSON text's `\\udXXX` that is half of a character: such a text cannot be written out again."""
    if "\\u" not in text or _ESCAPED_SURROGATE.search(text) is None:
        return None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"\\u{ord(exc.object[exc.start]):04x}"
    return None


def read_records(stream: IO[str], fmt: str) -> Iterator[Mapping[str, Any] | BadLine]:
    if fmt == "csv":
        yield from _read_csv(stream)
    elif fmt == "jsonl":
        yield from read_jsonl(stream)
    else:
        text = stream.read()
        found = _NOT_UTF8.search(text) if not text.isascii() else None
        if found is not None:
            raise InputError(_not_utf8("the input", found.group()))
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"the input is not valid JSON: {exc.msg} at line {exc.lineno}") from exc
        except (ValueError, RecursionError) as exc:  # a number of more than 4,300 digits; deep nesting
            raise InputError(f"the input is not valid JSON: {_json_problem(exc)}") from exc
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list):
            raise InputError("a JSON input must be an array of lead objects")
        for number, value in enumerate(data, start=1):
            if not isinstance(value, dict):
                yield BadLine(number, f"item {number} is not a JSON object")
                continue
            half = _lone_surrogate(text, value)
            yield value if half is None else BadLine(number, f"item {number} holds {half}, {_HALF}")


def read_jsonl(
    lines: Iterable[str], first_line: int = 1, loads: Callable[[str], Any] = json.loads
) -> Iterator[Mapping[str, Any] | BadLine]:
    """JSON Lines; ``first_line`` is the number of the first line (a chunk of a file starts later).
    ``loads`` must give what ``json.loads`` gives, and raise ``json.JSONDecodeError`` where it does."""
    for number, line in enumerate(lines, start=first_line):
        if not line.strip():
            continue
        if not line.isascii():
            found = _NOT_UTF8.search(line)
            if found is not None:
                yield BadLine(number, _not_utf8(f"line {number}", found.group()))
                continue
        try:
            value = loads(line)
        except json.JSONDecodeError as exc:
            yield BadLine(number, f"line {number} is not valid JSON: {exc.msg}")
            continue
        except (ValueError, RecursionError) as exc:  # a number of more than 4,300 digits; deep nesting
            yield BadLine(number, f"line {number} is not valid JSON: {_json_problem(exc)}")
            continue
        if not isinstance(value, dict):
            yield BadLine(number, f"line {number} is not a JSON object")
            continue
        half = _lone_surrogate(line, value)
        yield value if half is None else BadLine(number, f"line {number} holds {half}, {_HALF}")


class _CheckedLines:
    """The lines of a text stream, noting the first character that stands for a byte that is not
    UTF-8 (``csv.reader`` reads one record's lines at a time, so the note belongs to that record)."""

    def __init__(self, stream: Iterable[str]) -> None:
        self._lines = iter(stream)
        self.bad: str | None = None

    def __iter__(self) -> _CheckedLines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        if self.bad is None and not line.isascii():
            found = _NOT_UTF8.search(line)
            if found is not None:
                self.bad = found.group()
        return line


def _read_csv(stream: IO[str]) -> Iterator[Mapping[str, Any] | BadLine]:
    lines = _CheckedLines(stream)
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise InputError(f"the CSV header cannot be read: {exc}") from exc
    if lines.bad is not None:
        raise InputError(_not_utf8("the CSV header", lines.bad))
    for item in csv_rows(reader, header):
        if lines.bad is not None:
            item = BadLine(reader.line_num, _not_utf8(f"CSV line {reader.line_num}", lines.bad))
            lines.bad = None
        yield item


def csv_rows(reader: Any, header: list[str], line_offset: int = 0) -> Iterator[Mapping[str, Any] | BadLine]:
    """The records of a ``csv.reader`` after its header; ``line_offset`` is added to the reader's line
    numbers (a reader over a chunk of a file, the header read elsewhere)."""
    width = len(header)
    unique = len(set(header)) == width
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num + line_offset
            yield BadLine(line, f"CSV line {line} cannot be read: {exc}")
            continue
        if not row:
            continue
        if len(row) > width:
            line = reader.line_num + line_offset
            yield BadLine(line, f"CSV line {line} has {len(row)} cells, the header has {width}")
            continue
        if unique:  # the usual case: the loop below would keep every pair
            yield dict(zip(header, row, strict=False))
            continue
        record: dict[str, Any] = {}
        for column, value in zip(header, row, strict=False):
            if column not in record or not record[column]:  # a repeated column: the first non-empty cell wins
                record[column] = value
        yield record


def open_input(path: str) -> IO[str]:
    # bytes that are not UTF-8 become lone surrogates, which `read_records` turns into error records
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", errors="surrogateescape", newline="")
    try:
        return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as exc:
        raise InputError(f"cannot read `{path}`: {exc.strerror or exc}") from exc


def close_input(stream: IO[str], path: str) -> None:
    """Close what ``open_input`` opened; for standard input, take the text wrapper off its buffer
    and leave standard input itself open."""
    if path == "-" and isinstance(stream, io.TextIOWrapper):
        stream.detach()
    else:
        stream.close()


def evaluate_stream(
    policy: Policy,
    records: Iterator[Mapping[str, Any] | BadLine],
    now: Any,
    events_key: str = "events",
) -> Iterator[EvalResult]:
    """One result per input record, in input order; bad lines become error results."""
    when = normalize_now(now)
    for index, item in enumerate(records):
        yield evaluate_item(policy, index, item, when, events_key)


def evaluate_item(policy: Policy, index: int, item: Mapping[str, Any] | BadLine, when: dt.datetime,
                  events_key: str = "events") -> EvalResult:
    """One input record's result (``when`` already normalized): ``policy.evaluate_record``, with
    JSON events in their usual form ({"type": text, "at": ISO text}) read here first, in one
    tight loop, instead of one at a time by the evaluator's general path. Anything else (and
    every bad event) goes to the evaluator as it came, so errors are reported as before."""
    if item.__class__ is dict:
        events = item.get(events_key)  # type: ignore[union-attr]
        typed: Any = None
        if events is None:
            typed = ()  # no events key, or null: no events (as evaluate_record reads them)
        elif events.__class__ is list:
            typed = typed_events(events) if events else events
        if typed is not None:
            try:
                return EvalResult(index, item, policy.evaluate(item, typed, when), None)  # type: ignore[arg-type]
            except RecordError as exc:
                return EvalResult(index, item, None, exc)  # type: ignore[arg-type]
    elif isinstance(item, BadLine):
        return EvalResult(index, {}, None, RecordError("record", item.message))
    return policy.evaluate_record(index, item, when, events_key)


def typed_events(events: list[Any]) -> list[tuple[str, dt.datetime]] | None:
    """JSON events as the (type, aware datetime) pairs the evaluator takes without further checks, as
    ``qualdsl.records.event_parts`` and ``to_datetime`` read them; None when any event is in another
    form or its time cannot be read (the evaluator then reads, and reports, the originals)."""
    out: list[tuple[str, dt.datetime]] = []
    append = out.append
    for event in events:
        if event.__class__ is not dict:
            return None
        kind = event.get("type")
        at = event.get("at")
        if kind.__class__ is not str or at.__class__ is not str:
            return None
        try:
            append((kind, parse_datetime(at)))
        except ValueError:
            return None
    return out


def result_dict(result: EvalResult, id_column: str | None, explain: bool) -> dict[str, Any]:
    """A result as the record ``qualdsl eval`` writes: ``Decision.to_dict`` without ``policy`` and ``now``."""
    out: dict[str, Any] = {"row": result.index + 1}
    if id_column is not None:
        out["id"] = result.record.get(id_column) if isinstance(result.record, Mapping) else None
    decision = result.decision
    if decision is not None:
        if explain:
            full = decision.to_dict(explain=True)
            full.pop("policy", None)
            full.pop("now", None)
            out.update(full)
        else:  # Decision.to_dict's keys in its order, without formatting the two that are dropped
            rule = decision.policy.model.rules[decision.rule_index]
            out["outcome"] = rule.outcome
            out["reason"] = rule.reason
            out["scores"] = decision.scores
            out["rule"] = {"index": rule.index, "line": rule.span.line, "text": rule.text}
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
        # json.dumps(record, ensure_ascii=False, default=str) without building an encoder per record
        self._encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
        if fmt == "csv":
            columns = ["row", *(["id"] if with_id else []), "outcome", "reason", "rule_line",
                       *score_names, "error_field", "error_message"]
            self._csv = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
            self._csv.writeheader()

    def write(self, record: dict[str, Any]) -> None:
        if self._csv is None:
            self.stream.write(self._encode(record) + "\n")
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


class _Lines(list):  # type: ignore[type-arg]
    """A write-only text "stream" that keeps each write as one item (csv.writer writes a row at once)."""

    write = list.append


class ResultEncoder:
    """Output lines for results, byte for byte what ``Writer.write(result_dict(result, ...))`` writes,
    split at the row number: ``line == head + str(row) + tail(result)`` (``head`` is ``{"row": `` for
    JSONL and empty for CSV), so a result can be encoded before its row number is known (in a
    worker process, say). A plain decision as JSONL (the common case) is put together from pieces
    encoded once per rule; everything else goes through ``result_dict`` and a ``Writer``."""

    def __init__(self, policy: Policy, fmt: str, id_column: str | None, explain: bool) -> None:
        self.fmt = fmt
        self.id_column = id_column
        self.explain = explain
        self.score_names = tuple(policy.model.scores)
        self._lines = _Lines()
        self._writer = Writer(self._lines, fmt, self.score_names, id_column is not None)  # type: ignore[arg-type]
        self.header_text = "".join(self._lines)  # the CSV header line, or ""
        self._lines.clear()
        self.head = '{"row": ' if fmt == "jsonl" else ""
        self._placeholder = len(self.head) + 1  # the encoding of row 0
        encode = self._encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
        self._score_keys = tuple(encode(name) + ": " for name in self.score_names)
        self._middle: list[str] = []  # per rule: '"outcome": ..., "reason": ..., "scores": {'
        self._end: list[str] = []  # per rule: '}, "rule": {...}}\n'
        for rule in policy.model.rules:
            self._middle.append(f', "outcome": {encode(rule.outcome)}, "reason": {encode(rule.reason)}, "scores": {{')
            rule_dict = {"index": rule.index, "line": rule.span.line, "text": rule.text}
            self._end.append(f'}}, "rule": {encode(rule_dict)}}}\n')

    def line(self, result: EvalResult) -> str:
        return self.head + str(result.index + 1) + self.tail(result)

    def tail(self, result: EvalResult) -> str:
        decision = result.decision
        if decision is None or self.explain or self.fmt != "jsonl":
            return self._slow_tail(result)
        encode = self._encode
        parts = []
        if self.id_column is not None:
            record = result.record
            value = record.get(self.id_column) if isinstance(record, Mapping) else None
            parts.append(', "id": ' + (encode_basestring(value) if value.__class__ is str else encode(value)))
        index = decision.rule_index
        parts.append(self._middle[index])
        values = decision.score_values
        if len(values) == 1 and values[0].__class__ is int:
            parts.append(self._score_keys[0] + str(values[0]))
        else:
            parts.append(", ".join(
                key + (str(value) if value.__class__ is int else encode(value))
                for key, value in zip(self._score_keys, values, strict=False)
            ))
        parts.append(self._end[index])
        return "".join(parts)

    def _slow_tail(self, result: EvalResult) -> str:
        self._writer.write(result_dict(attrs.evolve(result, index=-1), self.id_column, self.explain))
        text = "".join(self._lines)
        self._lines.clear()
        return text[self._placeholder:]

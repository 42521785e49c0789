"""`qualdsl eval` on several processes: the input in chunks, decided by workers, written in order.

The parent reads the input as bytes, in chunks of about ``chunk_bytes`` that end at a record
boundary, and hands them to ``jobs`` worker processes (each loads the policy once). A worker
decodes and parses its chunk, decides every record and encodes every output line except its
row number, which depends on how many records came before (blank lines are skipped). The
parent writes the chunks in input order, adding the row numbers. At most ``2 * jobs`` chunks
are in flight, so memory stays flat whatever the size of the input.

Where records end:

* JSONL: at a line end. A JSON text cannot hold a raw line break, so every line end is one.
* CSV: a quoted cell may hold line breaks. A chunk without a ``"`` is cut at its last line end
  (every line end is a record end when no cell is quoted). A chunk with one is run through
  ``csv.reader`` (the same parser the workers use, started at the same record boundary) to
  find its last complete record; the rest waits for the next chunk. The header is read once,
  by the parent, and given to the workers.
* a JSON array (``fmt="json"``) cannot be cut without parsing it: the parent parses it and
  hands the workers batches of records.

One output record per input record, in input order, with the same bytes as one process
writes (and as ``qualdsl eval`` without ``--jobs`` writes), line numbers in error messages
counted over the whole file.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from typing import IO, Any

from qualdsl.batch import (
    _NOT_UTF8,
    BadLine,
    InputError,
    ResultEncoder,
    _CheckedLines,
    _not_utf8,
    close_input,
    csv_rows,
    evaluate_item,
    open_input,
    read_jsonl,
    read_records,
)
from qualdsl.policy import Policy, load, normalize_now

_orjson_loads: Callable[[str], Any] | None
try:  # optional (the `server` extra)
    from orjson import loads as _orjson_loads
except ImportError:  # pragma: no cover - depends on the environment
    _orjson_loads = None

CHUNK_BYTES = 1 << 20
RECORDS_PER_BATCH = 2000  # records per task when the parent parses (a JSON array)
_DIGITS = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_NUMBER = b"0" * 19  # any integer orjson turns into a float (beyond 64 bits) has 19 digits or more

# A task: ("jsonl", bytes, first line number, byte offset) | ("csv", text, line offset, byte offset)
#       | ("records", [record or BadLine, ...])
Task = tuple[Any, ...]
ChunkResult = tuple[list[str], int]  # (output tails, failures)


# ---- the worker side -----------------------------------------------------------------------------------
class _Worker:
    """What a process needs to decide chunks: the policy (loaded once), ``now``, the encoder."""

    def __init__(self, policy: Policy, now: Any, id_column: str | None, explain: bool, events_key: str,
                 output_format: str, header: list[str] | None) -> None:
        self.policy = policy
        self.when = normalize_now(now)
        self.events_key = events_key
        self.encoder = ResultEncoder(policy, output_format, id_column, explain)
        self.header = header

    def run(self, task: Task) -> ChunkResult:
        kind = task[0]
        if kind == "jsonl":
            _, data, first_line, offset = task
            text = _decode(data, offset)
            loads: Callable[[str], Any] = json.loads
            if _orjson_loads is not None and _LONG_NUMBER not in data.translate(_DIGITS):
                loads = _json_loads_fast
            items: Iterator[Mapping[str, Any] | BadLine] = read_jsonl(io.StringIO(text, newline=""), first_line, loads)
        elif kind == "csv":
            _, text, line_offset, _offset = task
            assert self.header is not None
            items = _csv_records(text, self.header, line_offset)
        else:
            items = iter(task[1])
        tails = []
        failures = 0
        policy, when, events_key, tail = self.policy, self.when, self.events_key, self.encoder.tail
        for item in items:
            result = evaluate_item(policy, -1, item, when, events_key)
            failures += result.error is not None
            tails.append(tail(result))
        return tails, failures


def _csv_records(text: str, header: list[str], line_offset: int) -> Iterator[Mapping[str, Any] | BadLine]:
    """``batch._read_csv`` after the header, over a chunk whose first line is ``line_offset + 1``."""
    lines = _CheckedLines(io.StringIO(text, newline=""))
    reader = csv.reader(lines)
    for item in csv_rows(reader, header, line_offset):
        if lines.bad is not None:  # a record with a byte that is not UTF-8
            line = reader.line_num + line_offset
            item = BadLine(line, _not_utf8(f"CSV line {line}", lines.bad))
            lines.bad = None
        yield item


def _json_loads_fast(line: str) -> Any:
    """orjson, where it gives what json.loads gives (checked by the caller: no number of 19 digits or more
    in the chunk); what orjson refuses (NaN, lone surrogates, ...) goes to json.loads, value or error."""
    try:
        return _orjson_loads(line)  # type: ignore[misc]
    except ValueError:
        return json.loads(line)


def _decode(data: bytes, offset: int) -> str:
    """As ``batch.open_input`` decodes: a byte that is not UTF-8 becomes a lone surrogate, which the
    readers turn into an error record. (A chunk ends at a line end, so no character is cut in two.)"""
    return data.decode("utf-8-sig" if offset == 0 else "utf-8", errors="surrogateescape")


_WORKER: _Worker | None = None


def _init_worker(policy_path: str, now: Any, id_column: str | None, explain: bool, events_key: str,
                 output_format: str, header: list[str] | None) -> None:
    global _WORKER
    _WORKER = _Worker(load(policy_path), now, id_column, explain, events_key, output_format, header)


def _run_task(task: Task) -> ChunkResult:
    assert _WORKER is not None
    return _WORKER.run(task)


# ---- the parent side: cutting the input into tasks ------------------------------------------------------
def _line_count(data: bytes) -> int:
    """Lines as a text stream with ``newline=""`` counts them (\\n, \\r\\n and a lone \\r each end one)."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def _blocks(stream: IO[bytes], chunk_bytes: int) -> Iterator[bytes]:
    # read1: what is there, up to chunk_bytes, without waiting for more (a pipe that a live feed
    # writes to is decided as its lines arrive, not a chunk at a time)
    read = getattr(stream, "read1", stream.read)
    while True:
        block = read(chunk_bytes)
        if not block:
            return
        yield block


def _jsonl_tasks(stream: IO[bytes], chunk_bytes: int) -> Iterator[Task]:
    pending = b""
    offset = 0  # of `pending` in the file
    line = 1  # the number of the first line of `pending`
    for block in _blocks(stream, chunk_bytes):
        pending += block
        cut = pending.rfind(b"\n") + 1
        if cut == 0:  # no line end yet: one long line, read on
            continue
        data, pending = pending[:cut], pending[cut:]
        yield ("jsonl", data, line, offset)
        offset += len(data)
        line += _line_count(data)
    if pending:
        yield ("jsonl", pending, line, offset)


def _complete_records(text: str, at_end: bool) -> tuple[int, int]:
    """(characters, lines) of the complete records at the start of ``text``, which starts at a record
    boundary, found by csv.reader itself. Unless ``at_end``, the last record is held back: the
    next chunk may continue it (a quoted cell across the chunk's end)."""
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(lines)
    boundaries = [0]  # lines read after each record, or after each unreadable one (the reader starts afresh)
    while True:
        try:
            next(reader)
        except StopIteration:
            break
        except csv.Error:
            pass
        boundaries.append(reader.line_num)
    if not at_end:
        boundaries.pop()
    used = boundaries[-1] if boundaries else 0
    return sum(len(line) for line in lines[:used]), used


def _csv_tasks(stream: IO[bytes], chunk_bytes: int) -> tuple[list[str] | None, Iterator[Task]]:
    """The header (None for an empty file) and the tasks for the records after it."""
    blocks = _blocks(stream, chunk_bytes)
    pending = b""
    at_end = False
    while True:  # the header: csv.reader's first record (it may be quoted, even across lines)
        block = next(blocks, b"")
        at_end = not block
        pending += block
        if at_end and not pending:
            return None, iter(())  # an empty file
        end = len(pending) if at_end else pending.rfind(b"\n") + 1
        if end == 0:
            continue
        text = _decode(pending[:end], 0)
        lines = io.StringIO(text, newline="").readlines()
        reader = csv.reader(lines)
        try:
            header = next(reader)
        except StopIteration:
            if at_end:
                return None, iter(())
            continue
        except csv.Error as exc:
            raise InputError(f"the CSV header cannot be read: {exc}") from exc
        if reader.line_num < len(lines) or at_end:
            break  # (when it took every line, the next block may still continue it)
    header_lines = reader.line_num
    header_text = "".join(lines[:header_lines])
    found = _NOT_UTF8.search(header_text)
    if found is not None:
        raise InputError(_not_utf8("the CSV header", found.group()))
    bom = 3 if pending.startswith(codecs.BOM_UTF8) else 0
    header_bytes = bom + len(header_text.encode("utf-8", errors="surrogateescape"))

    def tasks() -> Iterator[Task]:
        nonlocal at_end
        offset = header_bytes  # of `rest` in the file
        line = header_lines  # lines before `rest`
        rest = pending[header_bytes:]
        short = False  # the last read gave less than asked: do not wait for a full chunk (a live pipe)
        while True:
            if not at_end and (not rest or (len(rest) < chunk_bytes and not short)):
                block = next(blocks, b"")
                at_end, short = not block, len(block) < chunk_bytes
                rest += block
                continue
            if not rest:
                return
            end = len(rest) if at_end else rest.rfind(b"\n") + 1
            if end and b'"' not in rest[:end]:  # no quoted cell: every line end is a record end
                data = rest[:end]
                text = _decode(data, offset)
                used = _line_count(data)
            elif end:
                whole = _decode(rest[:end], offset)
                chars, used = _complete_records(whole, at_end and end == len(rest))
                text = whole[:chars]
                data = rest[:len(text.encode("utf-8", errors="surrogateescape"))]
            if not end or not data:  # no complete record yet (a long line or cell): read on
                block = next(blocks, b"")
                at_end, short = not block, len(block) < chunk_bytes
                rest += block
                continue
            yield ("csv", text, line, offset)
            rest = rest[len(data):]
            offset += len(data)
            line += used

    return header, tasks()


def _record_tasks(stream: IO[str], fmt: str, batch: int) -> Iterator[Task]:
    items: list[Mapping[str, Any] | BadLine] = []
    for item in read_records(stream, fmt):
        items.append(item)
        if len(items) >= batch:
            yield ("records", items)
            items = []
    if items:
        yield ("records", items)


# ---- putting it together ----------------------------------------------------------------------------------
def _open_binary(path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read `{path}`: {exc.strerror or exc}") from exc


def evaluate_file_parallel(
    policy_path: str,
    input_path: str,
    fmt: str,
    output: IO[str],
    now: Any,
    jobs: int,
    id_column: str | None = None,
    explain: bool = False,
    events_key: str = "events",
    output_format: str = "jsonl",
    *,
    chunk_bytes: int = CHUNK_BYTES,
    progress: Callable[[int], None] | None = None,
    policy: Policy | None = None,
) -> tuple[int, int]:
    """Decide every record of ``input_path`` (``-``: standard input) in ``fmt`` (csv, jsonl or json) and
    write one output record per input record, in input order, to ``output`` as ``output_format``
    (jsonl or csv), the bytes ``qualdsl eval`` writes. ``jobs`` worker processes (below 1: one per
    CPU; 1: in this process, no workers). Returns (records, records that could not be read).

    ``now`` is fixed once (None: the current time, read here). ``progress`` is called with the number
    of records written after each chunk. ``policy``, when given, is the already loaded policy at
    ``policy_path`` (the workers load their own). Raises ``InputError`` when the input as a whole
    cannot be read (a missing file, a CSV header that cannot be read or is not UTF-8, a JSON array
    that is not valid JSON), as ``qualdsl eval`` does; a record that cannot be read (bytes that are
    not UTF-8 included) is an error record, counted in the failures."""
    if jobs < 1:
        jobs = os.cpu_count() or 1
    if policy is None:
        policy = load(policy_path)
    when = normalize_now(now)  # once, here: every worker decides at the same moment
    binary: IO[bytes] | None = None
    text_stream: IO[str] | None = None
    header: list[str] | None = None
    try:
        # as `qualdsl eval` does: the input is opened, then the output's CSV header written, then the input read
        if fmt in ("jsonl", "csv"):
            binary = _open_binary(input_path)
        elif fmt == "json":
            text_stream = open_input(input_path)
        else:
            raise InputError(f"unknown input format `{fmt}`; use csv, jsonl or json")
        encoder = ResultEncoder(policy, output_format, id_column, explain)
        output.write(encoder.header_text)
        head = encoder.head
        tasks: Iterator[Task]
        if binary is not None and fmt == "jsonl":
            tasks = _jsonl_tasks(binary, chunk_bytes)
        elif binary is not None:
            header, tasks = _csv_tasks(binary, chunk_bytes)
        else:
            assert text_stream is not None
            tasks = _record_tasks(text_stream, fmt, RECORDS_PER_BATCH)
        records = failures = 0

        def write(result: ChunkResult) -> None:
            nonlocal records, failures
            tails, bad = result
            first = records + 1
            output.write("".join([f"{head}{row}{tail}" for row, tail in enumerate(tails, first)]))
            records += len(tails)
            failures += bad
            if progress is not None:
                progress(records)

        if jobs == 1:
            worker = _Worker(policy, when, id_column, explain, events_key, output_format, header)
            for task in tasks:
                write(worker.run(task))
            return records, failures
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                                 initargs=(policy_path, when, id_column, explain, events_key, output_format,
                                           header)) as pool:
            in_flight: deque[Future[ChunkResult]] = deque()
            try:
                for task in tasks:
                    in_flight.append(pool.submit(_run_task, task))
                    if len(in_flight) >= 2 * jobs:
                        write(in_flight.popleft().result())
                    while in_flight and in_flight[0].done():  # write what is ready, in order
                        write(in_flight.popleft().result())
                while in_flight:
                    write(in_flight.popleft().result())
            except BaseException:
                for future in in_flight:
                    future.cancel()
                raise
        return records, failures
    finally:
        if binary is not None and binary is not sys.stdin.buffer:
            binary.close()
        if text_stream is not None:
            close_input(text_stream, input_path)

"""Parquet lead files in and decision files out, streamed in record batches (needs pyarrow:
``pip install 'qualdsl[parquet]'``).

Reading gives one dict per row, values as Arrow converts them to Python: integers, floats, text,
``True``/``False``, ``Decimal`` (decimal columns), ``datetime`` (timestamps; a timestamp without a
time zone is read as UTC by the evaluator), ``timedelta`` (durations), lists, and ``None`` for a
null (a missing value). A lead's events are a list of structs with ``type`` and ``at``
(``list<struct<type: string, at: timestamp>>``), under ``events`` or another key.

Writing takes the records ``qualdsl.batch.result_dict`` makes and writes the columns of the CSV
output: ``row``, ``id`` (with an id column; as text), ``outcome``, ``reason``, ``rule_line``, one
int64 column per score, ``error_field``, ``error_message``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from qualdsl.batch import BadLine, InputError

BATCH_ROWS = 10_000


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError("Parquet needs pyarrow: pip install 'qualdsl[parquet]'") from exc
    return pyarrow, pyarrow.parquet


def read_parquet(path: str, batch_rows: int = BATCH_ROWS) -> Iterator[Mapping[str, Any] | BadLine]:
    """The rows of the Parquet file at ``path`` as dicts, ``batch_rows`` at a time (constant memory)."""
    _, pq = _pyarrow()
    try:
        source = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:  # pyarrow.ArrowInvalid is a ValueError
        raise InputError(f"cannot read `{path}` as Parquet: {exc}") from exc
    with source:
        for batch in source.iter_batches(batch_size=batch_rows):
            yield from batch.to_pylist()


class ParquetWriter:
    """Writes result records (``qualdsl.batch.result_dict``) to a Parquet file, a row group per
    ``batch_rows`` records; ``close()`` (or ``with``) finishes the file."""

    def __init__(self, path: str, score_names: tuple[str, ...], with_id: bool, batch_rows: int = BATCH_ROWS) -> None:
        pa, pq = _pyarrow()
        self._pa = pa
        self.score_names = score_names
        self.with_id = with_id
        self.batch_rows = batch_rows
        fields = [pa.field("row", pa.int64(), nullable=False)]
        if with_id:
            fields.append(pa.field("id", pa.string()))
        fields += [pa.field("outcome", pa.string()), pa.field("reason", pa.string()), pa.field("rule_line", pa.int64())]
        fields += [pa.field(name, pa.int64()) for name in score_names]
        fields += [pa.field("error_field", pa.string()), pa.field("error_message", pa.string())]
        self.schema = pa.schema(fields)
        self._columns: dict[str, list[Any]] = {name: [] for name in self.schema.names}
        self._writer = pq.ParquetWriter(path, self.schema)
        self.rows = 0

    def write(self, record: Mapping[str, Any]) -> None:
        columns = self._columns
        columns["row"].append(record["row"])
        if self.with_id:
            value = record.get("id")
            columns["id"].append(None if value is None else str(value))
        columns["outcome"].append(record.get("outcome"))
        columns["reason"].append(record.get("reason"))
        rule = record.get("rule")
        columns["rule_line"].append(rule["line"] if isinstance(rule, Mapping) else None)
        scores = record.get("scores") or {}
        for name in self.score_names:
            columns[name].append(scores.get(name))
        error = record.get("error")
        columns["error_field"].append(error.get("field") if isinstance(error, Mapping) else None)
        columns["error_message"].append(error.get("message") if isinstance(error, Mapping) else None)
        self.rows += 1
        if len(columns["row"]) >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        if self._columns["row"]:
            table = self._pa.Table.from_pydict(self._columns, schema=self.schema)
            self._writer.write_table(table)
            for values in self._columns.values():
                values.clear()

    def close(self) -> None:
        self.flush()
        self._writer.close()

    def __enter__(self) -> ParquetWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

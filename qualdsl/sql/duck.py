"""Running the SQL with DuckDB, in process: over CSV or Parquet files, or over tables.

``eval_duckdb`` is ``qualdsl eval --engine duckdb``: the same output records as the Python
path (one per input record, in input order), computed by one query.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any

from sqlglot import exp

from qualdsl import model as m
from qualdsl.sql.query import SqlOptions, build_query, output_names

ROW = "__row"


def connect() -> Any:
    try:
        import duckdb
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise RuntimeError("the DuckDB engine needs `pip install 'qualdsl[sql]'`") from exc
    return duckdb.connect()


def _reader(path: str) -> str:
    """The DuckDB table function that reads ``path``: CSV as text only (the policy's types
    decide how a cell is read, as in the Python path), Parquet as it is."""
    quoted = "'" + path.replace("'", "''") + "'"
    lowered = path.lower()
    if lowered.endswith((".parquet", ".pq")):
        return f"read_parquet({quoted})"
    if lowered.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        delim = "\\t" if lowered.endswith(".tsv") else ","
        return (f"read_csv({quoted}, all_varchar = true, header = true, delim = '{delim}', quote = '\"', "
                f"escape = '\"', null_padding = true)")
    raise ValueError(f"cannot tell the format of `{path}`: the DuckDB engine reads .csv and .parquet files")


def load_file(con: Any, table: str, path: str) -> list[str]:
    """``path`` into a temporary table ``table`` with its input order in column ``__row``
    (1, 2, ...); returns the file's column names."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"cannot read `{path}`: no such file")
    con.execute(f'CREATE OR REPLACE TEMP TABLE "{table}_raw" AS SELECT * FROM {_reader(path)}')
    con.execute(f'CREATE OR REPLACE TEMP VIEW "{table}" AS SELECT rowid + 1 AS "{ROW}", * FROM "{table}_raw"')
    return [row[0] for row in con.execute(f'DESCRIBE "{table}_raw"').fetchall()]


def field_columns(policy: m.PolicyModel, available: Sequence[str]) -> dict[str, list[str]]:
    """For each field, the input columns to read, as ``records.raw_value`` does: its name, then
    its `from "Column"`; columns the input does not have are left out."""
    present = set(available)
    out: dict[str, list[str]] = {}
    for field in policy.fields:
        names = [field.name] + ([field.column] if field.column is not None and field.column != field.name else [])
        out[field.name] = [c for c in names if c in present]
    return out


def query_text(policy: m.PolicyModel, options: SqlOptions) -> str:
    query = build_query(policy, options, "duckdb")
    if ROW in options.keep:
        query = query.order_by(exp.column(ROW, quoted=True))
    return query.sql(dialect="duckdb")


def run(con: Any, policy: m.PolicyModel, options: SqlOptions) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Runs the policy's query on ``con``; (column names, rows in batches)."""
    cursor = con.execute(query_text(policy, options))
    names = [d[0] for d in cursor.description]

    def rows() -> Iterator[tuple[Any, ...]]:
        while True:
            batch = cursor.fetchmany(10_000)
            if not batch:
                return
            yield from batch

    return names, rows()


def result_records(policy: m.PolicyModel, names: list[str], rows: Iterator[tuple[Any, ...]],
                   id_column: str | None) -> Iterator[dict[str, Any]]:
    """Output rows as the records ``qualdsl.batch.result_dict`` makes from Python decisions."""
    score_columns = output_names(policy)["scores"]
    rules = policy.rules
    for row in rows:
        values = dict(zip(names, row, strict=True))
        out: dict[str, Any] = {"row": values[ROW]}
        if id_column is not None:
            out["id"] = values.get(f"{ROW}id")
        if values["error_field"] is not None:
            out["error"] = {"field": values["error_field"], "message": values["error_message"]}
        else:
            rule = rules[values["rule_index"]]
            out["outcome"] = rule.outcome
            out["reason"] = rule.reason
            out["scores"] = {name: int(values[col]) for name, col in zip(policy.scores, score_columns, strict=True)}
            out["rule"] = {"index": rule.index, "line": rule.span.line, "text": rule.text}
        yield out


def eval_duckdb(
    policy: Any,
    input_path: str,
    events_path: str | None,
    now: dt.datetime | str | None,
    output: IO[str] | str,
    format: str = "jsonl",
    *,
    id_column: str | None = None,
    events_id_column: str = "lead_id",
) -> int:
    """Decide every lead of a CSV or Parquet file with DuckDB and write one JSONL or CSV record per
    input record, in input order, like ``qualdsl eval``. Events (columns ``lead_id``, ``type``,
    ``at``) are joined on the leads' ``id_column`` (default ``id``). Returns the number of records
    that could not be read (the CLI's exit code 3)."""
    from qualdsl.batch import Writer
    from qualdsl.policy import normalize_now

    model: m.PolicyModel = policy if isinstance(policy, m.PolicyModel) else policy.model
    con = connect()
    available = load_file(con, "leads", input_path)
    join_column = id_column or "id"
    keep = [ROW]
    if id_column is not None:
        if id_column not in available:
            raise ValueError(f"`{input_path}` has no column `{id_column}`")
        con.execute(f'CREATE OR REPLACE TEMP VIEW "leads_out" AS SELECT *, "{id_column}" AS "{ROW}id" FROM "leads"')
        keep.append(f"{ROW}id")
    else:
        con.execute('CREATE OR REPLACE TEMP VIEW "leads_out" AS SELECT * FROM "leads"')
    if events_path is not None:
        if join_column not in available:
            raise ValueError(f"`{input_path}` has no column `{join_column}` to join the events on; pass --id-column")
        event_columns = load_file(con, "events", events_path)
        missing = [c for c in (events_id_column, "type", "at") if c not in event_columns]
        if missing:
            raise ValueError(f"`{events_path}` has no column(s) {', '.join(missing)}")
    options = SqlOptions(
        now=normalize_now(now),
        leads_table="leads_out",
        events_table="events" if events_path is not None else None,
        id_column=join_column if events_path is not None else None,
        events_id_column=events_id_column,
        columns=field_columns(model, available),
        keep=keep,
        join_as_text=True,
    )
    names, rows = run(con, model, options)
    stream = open(output, "w", encoding="utf-8", newline="") if isinstance(output, str) else output  # noqa: SIM115
    failures = 0
    try:
        writer = Writer(stream, format, tuple(model.scores), id_column is not None)
        for record in result_records(model, names, rows, id_column):
            failures += "error" in record
            writer.write(record)
    finally:
        if isinstance(output, str):
            stream.close()
        con.close()
    return failures


def decide_rows(con: Any, policy: m.PolicyModel, options: SqlOptions) -> list[Mapping[str, Any]]:
    """Every output row as a mapping (for tests and small tables)."""
    names, rows = run(con, policy, options)
    return [dict(zip(names, row, strict=True)) for row in rows]

"""``qualdsl sql``: print a policy as one SQL query; and ``--engine duckdb`` for ``qualdsl eval``.

Thin wrappers: the work is in ``qualdsl.sql`` (the query) and ``qualdsl.sql.duck`` (DuckDB).
``qualdsl/cli.py`` registers ``sql`` with ``main.add_command(sql)`` and calls
``run_eval_duckdb`` from ``eval --engine duckdb``.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from qualdsl.cli_support import EXIT_POLICY, EXIT_RECORDS, fail, now_option, policy_or_exit
from qualdsl.sql import DIALECTS


@click.command(name="sql")
@click.argument("policy_path", metavar="POLICY", type=click.Path(exists=True, dir_okay=False))
@click.option("--dialect", type=click.Choice(DIALECTS), default="duckdb", show_default=True,
              help="The SQL dialect to write.")
@click.option("--leads-table", default="leads", show_default=True, metavar="TABLE",
              help="The table (or view) with one row per lead; its columns are the fields' source columns.")
@click.option("--events-table", default="events", show_default=True, metavar="TABLE",
              help="The events table (lead id, type, at); `-` for none (every event count is 0).")
@click.option("--id-column", default="id", show_default=True, help="The leads table's id column.")
@click.option("--events-id-column", default="lead_id", show_default=True,
              help="The events table's column that holds the lead id.")
@click.option("--now", "now_text", metavar="DATETIME",
              help="The evaluation time written into the query (ISO 8601); default: now, in UTC.")
@click.option("--compact", is_flag=True, help="One line instead of the indented query.")
def sql(policy_path: str, dialect: str, leads_table: str, events_table: str, id_column: str,
        events_id_column: str, now_text: str | None, compact: bool) -> None:
    """Print POLICY as one SQL query that decides every lead of a table (see docs/sql.md).

    The query gives one row per lead: lead_id, error_field and error_message (a value that
    could not be read), outcome, rule_index, rule_line, reason, then every score, segment,
    framework criterion and framework pass."""
    from qualdsl.sql import SqlUnsupported, to_sql

    policy = policy_or_exit(policy_path, "no SQL was written")
    try:
        text = to_sql(
            policy, dialect, now=now_option(now_text), pretty=not compact, leads_table=leads_table,
            events_table=None if events_table == "-" else events_table, id_column=id_column,
            events_id_column=events_id_column,
        )
    except SqlUnsupported as exc:
        click.echo(f"{policy_path}: {exc}", err=True)
        sys.exit(EXIT_POLICY)
    click.echo(text + ";")


def eval_duckdb(policy: Any, input_path: str, events_path: str | None, now: Any, output: Any,
                format: str = "jsonl", id_column: str | None = None) -> int:
    """``qualdsl.sql.duck.eval_duckdb``: decide a CSV or Parquet file with DuckDB, write JSONL or CSV
    (one record per input record, in order); returns how many records could not be read."""
    from qualdsl.sql.duck import eval_duckdb as run

    return run(policy, input_path, events_path, now, output, format, id_column=id_column)


def run_eval_duckdb(policy: Any, input_path: str, events_path: str | None, now: Any, output: str,
                    output_format: str, id_column: str | None = None) -> None:
    """What ``qualdsl eval --engine duckdb`` does after loading the policy: runs ``eval_duckdb``,
    reports usage errors with exit code 2 and unreadable records with exit code 3."""
    from qualdsl.sql import SqlUnsupported

    try:
        target: Any = sys.stdout if output == "-" else output
        failures = eval_duckdb(policy, input_path, events_path, now, target, output_format, id_column=id_column)
    except SqlUnsupported as exc:
        fail(f"the DuckDB engine cannot run this policy: {exc}", EXIT_POLICY)
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        fail(str(exc))
    except Exception as exc:  # DuckDB's own errors: a file it cannot read, a value out of range
        if type(exc).__module__.split(".")[0] in ("duckdb", "_duckdb"):
            fail(f"DuckDB: {exc}")
        raise
    if failures:
        click.echo(f"{failures} record(s) could not be read; see their `error` entries", err=True)
        sys.exit(EXIT_RECORDS)


__all__ = ["eval_duckdb", "run_eval_duckdb", "sql"]

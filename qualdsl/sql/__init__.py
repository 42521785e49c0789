"""The policy as SQL: one query that decides every lead of a table (see docs/sql.md).

    >>> from qualdsl.sql import to_sql
    >>> query = to_sql(policy, "duckdb", now="2026-12-01T12:00:00Z")

The query reads a leads table (one row per lead, the fields' source columns, read as
text) and, optionally, an events table (lead id, type, at), and gives one row per
lead: its id, the error that stopped it (``error_field``, ``error_message``) or its
``outcome``, ``rule_index``, ``rule_line``, ``reason``, every score, segment,
framework criterion and framework pass.

It needs the optional extra ``qualdsl[sql]`` (sqlglot; DuckDB to run it in process).
Importing this package needs neither: the names below load their modules when used,
so the command line starts without the extra.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

DIALECTS = ("duckdb", "spark", "postgres", "snowflake", "bigquery")

if TYPE_CHECKING:
    from qualdsl.sql.exprs import SqlUnsupported
    from qualdsl.sql.query import SqlOptions, build_query, output_names

_LAZY = {
    "SqlUnsupported": "qualdsl.sql.exprs",
    "SqlOptions": "qualdsl.sql.query",
    "build_query": "qualdsl.sql.query",
    "output_names": "qualdsl.sql.query",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qualdsl.sql' has no attribute {name!r}")


def to_sql(policy: Any, dialect: str = "duckdb", *, now: dt.datetime | str | None = None,
           pretty: bool = True, **options: Any) -> str:
    """The SQL text of ``policy`` (a ``Policy`` or its model) for ``dialect``; ``options`` are
    ``SqlOptions`` fields (leads_table, events_table, id_column, ...)."""
    from qualdsl import model as m
    from qualdsl.policy import normalize_now
    from qualdsl.sql.query import SqlOptions, build_query

    model = policy if isinstance(policy, m.PolicyModel) else policy.model
    query = build_query(model, SqlOptions(now=normalize_now(now), **options), dialect)
    return query.sql(dialect=dialect, pretty=pretty)


__all__ = ["DIALECTS", "SqlOptions", "SqlUnsupported", "build_query", "output_names", "to_sql"]

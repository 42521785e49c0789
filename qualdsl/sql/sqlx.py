"""Small builders over sqlglot's expression tree, and the few places where dialects differ.

Everything the SQL back end writes goes through these helpers, so the generated
query is an expression tree from start to end and ``.sql(dialect=...)`` renders it.
Regular expressions keep to what RE2 (DuckDB, BigQuery), Java (Spark), PostgreSQL and
Snowflake share: classes, anchors, alternation, counted repeats and ``\\s``; sqlglot writes
the backslash as each dialect's string literals need it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlglot import exp

# White space, as the engine's regular expressions know it (ASCII spaces, tabs, line breaks);
# Python's str.strip() also removes Unicode spaces such as U+00A0 (see docs/sql.md).
WS = "\\s"

# str.casefold() differs from SQL LOWER() on a few characters: replaced before and after LOWER.
FOLD_BEFORE = (("İ", "i̇"),)
FOLD_AFTER = (("ß", "ss"), ("ẞ", "ss"), ("ς", "σ"), ("ſ", "s"), ("µ", "μ"))

DEC = exp.DataType.build("DECIMAL(38, 10)")
INTDEC = exp.DataType.build("DECIMAL(38, 0)")
BIGINT = exp.DataType.build("BIGINT")
TEXT = exp.DataType.build("VARCHAR")

Expr = exp.Expr


def s(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def n(value: int | Decimal | str) -> Expr:
    text = str(value)
    if text.startswith("-"):
        return exp.Neg(this=exp.Literal.number(text[1:]))
    return exp.Literal.number(text)


def true() -> exp.Boolean:
    return exp.Boolean(this=True)


def false() -> exp.Boolean:
    return exp.Boolean(this=False)


def null() -> exp.Null:
    return exp.Null()


def col(name: str, table: str | None = None, quoted: bool = False) -> exp.Column:
    return exp.column(name, table=table, quoted=quoted)


def qcol(name: str, table: str | None = None) -> exp.Column:
    """A column named by the user (an input column): always quoted, so its exact spelling counts."""
    return exp.Column(this=exp.to_identifier(name, quoted=True),
                      table=exp.to_identifier(table) if table else None)


def paren(e: Expr) -> Expr:
    """``(e)`` when ``e`` is an operator (sqlglot's AND and OR are functions too: ask by kind)."""
    if isinstance(e, (exp.Binary, exp.Unary, exp.In, exp.Between)):
        return exp.Paren(this=e)
    return e


def cast(e: Expr, to: exp.DataType) -> exp.Cast:
    return exp.Cast(this=e, to=to.copy())


def try_cast(e: Expr, to: exp.DataType) -> exp.TryCast:
    """TRY_CAST where the dialect has one (DuckDB, Spark, Snowflake on texts, BigQuery's SAFE_CAST);
    a plain CAST in PostgreSQL, where the text has been validated by a regular expression first."""
    return exp.TryCast(this=e, to=to.copy(), safe=True, requires_string=True)


def case(*whens: tuple[Expr, Expr], default: Expr | None = None) -> exp.Case:
    node = exp.Case()
    for cond, value in whens:
        node = node.when(cond, value)
    if default is not None:
        node = node.else_(default)
    return node


def and_(*items: Expr) -> Expr:
    if len(items) == 1:
        return items[0]
    return exp.and_(*(paren(i) for i in items))


def or_(*items: Expr) -> Expr:
    if len(items) == 1:
        return items[0]
    return exp.or_(*(paren(i) for i in items))


def not_(e: Expr) -> Expr:
    return exp.Not(this=paren(e))


def is_null(e: Expr) -> Expr:
    return exp.Is(this=paren(e), expression=exp.Null())


def not_null(e: Expr) -> Expr:
    return exp.Not(this=exp.Is(this=paren(e), expression=exp.Null()))


def eq(a: Expr, b: Expr) -> Expr:
    return exp.EQ(this=paren(a), expression=paren(b))


BINARY = {
    "=": exp.EQ, "!=": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE,
    "+": exp.Add, "-": exp.Sub, "*": exp.Mul, "/": exp.Div,
}


def binary(op: str, a: Expr, b: Expr) -> Expr:
    return BINARY[op](this=paren(a), expression=paren(b))


def concat(*parts: Expr) -> Expr:
    out = parts[0]
    for part in parts[1:]:
        out = exp.DPipe(this=out, expression=part, safe=True)
    return out


def regex(e: Expr, pattern: str) -> Expr:
    return exp.RegexpLike(this=e, expression=s(pattern))


def regex_replace(e: Expr, pattern: str, replacement: str) -> Expr:
    return exp.RegexpReplace(this=e, expression=s(pattern), replacement=s(replacement))


def replace(e: Expr, old: str, new: str) -> Expr:
    return exp.Replace(this=e, expression=s(old), replacement=s(new))


def substr(e: Expr, start: int | Expr, length: int | Expr | None = None) -> Expr:
    args: dict[str, Expr] = {"this": e, "start": n(start) if isinstance(start, int) else start}
    if length is not None:
        args["length"] = n(length) if isinstance(length, int) else length
    return exp.Substring(**args)


def length(e: Expr) -> Expr:
    return exp.Length(this=e)


def strpos(haystack: Expr, needle: Expr) -> Expr:
    return exp.StrPosition(this=haystack, substr=needle)


def ws_class() -> str:
    return WS


def trim_ws(e: Expr) -> Expr:
    """``str.strip()``: white space removed at both ends. The regular expression only runs when the
    first or the last character is a space or a control character (a fast path for the rest)."""
    cls = ws_class()
    last = exp.Right(this=e, expression=n(1))
    plain = and_(binary(">", exp.Unicode(this=e), n(32)), binary(">", exp.Unicode(this=last), n(32)))
    return case((plain, e), default=regex_replace(e, f"^{cls}+|{cls}+$", ""))


def fold(e: Expr) -> Expr:
    """``str.casefold()`` as far as SQL goes: LOWER, with the known differences replaced."""
    out = e
    for old, new in FOLD_BEFORE:
        out = replace(out, old, new)
    out = exp.Lower(this=out)
    for old, new in FOLD_AFTER:
        out = replace(out, old, new)
    return out


def fold_text(value: str) -> str:
    return value.casefold()


def int_div(a: Expr, b: int) -> Expr:
    """Integer division of a non-negative integer by a positive constant."""
    return exp.IntDiv(this=paren(a), expression=n(b))


def floor_div(a: Expr, b: int) -> Expr:
    """Floor division (as Python's //) of a BIGINT by a positive constant, in every dialect."""
    return case(
        (binary(">=", a, n(0)), int_div(a, b)),
        default=exp.Neg(this=paren(int_div(binary("-", binary("+", exp.Neg(this=paren(a)), n(b)), n(1)), b))),
    )


def collate_text(e: Expr, dialect: str) -> Expr:
    """Texts compare by code point in Python; PostgreSQL's default collation may not, so ask for "C"."""
    if dialect == "postgres":
        return exp.Collate(this=paren(e), expression=exp.Identifier(this="C", quoted=True))
    return e


def lower(e: Expr) -> Expr:
    return exp.Lower(this=e)


def upper(e: Expr) -> Expr:
    return exp.Upper(this=e)


def in_(e: Expr, items: Sequence[Expr]) -> Expr:
    return exp.In(this=paren(e), expressions=list(items))


def mod(a: Expr, b: int) -> Expr:
    return exp.Mod(this=paren(a), expression=n(b))


def neg(e: Expr) -> Expr:
    return exp.Neg(this=paren(e))


# What a text must look like before PostgreSQL (which has no TRY_CAST) may CAST it.
CASTABLE = {
    "BIGINT": "^[+-]?[0-9]{1,18}$",
    "DECIMAL(38, 0)": "^[+-]?[0-9]{1,38}$",
    "DECIMAL(38, 10)": "^[+-]?([0-9]{1,28}[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,2})?$",
}


def guard_try_casts(tree: Expr) -> Expr:
    """Every TRY_CAST as ``CASE WHEN text ~ 'pattern' THEN CAST(text AS type) END``, for a dialect
    without TRY_CAST (PostgreSQL): the query must not fail on a text that is not a number."""

    def guard(node: Expr) -> Expr:
        if not isinstance(node, exp.TryCast):
            return node
        to = node.args["to"]
        pattern = CASTABLE.get(to.sql())
        if pattern is None:  # pragma: no cover - the back end only casts texts to these
            return node
        return case((regex(node.this, pattern), exp.Cast(this=node.this, to=to)))

    return tree.transform(guard)

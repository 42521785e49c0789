"""The Lark facade: text in, syntax tree or diagnostics out."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark, Token, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.exceptions import LarkError

from qualdsl import nodes as n
from qualdsl.errors import Diagnostic, error
from qualdsl.source import Source, Span
from qualdsl.syntax.build import TreeToNodes
from qualdsl.syntax.mistakes import MISTAKES, describe_expected, describe_token, explain_character
from qualdsl.syntax.newlines import NewlineFilter


def grammar_text() -> str:
    """The grammar shipped in the wheel (``qualdsl/grammar``) or, in a checkout, ``grammar/``."""
    shipped = resources.files("qualdsl").joinpath("grammar/qual.lark")
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[2] / "grammar" / "qual.lark"
    return checkout.read_text(encoding="utf-8")


@functools.cache
def _parser() -> Lark:
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="basic",
        propagate_positions=True,
        postlex=NewlineFilter(),
        maybe_placeholders=False,
    )


def _parse_tree_text(text: str) -> Any:
    return _parser().parse(text)


@functools.cache
def _mistake_examples() -> dict[str, list[str]]:
    return {key: list(m.examples) for key, m in MISTAKES.items()}


def parse_module(source: Source) -> n.Module | Diagnostic:
    """Parse one file. A syntax error comes back as one diagnostic, never an exception."""
    text = source.text
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        return _diagnose(exc, source)
    except LarkError as exc:  # pragma: no cover - defensive: a grammar-level failure
        return error("P000", f"could not read this policy: {exc}", Span.point(source.path, 1, 1))
    decls = TreeToNodes(source.path).transform(tree)
    return n.Module(source.path, tuple(decls))  # type: ignore[arg-type]


def _span_at(source: Source, exc: UnexpectedInput) -> Span:
    line = getattr(exc, "line", None) or 1
    column = getattr(exc, "column", None) or 1
    if line < 1:
        line, column = _end_position(source.text)
    token = getattr(exc, "token", None)
    offset = getattr(exc, "pos_in_stream", None) or 0
    width = 1
    if isinstance(token, Token) and token.type not in ("$END", "_NL") and str(token):
        width = len(str(token).splitlines()[0]) if str(token).strip() else 1
    return Span(source.path, line, column, line, column + width, offset, offset + width)


def _end_position(text: str) -> tuple[int, int]:
    lines = text.splitlines() or [""]
    return len(lines), len(lines[-1]) + 1


def _diagnose(exc: UnexpectedInput, source: Source) -> Diagnostic:
    span = _span_at(source, exc)
    if isinstance(exc, UnexpectedCharacters):
        message, hint = explain_character(source.text, exc.pos_in_stream or 0)
        return error("P001", message, span, hint)
    label = None
    try:
        label = exc.match_examples(_parse_tree_text, _mistake_examples(), use_accepts=True)
    except Exception:
        label = None
    if label is not None:
        mistake = MISTAKES[label]
        return error(mistake.code, mistake.message, span, mistake.hint)
    if isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, UnexpectedToken) and exc.token.type == "$END"
    ):
        line, column = _end_position(source.text)
        end = Span(source.path, line, column, line, column + 1, len(source.text), len(source.text))
        expected = describe_expected(getattr(exc, "expected", set()) or set())
        return error(
            "P003", f"the file ended too early; expected {expected}", end,
            "check that every `{` has its closing `}` and every rule is complete",
        )
    assert isinstance(exc, UnexpectedToken)
    expected = describe_expected(exc.accepts or exc.expected)
    found = describe_token(exc.token)
    hint = "" if exc.token.type != "_NL" else "the line ends before the rule is complete"
    if exc.token.type == "NAME" and "_NL" in (exc.accepts or exc.expected):
        hint = "two things stand side by side: join conditions with `and` / `or`, or put them on separate lines"
    return error("P002", f"unexpected {found}; expected {expected}", span, hint)

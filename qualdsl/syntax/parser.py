"""The Lark facade: text in, syntax tree or diagnostics out."""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
from lark import Lark, Token, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.exceptions import LarkError, VisitError

from qualdsl import nodes as n
from qualdsl.errors import Diagnostic, error
from qualdsl.source import Source, Span
from qualdsl.syntax.build import MAX_DIGITS, NumberTooLarge, TreeToNodes
from qualdsl.syntax.mistakes import (
    CONNECTORS,
    DECLARATION_WORDS,
    MISTAKES,
    describe_expected,
    describe_token,
    explain_character,
    suggest_word,
)
from qualdsl.syntax.newlines import NewlineFilter

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
MAX_NESTING = 100  # far beyond any real policy; keeps checking and compiling within Python's limits
MAX_TOKENS = 100_000  # words, numbers, texts and signs: ~10,000 rules; bounds the time parsing takes
# a cheap count of what the lexer will see: texts, comments (not counted), words and numbers, signs.
# A text is matched possessively and its closing quote is optional, so the count never backtracks:
# a line of 100,000 `\"` without an end would otherwise be scanned again from every quote in it.
_ROUGH_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*+"?|#[^\n]*|[A-Za-z0-9_.]+|[^\sA-Za-z0-9_.]')


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
def _literals() -> dict[str, str]:
    """Keyword and punctuation token names to their text, e.g. ``__ANON_0`` -> ``times``."""
    return {t.name: t.pattern.value for t in _parser().terminals if t.pattern.type == "str"}


@functools.cache
def reserved_words() -> frozenset[str]:
    """Every word the language keeps for itself: such a word cannot name a field or a stage."""
    words = {v for v in _literals().values() if v.replace("_", "").isalpha()}
    units = {"minute", "minutes", "hour", "hours", "day", "days", "week", "weeks"}
    return frozenset(words | units | {"yes", "no", "now", "lead", "all", "any", "passes", "recycle"})


@functools.cache
def _declaration_words() -> tuple[str, ...]:
    """The keywords a declaration starts with, in the order the docs list them."""
    try:
        _parse_tree_text("}")
    except UnexpectedToken as exc:
        literals = _literals()
        words = {literals[k] for k in exc.accepts or exc.expected if k in literals and literals[k].isalpha()}
        known = [w for w in DECLARATION_WORDS if w in words]
        return (*known, *sorted(words - set(known)))
    return DECLARATION_WORDS  # pragma: no cover - `}` alone never parses


def parse_module(source: Source) -> n.Module | Diagnostic:
    """Parse one file. A syntax error comes back as one diagnostic, never an exception."""
    text = source.text
    too_long = _too_many_tokens(source)
    if too_long is not None:
        return too_long
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        return _diagnose(exc, source)
    except LarkError as exc:  # pragma: no cover - defensive: a grammar-level failure
        return error("P000", f"could not read this policy: {exc}", Span.point(source.path, 1, 1))
    try:
        decls = TreeToNodes(source.path).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, NumberTooLarge):
            token = exc.orig_exc.token
            return error("E210", f"this number is too large: a number may have at most {MAX_DIGITS} digits",
                         _token_span(source.path, token))
        raise
    module = n.Module(source.path, tuple(decls))  # type: ignore[arg-type]
    too_deep = _too_deep(module)
    if too_deep is not None:
        # the deepest part may be far along a long line: point at where the line starts
        text = source.line(too_deep.line)
        column = len(text) - len(text.lstrip()) + 1
        where = Span(source.path, too_deep.line, column, too_deep.line, column + 1, too_deep.start, too_deep.start + 1)
        return error(
            "P004", f"a condition on this line is too long or nested too deeply (more than {MAX_NESTING} parts)",
            where, "split it into segments or simpler conditions; for many `or`s with one field use `in [...]`",
        )
    return module


def _too_many_tokens(source: Source) -> Diagnostic | None:
    """E187 before parsing, when the text has more than ``MAX_TOKENS`` words, numbers and signs:
    parsing takes time in proportion, and no policy written by people comes near."""
    count = 0
    for match in _ROUGH_TOKEN.finditer(source.text):
        if not match.group().startswith("#"):
            count += 1
            if count > MAX_TOKENS:
                offset = match.start()
                line = source.text.count("\n", 0, offset) + 1
                column = offset - (source.text.rfind("\n", 0, offset) + 1) + 1
                return error(
                    "E187", f"this policy is too long: it has more than {MAX_TOKENS:,} words, numbers and signs",
                    Span(source.path, line, column, line, column + 1, offset, offset + 1),
                    "split it into files joined with `use`, or keep long lists of values in the lead data "
                    "(e.g. a yes/no column) rather than in the policy",
                )
    return None


def _token_span(path: str, token: Token) -> Span:
    line, column = token.line or 1, token.column or 1
    end_line = token.end_line or line
    end_column = token.end_column or column + 1
    return Span(path, line, column, end_line, end_column, token.start_pos or 0, token.end_pos or 0)


def _too_deep(module: n.Module) -> Span | None:
    """The span of the first node nested more than ``MAX_NESTING`` levels deep, if any.

    Every `and` / `or` in a chain counts as a level: the compiled evaluator nests them."""
    stack: list[tuple[Any, int]] = [(module, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, tuple):
            stack.extend((item, depth) for item in node)
            continue
        if not attrs.has(type(node)) or isinstance(node, Span):
            continue
        depth += 1
        if depth > MAX_NESTING:
            span = getattr(node, "span", None)
            if isinstance(span, Span):
                return span
        stack.extend((getattr(node, field.name), depth) for field in attrs.fields(type(node)))
    return None


# ---- matching the user's error with the examples of typical mistakes -------------


@attrs.frozen
class _Signature:
    """Where an example fails: the parser state, what it accepts there, and the token."""

    label: str
    state: int
    accepts: frozenset[str]
    token_type: str
    token: str


def _signature(exc: UnexpectedInput) -> tuple[int, frozenset[str], str, str] | None:
    state = getattr(exc, "state", None)
    token = getattr(exc, "token", None)
    if state is None or not isinstance(token, Token):
        return None
    accepts = frozenset(getattr(exc, "accepts", None) or getattr(exc, "expected", None) or ())
    return state.position, accepts, token.type, str(token)


@functools.cache
def _mistake_signatures() -> tuple[_Signature, ...]:
    found = []
    for label, mistake in MISTAKES.items():
        for example in mistake.examples:
            try:
                _parse_tree_text(example)
            except UnexpectedInput as exc:
                sig = _signature(exc)
                if sig is not None:
                    found.append(_Signature(label, *sig))
    return tuple(found)


def _match_mistake(exc: UnexpectedInput) -> str | None:
    """The label of the typical mistake that fails like ``exc``: same state, same accepted
    tokens; an example with the very same token wins, then one with a token of the same kind.

    Lark's own ``match_examples`` also compares the depth of the parser stack, so an example
    never matches an error that follows a few declarations; this compares the state only."""
    sig = _signature(exc)
    if sig is None:
        return None
    state, accepts, token_type, token = sig
    same = [s for s in _mistake_signatures() if s.state == state and s.accepts == accepts]
    for candidates in (
        [s for s in same if s.token_type == token_type and s.token == token],
        [s for s in same if s.token_type == token_type],
        same,
    ):
        if candidates:
            return candidates[0].label
    return None


# ---- the text around the error --------------------------------------------------


@attrs.frozen
class _Context:
    """The tokens read before the error and the blocks still open there."""

    before: tuple[Token, ...]
    open_blocks: tuple[tuple[str, int], ...]  # (what opened it, line)
    open_parens: tuple[Token, ...]  # `(` and `[` not closed yet


def _context(source: Source, offset: int) -> _Context:
    tokens: list[Token] = []
    blocks: list[tuple[str, int]] = []
    parens: list[Token] = []
    lines = source.text.splitlines()
    try:
        for token in _parser().lex(source.text[:offset]):
            if token.type == "LBRACE":
                line = token.line or 1
                blocks.append((_block_name(lines[line - 1] if line <= len(lines) else "", token), line))
                parens.clear()
            elif token.type == "RBRACE" and blocks:
                blocks.pop()
                parens.clear()
            elif token.type in ("LPAR", "LSQB"):
                parens.append(token)
            elif token.type in ("RPAR", "RSQB") and parens:
                parens.pop()
            tokens.append(token)
    except (UnexpectedInput, RecursionError):
        pass
    return _Context(tuple(tokens), tuple(blocks), tuple(parens))


def _block_name(line: str, brace: Token) -> str:
    """`lead`, `segment ideal_customer`, `given lead`, `test`: the words before a `{`."""
    words = line[: (brace.column or 1) - 1].split()
    if not words:
        return "block"
    if len(words) > 1 and (words[0] == "given" or NAME_RE.match(words[1])):
        return f"{words[0]} {words[1]}"
    return words[0]


def _rest_of_line(source: Source, token: Token) -> str:
    return source.line(token.line or 1)[(token.end_column or 1) - 1 :].strip()


def _starts_line(source: Source, token: Token) -> bool:
    return not source.line(token.line or 1)[: (token.column or 1) - 1].strip()


# ---- diagnosing ------------------------------------------------------------------


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
        message, hint, width = explain_character(source.text, exc.pos_in_stream or 0)
        span = Span(span.path, span.line, span.column, span.line, span.column + width, span.start, span.start + width)
        return error("P001", message, span, hint)
    token = getattr(exc, "token", None)
    accepts: set[str] = set(getattr(exc, "accepts", None) or getattr(exc, "expected", None) or ())
    literals = _literals()
    at_end = isinstance(exc, UnexpectedEOF) or (isinstance(token, Token) and token.type == "$END")
    offset = len(source.text) if at_end or not isinstance(token, Token) else (token.start_pos or 0)
    context = _context(source, offset)

    if isinstance(token, Token) and not at_end:
        special = _misplaced_word(token, accepts, context, source, span)
        if special is not None:
            return special

    label = None
    try:
        label = _match_mistake(exc)
    except Exception:  # pragma: no cover - matching is a nicety; never let it hide the error
        label = None
    if label is None and {"POLICY", "QUALIFY", "SEGMENT"} <= accepts and not at_end:
        label = "unknown-declaration"
    if label is not None:
        mistake = MISTAKES[label]
        message, hint = mistake.message, mistake.hint
        if label == "unknown-declaration":
            words = _declaration_words()
            hint = "declarations start with " + ", ".join(words[:-1]) + " or " + words[-1]
            close = suggest_word(str(token), words) if isinstance(token, Token) and token.type == "NAME" else ""
            if close:
                message = f"`{token}` is not a declaration; did you mean `{close}`?"
        return error(mistake.code, message, span, hint)

    if at_end:
        line, column = _end_position(source.text)
        end = Span(source.path, line, column, line, column + 1, len(source.text), len(source.text))
        if context.open_parens and _closer(context) in accepts:
            return _unclosed_paren(context.open_parens[-1], source.path)
        if context.open_blocks and "RBRACE" in accepts:
            what, opened = context.open_blocks[-1]
            return error(
                "P005", f"the file ended before the `{what}` block (line {opened}) was closed", end,
                f"add `}}` at the end of the `{what}` block",
            )
        expected = describe_expected(accepts, literals)
        return error(
            "P003", f"the file ended too early; expected {expected}", end,
            "check that every `{` has its closing `}` and every rule is complete",
        )

    assert isinstance(exc, UnexpectedToken)
    expected = describe_expected(accepts, literals)
    found = describe_token(exc.token)
    kind = exc.token.type
    if kind == "_NL":
        return error("P002", f"this line ends too early; expected {expected}", span,
                     "the line ends before the rule is complete")
    if kind == "NAME" and "_NL" in accepts and accepts & {"AND", "OR"}:
        block = context.open_blocks[-1][0] if context.open_blocks else ""
        hint = "two things stand side by side: join conditions with `and` / `or`"
        if block.startswith("segment"):
            hint += ", or put each condition on its own line"
        elif block == "qualify" and "STRING" in accepts:
            hint += "; a reason after the condition goes in double quotes"
        return error("P002", f"unexpected {found} after a complete condition", span, hint)
    if kind in ("INT", "DECIMAL", "STRING") and {"COMPARE", "EQ", "IN", "BETWEEN"} <= accepts:
        shown = str(exc.token) if len(str(exc.token)) <= 40 else str(exc.token)[:39] + "…"
        return error("P035", f"a comparison is missing before `{shown}`", span,
                     'write e.g. `employees >= 50` or `industry = "software"`')
    if kind in ("COMPARE", "EQ") and "AND" in accepts and context.before and context.before[-1].type == "UNIT":
        before = context.before
        event = str(before[-5]) if len(before) >= 5 and before[-4].type == "IN" else "EVENT"
        window = " ".join(str(t) for t in before[-3:])
        return error("P034", f"`{event} in {window}` is already a yes/no condition", span,
                     f"to compare how many times it happened write `count of {event} in {window} {exc.token} ...`")
    if kind in ("COMPARE", "EQ") and "AND" in accepts:
        return error("P034", "compare two values at a time", span,
                     "join comparisons with `and`, e.g. `employees >= 50 and employees <= 5000`, "
                     "or write `employees between 50 and 5000`")
    if kind == "COMMA" and accepts & {"AND", "OR"}:
        return error("P002", "unexpected `,` in a condition", span,
                     "join conditions with `and` / `or`, and write numbers without separators, e.g. `1000`")
    if kind == "NAME" and "_NL" in accepts:
        hint = "two things stand side by side: separate them with a comma" if "COMMA" in accepts else \
            "write one declaration or rule per line"
        return error("P002", f"unexpected {found}; expected {expected}", span, hint)
    return error("P002", f"unexpected {found}; expected {expected}", span)


def _unclosed_paren(paren: Token, path: str) -> Diagnostic:
    line, column = paren.line or 1, paren.column or 1
    start = paren.start_pos or 0
    where = Span(path, line, column, line, column + 1, start, start + 1)
    if paren.type == "LSQB":
        return error("P008", "this `[` is never closed", where, "add the missing `]` at the end of the list")
    return error("P008", "this `(` is never closed", where, "add the missing `)` at the end of what it groups")


def _closer(context: _Context) -> str:
    """The token type that closes the innermost open `(` or `[`."""
    if not context.open_parens:
        return ""
    return "RSQB" if context.open_parens[-1].type == "LSQB" else "RPAR"


def _misplaced_word(
    token: Token, accepts: set[str], context: _Context, source: Source, span: Span
) -> Diagnostic | None:
    """A keyword where a name belongs (a field called `score`), a declaration that starts
    inside a block left open, or a `}` with no block to close."""
    text = str(token)
    literal = _literals().get(token.type)
    is_word = token.type == "UNIT" or (literal is not None and literal.isalpha())
    rest = _rest_of_line(source, token)
    if token.type == "RBRACE" and not context.open_blocks:
        return error("P006", "this `}` closes no block", span, "remove it, or add the `{` it belongs to")
    if token.type == "RPAR" and not context.open_parens:
        return error("P006", "this `)` closes no `(`", span, "remove it, or add the `(` it belongs to")
    if token.type == "RSQB" and not context.open_parens:
        return error("P006", "this `]` closes no `[`", span, "remove it, or add the `[` it belongs to")
    if token.type == "COMMA" and context.open_parens and context.open_parens[-1].type == "LPAR":
        return error("P039", "lists are written in square brackets", span,
                     'e.g. `industry in ["software", "fintech"]`')
    if context.open_parens and _closer(context) in accepts and (token.line or 1) > (context.open_parens[-1].line or 1):
        return _unclosed_paren(context.open_parens[-1], span.path)
    previous = context.before[-1] if context.before else None
    if previous is not None and previous.type in ("AND", "OR") and _starts_line(source, token):
        where = Span(span.path, previous.line or 1, previous.column or 1, previous.line or 1,
                     (previous.end_column or 1), previous.start_pos or 0, previous.end_pos or 0)
        return error("P009", f"the condition ends with `{previous}`, but nothing follows it", where,
                     f"write another condition after `{previous}`, or remove it")
    if (
        is_word and text in _declaration_words() and "RBRACE" in accepts and context.open_blocks
        and _starts_line(source, token) and not rest.startswith((":", "="))
        and (text not in ("lead", "list") or rest.startswith("{") or NAME_RE.match(rest.split(" ")[0] or "-"))
    ):
        what, opened = context.open_blocks[-1]
        return error(
            "P005", f"the `{what}` block (line {opened}) has no closing `}}`", span,
            f"`{text}` starts a new declaration: add `}}` at the end of the `{what}` block, before this line",
        )
    if is_word and text not in CONNECTORS and "NAME" in accepts:
        return _reserved(text, span)
    if (
        previous is not None and previous.type == "COUNT" and accepts == {"OF"}
    ):
        start = Span(span.path, previous.line or 1, previous.column or 1, previous.line or 1,
                     (previous.column or 1) + len(str(previous)), previous.start_pos or 0, previous.end_pos or 0)
        return _reserved(str(previous), start, " (it starts `count of EVENT`)")
    return None


def _reserved(word: str, span: Span, why: str = "") -> Diagnostic:
    return error(
        "P007", f"`{word}` is a reserved word of the language{why}", span,
        f"choose another name, e.g. `lead_{word}` or `{word}_value`",
    )

"""The post-lexer that decides which line ends matter.

A newline ends a declaration or block item, except inside brackets, after an
opening brace, a comma, `and` or `or`, and before a line that starts with `and`
or `or` (so long conditions can be continued). Runs of newlines count as one.
"""

from __future__ import annotations

from collections.abc import Iterator

from lark import Token

NEWLINE = "_NL"
OPENERS = frozenset({"LPAR", "LSQB"})
CLOSERS = frozenset({"RPAR", "RSQB"})
CONTINUES_AFTER = frozenset({"LBRACE", "COMMA", "AND", "OR"})
CONTINUES_BEFORE = frozenset({"AND", "OR"})


class NewlineFilter:
    always_accept = (NEWLINE,)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        depth = 0
        previous: Token | None = None
        pending: Token | None = None
        for token in stream:
            kind = token.type
            if kind == NEWLINE:
                if depth == 0 and previous is not None and pending is None and previous.type not in CONTINUES_AFTER:
                    pending = token
                continue
            if pending is not None:
                if kind not in CONTINUES_BEFORE:
                    yield pending
                pending = None
            if kind in OPENERS:
                depth += 1
            elif kind in CLOSERS:
                depth = max(0, depth - 1)
            yield token
            previous = token
        if pending is not None:
            yield pending

"""Source text and spans: where a piece of a policy came from."""

from __future__ import annotations

import attrs


@attrs.frozen
class Source:
    """One policy file's text, with the path it is shown under."""

    path: str
    text: str

    def line(self, number: int) -> str:
        """The text of 1-based line ``number`` without its line ending."""
        lines = self.text.splitlines()
        if 1 <= number <= len(lines):
            return lines[number - 1]
        return ""


@attrs.frozen(order=True)
class Span:
    """A region of a source file. Lines and columns are 1-based; offsets 0-based."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int

    @classmethod
    def point(cls, path: str, line: int, column: int, offset: int = 0) -> Span:
        return cls(path, line, column, line, column + 1, offset, offset + 1)

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of ``other``."""
        return attrs.evolve(
            self, end_line=other.end_line, end_column=other.end_column, end=other.end
        )

    def where(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


NO_SPAN = Span("<builtin>", 1, 1, 1, 1, 0, 0)

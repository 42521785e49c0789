"""Diagnostics as data, and their one rendering with the source line and a caret."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import attrs

from qualdsl.source import Source, Span

Severity = Literal["error", "warning"]
MAX_REPORTED = 20


@attrs.frozen
class Diagnostic:
    """One problem found in a policy: a code, what is wrong, where, and how to fix it."""

    code: str
    message: str
    span: Span
    hint: str = ""
    severity: Severity = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "path": self.span.path,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
        }


def error(code: str, message: str, span: Span, hint: str = "") -> Diagnostic:
    return Diagnostic(code, message, span, hint, "error")


def warning(code: str, message: str, span: Span, hint: str = "") -> Diagnostic:
    return Diagnostic(code, message, span, hint, "warning")


def sort_and_cap(
    diagnostics: Iterable[Diagnostic], cap: int = MAX_REPORTED
) -> tuple[Diagnostic, ...]:
    """Errors first, then by place; duplicates removed; at most ``cap``."""
    unique = sorted(
        set(diagnostics), key=lambda d: (not d.is_error, d.span, d.code, d.message)
    )
    return tuple(unique[:cap])


def render(diagnostic: Diagnostic, sources: Mapping[str, Source]) -> str:
    """The diagnostic as a person reads it: place, message, the line, a caret, a hint."""
    span = diagnostic.span
    head = f"{span.where()}: {diagnostic.severity}[{diagnostic.code}]: {diagnostic.message}"
    lines = [head]
    source = sources.get(span.path)
    if source is not None:
        text = source.line(span.line).replace("\t", " ")
        width = 1
        if span.end_line == span.line and span.end_column > span.column:
            width = span.end_column - span.column
        width = max(1, min(width, len(text) - span.column + 1))
        gutter = f"{span.line:>4} | "
        lines.append(gutter + text)
        lines.append(" " * (len(gutter) + span.column - 1) + "^" * width)
    if diagnostic.hint:
        lines.append(f"  hint: {diagnostic.hint}")
    return "\n".join(lines)


def render_all(diagnostics: Sequence[Diagnostic], sources: Mapping[str, Source]) -> str:
    return "\n\n".join(render(d, sources) for d in diagnostics)


class QualdslError(Exception):
    """The base of every error qualdsl raises on purpose."""


class PolicyError(QualdslError):
    """A policy did not load: it carries every diagnostic, and the sources to show them."""

    def __init__(
        self, diagnostics: Sequence[Diagnostic], sources: Mapping[str, Source]
    ) -> None:
        self.diagnostics = tuple(diagnostics)
        self.sources = dict(sources)
        super().__init__(render_all(self.errors, self.sources))

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    def render(self) -> str:
        return render_all(self.diagnostics, self.sources)


class RecordError(QualdslError):
    """A lead record (or its events) could not be read: names the field and the value."""

    def __init__(self, field: str, message: str, value: object = None) -> None:
        self.field = field
        self.value = value
        self.detail = message
        super().__init__(f"field `{field}`: {message}")

    def to_dict(self) -> dict[str, object]:
        return {"field": self.field, "message": self.detail, "value": _jsonable(self.value)}


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)

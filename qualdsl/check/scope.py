"""Pass 1: collect every declaration of the policy (and the files it uses) into one scope."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

import attrs

from qualdsl import nodes as n
from qualdsl.errors import Diagnostic, error
from qualdsl.source import Source, Span

RESERVED_EVENT = "event"


@attrs.define
class Scope:
    """The declarations by name, and what the later passes learn about them."""

    sources: Mapping[str, Source]
    policy: list[n.PolicyDecl] = attrs.Factory(list)
    versions: list[n.VersionDecl] = attrs.Factory(list)
    fields: dict[str, n.FieldDecl] = attrs.Factory(dict)
    events: dict[str, n.Name] = attrs.Factory(dict)
    lists: dict[str, n.ListDecl] = attrs.Factory(dict)
    segments: dict[str, n.SegmentDecl] = attrs.Factory(dict)
    scores: dict[str, n.ScoreDecl] = attrs.Factory(dict)
    frameworks: dict[str, n.FrameworkDecl] = attrs.Factory(dict)
    qualify: list[n.QualifyDecl] = attrs.Factory(list)
    tests: list[n.TestDecl] = attrs.Factory(list)
    outcomes: dict[str, n.Name] = attrs.Factory(dict)
    lifecycles: list[n.LifecycleDecl] = attrs.Factory(list)
    calendars: dict[str, n.CalendarDecl] = attrs.Factory(dict)
    slas: list[n.SlaDecl] = attrs.Factory(list)
    used: set[tuple[str, str]] = attrs.Factory(set)
    diagnostics: list[Diagnostic] = attrs.Factory(list)
    depth: int = 0  # how many expressions the checker is inside now (across segments it types on first use)
    too_deep: bool = False  # E181 was reported while typing

    def report(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def text(self, span: Span) -> str:
        source = self.sources.get(span.path)
        if source is None:
            return ""
        return " ".join(source.text[span.start : span.end].split())

    def kind_of(self, name: str) -> str | None:
        for kind, table in self.tables():
            if name in table:
                return kind
        return None

    def tables(self) -> Iterable[tuple[str, Mapping[str, object]]]:
        return (
            ("field", self.fields),
            ("event", self.events),
            ("list", self.lists),
            ("segment", self.segments),
            ("score", self.scores),
            ("framework", self.frameworks),
        )

    def all_names(self) -> list[str]:
        return [name for _, table in self.tables() for name in table]


def suggest(name: str, candidates: Iterable[str]) -> str:
    """``did you mean `x`?`` when a candidate is close, else ''."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in candidates}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    return f"did you mean `{close[0]}`?" if close else ""


KIND_WORDS = {
    "field": "a lead field",
    "event": "an event",
    "list": "a list",
    "segment": "a segment",
    "score": "a score",
    "framework": "a framework",
}


def collect(modules: Iterable[n.Module], scope: Scope) -> None:
    """Put every declaration in ``scope``; a name declared twice is an error."""
    for index, module in enumerate(modules):
        for decl in module.decls:
            if index > 0 and isinstance(decl, (n.PolicyDecl, n.VersionDecl)):
                word = "policy" if isinstance(decl, n.PolicyDecl) else "version"
                scope.report(error(
                    "E132", f"a used file cannot have its own `{word}` line", decl.span,
                    "only the main policy file names the policy and its version; remove this line",
                ))
                continue
            _collect_decl(decl, scope)


def _declare(scope: Scope, kind: str, name: n.Name, value: object, table: dict[str, object]) -> None:
    existing = scope.kind_of(name.name)
    if name.name == RESERVED_EVENT and kind in ("event", "field", "list", "segment", "score"):
        scope.report(error(
            "E104", f"`{RESERVED_EVENT}` cannot be declared: `no event in last ...` means any event",
            name.span, "choose another name",
        ))
        return
    if existing is not None:
        first = _first_span(scope, existing, name.name, name.span.path)
        scope.report(error(
            "E101", f"`{name.name}` is declared twice (first as {KIND_WORDS[existing]}, at {first})",
            name.span, "give each field, event, list, segment, score and framework its own name",
        ))
        return
    table[name.name] = value


def _first_span(scope: Scope, kind: str, name: str, here: str = "") -> str:
    """Where ``name`` was first declared: `line 4` in the same file, else `path:line:column`."""
    value = dict(scope.tables())[kind][name]
    span = getattr(value, "span", None)
    if not isinstance(span, Span):
        return "?"
    return f"line {span.line}" if span.path == here else span.where()


def _collect_decl(decl: n.Decl, scope: Scope) -> None:
    if isinstance(decl, n.PolicyDecl):
        scope.policy.append(decl)
    elif isinstance(decl, n.VersionDecl):
        scope.versions.append(decl)
    elif isinstance(decl, n.LeadDecl):
        for field in decl.fields:
            _declare(scope, "field", field.name, field, scope.fields)  # type: ignore[arg-type]
    elif isinstance(decl, n.EventsDecl):
        for name in decl.names:
            _declare(scope, "event", name, name, scope.events)  # type: ignore[arg-type]
    elif isinstance(decl, n.ListDecl):
        _declare(scope, "list", decl.name, decl, scope.lists)  # type: ignore[arg-type]
    elif isinstance(decl, n.SegmentDecl):
        _declare(scope, "segment", decl.name, decl, scope.segments)  # type: ignore[arg-type]
    elif isinstance(decl, n.ScoreDecl):
        _declare(scope, "score", decl.name, decl, scope.scores)  # type: ignore[arg-type]
    elif isinstance(decl, n.FrameworkDecl):
        _declare(scope, "framework", decl.name, decl, scope.frameworks)  # type: ignore[arg-type]
    elif isinstance(decl, n.QualifyDecl):
        scope.qualify.append(decl)
        for rule in decl.rules:
            scope.outcomes.setdefault(rule.outcome.name, rule.outcome)
        for other in decl.otherwise:
            scope.outcomes.setdefault(other.outcome.name, other.outcome)
    elif isinstance(decl, n.TestDecl):
        scope.tests.append(decl)
    elif isinstance(decl, n.LifecycleDecl):
        scope.lifecycles.append(decl)
    elif isinstance(decl, n.SlaDecl):
        scope.slas.append(decl)
    elif isinstance(decl, n.CalendarDecl):
        if decl.name.name in scope.calendars:
            first = scope.calendars[decl.name.name].span.where()
            scope.report(error("E101", f"calendar `{decl.name.name}` is declared twice (first at {first})",
                               decl.name.span, "give each calendar its own name"))
        else:
            scope.calendars[decl.name.name] = decl

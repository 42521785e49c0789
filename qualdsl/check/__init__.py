"""Syntax trees to a checked policy model, as an ordered list of passes.

Order matters: declarations are collected before anything refers to them; field
types exist before expressions are typed; segments, scores and frameworks are
typed on first use (dependency order, cycles found); lints run on the result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from qualdsl import model as m
from qualdsl import nodes as n
from qualdsl.check.decls import Declarations
from qualdsl.check.lifecycle import build_lifecycle
from qualdsl.check.limits import model_limits, syntax_limits
from qualdsl.check.lints import unreachable_rules, unused_declarations
from qualdsl.check.scope import Scope, collect
from qualdsl.check.sla import build_calendars, build_slas
from qualdsl.errors import Diagnostic, error
from qualdsl.source import Source, Span


def content_hash(sources: Sequence[Source]) -> str:
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.text.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def check(
    modules: Sequence[n.Module], sources: Mapping[str, Source]
) -> tuple[m.PolicyModel | None, list[Diagnostic]]:
    """The model, when there is no error, and every diagnostic found."""
    scope = Scope(sources)
    collect(modules, scope)
    too_large = syntax_limits(modules, {
        "fields": list(scope.fields.values()), "events": list(scope.events.values()),
        "lists": list(scope.lists.values()), "segments": list(scope.segments.values()),
        "scores": list(scope.scores.values()), "frameworks": list(scope.frameworks.values()),
    })
    if too_large:
        # nothing more is checked: typing a policy this large is the work the limits avoid
        return None, [*scope.diagnostics, *too_large]
    decls = Declarations(scope)
    decls.build_fields()
    lists = {}
    for name, decl in scope.lists.items():
        typed = decls.exprs.infer(decl.items)
        if isinstance(typed, m.Const):
            lists[name] = typed
    for name in scope.segments:
        decls.segment(name, scope.segments[name].span)
    for name in scope.scores:
        decls.score(name, scope.scores[name].span)
    for name in scope.frameworks:
        decls.framework(name, scope.frameworks[name].span)
    rules = decls.build_rules()
    lifecycle = build_lifecycle(scope, decls)
    calendars = build_calendars(scope)
    timers, volumes = build_slas(scope, lifecycle, calendars)
    tests = decls.build_tests()
    main_path = modules[0].path if modules else "<policy>"
    name, version = _header(scope, main_path)
    scope.diagnostics.extend(unreachable_rules(rules))
    if not scope.too_deep:  # typing stopped part way: what it did not reach is not unused
        scope.diagnostics.extend(unused_declarations(scope))
    if any(d.is_error for d in scope.diagnostics):
        return None, scope.diagnostics
    model = m.PolicyModel(
        name=name,
        version=version,
        content_hash=content_hash([sources[mod.path] for mod in modules if mod.path in sources]),
        fields=tuple(decls.fields.values()),
        events=tuple(scope.events),
        lists=lists,
        segments=decls.segments,
        scores=decls.scores,
        frameworks=decls.frameworks,
        rules=rules,
        order=tuple(decls.order),
        tests=tests,
        path=main_path,
        lifecycle=lifecycle,
        calendars=calendars,
        timers=timers,
        volumes=volumes,
    )
    too_deep = model_limits(model)
    if too_deep:
        return None, [*scope.diagnostics, *too_deep]
    return model, scope.diagnostics


def _header(scope: Scope, main_path: str) -> tuple[str, str]:
    if not scope.policy:
        scope.report(error(
            "E130", "this file has no `policy \"NAME\"` line", Span.point(main_path, 1, 1),
            'start the file with e.g. `policy "Acme lead qualification"`',
        ))
    for extra in scope.policy[1:]:
        scope.report(error("E131", "a policy has one `policy` line; a used file cannot have its own",
                           extra.span, "remove this line, or `use` a file without one"))
    for again in scope.versions[1:]:
        scope.report(error("E131", "a policy has one `version` line", again.span))
    if not scope.qualify:
        scope.report(error(
            "E120", "this policy has no `qualify` block", Span.point(main_path, 1, 1),
            "add `qualify { ... otherwise lead }` saying which outcome a lead gets",
        ))
    name = scope.policy[0].name.value if scope.policy else ""
    version = scope.versions[0].version.value if scope.versions else ""
    return name, version

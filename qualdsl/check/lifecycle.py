"""Pass 5: the lifecycle (stages, transitions, owners) to the checked model.

Runs after the qualify block is built, since guards may say `qualified as OUTCOME`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from qualdsl import model as m
from qualdsl import nodes as n
from qualdsl.check.decls import Declarations
from qualdsl.check.exprs import ExprChecker
from qualdsl.check.scope import Scope, suggest
from qualdsl.errors import error, warning
from qualdsl.source import Span

StageCheck = Callable[[n.Name], bool]


def stage_checker(scope: Scope, stages: Iterable[str]) -> tuple[dict[str, None], StageCheck]:
    known = dict.fromkeys(stages)

    def resolve(name: n.Name) -> bool:
        if name.name in known:
            return True
        scope.report(error(
            "E161", f"unknown stage `{name.name}`", name.span,
            suggest(name.name, known) or "the stages are " + ", ".join(known),
        ))
        return False

    return known, resolve


def build_lifecycle(scope: Scope, decls: Declarations) -> m.Lifecycle | None:
    if not scope.lifecycles:
        return None
    for extra in scope.lifecycles[1:]:
        scope.report(error("E160", "a policy has one `lifecycle` block", extra.span,
                           "put all stages and transitions in one block"))
    decl = scope.lifecycles[0]
    stages = _stages(scope, decl)
    if not stages:
        return None
    _, known = stage_checker(scope, stages)
    start = _start(scope, decl, stages, known)
    finals = frozenset(s.name for line in decl.finals for s in line.stages if known(s))
    owners: dict[str, str] = {}
    for line in decl.owners:
        for stage in line.stages:
            if known(stage):
                owners[stage.name] = line.owner.value
    guards = ExprChecker(scope, decls, allow_outcomes=True)
    transitions = []
    for index, t in enumerate(decl.transitions):
        built = _transition(scope, guards, index, t, known)
        if built is not None:
            transitions.append(built)
    if start is None or len(transitions) != len(decl.transitions):
        return None
    lifecycle = m.Lifecycle(tuple(stages), start, finals, owners, tuple(transitions), decl.span)
    _shape_checks(scope, decl, lifecycle)
    return lifecycle


def _stages(scope: Scope, decl: n.LifecycleDecl) -> list[str]:
    names: list[str] = []
    for line in decl.stages:
        for name in line.names:
            if name.name in names:
                scope.report(error("E162", f"stage `{name.name}` is listed twice", name.span))
            else:
                names.append(name.name)
    if not names:
        scope.report(error(
            "E160", "the lifecycle needs a `stages` line", decl.span,
            "e.g. `stages lead, mql, sal, opportunity, won, lost, nurture`",
        ))
    return names


def _start(scope: Scope, decl: n.LifecycleDecl, stages: list[str], known: StageCheck) -> str | None:
    if len(decl.starts) > 1:
        scope.report(error("E160", "a lifecycle has one `start` stage", decl.starts[1].span))
        return None
    if not decl.starts:
        return stages[0]
    line = decl.starts[0]
    return line.stage.name if known(line.stage) else None


def _transition(
    scope: Scope, guards: ExprChecker, index: int, t: n.Transition, known: StageCheck
) -> m.Transition | None:
    ok = known(t.source) & known(t.target)  # both reported
    event = None
    if t.event is not None:
        if t.event.name in scope.events:
            scope.used.add(("event", t.event.name))
            event = t.event.name
        else:
            scope.report(error("E102", f"unknown event `{t.event.name}`", t.event.span,
                               suggest(t.event.name, scope.events) or "declare it in an `events` line"))
            ok = False
    condition = None
    if t.condition is not None:
        condition = guards.condition(t.condition)
        ok = ok and condition is not None
    reasons = None
    if t.reasons is not None:
        reasons = _reason_list(scope, t.reasons)
        ok = ok and reasons is not None
    elif t.recycle:
        scope.report(error(
            "E166", "a recycle transition needs the list of allowed reasons", t.span,
            "add `with reason from LIST`, where LIST is a declared list of texts",
        ))
        ok = False
    if not ok:
        return None
    text = scope.text(t.span)
    owner = t.owner.value if t.owner is not None else None
    parts = [f"on {event}"] if event else []
    if t.condition is not None:
        parts.append("when " + scope.text(t.condition.span))
    guard = " ".join(parts)
    return m.Transition(
        index, t.source.name, t.target.name, event, condition, owner, t.recycle, reasons, text, guard, t.span
    )


def _reason_list(scope: Scope, name: n.Name) -> tuple[str, ...] | None:
    decl = scope.lists.get(name.name)
    if decl is None:
        scope.report(error("E167", f"unknown list `{name.name}`", name.span,
                           suggest(name.name, scope.lists) or "declare it with `list NAME = [\"...\", ...]`"))
        return None
    scope.used.add(("list", name.name))
    values = [item for item in decl.items.items if isinstance(item, n.String)]
    if len(values) != len(decl.items.items) or not values:
        scope.report(error("E167", f"the reasons list `{name.name}` must hold texts", name.span,
                           'e.g. `list rejection_reasons = ["no budget", "bad timing"]`'))
        return None
    return tuple(v.value for v in values)


def _shape_checks(scope: Scope, decl: n.LifecycleDecl, lifecycle: m.Lifecycle) -> None:
    spans = _stage_spans(decl)
    reachable = {lifecycle.start}
    frontier = [lifecycle.start]
    while frontier:
        stage = frontier.pop()
        for t in lifecycle.leaving(stage):
            if t.target not in reachable:
                reachable.add(t.target)
                frontier.append(t.target)
    for stage in lifecycle.stages:
        span = spans.get(stage, decl.span)
        if stage not in reachable:
            scope.report(warning(
                "W310", f"stage `{stage}` cannot be reached from the start stage `{lifecycle.start}`", span,
                "add a transition into it, or remove it",
            ))
        leaving = lifecycle.leaving(stage)
        if stage in lifecycle.finals and leaving:
            scope.report(error(
                "E164", f"the final stage `{stage}` has a transition out of it", leaving[0].span,
                "remove the transition, or do not mark the stage final",
            ))
        if stage not in lifecycle.finals and not leaving:
            scope.report(error(
                "E163", f"stage `{stage}` is not final and has no way out", span,
                f"add a transition from `{stage}`, or list it in `final`",
            ))
    _ambiguous(scope, lifecycle)


def _ambiguous(scope: Scope, lifecycle: m.Lifecycle) -> None:
    seen: dict[tuple[str, str | None, object], m.Transition] = {}
    for t in lifecycle.transitions:
        key = (t.source, t.event, t.condition)
        if key in seen:
            first = seen[key]
            trigger = f"on `{t.event}`" if t.event else "on the same condition"
            scope.report(error(
                "E165", f"two transitions leave `{t.source}` {trigger}: to `{first.target}` "
                f"(line {first.span.line}) and to `{t.target}`", t.span,
                "make the conditions differ (add `when ...`), or remove one",
            ))
        else:
            seen[key] = t


def _stage_spans(decl: n.LifecycleDecl) -> dict[str, Span]:
    spans: dict[str, Span] = {}
    for line in decl.stages:
        for name in line.names:
            spans.setdefault(name.name, name.span)
    return spans

"""Pass 4: warnings about a policy that checks but probably does not say what was meant."""

from __future__ import annotations

from qualdsl import model as m
from qualdsl.check.scope import Scope
from qualdsl.errors import Diagnostic, warning


def conjuncts(expr: m.Expr) -> frozenset[m.Expr]:
    if isinstance(expr, m.Logical) and expr.op == "and":
        return frozenset(expr.items)
    return frozenset({expr})


def unreachable_rules(rules: tuple[m.QualifyRule, ...]) -> list[Diagnostic]:
    """A rule can never win when an earlier rule's conditions are all among its own."""
    found = []
    parts = [conjuncts(rule.condition) if rule.condition is not None else None for rule in rules]
    for j, later in enumerate(rules):
        mine = parts[j]
        if mine is None:
            continue
        for i, earlier in enumerate(rules[:j]):
            theirs = parts[i]
            if theirs is None:
                continue
            if theirs <= mine:
                found.append(warning(
                    "W302",
                    f"the rule for `{later.outcome}` can never apply: whenever it holds, the earlier "
                    f"rule for `{earlier.outcome}` (line {earlier.span.line}) holds too",
                    later.span,
                    "rules are tried in order and the first that holds wins; move this rule up or make it stricter",
                ))
                break
    return found


def unused_declarations(scope: Scope) -> list[Diagnostic]:
    found = []
    for kind, table in (("list", scope.lists), ("segment", scope.segments), ("framework", scope.frameworks)):
        for name, decl in table.items():
            if (kind, name) not in scope.used:
                span = decl.name.span  # type: ignore[attr-defined]
                found.append(warning(
                    "W301", f"{kind} `{name}` is declared but never used", span,
                    "use it in a rule, or remove it",
                ))
    return found

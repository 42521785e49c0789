"""The limits that keep checking, compiling and evaluating a policy bounded (E180-E187).

Each limit is far beyond what a policy written by people needs, and each stops a policy
that would make qualdsl slow or break before anything runs:

* E180 a list of more than ``MAX_LIST_ITEMS`` values;
* E181 a condition nested more than ``MAX_LEVELS`` deep, counting the segments, scores and
  frameworks it uses (their conditions are part of it when it is compiled);
* E182 a text of more than ``MAX_TEXT`` characters (reasons and labels are copied into
  every decision);
* E183 a name of more than ``MAX_NAME`` characters;
* E184 a qualify block or score with more than ``MAX_RULES`` rules, a segment or framework
  with more than ``MAX_CRITERIA`` criteria;
* E185 more than ``MAX_DECLARED`` fields, events, lists, segments, scores or frameworks;
* E186 (in ``decls``) a test event whose time falls outside the years 1 to 9999;
* E187 (in ``qualdsl.syntax.parser``) a file of more than ``MAX_TOKENS`` words and signs;
* E188 arithmetic whose result could have more than ``MAX_NUMBER_DIGITS`` digits (each
  multiplication adds the digits of its sides: a tree of them doubles them at each level).

The nesting limit exists because the compiled evaluator nests a segment's code inside every
condition that uses it, and Python reads at most 200 nested brackets (and recurses once per
level while checking and compiling). ``compiled_depth`` is an upper bound of the brackets the
generated code puts around each part (see ``qualdsl.compile.codegen``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import attrs

from qualdsl import model as m
from qualdsl import nodes as n
from qualdsl.errors import Diagnostic, error
from qualdsl.source import Span

MAX_LIST_ITEMS = 10_000
MAX_LEVELS = 150  # while checking: levels of conditions, segments, scores and frameworks inside each other
MAX_COMPILED_DEPTH = 190  # brackets in the generated Python (which reads at most 199)
MAX_TEXT = 1_000
MAX_NAME = 100
MAX_RULES = 1_000
MAX_CRITERIA = 100
MAX_DECLARED = 1_000
MAX_NUMBER_DIGITS = 1_000  # E188: far below what decimals hold (10**999999) and ints print (4,300 digits)

DEPTH_HINT = ("split it: move part of the condition into a segment of its own, give a segment fewer "
              "criteria, or build fewer segments and frameworks on one another")


# ---- before typing: sizes read from the syntax ----------------------------------------------


def syntax_limits(modules: Iterable[n.Module], declared: dict[str, Sequence[Any]]) -> list[Diagnostic]:
    """E180, E182-E185 over the parsed files; ``declared`` lists the declarations of each kind."""
    found: list[Diagnostic] = []
    long_names: set[str] = set()
    for module in modules:
        stack: list[Any] = [module]
        while stack:
            node = stack.pop()
            if isinstance(node, tuple):
                stack.extend(node)
                continue
            if not attrs.has(type(node)) or isinstance(node, Span):
                continue
            found.extend(_node_limits(node, long_names))
            stack.extend(getattr(node, f.name) for f in attrs.fields(type(node)))
    for kind, items in declared.items():
        if len(items) > MAX_DECLARED:
            extra = items[MAX_DECLARED]
            span = getattr(extra, "span", None)
            found.append(error(
                "E185", f"a policy may declare at most {MAX_DECLARED:,} {kind}; this one declares {len(items):,}",
                span if isinstance(span, Span) else Span.point("<policy>", 1, 1),
                "keep only what the rules use; group values in lists, or read a yes/no column instead",
            ))
    return found


def _node_limits(node: object, long_names: set[str]) -> list[Diagnostic]:
    if isinstance(node, n.String) and len(node.value) > MAX_TEXT:
        return [error("E182", f"this text is {len(node.value):,} characters long; a text may have at most {MAX_TEXT:,}",
                      _head(node.span), "shorten it: reasons and labels are copied into every decision")]
    if isinstance(node, n.Name) and len(node.name) > MAX_NAME and node.name not in long_names:
        long_names.add(node.name)
        return [error("E183", f"this name is {len(node.name):,} characters long; a name may have at most {MAX_NAME}",
                      _head(node.span), "choose a shorter name")]
    if isinstance(node, n.ListLit) and len(node.items) > MAX_LIST_ITEMS:
        return [error(
            "E180", f"this list has {len(node.items):,} values; a list may have at most {MAX_LIST_ITEMS:,}", _head(node.span),
            "a list this long belongs in the lead data: add a yes/no field (e.g. `target_account : yes/no`) "
            "that your CRM fills in",
        )]
    if isinstance(node, n.QualifyDecl) and len(node.rules) > MAX_RULES:
        return [_too_many("the qualify block", len(node.rules), MAX_RULES, "rules", node.span)]
    if isinstance(node, n.ScoreDecl) and len(node.rules) > MAX_RULES:
        return [_too_many(f"score `{node.name.name}`", len(node.rules), MAX_RULES, "rules", node.name.span)]
    if isinstance(node, n.SegmentDecl) and len(node.criteria) > MAX_CRITERIA:
        return [_too_many(f"segment `{node.name.name}`", len(node.criteria), MAX_CRITERIA, "criteria", node.name.span)]
    if isinstance(node, n.FrameworkDecl) and len(node.criteria) > MAX_CRITERIA:
        return [_too_many(f"framework `{node.name.name}`", len(node.criteria), MAX_CRITERIA, "criteria", node.name.span)]
    return []


def _too_many(what: str, count: int, limit: int, things: str, span: Span) -> Diagnostic:
    return error("E184", f"{what} has {count:,} {things}; at most {limit:,} are allowed", _head(span),
                 f"split it into several {'segments' if things == 'criteria' else 'scores or segments'}, "
                 "each with a name that says what it is about")


def _head(span: Span) -> Span:
    """A span cut to its first line (a block's span covers the whole block)."""
    if span.end_line == span.line:
        return span
    return Span(span.path, span.line, span.column, span.line, span.column + 1, span.start, span.start + 1)


# ---- after typing: how deep the compiled evaluator nests ---------------------------------------


class _Depths:
    """``compiled_depth`` of every expression of a model, with segments and frameworks once each."""

    def __init__(self, policy: m.PolicyModel) -> None:
        self.policy = policy
        self.memo: dict[tuple[str, str, str], int] = {}

    def derived(self, key: tuple[str, str, str]) -> int:
        if key not in self.memo:
            kind, name, criterion = key
            self.memo[key] = 0  # a cycle is reported elsewhere; never loop
            if kind == "segment":
                segment = self.policy.segments.get(name)
                value = self.combine(segment.mode, [c.expr for c in segment.criteria]) if segment else 0
            else:
                framework = self.policy.frameworks.get(name)
                if framework is None:
                    value = 0
                elif kind == "criterion":
                    value = max((self.expr(c.expr) for c in framework.criteria if c.name == criterion), default=0)
                elif framework.mode == "expr" and framework.rule is not None:
                    value = self.expr(framework.rule)
                else:
                    refs = [2 + self.derived(("criterion", name, c.name)) for c in framework.criteria]
                    value = self.combine_depths(framework.mode, refs)
            self.memo[key] = value
        return self.memo[key]

    def combine(self, mode: str, items: Sequence[m.Expr]) -> int:
        return self.combine_depths(mode, [self.expr(i) for i in items], all(i.nullable for i in items))

    @staticmethod
    def combine_depths(mode: str, depths: Sequence[int], all_unknown: bool = False) -> int:
        if not depths:
            return 0
        if mode in ("all", "any"):
            return max(depths) if len(depths) == 1 else _chain(depths, all_unknown)
        return 4 + max(depths)  # `at least N`: one flat sum

    def expr(self, e: m.Expr) -> int:
        if isinstance(e, m.SegmentRef):
            return 2 + self.derived(("segment", e.name, ""))
        if isinstance(e, m.FrameworkPass):
            return 2 + self.derived(("framework", e.name, ""))
        if isinstance(e, m.CriterionRef):
            return 2 + self.derived(("criterion", e.framework, e.criterion))
        if isinstance(e, m.CriteriaCount):
            framework = self.policy.frameworks.get(e.framework)
            refs = [2 + self.derived(("criterion", e.framework, c.name)) for c in framework.criteria] if framework else []
            return 4 + max(refs, default=0)
        if isinstance(e, m.OutcomeIs):
            return 1
        parts = m.children(e)
        if not parts:
            return 0
        if isinstance(e, m.Logical):
            return _chain([self.expr(p) for p in parts], all(p.nullable for p in parts))
        inner = max(self.expr(p) for p in parts)
        if isinstance(e, m.IsMissing):
            return 1 + inner
        if isinstance(e, m.InList):
            return 3 + inner
        # a comparison, a test, arithmetic, `not`: a guard, then a call (`x.casefold().startswith(y.casefold())`)
        return max(3, 2 + inner)


def _chain(depths: Sequence[int], all_unknown: bool) -> int:
    """`a and b and c`: the parts that may be unknown nest one conditional per part, the j-th
    (from 0) two brackets inside its own; the parts that never are unknown stand before them,
    in one more bracket. (The checker's "may be unknown" is never wider than the code generator's.)"""
    return (0 if all_unknown else 1) + max(j + 2 + d for j, d in enumerate(depths))


def compiled_depth(policy: m.PolicyModel, expr: m.Expr) -> int:
    """An upper bound of the brackets around the deepest part of ``expr`` in the generated code,
    as a rule's or score rule's condition (two more for `if (...) is True`)."""
    return 2 + _Depths(policy).expr(expr)


# ---- after typing: how large a number arithmetic can make ------------------------------------

# Digits a value read from a lead can have (``qualdsl.records``): an int has at most 30; a number or
# an amount is between 1E-40 and 1E+41; a score or a count of events is an int (points of at most 30
# digits, times many events).
_FIELD_DIGITS = {"int": (30, 0), "number": (41, 41), "money": (41, 41)}
_INT_DIGITS = (45, 0)


def _digits(e: m.Expr, memo: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """Bounds (before, after) on a numeric value's digits: a value that is not 0 lies between
    10**-after and 10**before. Multiplying adds the digits; so does dividing, crosswise."""
    key = id(e)
    if key in memo:
        return memo[key]
    result = (0, 0)
    if isinstance(e, m.Const) and isinstance(e.value, (int, Decimal)) and not isinstance(e.value, bool):
        value = Decimal(e.value)
        if value:
            adjusted = value.adjusted()
            result = (max(adjusted + 1, 1), max(-adjusted, 0))
    elif isinstance(e, m.FieldRef):
        result = _FIELD_DIGITS.get(e.type.kind, (0, 0))
    elif isinstance(e, (m.ScoreRef, m.EventCount)):
        result = _INT_DIGITS
    elif isinstance(e, m.Neg):
        result = _digits(e.operand, memo)
    elif isinstance(e, m.Arith) and e.type.is_numeric:
        (a_big, a_small), (b_big, b_small) = _digits(e.left, memo), _digits(e.right, memo)
        if e.op in "+-":
            result = (max(a_big, b_big) + 1, max(a_small, b_small) + 1)
        elif e.op == "*":
            result = (a_big + b_big, a_small + b_small)
        else:
            result = (a_big + b_small + 1, a_small + b_big + 1)
    memo[key] = result
    return result


def _number_limits(policy: m.PolicyModel) -> list[Diagnostic]:
    """E188 for arithmetic whose result could have more than ``MAX_NUMBER_DIGITS`` digits: beyond
    what Python's decimals hold (decimal.Overflow), or can print (ints of thousands of digits)."""
    found: list[Diagnostic] = []
    memo: dict[int, tuple[int, int]] = {}
    for expr in _all_exprs(policy):
        for node in m.walk(expr):
            if not (isinstance(node, m.Arith) and node.type.is_numeric):
                continue
            big, small = _digits(node, memo)
            if max(big, small) > MAX_NUMBER_DIGITS:
                found.append(error(
                    "E188", f"this arithmetic could give a number of more than {MAX_NUMBER_DIGITS:,} digits",
                    _head(node.span), "multiply and divide fewer values in one condition",
                ))
                return found  # the first is enough: the rest are usually the same expression again
    return found


def _all_exprs(policy: m.PolicyModel) -> list[m.Expr]:
    """What the policy evaluates, and the conditions of its tests' `expect` lines."""
    tests = [x.condition for t in policy.tests for x in t.expects if x.condition is not None]
    return [*m.policy_exprs(policy), *tests]


def model_limits(policy: m.PolicyModel) -> list[Diagnostic]:
    """E181 for each segment, framework and condition that would compile too deeply nested;
    E188 for arithmetic that could overflow."""
    depths = _Depths(policy)
    found: list[Diagnostic] = _number_limits(policy)
    blamed: set[tuple[str, str, str]] = set()
    for name, segment in policy.segments.items():
        if 4 + depths.derived(("segment", name, "")) > MAX_COMPILED_DEPTH:
            blamed.add(("segment", name, ""))
            found.append(_too_deep(f"segment `{name}`", _head(segment.span)))
    for name, framework in policy.frameworks.items():
        if 4 + depths.derived(("framework", name, "")) > MAX_COMPILED_DEPTH:
            blamed.add(("framework", name, ""))
            found.append(_too_deep(f"framework `{name}`", _head(framework.span)))
    tops: list[tuple[m.Expr, Span]] = [(r.condition, r.span) for r in policy.rules if r.condition is not None]
    for score in policy.scores.values():
        tops.extend((r.condition, r.span) for r in score.rules if r.condition is not None)
    if policy.lifecycle is not None:
        tops.extend((t.condition, t.span) for t in policy.lifecycle.transitions if t.condition is not None)
    for expr, span in tops:
        if 2 + depths.expr(expr) > MAX_COMPILED_DEPTH and not _uses(expr, blamed):
            found.append(_too_deep("this condition", _head(span)))
    return found


def _uses(expr: m.Expr, blamed: set[tuple[str, str, str]]) -> bool:
    for node in m.walk(expr):
        if isinstance(node, m.SegmentRef) and ("segment", node.name, "") in blamed:
            return True
        if isinstance(node, (m.FrameworkPass, m.CriteriaCount, m.CriterionRef)):
            name = node.name if isinstance(node, m.FrameworkPass) else node.framework
            if ("framework", name, "") in blamed:
                return True
    return False


def _too_deep(what: str, span: Span) -> Diagnostic:
    return error(
        "E181", f"{what} is nested too deeply to compile: counting the segments and frameworks it uses, "
        f"it goes more than {MAX_COMPILED_DEPTH} brackets deep",
        span, DEPTH_HINT,
    )

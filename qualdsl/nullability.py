"""Which expressions of a checked policy may be unknown when a lead is evaluated.

One answer for both back ends: the generated Python adds three-valued logic only where an
operand may be unknown, and the SQL query adds NULL tests at the same places. Worked out here
rather than read from the checker's ``nullable``, which says a framework whose `passes when`
uses an optional field (not through a criterion) is never unknown, and that time arithmetic
never is (it is, when the result leaves the range of dates and durations).
"""

from __future__ import annotations

from qualdsl import model as m

TIME_KINDS = frozenset({"duration", "date", "datetime"})

# (kind, name, criterion): a segment, a framework's pass, its criteria count, or one criterion
DerivedKey = tuple[str, str, str]


class Nullability:
    """``nullability(e)``: whether ``e`` may be unknown. Derived values are worked out once."""

    def __init__(self, policy: m.PolicyModel) -> None:
        self.policy = policy
        self._derived: dict[DerivedKey, bool] = {}

    def __call__(self, e: m.Expr) -> bool:
        key = derived_key(e)
        if key is not None:
            return self._derived_nullable(key)
        if isinstance(e, (m.Const, m.ScoreRef, m.EventCount, m.NowRef, m.IsMissing)):
            return False
        if isinstance(e, m.Arith) and e.op == "/" and not (isinstance(e.right, m.Const) and e.right.value != 0):
            return True
        if may_overflow(e):
            return True
        children = m.children(e)
        if not children:
            return e.nullable  # a field, or a kind of node without parts
        return any(self(c) for c in children)

    def _derived_nullable(self, key: DerivedKey) -> bool:
        if key not in self._derived:
            self._derived[key] = True  # a cycle cannot happen (E110); this only stops a recursion
            self._derived[key] = any(self(x) for x in self._parts(key))
        return self._derived[key]

    def _parts(self, key: DerivedKey) -> list[m.Expr]:
        kind, name, criterion = key
        if kind == "segment":
            return [c.expr for c in self.policy.segments[name].criteria]
        framework = self.policy.frameworks[name]
        parts = [c.expr for c in framework.criteria if kind != "criterion" or c.name == criterion]
        if kind == "framework" and framework.rule is not None:
            parts.append(framework.rule)
        return parts


def derived_key(e: m.Expr) -> DerivedKey | None:
    if isinstance(e, m.SegmentRef):
        return ("segment", e.name, "")
    if isinstance(e, m.FrameworkPass):
        return ("framework", e.name, "")
    if isinstance(e, m.CriteriaCount):
        return ("criteria", e.framework, "")
    if isinstance(e, m.CriterionRef):
        return ("criterion", e.framework, e.criterion)
    return None


def may_overflow(e: m.Expr) -> bool:
    """Time arithmetic that may leave the range of dates and durations (then unknown, see
    ``interpret._time_arith``). The difference of two times always fits."""
    if isinstance(e, m.Neg):
        return e.type.kind == "duration"
    if not isinstance(e, m.Arith):
        return False
    kinds = {e.type.kind, e.left.type.kind, e.right.type.kind}
    if not kinds & TIME_KINDS:
        return False
    return not (e.op == "-" and e.left.type.kind == "datetime" and e.right.type.kind == "datetime")

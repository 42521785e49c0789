"""What an evaluation returns: an outcome and scores now, a full explanation on request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from qualdsl.explain import Explanation

if TYPE_CHECKING:
    from qualdsl.policy import Policy


@attrs.frozen
class Decision:
    """The outcome of one lead. Cheap to make; ``explain()`` computes the reasons when asked."""

    policy: Policy = attrs.field(repr=False, eq=False)
    rule_index: int
    score_values: tuple[int, ...]
    lead: Mapping[str, object] = attrs.field(repr=False, eq=False)
    events: Sequence[object] = attrs.field(repr=False, eq=False)
    now: dt.datetime = attrs.field(repr=False)

    @property
    def outcome(self) -> str:
        return self.policy.model.rules[self.rule_index].outcome

    @property
    def reason(self) -> str | None:
        return self.policy.model.rules[self.rule_index].reason

    @property
    def scores(self) -> dict[str, int]:
        return dict(zip(self.policy.model.scores, self.score_values, strict=True))

    def explain(self) -> Explanation:
        return self.policy.explain(self.lead, self.events, self.now)

    def to_dict(self, explain: bool = False) -> dict[str, object]:
        rule = self.policy.model.rules[self.rule_index]
        out: dict[str, object] = {
            "outcome": rule.outcome,
            "reason": rule.reason,
            "scores": self.scores,
            "rule": {"index": rule.index, "line": rule.span.line, "text": rule.text},
            "now": self.now.isoformat(),
            "policy": self.policy.info(),
        }
        if explain:
            out["explanation"] = self.explain().to_dict()
        return out

"""qualdsl: the agreed definition of a qualified lead, as a checked and compiled policy.

    import qualdsl
    policy = qualdsl.load("policies/examples/acme.qual")
    decision = policy.evaluate({"employees": 400, ...}, events=[("demo_watched", "2026-11-30T10:00:00Z")])
    print(decision.outcome, decision.scores, decision.explain().render())
"""

from qualdsl.decision import Decision
from qualdsl.errors import Diagnostic, PolicyError, QualdslError, RecordError
from qualdsl.explain import Explanation
from qualdsl.lifecycle import HistoryEvent, StageEntry, Step, Timeline, Visit
from qualdsl.policy import EvalResult, Policy, compile_text, load
from qualdsl.prepared import PreparedLead
from qualdsl.sla import TimerStatus

__all__ = [
    "Decision",
    "Diagnostic",
    "EvalResult",
    "Explanation",
    "HistoryEvent",
    "Policy",
    "PolicyError",
    "PreparedLead",
    "QualdslError",
    "RecordError",
    "StageEntry",
    "Step",
    "Timeline",
    "TimerStatus",
    "Visit",
    "compile_text",
    "load",
]
__version__ = "0.1.0"

"""The checked model compiled to a Python function (see ``codegen``)."""

from __future__ import annotations

import linecache
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from qualdsl import model as m
from qualdsl.compile.codegen import generate

EvaluateFn = Callable[[Any, Sequence[object], Any], Any]


@attrs.frozen
class Compiled:
    """The generated source (kept for reading and tracebacks) and the function it defines."""

    source: str
    evaluate: EvaluateFn
    prepare: Callable[..., Any]
    evaluate_prepared: Callable[..., Any]
    guards: Callable[[Any, Sequence[object], Any], tuple[object, ...]] | None = None


def compile_policy(
    policy: m.PolicyModel, decision: Callable[[tuple[Any, ...]], Any] = tuple, owner: object = None,
    prepared: type[tuple[Any, ...]] = tuple,
) -> Compiled:
    """Compile ``policy``. Its ``evaluate`` returns ``decision((outcome, scores, rule index, owner,
    lead, events, now))`` and ``prepare`` returns ``prepared((values, events, lead, owner))``: plain
    tuples unless the caller (``qualdsl.Policy``) passes its classes."""
    generated = generate(policy)
    filename = f"<qualdsl {policy.path} {policy.content_hash}>"
    code = compile(generated.source, filename, "exec")
    namespace: dict[str, Any] = dict(generated.namespace)
    namespace["_decision"] = decision
    namespace["_owner"] = owner
    namespace["_prepared"] = prepared
    namespace["__builtins__"] = {"len": len, "min": min, "max": max, "int": int, "str": str, "tuple": tuple}
    exec(code, namespace)
    linecache.cache[filename] = (
        len(generated.source), None, generated.source.splitlines(True), filename,
    )
    return Compiled(generated.source, namespace["evaluate"], namespace["prepare"], namespace["evaluate_prepared"],
                    namespace.get("guards"))

"""The checked model compiled to a Python function (see ``codegen``)."""

from __future__ import annotations

import linecache
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from qualdsl import model as m
from qualdsl.compile.codegen import generate

DecideFn = Callable[[Any, Sequence[object], Any], tuple[int, tuple[int, ...]]]


@attrs.frozen
class Compiled:
    """The generated source (kept for reading and tracebacks) and the function it defines."""

    source: str
    decide: DecideFn
    guards: Callable[[Any, Sequence[object], Any], tuple[object, ...]] | None = None


def compile_policy(policy: m.PolicyModel) -> Compiled:
    generated = generate(policy)
    filename = f"<qualdsl {policy.path} {policy.content_hash}>"
    code = compile(generated.source, filename, "exec")
    namespace: dict[str, Any] = dict(generated.namespace)
    namespace["__builtins__"] = {"len": len, "min": min, "max": max, "int": int, "str": str, "tuple": tuple}
    exec(code, namespace)
    linecache.cache[filename] = (
        len(generated.source), None, generated.source.splitlines(True), filename,
    )
    return Compiled(generated.source, namespace["decide"], namespace.get("guards"))

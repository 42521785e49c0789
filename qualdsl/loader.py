"""Files to syntax trees: reading text safely and following `use` between files."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

import attrs

from qualdsl import nodes as n
from qualdsl.errors import Diagnostic, error
from qualdsl.source import Source, Span
from qualdsl.syntax import parse_module

MAX_POLICY_BYTES = 5_000_000

Reader = Callable[[str], Source | Diagnostic]
"""Reads the file at a path as a Source, or says why it cannot (E151/E152): ``read_source``
reads the disk; another reader may read, say, a git revision (see ``qualdsl.diff``)."""


@attrs.frozen
class Loaded:
    """The parsed modules (the main file first), their sources, and any diagnostics."""

    modules: tuple[n.Module, ...]
    sources: dict[str, Source]
    diagnostics: tuple[Diagnostic, ...]


def decode(path: str, data: bytes) -> Source | Diagnostic:
    """UTF-8 (a BOM is allowed); CRLF line ends become LF."""
    if len(data) > MAX_POLICY_BYTES:
        return error("E152", f"this file is larger than {MAX_POLICY_BYTES:,} bytes", Span.point(path, 1, 1),
                     "split the policy into files joined with `use`")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        span = Span(path, line, column, line, column + 1, exc.start, exc.start + 1)
        return error(
            "E152", f"this file is not UTF-8 text: the byte 0x{data[exc.start]:02X} on line {line} cannot be read",
            span, "the file was probably saved in another encoding (such as Windows-1252); save it as UTF-8",
        )
    text = text.replace("\r\n", "\n")
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return error("E152", "this file contains a NUL byte: it is not a text file",
                     Span(path, line, column, line, column + 1, offset, offset + 1))
    return Source(path, text)


def read_source(path: str) -> Source | Diagnostic:
    """The file at ``path`` on disk, decoded (the default ``Reader``)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            # a device (`/dev/zero`), a pipe or a folder: reading it would never end, or block
            return error("E151", f"cannot read `{path}`: it is not a regular file", Span.point(path, 1, 1))
        with open(path, "rb") as handle:
            data = handle.read(MAX_POLICY_BYTES + 1)  # enough to tell that it is too large
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        return error("E151", f"cannot read `{path}`: {getattr(exc, 'strerror', None) or exc}", Span.point(path, 1, 1))
    return decode(path, data)


def load_text(text: str, path: str = "<policy>") -> Loaded:
    return _load(Source(path, text.replace("\r\n", "\n").lstrip("\ufeff")))


def load_file(path: str, read: Reader = read_source) -> Loaded:
    """The file at ``path`` and every file it `use`s, each read with ``read``."""
    source = read(path)
    if isinstance(source, Diagnostic):
        return Loaded((), {}, (source,))
    return _load(source, read)


@attrs.frozen
class _Reached:
    """What following the `use` lines has gathered so far, over every file it reached."""

    read: Reader
    sources: dict[str, Source]
    modules: list[n.Module] = attrs.field(factory=list)
    diagnostics: list[Diagnostic] = attrs.field(factory=list)
    done: set[str] = attrs.field(factory=set)


def _load(main: Source, read: Reader = read_source) -> Loaded:
    reached = _Reached(read, {main.path: main})
    _visit(main, [], reached)
    # the main module first, then the used ones in the order they were reached
    modules = sorted(reached.modules, key=lambda mod: mod.path != main.path)
    return Loaded(tuple(modules), reached.sources, tuple(reached.diagnostics))


def _visit(source: Source, stack: list[str], reached: _Reached) -> None:
    parsed = parse_module(source)
    if isinstance(parsed, Diagnostic):
        reached.diagnostics.append(parsed)
        return
    reached.done.add(_key(source.path))
    reached.modules.append(parsed)
    for decl in parsed.decls:
        if isinstance(decl, n.UseDecl):
            _follow(decl, source, [*stack, source.path], reached)


def _follow(decl: n.UseDecl, source: Source, stack: list[str], reached: _Reached) -> None:
    base = os.path.dirname(source.path) if not source.path.startswith("<") else "."
    target = os.path.normpath(os.path.join(base, decl.path.value))
    if _key(target) in {_key(p) for p in stack}:
        chain = " → ".join([*stack[stack.index(next(p for p in stack if _key(p) == _key(target))):], target])
        reached.diagnostics.append(error("E150", f"`use` goes round in a circle: {chain}", decl.path.span,
                                         "a file cannot use itself, directly or through others"))
        return
    if _key(target) in reached.done:
        return
    used = reached.read(target)
    if isinstance(used, Diagnostic):
        reached.diagnostics.append(error(
            "E151", f"cannot read the used file `{decl.path.value}` (looked for {target})", decl.path.span,
            "paths in `use` are relative to the file that has the `use` line",
        ))
        return
    reached.sources[target] = used
    _visit(used, stack, reached)


def _key(path: str) -> str:
    if path.startswith("<"):
        return path
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):  # a NUL in the path, or one too long to resolve
        return os.path.normpath(path)

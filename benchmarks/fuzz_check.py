"""A mutation fuzzer for `qualdsl check`: broken policy files in, placed diagnostics out.

    python -m benchmarks.fuzz_check --inputs 100000 --seed 1 [--jobs 2] [--save-dir DIR]
    python -m benchmarks.fuzz_check --seed 1 --replay 4711 > case.qual   # one input again

Every ``.qual`` file under ``policies/``, ``examples/`` and ``tests/golden/`` is a seed. Each
input is one seed with 1-4 mutations: tokens and lines deleted, duplicated or swapped; random
bytes, keywords and names inserted; huge numbers; deep nesting of parentheses and of
`not` / `and` / `or` chains; very long lines, names and texts; bytes that are not UTF-8, a BOM
(at the start or inside), CRLF and lone CR line ends, NUL bytes; unicode look-alikes (Cyrillic
letters, curly quotes, fullwidth digits, invisible spaces); times at the ends of the calendar;
blocks of many segments built on one another, wide segments, long scores and qualify blocks;
truncation; pieces of another seed.

The bytes go through what `qualdsl check FILE` does (``qualdsl.loader.decode``, the parser,
``qualdsl.check.check``; ``use`` lines read the real files next to the seed), and then, when
there is no error, through ``qualdsl.compile`` as `qualdsl eval` would. An input passes when
nothing raises and every diagnostic has a path, a line and a column >= 1 and a message, and
renders. Each input is timed: the slowest is reported, and any over ``--slow`` seconds
(default 2; timed twice, the faster counts, so a moment of load elsewhere does not flag it)
is flagged; one over ``--hang`` seconds (default 30) is stopped and counted as a hang.
Crashing, slow and hanging inputs are saved under ``--save-dir`` when it is given; their
numbers are always printed, and ``--replay N`` writes input N again.

Exit code 0 when there were no crashes, hangs or slow inputs, else 1.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import random
import re
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from qualdsl.check import check
from qualdsl.compile import compile_policy
from qualdsl.errors import Diagnostic, render, sort_and_cap
from qualdsl.loader import decode, load_file, read_source
from qualdsl.nodes import PolicyDecl, QualifyDecl
from qualdsl.source import Source

ROOT = Path(__file__).resolve().parents[1]
SEED_FOLDERS = ("policies", "examples", "tests/golden")

KEYWORDS = (
    "policy", "version", "use", "lead", "events", "list", "segment", "score", "framework", "qualify",
    "test", "lifecycle", "calendar", "sla", "given", "expect", "otherwise", "when", "if", "per", "and",
    "or", "not", "in", "is", "missing", "empty", "between", "contains", "starts", "with", "ends", "count",
    "of", "at", "least", "most", "all", "any", "passes", "now", "ago", "times", "last", "no", "yes",
    "event", "days", "day", "hours", "weeks", "minutes", "from", "one", "list of", "yes/no", "int",
    "money", "text", "date", "datetime", "duration", "number", "qualified as", "stages", "start",
    "final", "owner", "recycle", "reason", "each", "within", "escalate", "delivers", "closed", "on",
    "->", "{", "}", "(", ")", "[", "]", ",", ":", ".", "=", "==", ">=", "<=", "<", ">", "!=", "+", "-",
    "*", "/", "?", "#", '"', "\\", '"x"', '""', '"2026-01-01"', '"2026-12-01T09:00:00Z"', "09:00",
    "1", "0", "-1", "2.5", "30 days", "\n", "\n\n", "\t", "  ", "__import__", "__class__",
    "__builtins__", 'use "/dev/zero"', 'use "."', 'use "../"', "\\n", "\\\"",
)

# letters and signs that look like the language's own (and invisible ones)
LOOKALIKES: dict[str, tuple[str, ...]] = {
    "a": ("\u0430", "\u03b1", "\uff41"), "e": ("\u0435", "\u03b5"), "o": ("\u043e", "\u03bf", "0"),
    "p": ("\u0440",), "c": ("\u0441",), "i": ("\u0456", "\u0131", "l"), "s": ("\u0455",),
    "x": ("\u0445",), "y": ("\u0443",), "l": ("\u04cf", "1", "I"), "n": ("\u0578",),
    '"': ("\u201c", "\u201d", "\u201e", "\uff02", "'", "\u2033"), "'": ("\u2019",),
    " ": ("\u00a0", "\u2003", "\u200b", "\u3000", "\u2028", "\u202f", "\ufeff", "\x0b", "\x0c"),
    "-": ("\u2212", "\u2013", "\u2014", "\u2010"), "=": ("\uff1d", "\u2550"), ">": ("\u203a", "\uff1e"),
    "<": ("\u2039",), "(": ("\uff08",), ")": ("\uff09",), "{": ("\uff5b",), "}": ("\uff5d",),
    ":": ("\u2236", "\uff1a"), ",": ("\u201a", "\uff0c"), "_": ("\uff3f",), ".": ("\u2024",),
    "0": ("\uff10", "\u0660", "O"), "1": ("\uff11", "\u0661", "\u00b9"), "5": ("\u0665",), "9": ("\u2079",),
    ">=": ("\u2265",), "<=": ("\u2264",), "!=": ("\u2260",), "->": ("\u2192",),
}

BAD_BYTES = (
    b"\xff", b"\xfe", b"\xc3", b"\xe9", b"\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
    b"\xef\xbb", b"\xe2\x80", b"\x00", b"\x1b[31m", b"\x7f", b"\r", b"\xef\xbb\xbf",
)

TOKEN_RE = re.compile(rb'"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|[0-9][0-9_.]*|\r?\n|[ \t]+|.', re.DOTALL)


@attrs.frozen
class Seed:
    path: str  # the path the input is shown (and its `use` lines resolved) under
    data: bytes
    tokens: tuple[bytes, ...]
    lines: tuple[bytes, ...]


def load_seeds(root: Path = ROOT) -> list[Seed]:
    seeds = []
    for folder in SEED_FOLDERS:
        for path in sorted((root / folder).rglob("*.qual")):
            data = path.read_bytes()
            seeds.append(Seed(str(path), data, tuple(TOKEN_RE.findall(data)), tuple(data.splitlines(keepends=True))))
    return seeds


# ---- mutations --------------------------------------------------------------------------
# Each takes the current bytes, the seed and a random generator, and returns new bytes.

Mutation = Callable[[bytes, Seed, random.Random], bytes]


def _split(data: bytes, rng: random.Random) -> list[bytes]:
    return TOKEN_RE.findall(data) if rng.random() < 0.6 else data.splitlines(keepends=True)


def _words(parts: list[bytes]) -> list[int]:
    return [i for i, p in enumerate(parts) if p.strip()] or list(range(len(parts)))


def m_delete(data: bytes, seed: Seed, rng: random.Random) -> bytes:
    parts = _split(data, rng)
    if parts:
        for _ in range(rng.choice((1, 1, 1, 2, 5))):
            if parts:
                del parts[rng.randrange(len(parts))]
    return b"".join(parts)


def m_duplicate(data: bytes, seed: Seed, rng: random.Random) -> bytes:
    parts = _split(data, rng)
    if parts:
        i = rng.choice(_words(parts))
        parts.insert(i, parts[i] * rng.choice((1, 1, 2, 10)))
    return b"".join(parts)


def m_swap(data: bytes, seed: Seed, rng: random.Random) -> bytes:
    parts = _split(data, rng)
    if len(parts) > 1:
        words = _words(parts)
        i, j = rng.choice(words), rng.choice(words)
        parts[i], parts[j] = parts[j], parts[i]
    return b"".join(parts)


def _insert(data: bytes, piece: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    if rng.random() < 0.5:  # at a token boundary, more often than not
        parts = TOKEN_RE.findall(data)
        if parts:
            k = rng.randrange(len(parts) + 1)
            return b"".join(parts[:k]) + piece + b"".join(parts[k:])
    return data[:at] + piece + data[at:]


def m_random_bytes(data: bytes, seed: Seed, rng: random.Random) -> bytes:
    return _insert(data, bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))), rng)


def m_keyword(data: bytes, seed: Seed, rng: random.Random) -> bytes:
    word = rng.choice(KEYWORDS).encode()
    pad = rng.choice((b" ", b"", b"\n"))
    return _insert(data, pad + word + pad, rng)


def m_seed_word(data: bytes, seed: Seed, rng: random.Random) -> bytes:
    """A word of this seed somewhere else (names that exist, in the wrong place)."""
    words = [t for t in seed.tokens if t.strip()]
    if not words:
        return data
    parts = TOKEN_RE.findall(data)
    if parts and rng.random() < 0.5:
        parts[rng.randrange(len(parts))] = rng.choice(words)
        return b"".join(parts)
    return _insert(data, b" " + rng.choice(words) + b" ", rng)


def _huge_number(rng: random.Random) -> bytes:
    return rng.choice((
        b"9" * rng.choice((29, 30, 31, 40, 400, 5000)),
        b"1" + b"0" * rng.choice((30, 31, 300)),
        b"1_" * 200 + b"1",
        b"0." + b"9" * rng.choice((29, 30, 500)),
        b"9" * 40 + b"." + b"9" * 40,
        b"-" + b"9" * 35,
        b"0" * 1000 + b"1",
        b"99999999999 days", b"9999999999999 weeks", b"1" * 31 + b" minutes", b"0.000000001 days",
        b"99999999 times in last 1 days", b"at most " + b"9" * 40, b"at least " + b"9" * 40 + b" of",
    ))


def m_huge_number(data: bytes, seed: Seed, rng: random.Random) -> bytes:
    parts = TOKEN_RE.findall(data)
    numbers = [i for i, p in enumerate(parts) if p[:1].isdigit()]
    if numbers and rng.random() < 0.7:
        parts[rng.choice(numbers)] = _huge_number(rng)
        return b"".join(parts)
    return _insert(data, b" " + _huge_number(rng) + b" ", rng)


def m_nesting(data: bytes, seed: Seed, rng: random.Random) -> bytes:
    depth = rng.choice((50, 99, 100, 101, 150, 500, 3000))
    parts = TOKEN_RE.findall(data)
    names = [i for i, p in enumerate(parts) if p[:1].isalpha() or p[:1] == b"_"]
    if not names:
        return data
    i = rng.choice(names)
    word = parts[i]
    kind = rng.randrange(6)
    if kind == 0:
        parts[i] = b"(" * depth + word + b")" * depth
    elif kind == 1:
        parts[i] = b"not " * depth + word
    elif kind == 2:
        parts[i] = b" and ".join([word] * depth)
    elif kind == 3:
        parts[i] = b" or ".join([b"(" + word + b" and " + word + b")"] * depth)
    elif kind == 4:
        parts[i] = b"- " * depth + word
    else:
        parts[i] = b"(" * depth + word  # never closed
    return b"".join(parts)


def m_long(data: bytes, seed: Seed, rng: random.Random) -> bytes:
    size = rng.choice((1000, 10_000, 100_000, 300_000))
    parts = TOKEN_RE.findall(data)
    names = [i for i, p in enumerate(parts) if p[:1].isalpha() or p[:1] == b"_"]
    strings = [i for i, p in enumerate(parts) if p[:1] == b'"']
    kind = rng.randrange(4)
    if kind == 0 and names:  # a very long name, everywhere it occurs
        old = parts[rng.choice(names)]
        new = old + b"x" * size
        return b"".join(new if p == old else p for p in parts)
    if kind == 1 and strings:
        i = rng.choice(strings)
        parts[i] = b'"' + rng.choice((b"y", b"\\\"", b"\\\\", b"\xc3\xa9")) * (size // 2) + b'"'
        return b"".join(parts)
    if kind == 2:
        return _insert(data, b" " * size, rng)
    return _insert(data, b"# " + b"z" * size + b"\n", rng)


def m_encoding(data: bytes, seed: Seed, rng: random.Random) -> bytes:
    kind = rng.randrange(8)
    if kind == 0:
        return b"\xef\xbb\xbf" + data
    if kind == 1:
        return b"\xef\xbb\xbf\xef\xbb\xbf" + data
    if kind == 2:
        return data.replace(b"\n", b"\r\n")
    if kind == 3:
        return data.replace(b"\n", b"\r")
    if kind == 4:  # mixed line ends
        return b"".join(p.replace(b"\n", rng.choice((b"\r\n", b"\r", b"\n", b"\n\r"))) for p in data.splitlines(True))
    if kind == 5:
        try:
            return data.decode("utf-8").encode(rng.choice(("latin-1", "utf-16", "utf-16-le", "cp1252")), "replace")
        except UnicodeDecodeError:
            return data
    return _insert(data, rng.choice(BAD_BYTES), rng)


def m_lookalike(data: bytes, seed: Seed, rng: random.Random) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    keys = [k for k in LOOKALIKES if k in text]
    if not keys:
        return data
    key = rng.choice(keys)
    spots = [m.start() for m in re.finditer(re.escape(key), text)]
    at = rng.choice(spots)
    return (text[:at] + rng.choice(LOOKALIKES[key]) + text[at + len(key):]).encode("utf-8")


EXTREME_TIMES = (
    b'"0001-01-01T00:00:00Z"', b'"0001-01-01T00:00:00+05:00"', b'"9999-12-31T23:59:59Z"', b'"9999-12-31T23:59:59-05:00"',
    b'"0001-01-01"', b'"9999-12-31"', b'"2026-02-30"', b'"2026-13-01T00:00:00Z"', b'"24:00"', b'"-0001-01-01"',
)


def m_times(data: bytes, seed: Seed, rng: random.Random) -> bytes:
    """Times at the ends of the calendar: as a test's `now`, an event's time, a date literal."""
    parts = TOKEN_RE.findall(data)
    dated = [i for i, p in enumerate(parts) if re.match(rb'"\d{4}-', p)]
    kind = rng.randrange(3)
    if kind == 0 and dated:
        parts[rng.choice(dated)] = rng.choice(EXTREME_TIMES)
        return b"".join(parts)
    if kind == 1:  # a test that lives at the start of the calendar
        line = b"  now is " + rng.choice(EXTREME_TIMES) + b"\n"
        return data.replace(b"expect", line + b"  expect", 1)
    long_ago = rng.choice((b"165000 weeks", b"1157000 days", b"27000000 hours", b"1 day", b"30 days"))
    return data.replace(b"given events {", b"given events { " + rng.choice((b"a", b"e0", b"demo_watched"))
                        + b" " + long_ago + b" ago,", 1)


def m_blocks(data: bytes, seed: Seed, rng: random.Random) -> bytes:
    """Many of something: segments built on one another, wide segments, long scores and blocks."""
    count = rng.choice((30, 60, 101, 150, 300))
    names = [t for t in seed.tokens if re.fullmatch(rb"[a-z_][a-z0-9_]*", t)] or [b"x"]
    word = rng.choice(names)
    kind = rng.randrange(5)
    if kind == 0:
        block = b"".join(b"segment fz%d {\n  fz%d\n  %s\n}\n" % (i, i + 1, word) for i in range(count))
        block += b"segment fz%d {\n  %s\n}\n" % (count, word)
    elif kind == 1:
        block = b"segment fz any of {\n" + b"".join(b"  %s\n" % word for _ in range(count)) + b"}\n"
    elif kind == 2:
        block = b"score fz {\n" + b"".join(b"  +%d if %s\n" % (i, word) for i in range(count * 10)) + b"}\n"
    elif kind == 3:
        block = b"qualify {\n" + b"".join(b"  o%d when %s\n" % (i, word) for i in range(count * 10)) + b"  otherwise lead\n}\n"
    else:
        block = b"framework FZ {\n" + b"".join(b"  c%d : %s\n" % (i, word) for i in range(count)) + b"}\n"
    return data + b"\n" + block


def m_truncate(data: bytes, seed: Seed, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def m_splice(data: bytes, seed: Seed, rng: random.Random) -> bytes:
    """A few lines of ``seed`` (another seed file) inserted somewhere."""
    lines = seed.lines
    if not lines:
        return data
    start = rng.randrange(len(lines))
    chunk = b"".join(lines[start : start + rng.randint(1, 12)])
    return _insert(data, chunk, rng)


MUTATIONS: dict[str, Mutation] = {
    "delete": m_delete, "duplicate": m_duplicate, "swap": m_swap, "random_bytes": m_random_bytes,
    "keyword": m_keyword, "seed_word": m_seed_word, "huge_number": m_huge_number, "nesting": m_nesting,
    "long": m_long, "encoding": m_encoding, "lookalike": m_lookalike, "truncate": m_truncate,
    "splice": m_splice, "times": m_times, "blocks": m_blocks,
}
WEIGHTS = {
    "delete": 12, "duplicate": 8, "swap": 8, "random_bytes": 8, "keyword": 14, "seed_word": 10,
    "huge_number": 6, "nesting": 5, "long": 3, "encoding": 7, "lookalike": 8, "truncate": 3, "splice": 6,
    "times": 3, "blocks": 2,
}


def make_input(seeds: Sequence[Seed], run_seed: int, index: int) -> tuple[Seed, bytes, tuple[str, ...]]:
    """Input number ``index`` of the run: the same seed and index always give the same bytes."""
    rng = random.Random(run_seed * 1_000_003 + index)
    seed = seeds[rng.randrange(len(seeds))]
    data = seed.data
    names = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()), k=rng.choice((1, 1, 2, 2, 3, 4)))
    for name in names:
        other = seeds[rng.randrange(len(seeds))] if name == "splice" else seed  # splice: a piece of another seed
        data = MUTATIONS[name](data, other, rng)
    return seed, data, tuple(names)


# ---- the path `qualdsl check` takes ---------------------------------------------------------


class Hang(Exception):
    """Raised by the watchdog when one input takes longer than the hang limit."""


def check_bytes(path: str, data: bytes, compile_ok: bool = True) -> tuple[tuple[Diagnostic, ...], dict[str, Source]]:
    """`qualdsl check` (``qualdsl.policy.check_file``) on ``data`` shown as the file ``path``;
    used files are read from disk. A policy without errors is also compiled."""

    def read(p: str) -> Source | Diagnostic:
        return decode(path, data) if p == path else read_source(p)

    loaded = load_file(path, read)
    if any(d.is_error for d in loaded.diagnostics) or not loaded.modules:
        return sort_and_cap(loaded.diagnostics), loaded.sources
    main = loaded.modules[0]
    if not any(isinstance(d, (PolicyDecl, QualifyDecl)) for d in main.decls):
        return (), loaded.sources  # a library: only parsed
    model, diagnostics = check(loaded.modules, loaded.sources)
    if model is not None and compile_ok:
        with warnings.catch_warnings():
            warnings.simplefilter("error", SyntaxWarning)
            compile_policy(model)
    return sort_and_cap(diagnostics), loaded.sources


def problems_with(diagnostics: Sequence[Diagnostic], sources: dict[str, Source]) -> list[str]:
    """What is wrong with the diagnostics themselves (empty when they are well placed)."""
    found = []
    for d in diagnostics:
        span = d.span
        if not span.path or span.line < 1 or span.column < 1 or not d.message or not d.code:
            found.append(f"badly placed diagnostic: {d!r}")
        render(d, sources)
        d.to_dict()
    return found


@attrs.define
class Stats:
    inputs: int = 0
    crashes: int = 0
    hangs: int = 0
    slow: int = 0
    clean: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    slowest_index: int = -1
    slowest_size: int = 0
    slowest_mutations: tuple[str, ...] = ()
    codes: collections.Counter[str] = attrs.Factory(collections.Counter)
    failures: list[tuple[int, str, str]] = attrs.Factory(list)  # (index, kind, detail)

    def merge(self, other: Stats) -> None:
        self.inputs += other.inputs
        self.crashes += other.crashes
        self.hangs += other.hangs
        self.slow += other.slow
        self.clean += other.clean
        self.seconds += other.seconds
        if other.slowest > self.slowest:
            self.slowest, self.slowest_index = other.slowest, other.slowest_index
            self.slowest_size, self.slowest_mutations = other.slowest_size, other.slowest_mutations
        self.codes.update(other.codes)
        self.failures.extend(other.failures)


def _on_alarm(signum: int, frame: Any) -> None:
    raise Hang


def run_one(seeds: Sequence[Seed], run_seed: int, index: int, stats: Stats, slow: float, hang: float,
            save_dir: Path | None, compile_ok: bool = True) -> None:
    seed, data, names = make_input(seeds, run_seed, index)
    failure: tuple[str, str] | None = None
    watchdog = hang > 0 and hasattr(signal, "setitimer")
    started = time.perf_counter()
    try:
        if watchdog:
            signal.setitimer(signal.ITIMER_REAL, hang)
        try:
            diagnostics, sources = check_bytes(seed.path, data, compile_ok)
            bad = problems_with(diagnostics, sources)
        finally:
            if watchdog:
                signal.setitimer(signal.ITIMER_REAL, 0)
        if bad:
            failure = ("crash", "\n".join(bad))
        else:
            stats.codes.update({d.code for d in diagnostics if d.is_error} or {"ok"})
            stats.clean += not any(d.is_error for d in diagnostics)
    except Hang:
        failure = ("hang", f"stopped after {hang:g} s")
    except (Exception, RecursionError, MemoryError):  # RecursionError and MemoryError named for the reader
        failure = ("crash", traceback.format_exc())
    elapsed = time.perf_counter() - started
    if failure is None and elapsed > slow:
        # timed again, alone: a machine busy with other work makes a few inputs slow once
        again = time.perf_counter()
        check_bytes(seed.path, data, compile_ok)
        elapsed = min(elapsed, time.perf_counter() - again)
    stats.inputs += 1
    stats.seconds += elapsed
    if elapsed > stats.slowest:
        stats.slowest, stats.slowest_index, stats.slowest_size, stats.slowest_mutations = elapsed, index, len(data), names
    if failure is None and elapsed > slow:
        failure = ("slow", f"{elapsed:.2f} s")
    if failure is not None:
        kind, detail = failure
        stats.crashes += kind == "crash"
        stats.hangs += kind == "hang"
        stats.slow += kind == "slow"
        stats.failures.append((index, kind, f"seed {seed.path}, mutations {', '.join(names)}, {len(data)} bytes\n{detail}"))
        if save_dir is not None:
            save_dir.mkdir(parents=True, exist_ok=True)
            (save_dir / f"{kind}_{run_seed}_{index}.qual").write_bytes(data)
            (save_dir / f"{kind}_{run_seed}_{index}.txt").write_text(
                f"python -m benchmarks.fuzz_check --seed {run_seed} --replay {index}\n{stats.failures[-1][2]}\n",
                encoding="utf-8",
            )


def run(inputs: int, run_seed: int, slow: float = 2.0, hang: float = 30.0, save_dir: Path | None = None,
        start: int = 0, seeds: Sequence[Seed] | None = None, compile_ok: bool = True,
        progress: Callable[[Stats], None] | None = None) -> Stats:
    """Fuzz inputs ``start`` .. ``start + inputs - 1`` of run ``run_seed`` in this process."""
    seeds = seeds if seeds is not None else load_seeds()
    stats = Stats()
    previous = signal.signal(signal.SIGALRM, _on_alarm) if hang > 0 and hasattr(signal, "SIGALRM") else None
    try:
        for index in range(start, start + inputs):
            run_one(seeds, run_seed, index, stats, slow, hang, save_dir, compile_ok)
            if progress is not None and stats.inputs % 1000 == 0:
                progress(stats)
    finally:
        if previous is not None:
            signal.signal(signal.SIGALRM, previous)
    return stats


def _chunk(args: tuple[int, int, int, float, float, str | None, bool]) -> Stats:
    start, count, run_seed, slow, hang, save_dir, compile_ok = args
    return run(count, run_seed, slow, hang, Path(save_dir) if save_dir else None, start, compile_ok=compile_ok)


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(size, total - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mutation-fuzz `qualdsl check` over the repository's policies.")
    parser.add_argument("--inputs", type=int, default=10_000, help="how many inputs (default 10,000)")
    parser.add_argument("--seed", type=int, default=1, help="the run's seed: the same seed gives the same inputs")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--slow", type=float, default=2.0, help="flag inputs slower than this many seconds")
    parser.add_argument("--hang", type=float, default=30.0, help="stop an input after this many seconds (0: never)")
    parser.add_argument("--save-dir", type=Path, default=None, help="write crashing, hanging and slow inputs here")
    parser.add_argument("--no-compile", action="store_true", help="check only; do not compile clean policies")
    parser.add_argument("--replay", type=int, default=None, metavar="N", help="write input N to stdout and exit")
    args = parser.parse_args(argv)

    seeds = load_seeds()
    if args.replay is not None:
        seed, data, names = make_input(seeds, args.seed, args.replay)
        print(f"input {args.replay}: seed {seed.path}, mutations {', '.join(names)}", file=sys.stderr)
        sys.stdout.buffer.write(data)
        return 0

    print(f"fuzzing `qualdsl check`: {args.inputs:,} inputs from {len(seeds)} seed files, seed {args.seed}, "
          f"{args.jobs} job(s)", flush=True)
    started = time.perf_counter()
    total = Stats()
    compile_ok = not args.no_compile
    save = str(args.save_dir) if args.save_dir else None

    def report(stats: Stats) -> None:
        elapsed = time.perf_counter() - started
        print(f"  {stats.inputs:,} inputs, {stats.crashes} crash(es), {stats.hangs} hang(s), {stats.slow} slow, "
              f"slowest {stats.slowest:.3f} s, {stats.inputs / elapsed:,.0f} inputs/s", flush=True)

    if args.jobs <= 1:
        total = run(args.inputs, args.seed, args.slow, args.hang, args.save_dir, seeds=seeds, compile_ok=compile_ok,
                    progress=lambda s: report(s) if s.inputs % 10_000 == 0 else None)
    else:
        work = [(s, c, args.seed, args.slow, args.hang, save, compile_ok) for s, c in _chunks(args.inputs, 1000)]
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            for part in pool.imap_unordered(_chunk, work):
                total.merge(part)
                if total.inputs % 10_000 < 1000:
                    report(total)
    elapsed = time.perf_counter() - started

    for index, kind, detail in sorted(total.failures)[:20]:
        print(f"\n--- {kind}: input {index} (python -m benchmarks.fuzz_check --seed {args.seed} --replay {index})\n{detail}")
    print()
    print(f"inputs:      {total.inputs:,}")
    print(f"crashes:     {total.crashes}")
    print(f"hangs:       {total.hangs} (stopped after {args.hang:g} s)")
    print(f"slow:        {total.slow} (over {args.slow:g} s)")
    print(f"slowest:     {total.slowest:.3f} s (input {total.slowest_index}, {total.slowest_size:,} bytes, "
          f"{', '.join(total.slowest_mutations)})")
    print(f"mean:        {1000 * total.seconds / max(1, total.inputs):.2f} ms per input")
    print(f"throughput:  {total.inputs / elapsed:,.0f} inputs/s ({elapsed:.1f} s wall, {args.jobs} job(s))")
    print(f"accepted:    {total.clean:,} inputs had no error")
    common = ", ".join(f"{code} {count:,}" for code, count in total.codes.most_common(12))
    print(f"most common: {common}")
    return 1 if total.crashes or total.hangs or total.slow else 0


if __name__ == "__main__":
    sys.exit(main())

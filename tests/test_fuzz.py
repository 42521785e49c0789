"""A fast slice of the mutation fuzzer (``benchmarks/fuzz_check.py``) and the inputs it found.

The long run is a benchmark-style command (see docs/testing.md):

    python -m benchmarks.fuzz_check --inputs 100000 --seed 1 --jobs 2

Here a few hundred inputs run in a few seconds: each is a policy file of the repository with
1-4 mutations, fed to what `qualdsl check` does; nothing may raise, every diagnostic must be
placed (path, line and column >= 1) and no input may take long.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from benchmarks import fuzz_check
from benchmarks.fuzz_check import MUTATIONS, check_bytes, load_seeds, make_input, problems_with
from qualdsl.policy import check_file
from tests.conftest import ROOT

SEEDS = load_seeds()


def test_the_seeds_are_the_repository_policies() -> None:
    paths = {Path(s.path).relative_to(ROOT).as_posix() for s in SEEDS}
    assert "policies/examples/acme.qual" in paths
    assert any(p.startswith("tests/golden/errors/") for p in paths)
    assert any(p.startswith("examples/") for p in paths)
    assert len(SEEDS) >= 50


def test_a_slice_of_the_fuzzer_finds_nothing() -> None:
    started = time.perf_counter()
    stats = fuzz_check.run(300, run_seed=20261201, slow=5.0, hang=30.0, seeds=SEEDS)
    assert stats.inputs == 300
    assert stats.failures == [], "\n\n".join(f"input {i} ({kind}): {detail}" for i, kind, detail in stats.failures)
    assert stats.crashes == stats.hangs == stats.slow == 0
    assert stats.clean > 0 and len(stats.codes) > 10  # inputs of every kind: accepted ones and many errors
    assert time.perf_counter() - started < 60


def test_inputs_are_reproducible() -> None:
    for index in (0, 1, 77, 12345):
        assert make_input(SEEDS, 1, index) == make_input(SEEDS, 1, index)
    assert make_input(SEEDS, 1, 5) != make_input(SEEDS, 2, 5)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_every_mutation_keeps_check_placed(name: str) -> None:
    """Each mutation alone, on a few seeds: the check path takes every result."""
    rng = random.Random(name)
    for seed in rng.sample(SEEDS, 6):
        for _ in range(3):
            data = MUTATIONS[name](seed.data, seed, rng)
            diagnostics, sources = check_bytes(seed.path, data)
            assert problems_with(diagnostics, sources) == []


@pytest.mark.parametrize("relative", ["policies/examples/acme.qual", "policies/frameworks/bant.qual",
                                      "tests/golden/errors/name_unknown_field.qual", "tests/golden/errors/use_cycle/a.qual"])
def test_the_fuzzer_takes_the_path_qualdsl_check_takes(relative: str) -> None:
    path = str(ROOT / relative)
    if not Path(path).exists():
        pytest.skip(f"{relative} is not in this checkout")
    diagnostics, _ = check_bytes(path, Path(path).read_bytes())
    assert diagnostics == check_file(path).diagnostics


@pytest.mark.parametrize("text", [
    b'policy "x"\nuse "/dev/zero"\nqualify {\n  otherwise lead\n}\n',
    b'policy "x"\nlead {\n  a : int\n}\nevents e\nqualify {\n  otherwise lead\n}\n'
    b'test "t" {\n  now is "0001-01-01T00:00:00Z"\n  given lead { a: 1 }\n  given events { e 1 day ago }\n  expect lead\n}\n',
    b'policy "x"\nlead {\n  a : yes/no?\n}\n' + b"".join(b"segment s%d {\n  s%d\n  a\n}\n" % (i, i + 1) for i in range(400))
    + b"segment s400 {\n  a\n}\nqualify {\n  b when s0\n  otherwise lead\n}\n",
    b'policy "x"\nlead {\n  a : yes/no?\n}\nqualify {\n  b when a "' + b'\\"' * 100_000 + b"\n  otherwise lead\n}\n",
], ids=["use /dev/zero", "a test before the year 1", "400 segments on one another", "100,000 escaped quotes"])
def test_inputs_the_fuzzer_found(text: bytes) -> None:
    """Each crashed (MemoryError, OverflowError, RecursionError) or took 17 s before its fix."""
    started = time.perf_counter()
    diagnostics, sources = check_bytes(str(ROOT / "policies" / "examples" / "found.qual"), text)
    assert time.perf_counter() - started < 10
    assert problems_with(diagnostics, sources) == []
    assert any(d.is_error for d in diagnostics)


def test_the_command_prints_its_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert fuzz_check.main(["--inputs", "40", "--seed", "3", "--slow", "10"]) == 0
    out = capsys.readouterr().out
    for label in ("inputs:      40", "crashes:     0", "slowest:", "throughput:"):
        assert label in out


def test_replay_writes_the_input(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert fuzz_check.main(["--seed", "3", "--replay", "11"]) == 0
    assert capsysbinary.readouterr().out == make_input(SEEDS, 3, 11)[1]

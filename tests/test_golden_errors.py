"""Golden files: broken policies and the exact text `qualdsl check` prints for them.

Each case is ``tests/golden/errors/NAME.qual`` with ``NAME.err`` beside it. A case
made of several files is a folder, ``tests/golden/errors/CASE/``: its main file is
``main.qual`` if there is one, else the first ``.qual`` file by name, and the
``.err`` file sits beside the main file. The ``.err`` file holds what
``qualdsl check tests/golden/errors/NAME.qual`` prints, run from the repository
root, stdout and stderr together as a terminal shows them, then a last line
``exit: N`` with the exit code.

After changing a message on purpose, rewrite the ``.err`` files and review the diff:

    QUALDSL_REGEN=1 pytest tests/test_golden_errors.py
    git diff tests/golden/

A new case needs only its ``.qual`` file(s); the first run with QUALDSL_REGEN=1
writes its ``.err`` file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualdsl.cli import main
from tests.conftest import ROOT

ERRORS = ROOT / "tests" / "golden" / "errors"
REGEN = os.environ.get("QUALDSL_REGEN") == "1"


def main_file(folder: Path) -> Path:
    files = sorted(folder.glob("*.qual"))
    named = folder / "main.qual"
    return named if named in files else files[0]


def cases() -> list[Path]:
    found = sorted(ERRORS.glob("*.qual"))
    found += [main_file(d) for d in sorted(p for p in ERRORS.iterdir() if p.is_dir()) if any(d.glob("*.qual"))]
    return found


def case_id(path: Path) -> str:
    return path.relative_to(ERRORS).as_posix()


def run_check(path: Path) -> tuple[str, int]:
    """`qualdsl check` on one case, from the repository root: (everything printed, exit code)."""
    relative = path.relative_to(ROOT).as_posix()
    result = CliRunner().invoke(main, ["check", relative])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"`qualdsl check {relative}` crashed") from result.exception
    # click >= 8.2: `output` is stdout and stderr interleaved in the order they were written
    return result.output, result.exit_code


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("path", cases(), ids=case_id)
def test_check_prints_the_golden_text(path: Path) -> None:
    output, code = run_check(path)
    assert "Traceback" not in output
    actual = f"{output}exit: {code}\n"
    expected_path = path.with_suffix(".err")
    if REGEN:
        expected_path.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert expected_path.exists(), f"{expected_path} is missing; run with QUALDSL_REGEN=1 to write it"
    assert actual == expected_path.read_text(encoding="utf-8")


def test_there_are_enough_cases() -> None:
    assert len(cases()) >= 32


def test_every_err_file_has_its_policy() -> None:
    orphans = [p for p in ERRORS.rglob("*.err") if not p.with_suffix(".qual").exists()]
    assert orphans == []


def test_broken_cases_fail_and_clean_ones_pass() -> None:
    """Error cases exit 1; the warning-only cases (`warn_`), the accepted inputs that once
    crashed (`ok_`) and the BOM/CRLF file exit 0."""
    for path in cases():
        expected_path = path.with_suffix(".err")
        if not expected_path.exists():
            continue
        last = expected_path.read_text(encoding="utf-8").splitlines()[-1]
        clean = path.name.startswith(("warn_", "ok_", "file_bom_"))
        assert last == ("exit: 0" if clean else "exit: 1"), path.name

"""The error catalogue: every code the package can print is explained, with a real example."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualdsl.catalogue import BY_CODE, ENTRIES, Entry, close_codes, diagnose, render_markdown
from qualdsl.catalogue_cli import explain_error
from tests.conftest import ROOT

PACKAGE = ROOT / "qualdsl"
CODE = re.compile(r"""["']([PEW]\d{3})["']""")
NOT_SOURCES = {PACKAGE / "catalogue.py", PACKAGE / "catalogue_cli.py"}


def codes_in_the_source() -> dict[str, list[str]]:
    """Every diagnostic code written in the package's source, with the files it is in."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in NOT_SOURCES:
            continue
        for code in CODE.findall(path.read_text(encoding="utf-8")):
            found.setdefault(code, []).append(path.relative_to(ROOT).as_posix())
    return found


def test_every_code_in_the_source_has_an_entry() -> None:
    missing = {code: files for code, files in codes_in_the_source().items() if code not in BY_CODE}
    assert not missing, f"codes without a catalogue entry (add them to qualdsl/catalogue.py): {missing}"


def test_every_entry_is_a_code_of_the_source() -> None:
    stale = sorted(set(BY_CODE) - set(codes_in_the_source()))
    assert not stale, f"catalogue entries for codes the package no longer has: {stale}"


def test_the_source_has_many_codes() -> None:
    found = codes_in_the_source()
    assert len(found) >= 100
    assert {"P001", "P039", "E102", "E230", "W310"} <= set(found)


def test_entries_are_in_order_and_complete() -> None:
    codes = [e.code for e in ENTRIES]
    assert codes == sorted(codes, key=lambda c: ("PEW".index(c[0]), c)), "keep the entries in code order"
    assert len(codes) == len(set(codes))
    for entry in ENTRIES:
        assert entry.title and entry.meaning and entry.fix, entry.code
        assert entry.title[0].islower() or entry.title[0] == "`", f"{entry.code}: titles read as a phrase"
    # only the defensive P000 (a failure of the parser itself) has no example
    assert [e.code for e in ENTRIES if not e.has_example] == ["P000"]


EXAMPLES = [e for e in ENTRIES if e.has_example]


@pytest.mark.parametrize("entry", EXAMPLES, ids=lambda e: e.code)
def test_the_bad_example_gives_its_code(entry: Entry) -> None:
    diagnostics, _ = diagnose(entry)
    codes = [d.code for d in diagnostics]
    assert entry.code in codes, f"{entry.code}: the example gives {codes}: {[d.message for d in diagnostics]}"
    if entry.code.startswith("W"):
        assert not any(d.is_error for d in diagnostics), f"{entry.code}: a warning's example has no error"


@pytest.mark.parametrize("entry", EXAMPLES, ids=lambda e: e.code)
def test_the_fix_removes_the_problem(entry: Entry) -> None:
    diagnostics, _ = diagnose(entry, fixed=True)
    left = [f"{d.code} {d.message}" for d in diagnostics if d.is_error or d.code == entry.code]
    assert not left, f"{entry.code}: the fixed example still has: {left}"


def test_docs_errors_md_is_up_to_date() -> None:
    current = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert current == render_markdown(), "docs/errors.md is out of date: run `python docs/make_errors.py`"


def test_make_errors_check_mode_agrees() -> None:
    done = subprocess.run([sys.executable, "docs/make_errors.py", "--check"], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_every_code_has_a_section_in_docs_errors_md() -> None:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for entry in ENTRIES:
        assert f'<a id="{entry.code.lower()}"></a>' in text
        assert f"### {entry.code}: {entry.title}" in text


# ---- qualdsl explain-error ---------------------------------------------------------------


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(explain_error, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_explain_error_prints_the_entry() -> None:
    code, out, err = invoke("E102")
    assert code == 0 and not err
    assert out.startswith("E102: an unknown name (error)\n")
    assert "What it means:" in out and "How to fix it:" in out
    assert "policy.qual:8:12: error[E102]: unknown name `employes`" in out
    assert "hint: did you mean `employees`?" in out
    assert "mql when employees >= 50" in out


def test_explain_error_reads_lower_case_and_spaces() -> None:
    assert invoke(" w302 ")[1].startswith("W302: a rule that can never apply (warning)")


def test_explain_error_shows_the_other_files_of_an_example() -> None:
    out = invoke("E150")[1]
    assert "Beside it, fields.qual:" in out
    assert "`use` goes round in a circle: policy.qual → fields.qual → policy.qual" in out
    assert "/tmp" not in out and "qualdsl-catalogue-" not in out


def test_explain_error_of_an_unknown_code_lists_close_codes() -> None:
    code, out, err = invoke("E170")
    assert code == 2 and not out
    assert "`E170` is not a qualdsl diagnostic code; close codes: E167, E168, E169, E171, E172" in err
    assert "--list" in err


def test_explain_error_of_nonsense_says_so() -> None:
    code, _, err = invoke("hello")
    assert code == 2
    assert "`hello` is not a qualdsl diagnostic code" in err


def test_explain_error_without_a_code_is_a_usage_error() -> None:
    code, _, err = invoke()
    assert code == 2 and "give a code" in err


def test_explain_error_list() -> None:
    code, out, _ = invoke("--list")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(ENTRIES)
    assert lines[0].startswith("P000  error")
    assert "E102  error    an unknown name" in lines
    assert any(line.startswith("W310  warning  ") for line in lines)


def test_explain_error_help() -> None:
    code, out, _ = invoke("--help")
    assert code == 0 and "Explain a diagnostic CODE" in out


def test_close_codes() -> None:
    assert close_codes("E1O2")[:2] == ["E101", "E102"]
    assert close_codes("W304") == ["W301", "W302", "W303", "W305", "W310"]
    assert close_codes("zzz") == []


def test_every_entry_renders(tmp_path: Path) -> None:
    for entry in ENTRIES:
        code, out, _ = invoke(entry.code)
        assert code == 0 and out.startswith(f"{entry.code}: {entry.title}"), entry.code

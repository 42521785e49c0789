"""Review workflow pieces: test coverage, `expect stage`, GitHub annotations, pre-commit hooks."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from qualdsl.cli import main
from tests.conftest import POLICIES, ROOT

ACME = str(POLICIES / "examples" / "acme.qual")

POLICY = """policy "cov"

lead {
  n : int
}

events seen

segment big {
  n > 100
}

score points {
  +5 if big
  +1 per seen
}

qualify {
  hot  when points >= 5
  warm when n > 10
  otherwise cold
}

lifecycle {
  stages new, done
  final done
  new -> done  on seen
}

test "big is hot" {
  given lead { n: 200 }
  expect hot
  expect stage new
}
"""


def test_coverage_lists_what_no_test_exercised(tmp_path: Path) -> None:
    path = tmp_path / "cov.qual"
    path.write_text(POLICY)
    result = CliRunner().invoke(main, ["test", str(path), "--coverage"])
    assert result.exit_code == 0, result.output
    assert "cov.qual: 43% of 7 rules exercised by tests" in result.output
    for missed in ("score points: +1 per seen", "qualify: warm when n > 10", "qualify: otherwise cold",
                   "lifecycle: new -> done on seen"):
        assert missed in result.output
    result = CliRunner().invoke(main, ["test", str(path), "--min-coverage", "50"])
    assert result.exit_code == 1 and "below the coverage minimum" in result.output


def test_expect_stage_failure_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "cov.qual"
    path.write_text(POLICY.replace("expect stage new", "expect stage done"))
    result = CliRunner().invoke(main, ["test", str(path)])
    assert result.exit_code == 1
    assert "expected stage done, got new" in result.output


def test_expect_stage_needs_a_known_stage(tmp_path: Path) -> None:
    path = tmp_path / "cov.qual"
    path.write_text(POLICY.replace("expect stage new", "expect stage nwe"))
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1 and "unknown stage `nwe`" in result.output and "did you mean `new`?" in result.output


def test_acme_examples_have_full_coverage() -> None:
    result = CliRunner().invoke(main, ["test", ACME, "--min-coverage", "100"])
    assert result.exit_code == 0, result.output


def test_github_annotations(tmp_path: Path) -> None:
    path = tmp_path / "bad.qual"
    path.write_text('policy "x"\nlead {\n  n : int\n}\nqualify {\n  hot when m > 1\n  otherwise cold\n}\n')
    result = CliRunner().invoke(main, ["check", "--format", "github", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"::error file={path},line=6,col=12,endLine=6,endColumn=13,title=E102::unknown name `m`")
    assert "%0A" not in result.output


def test_pre_commit_hooks_name_real_commands() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert set(re.findall(r"^- id: (\S+)", text, re.MULTILINE)) == {"qualdsl-fmt", "qualdsl-fmt-check", "qualdsl-check"}
    entries = re.findall(r"^  entry: qualdsl (\S+)", text, re.MULTILINE)
    assert len(entries) == 3
    assert set(entries) <= {c.name for c in main.commands.values() if c.name}

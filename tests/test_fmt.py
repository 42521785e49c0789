"""The formatter: golden files, idempotence, meaning kept, and the `fmt` command.

Regenerate the golden outputs after a deliberate layout change with
`QUALDSL_REGEN=1 pytest tests/test_fmt.py` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

import qualdsl
from qualdsl.cli import main
from qualdsl.fmt import find_comments, format_text
from tests.conftest import NOW, ROOT

GOLDEN = ROOT / "tests" / "golden" / "fmt"
CASES = sorted(GOLDEN.glob("*.qual"))
POLICY_FILES = sorted((ROOT / "policies").rglob("*.qual"))


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_golden(case: Path) -> None:
    formatted = format_text(case.read_text(encoding="utf-8"), str(case))
    assert isinstance(formatted, str)
    expected = case.with_suffix(".qual.formatted")
    if os.environ.get("QUALDSL_REGEN") == "1":
        expected.write_text(formatted, encoding="utf-8")
    assert formatted == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", [*CASES, *POLICY_FILES], ids=lambda p: p.name)
def test_idempotent_and_keeps_every_comment(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    once = format_text(text)
    assert isinstance(once, str)
    assert format_text(once) == once
    assert sorted(c.text for c in find_comments(text)) == sorted(c.text for c in find_comments(once))


def _leads(n: int) -> list[tuple[dict[str, object], list[tuple[str, dt.datetime]]]]:
    rng = random.Random(3)
    out = []
    for _ in range(n):
        lead: dict[str, object] = {
            "employees": rng.choice([10, 60, 400, 9000]), "industry": rng.choice(["software", "retail"]),
            "country": "US", "seniority": rng.choice(["ic", "director", "vp"]),
            "email_domain": rng.choice(["gmail.com", "acme.io"]), "budget_confirmed": rng.random() < 0.5,
            "budget_amount": rng.choice([None, 5000, 20000]), "decision_maker": rng.random() < 0.5,
            "pain_points": rng.choice([[], ["x"]]), "timeline": rng.choice([None, "30 days", "200 days"]),
            "is_competitor": rng.random() < 0.1,
        }
        events = [(rng.choice(["pricing_view", "demo_watched", "webinar_attended"]),
                   NOW - dt.timedelta(days=rng.uniform(0, 100))) for _ in range(rng.randint(0, 6))]
        out.append((lead, events))
    return out


def test_formatting_keeps_the_decisions(tmp_path: Path) -> None:
    source = ROOT / "policies" / "examples" / "acme.qual"
    formatted = format_text(source.read_text(encoding="utf-8"))
    assert isinstance(formatted, str)
    (tmp_path / "examples").mkdir()
    (tmp_path / "frameworks").mkdir()
    bant = ROOT / "policies" / "frameworks" / "bant.qual"
    (tmp_path / "frameworks" / "bant.qual").write_text(bant.read_text(encoding="utf-8"), encoding="utf-8")
    copy = tmp_path / "examples" / "acme.qual"
    copy.write_text(formatted, encoding="utf-8")
    before, after = qualdsl.load(str(source)), qualdsl.load(str(copy))
    for lead, events in _leads(300):
        a, b = before.evaluate(lead, events, NOW), after.evaluate(lead, events, NOW)
        assert (a.outcome, a.scores) == (b.outcome, b.scores)


def test_fmt_command_check_diff_and_write(tmp_path: Path) -> None:
    path = tmp_path / "p.qual"
    path.write_text('policy "p"\nlead { a:int }\nqualify { hot when a>1\n otherwise cold }\n')
    runner = CliRunner()
    result = runner.invoke(main, ["fmt", "--check", str(path)])
    assert result.exit_code == 1 and "not formatted" in result.output
    result = runner.invoke(main, ["fmt", "--diff", str(path)])
    assert result.exit_code == 1 and "+  hot when a > 1" in result.output
    result = runner.invoke(main, ["fmt", str(path)])
    assert result.exit_code == 0 and "formatted" in result.output
    assert runner.invoke(main, ["fmt", "--check", str(path)]).exit_code == 0
    assert path.read_text() == 'policy "p"\n\nlead {\n  a : int\n}\n\nqualify {\n  hot when a > 1\n  otherwise cold\n}\n'


def test_fmt_refuses_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.qual"
    path.write_text("lead {\n  a:\n}\n")
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 1 and "bad.qual:2" in result.output
    assert path.read_text() == "lead {\n  a:\n}\n"

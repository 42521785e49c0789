"""A pytest plugin (registered by entry point): policy `test` blocks become pytest items.

Any `.qual` file with a `test` block under pytest's paths is collected; each test block
is one item, and a policy that does not check is one failing item showing its errors.
Keep broken example policies out with pytest's own `norecursedirs` or `--ignore`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import qualdsl
from qualdsl import model as m
from qualdsl.errors import render
from qualdsl.policy import CheckReport, Policy, check_file
from qualdsl.testing import TestResult, run_test

HAS_TESTS = re.compile(r'^\s*test\s+"', re.MULTILINE)


class PolicyTestFailure(Exception):
    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".qual":
        return None
    try:
        text = file_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if not HAS_TESTS.search(text):
        return None
    collected: pytest.Collector = PolicyFile.from_parent(parent, path=file_path)
    return collected


class PolicyFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        report = check_file(str(self.path))
        if not report.ok:
            yield PolicyCheckItem.from_parent(self, name="check", report=report)
            return
        if report.library:
            return
        policy = qualdsl.load(str(self.path))
        for case in policy.model.tests:
            yield PolicyTestItem.from_parent(self, name=case.name, policy=policy, case=case)


class PolicyCheckItem(pytest.Item):
    def __init__(self, *, report: CheckReport, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.report = report

    def runtest(self) -> None:
        errors = [d for d in self.report.diagnostics if d.is_error]
        raise PolicyTestFailure([render(d, self.report.sources) for d in errors])

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, PolicyTestFailure):
            return "the policy does not check:\n" + "\n\n".join(excinfo.value.lines)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"qualdsl check {self.path.name}"


class PolicyTestItem(pytest.Item):
    def __init__(self, *, policy: Policy, case: m.TestCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        self.case = case

    def runtest(self) -> None:
        result: TestResult = run_test(self.policy, self.case)
        if not result.passed:
            raise PolicyTestFailure([*result.failures, "", result.explanation])

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, PolicyTestFailure):
            return "\n".join(excinfo.value.lines)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.span.line - 1, f"policy test: {self.case.name}"

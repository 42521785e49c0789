"""The pytest plugin collects policy tests as pytest items."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

POLICY = """
policy "p"
lead {
  n : int
}
qualify {
  hot when n > 5
  otherwise cold
}
test "six is hot" {
  given lead { n: 6 }
  expect hot
}
test "five is hot (wrong on purpose)" {
  given lead { n: 5 }
  expect hot
}
"""


def test_policy_tests_become_items(pytester: pytest.Pytester) -> None:
    pytester.makefile(".qual", scoring=POLICY)
    pytester.makefile(".qual", broken='policy "b"\nqualify {\n  x when nope\n  otherwise y\n}\ntest "t" {\n  expect y\n}\n')
    pytester.makefile(".qual", library="framework F {\n  a : yes\n}\n")
    result = pytester.runpytest("-v")  # the plugin is loaded through its entry point
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines([
        "*broken.qual::check FAILED*",
        "*scoring.qual::six is hot PASSED*",
        "*scoring.qual::five is hot (wrong on purpose) FAILED*",
    ])
    output = result.stdout.str()
    assert "expected outcome hot, got cold" in output
    assert "unknown name `nope`" in output

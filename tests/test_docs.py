"""The documentation is tested: its policies check and its commands print what it says.

Three kinds of fenced blocks in ``README.md`` and ``docs/*.md`` are tested:

* A ```` ```qual ```` block that holds a complete policy (it has a ``policy "..."`` line)
  must pass ``qualdsl check``, and its own ``test`` blocks must pass. A block that only
  shows part of a policy is skipped when it has no ``policy`` line, or when the line before
  the fence is ``<!-- fragment -->``. A ``use "PATH"`` line is read relative to the folder of
  the Markdown file (as a link there would be) and, when nothing is there, relative to the
  repository root. A block that shows a file of the repository says so on the line before the
  fence, ``<!-- file: examples/tutorial/step1.qual -->``: it must be that file, word for word,
  and that file is checked. The policies of the tutorial and the cookbook must also be in the
  layout of ``qualdsl fmt``.
* A ```` ```console ```` block is a terminal session: ``$ COMMAND`` lines, each followed by
  what it printed. A command goes on over the next lines while they start with ``> `` (a
  heredoc, as a shell shows it) or while a line ends with ``\\``. The blocks of one file run
  in order, in one folder (the repository root), so a block may use a file that an earlier
  block wrote (``cat > /tmp/typo.qual <<'EOF'``). A block runs when one of its commands runs
  ``qualdsl``. Its output must equal the text shown, line by line (spaces at the end of a line
  do not count); a line ``...`` in the text stands for any number of lines.
* A ```` ```pycon ```` block is a Python session, run as a doctest. The blocks of one file
  run in order and share their names, from the repository root.

Markers, on the line before the fence:

* ``<!-- output may vary -->``: the block runs, but its output is not compared;
* ``<!-- not run -->``: the block is not run (it needs a server, data or a git revision that a
  test run does not have, or it changes files of the repository).

Blocks that start a server (``qualdsl serve``) are never run: a server runs until stopped. A
block that reads data from outside the repository (a ``../`` path, such as the X Education
data set in ``../shared/data``) is skipped when that data is not there.
"""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

import qualdsl
from qualdsl.errors import PolicyError
from qualdsl.fmt import format_source, unified_diff
from qualdsl.policy import check_file
from qualdsl.source import Source
from qualdsl.testing import run_tests
from tests.conftest import ROOT

FRAGMENT = "<!-- fragment -->"
FILE_MARKER = re.compile(r"^<!-- file: (\S+) -->$")
OUTPUT_MAY_VARY = "<!-- output may vary -->"
NOT_RUN = "<!-- not run -->"
NEVER_RUN = re.compile(r"(^|[|;&]\s*)qualdsl\s+serve\b")
RUNS_QUALDSL = re.compile(r"(^|[|;&(]\s*)(\.venv/bin/)?qualdsl(\s|$)", re.MULTILINE)
USE_LINE = re.compile(r'^(\s*use\s+")([^"]+)(")', re.MULTILINE)
BLOCK_TIMEOUT = 600


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@attrs.frozen
class Block:
    path: Path
    line: int  # the line of the opening fence, from 1
    lang: str
    marker: str  # the line before the fence, stripped
    text: str

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"


def blocks(path: Path) -> Iterator[Block]:
    """Every fenced block of a Markdown file (a fence may be indented, as in a list)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        match = re.match(r"^(\s*)```(\w*)\s*$", lines[index])
        if not match:
            index += 1
            continue
        indent, lang = match.group(1), match.group(2)
        start = index
        body: list[str] = []
        index += 1
        while index < len(lines) and lines[index].strip() != "```":
            line = lines[index]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            index += 1
        marker = lines[start - 1].strip() if start > 0 else ""
        yield Block(path, start + 1, lang, marker, "\n".join(body) + "\n")
        index += 1


# ---- qual blocks -------------------------------------------------------------------------


def is_policy(block: Block) -> bool:
    return (
        block.lang == "qual"
        and block.marker != FRAGMENT
        and re.search(r'^\s*policy\s+"', block.text, re.MULTILINE) is not None
    )


def policy_blocks() -> list[Block]:
    return [b for path in doc_files() for b in blocks(path) if is_policy(b)]


def resolve_uses(text: str, doc: Path) -> str:
    """`use` paths made absolute: relative to the Markdown file's folder, else to the root."""

    def absolute(match: re.Match[str]) -> str:
        for base in (doc.parent, ROOT):
            target = (base / match.group(2)).resolve()
            if target.exists():
                return f"{match.group(1)}{target.as_posix()}{match.group(3)}"
        return match.group(0)

    return USE_LINE.sub(absolute, text)


@pytest.mark.parametrize("block", policy_blocks(), ids=lambda b: b.id)
def test_policy_in_the_docs_checks_and_its_tests_pass(block: Block, tmp_path: Path) -> None:
    shown = FILE_MARKER.match(block.marker)
    if shown:
        path = ROOT / shown.group(1)
        assert path.is_file(), f"{block.id} shows {shown.group(1)}, which does not exist"
        assert block.text == path.read_text(encoding="utf-8"), f"{block.id} differs from {shown.group(1)}"
    else:
        path = tmp_path / "policy.qual"
        path.write_text(resolve_uses(block.text, block.path), encoding="utf-8")
    report = check_file(str(path))
    errors = [f"{d.span.line}:{d.span.column} {d.code} {d.message}" for d in report.diagnostics if d.is_error]
    assert not errors, f"the policy at {block.id} does not check:\n" + "\n".join(errors)
    try:
        policy = qualdsl.load(str(path))
    except PolicyError as exc:  # pragma: no cover - check_file said it was fine
        raise AssertionError(exc.render()) from exc
    failed = [f"{r.name}: {r.failures}" for r in run_tests(policy) if not r.passed]
    assert not failed, f"tests of the policy at {block.id} fail:\n" + "\n".join(failed)


FORMATTED_DOCS = ("tutorial.md", "cookbook.md")  # pages that teach `qualdsl fmt` keep their policies in its layout


@pytest.mark.parametrize("block", [b for b in policy_blocks() if b.path.name in FORMATTED_DOCS], ids=lambda b: b.id)
def test_policy_in_the_teaching_docs_is_formatted(block: Block) -> None:
    formatted = format_source(Source("policy.qual", block.text))
    assert formatted == block.text, f"{block.id} is not in the `qualdsl fmt` layout:\n" + unified_diff(
        block.id, block.text, formatted if isinstance(formatted, str) else str(formatted))


# ---- console blocks ----------------------------------------------------------------------


@attrs.frozen
class Command:
    text: str  # what runs, continuation lines joined with newlines
    expected: tuple[str, ...]  # the lines it printed, as the doc shows them


def commands(block: Block) -> list[Command]:
    """The `$ ...` commands of a console block with the output shown after each."""
    found: list[Command] = []
    lines = block.text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith("$ "):
            raise AssertionError(f"{block.id}: output before the first `$ ` line: {line!r}")
        command = [line[2:]]
        index += 1
        while index < len(lines) and (lines[index].startswith("> ") or lines[index] == ">" or command[-1].endswith("\\")):
            follow = lines[index]
            command.append(follow[2:] if follow.startswith(">") else follow)
            index += 1
        output: list[str] = []
        while index < len(lines) and not lines[index].startswith("$ "):
            output.append(lines[index])
            index += 1
        found.append(Command("\n".join(command), tuple(output)))
    return found


def runs(block: Block) -> bool:
    if block.lang != "console" or block.marker == NOT_RUN or not block.text.startswith("$ "):
        return False
    texts = [c.text for c in commands(block)]
    if any(NEVER_RUN.search(t) for t in texts):
        return False
    return any(RUNS_QUALDSL.search(t) for t in texts)


OUTSIDE = re.compile(r"(?<![\w/.])\.\./[^\s'\"]+")


def missing_data(block_commands: list[Command]) -> list[str]:
    """The paths outside the repository that the commands read and that do not exist (the text
    a heredoc writes to a file is not a command, and is not looked at)."""
    found = []
    for command in block_commands:
        text = command.text.split("\n", 1)[0] if "<<" in command.text.split("\n", 1)[0] else command.text
        found += [m for m in OUTSIDE.findall(text) if not (ROOT / m).exists()]
    return found


def console_files() -> list[Path]:
    return [p for p in doc_files() if any(runs(b) for b in blocks(p))]


MARK = "\n<<<qualdsl-docs-command-{}>>>\n"


def script(block_commands: list[Command]) -> str:
    """One bash script for a block: each command's output, stderr too, after a marker line.
    `$?` after a marker is the exit code of the command before it, as in a terminal."""
    parts = ["__rc=0"]
    for number, command in enumerate(block_commands):
        text = re.sub(r"(^|[|;&(]\s*)\.venv/bin/qualdsl", r"\1qualdsl", command.text, flags=re.MULTILINE)
        parts.append(f"printf '%s' {shell_quote(MARK.format(number))}")
        parts.append(f"(exit $__rc)\n{{\n{text}\n}} 2>&1\n__rc=$?")
    return "\n".join(parts) + "\n"


def shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def run_block(block: Block, block_commands: list[Command]) -> list[str]:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.update({"COLUMNS": "80", "LC_ALL": "C.UTF-8", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"})
    done = subprocess.run(
        ["bash", "-c", script(block_commands)], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=BLOCK_TIMEOUT, check=False,
    )
    out = done.stdout + done.stderr
    pieces = re.split(r"\n?<<<qualdsl-docs-command-\d+>>>\n", out)
    return pieces[1:]


def matches(expected: tuple[str, ...], actual: list[str]) -> bool:
    """Line by line, trailing spaces ignored; `...` matches any number of lines."""
    want = [line.rstrip() for line in expected]
    got = [line.rstrip() for line in actual]
    while want and not want[-1]:
        want.pop()
    while got and not got[-1]:
        got.pop()

    def match(i: int, j: int) -> bool:
        if i == len(want):
            return j == len(got)
        if want[i] == "...":
            return any(match(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and want[i] == got[j] and match(i + 1, j + 1)

    return match(0, 0)


@pytest.mark.parametrize("doc", console_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_commands_in_the_docs_print_what_the_docs_show(doc: Path) -> None:
    problems: list[str] = []
    ran = 0
    for block in blocks(doc):
        if not runs(block):
            continue
        block_commands = commands(block)
        if missing_data(block_commands):
            continue
        ran += 1
        outputs = run_block(block, block_commands)
        if block.marker == OUTPUT_MAY_VARY:
            continue
        for number, command in enumerate(block_commands):
            actual = outputs[number].splitlines() if number < len(outputs) else ["<not run>"]
            if not matches(command.expected, actual):
                problems.append(
                    f"{block.id}: `$ {command.text.splitlines()[0]}`\n"
                    "--- the doc shows\n" + "\n".join(command.expected) + "\n"
                    "--- it prints\n" + "\n".join(actual) + "\n"
                )
    if not ran:
        pytest.skip(f"every command block of {doc.name} needs data from outside the repository")
    assert not problems, "\n".join(problems)


# ---- pycon blocks --------------------------------------------------------------------------


def pycon_files() -> list[Path]:
    return [p for p in doc_files() if any(b.lang == "pycon" and b.marker != NOT_RUN for b in blocks(p))]


@pytest.mark.parametrize("doc", pycon_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_python_sessions_in_the_docs_print_what_the_docs_show(doc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    names: dict[str, object] = {}
    report: list[str] = []
    for block in blocks(doc):
        if block.lang != "pycon" or block.marker == NOT_RUN:
            continue
        test = parser.get_doctest(block.text, names, block.id, str(doc), block.line)
        runner.run(test, out=report.append, clear_globs=False)
        names = test.globs
    assert runner.failures == 0, "".join(report)


# ---- the test's own rules ------------------------------------------------------------------


def test_blocks_are_found() -> None:
    readme = list(blocks(ROOT / "README.md"))
    assert any(b.lang == "console" for b in readme)
    assert any(b.lang == "qual" for b in readme)


def test_commands_are_split_with_heredocs_and_backslashes() -> None:
    text = "$ cat > /tmp/x <<'EOF'\n> a\n>\n> EOF\n$ qualdsl diff a \\\n    b\nout\n$ echo $?\n1\n"
    found = commands(Block(ROOT / "README.md", 1, "console", "", text))
    assert [c.text for c in found] == ["cat > /tmp/x <<'EOF'\na\n\nEOF", "qualdsl diff a \\\n    b", "echo $?"]
    assert [c.expected for c in found] == [(), ("out",), ("1",)]


def test_data_from_outside_the_repository_is_found() -> None:
    found = missing_data([Command("qualdsl diff a b --leads ../no/such/Leads.csv", ()),
                          Command("qualdsl check ../policies/examples/acme.qual docs/../README.md", ()),
                          Command("cat > /tmp/p.qual <<'EOF'\nuse \"../frameworks/bant.qual\"\nEOF", ())])
    assert found == ["../no/such/Leads.csv", "../policies/examples/acme.qual"]


def test_ellipsis_matches_any_lines() -> None:
    assert matches(("a", "...", "d"), ["a", "b", "c", "d"])
    assert matches(("a", "...", "d"), ["a", "d"])
    assert not matches(("a", "...", "d"), ["a", "b"])
    assert matches(("a  ",), ["a", ""])


def test_use_paths_resolve_from_the_doc_folder_then_the_root() -> None:
    doc = ROOT / "docs" / "cookbook.md"
    text = resolve_uses('use "../policies/frameworks/bant.qual"\nuse "policies/frameworks/anum.qual"\n', doc)
    assert (ROOT / "policies" / "frameworks" / "bant.qual").as_posix() in text
    assert (ROOT / "policies" / "frameworks" / "anum.qual").as_posix() in text


def test_a_temporary_policy_with_a_use_line_checks() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.qual"
        path.write_text(resolve_uses('use "../policies/frameworks/bant.qual"\n', ROOT / "docs" / "x.md"), encoding="utf-8")
        assert check_file(str(path)).library

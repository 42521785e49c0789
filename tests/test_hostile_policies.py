"""Hostile policies: text that tries to escape into the generated Python, and policies made to
blow up checking, compiling or evaluating.

* Names and texts that look like Python (quotes, backslashes, escaped newlines,
  `__import__('os')`, `"); import os; ("`, look-alike letters, names such as `__class__` and
  `__builtins__`) are used as field names, list items, reasons, labels, outcomes, `from`
  columns and the policy's name. The compiled evaluator must decide exactly as the reference
  interpreter does, none of that text may appear in the generated source, and no code may run.
* Policies past a limit are refused by `qualdsl check` with a placed diagnostic and a hint
  (E180-E188, E142, E210, P004; see docs/testing.md), quickly; policies at the limit are accepted.
* Whatever nesting the checker lets through, the generated Python compiles: the checker's bound
  of its brackets (``compiled_depth``) is never below the real depth.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qualdsl
from qualdsl.check import limits
from qualdsl.check.limits import compiled_depth
from qualdsl.errors import Diagnostic, PolicyError
from qualdsl.policy import check_file
from qualdsl.syntax.parser import MAX_TOKENS
from tests.conftest import NOW
from tests.strategies import policies

# ---- text that tries to become code ------------------------------------------------------

PAYLOADS = [
    '"); import os; os.system("touch MARKER"); ("',
    "__import__('os').system('touch MARKER')",
    "' + __import__(\"os\").getcwd() + '",
    "\\\"; raise SystemExit; \\\"",
    "\\\\\\\\",
    "line one\\nline two\\tand a tab",
    "}\\n    return 0, ()\\n    #",
    "{K0}{v0}%(x)s{0}",
    "\u0455oftware",  # Cyrillic dze: looks like "software"
    "\u202eevil\u202c",  # right-to-left override
    "\u200b",
    "#",
    "'''",
]
# names the grammar allows that mean something to Python or to the generated code
NAMES = ["__class__", "__builtins__", "__import__", "__init__", "exec", "eval", "os", "system", "decide",
         "guards", "_rt", "K0", "v0", "seg0", "sc0", "fw0", "cr0_0", "t1", "c0", "_U", "None", "True",
         "import", "lambda", "def", "return", "self", "print"]


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def hostile_policy() -> str:
    """Every place user text goes, filled with payloads and Python-looking names."""
    p = [quote(x) for x in PAYLOADS]
    return f"""policy {p[0]}
version {p[1]}

lead {{
  __class__    : text            from {p[0]}
  __builtins__ : int?            from {p[1]}
  __import__   : one of os, system, exec, eval
  exec         : list of text    from {p[2]}
  None         : yes/no?         from {p[5]}
  True         : money?          from {p[6]}
  lambda       : text?           from {p[7]}
}}

events decide, guards, _rt

list K0 = [{", ".join(p)}]
list v0 = [{p[3]}, {p[4]}]

segment __init__ {p[8]} any of {{
  __class__ in K0                 {p[9]}
  __class__ = {p[10]}
  lambda starts with {p[11]}
  __import__ = os
}}

score sc0 {p[12]} {{
  +10 if __class__ in v0          {p[0]}
  +5 per decide in last 30 days, at most 15  {p[1]}
  -3 per _rt
  +7 if exec contains {p[2]}
}}

framework eval {p[3]} {{
  system : __builtins__ >= 10     {p[4]}
  os     : None
  print  : True > 1000
  passes when at least 2 of 3
}}

qualify {{
  self     when __init__ and eval passes   {p[5]}
  def      when sc0 >= 10                  "first\\nsecond \\"quoted\\" \\\\ back\\tend"
  return   when eval.os or exec contains {p[7]}
  otherwise import                         {p[8]}
}}

test {p[9]} {{
  given lead {{ __class__: {p[0]}, __import__: "exec" }}
  expect import
}}
"""


def hostile_leads() -> list[tuple[dict[str, object], list[object]]]:
    leads: list[tuple[dict[str, object], list[object]]] = []
    for i, text in enumerate([*PAYLOADS, "", "   ", "x"]):
        for key in ("__class__", PAYLOADS[0]):
            lead: dict[str, object] = {
                key: text or "y",
                "__import__": ["os", "system", "exec", "eval"][i % 4],
                "exec": [text, PAYLOADS[2]] if i % 2 else text,
                PAYLOADS[1]: i * 3,
                "None": ["yes", "no", None, True][i % 4],
                PAYLOADS[6]: ["$2,000", 999, None, "1000.01"][i % 4],
                "lambda": text,
            }
            events = [("decide", NOW - dt.timedelta(days=d)) for d in range(i % 5)]
            events += [{"type": "_rt", "at": (NOW - dt.timedelta(hours=i)).isoformat()}] * (i % 3)
            leads.append((lead, events))
    return leads


@pytest.fixture()
def watched(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[object]:
    """Runs in an empty folder; any call of os.system / os.popen / subprocess is recorded."""
    monkeypatch.chdir(tmp_path)
    calls: list[object] = []
    import subprocess

    monkeypatch.setattr(os, "system", lambda *a: calls.append(("os.system", a)) or 0)
    monkeypatch.setattr(os, "popen", lambda *a, **k: calls.append(("os.popen", a)))
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: calls.append(("Popen", a)))
    return calls


def test_hostile_text_compiles_and_runs_no_code(watched: list[object], tmp_path: Path) -> None:
    policy = qualdsl.compile_text(hostile_policy())
    source = policy.generated_source
    for text in [*PAYLOADS, "MARKER", "__import__", "__builtins__", "system", "exec", "eval", "first", "quoted"]:
        if text.strip("#\u200b'") and text not in ("#",):
            # as a word: the generated function is called `evaluate`, which holds `eval`
            assert not re.search(rf"(?<!\w){re.escape(text)}(?!\w)", source), f"{text!r} reached the generated source"
    decided = 0
    for lead, events in hostile_leads():
        fast = _compiled(policy, lead, events)
        slow = _reference(policy, lead, events)
        assert fast == slow, (lead, events)
        if fast[0] == "decided":
            decided += 1
            json.dumps(policy.evaluate(lead, events, NOW).to_dict(explain=True), sort_keys=True)
    assert decided >= 10
    assert watched == []
    assert not (tmp_path / "MARKER").exists() and list(tmp_path.iterdir()) == []


def test_hostile_policy_texts_come_back_unchanged() -> None:
    policy = qualdsl.compile_text(hostile_policy())
    assert policy.name == PAYLOADS[0]
    assert policy.version == PAYLOADS[1]
    assert policy.model.rules[0].reason == PAYLOADS[5]
    assert policy.model.rules[1].reason == 'first\nsecond "quoted" \\ back\tend'  # escapes are read
    assert [r.outcome for r in policy.model.rules] == ["self", "def", "return", "import"]
    assert {f.column for f in policy.model.fields} >= {PAYLOADS[0], PAYLOADS[1], PAYLOADS[2]}
    decision = policy.evaluate({"__class__": "x", "__import__": "os", PAYLOADS[1]: 50}, [], NOW)
    assert decision.outcome == "return" or decision.outcome in {"self", "def", "import"}
    assert set(decision.scores) == {"sc0"}


def test_the_tests_of_a_hostile_policy_run() -> None:
    from qualdsl.testing import run_tests

    results = run_tests(qualdsl.compile_text(hostile_policy()))
    assert [r.passed for r in results] == [True]


def test_the_generated_code_sees_only_a_few_builtins() -> None:
    policy = qualdsl.compile_text(hostile_policy())
    namespace = policy.evaluate.__globals__
    assert set(namespace["__builtins__"]) <= {"len", "min", "max", "int", "str", "tuple"}
    assert not {"__import__", "open", "eval", "exec", "getattr", "compile"} & set(namespace["__builtins__"])


@pytest.mark.parametrize("name", NAMES)
def test_python_names_as_every_kind_of_name(name: str) -> None:
    """A name Python (or the generated code) gives a meaning to, as a field, an event, a list, a
    segment, a score, a framework, a criterion and an outcome in turn."""
    text = f"""policy "names"
lead {{
  {name} : int?
  other : text?
}}
events {name}_e
list {name}_l = ["a"]
segment {name}_s {{
  {name} > 1
}}
score {name}_sc {{
  +1 per {name}_e
}}
framework {name}_f {{
  {name} : other in {name}_l
}}
qualify {{
  {name}_o when {name}_s and {name}_f.{name} and {name}_sc > 0
  otherwise lead
}}
"""
    policy = qualdsl.compile_text(text)
    for lead in ({name: 5, "other": "A"}, {name: 0}, {}):
        events = [(f"{name}_e", NOW)]
        assert _compiled(policy, lead, events) == _reference(policy, lead, events)
    assert policy.evaluate({name: 5, "other": "a"}, [(f"{name}_e", NOW)], NOW).outcome == f"{name}_o"


def test_hostile_from_columns_and_reasons_through_the_cli(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from qualdsl.cli import main

    policy_path = tmp_path / "hostile.qual"
    policy_path.write_text(hostile_policy(), encoding="utf-8")
    lead = {PAYLOADS[0]: "software", "__import__": "os", PAYLOADS[1]: 20, "None": True}
    (tmp_path / "leads.jsonl").write_text(json.dumps(lead) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(policy_path), str(tmp_path / "leads.jsonl"), "--now",
                                       NOW.isoformat(), "--explain"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["outcome"] in {"self", "def", "return", "import"}
    assert not (tmp_path / "MARKER").exists()


def _compiled(policy: qualdsl.Policy, lead: dict[str, object], events: list[object]) -> tuple[object, ...]:
    try:
        d = policy.evaluate(lead, events, NOW)
    except qualdsl.RecordError as exc:
        return ("refused", exc.field)
    return ("decided", d.outcome, d.scores)


def _reference(policy: qualdsl.Policy, lead: dict[str, object], events: list[object]) -> tuple[object, ...]:
    try:
        trace = policy.reference(lead, events, NOW)
    except qualdsl.RecordError as exc:
        return ("refused", exc.field)
    return ("decided", policy.model.rules[trace.chosen].outcome, dict(trace.scores))


# ---- policies past a limit ---------------------------------------------------------------

HEAD = """policy "limits"
lead {
  employees : int?
  industry  : text?
  budget    : money?
  ok        : yes/no?
}
events seen
"""
QUALIFY = "qualify {\n  hot when ok\n  otherwise lead\n}\n"


def refusal(text: str, seconds: float = 20.0) -> list[Diagnostic]:
    """The errors `qualdsl check` reports for ``text``, checked to be placed, hinted and quick."""
    started = time.perf_counter()
    try:
        qualdsl.compile_text(text, "limits.qual")
    except PolicyError as exc:
        errors = list(exc.errors)
    else:
        errors = []
    assert time.perf_counter() - started < seconds
    for d in errors:
        assert d.span.line >= 1 and d.span.column >= 1 and d.message
        if d.code.startswith("E18"):
            assert d.hint, d
    return errors


def codes(text: str) -> set[str]:
    return {d.code for d in refusal(text)}


def items(count: int) -> str:
    return ", ".join(f'"i{i}"' for i in range(count))


def test_a_list_of_100000_items_is_refused_before_it_is_parsed() -> None:
    started = time.perf_counter()
    found = refusal(HEAD + f"list big = [{items(100_000)}]\n" + QUALIFY.replace("ok\n", "industry in big\n"))
    assert {d.code for d in found} == {"E187"}
    assert time.perf_counter() - started < 5
    assert f"{MAX_TOKENS:,}" in found[0].message


def test_a_list_just_over_the_limit_is_refused_and_one_at_it_accepted() -> None:
    over = HEAD + f"list big = [{items(limits.MAX_LIST_ITEMS + 1)}]\n" + QUALIFY.replace("ok\n", "industry in big\n")
    assert codes(over) == {"E180"}
    at = HEAD + f"list big = [{items(limits.MAX_LIST_ITEMS)}]\n" + QUALIFY.replace("ok\n", "industry in big\n")
    policy = qualdsl.compile_text(at)
    assert policy.evaluate({"industry": "I9999"}, [], NOW).outcome == "hot"


def test_a_long_inline_list_in_a_test_is_refused() -> None:
    text = HEAD.replace("industry  : text?", "tags : list of text") + QUALIFY + (
        f'test "t" {{\n  given lead {{ tags: [{items(limits.MAX_LIST_ITEMS + 1)}] }}\n  expect lead\n}}\n')
    assert codes(text) == {"E180"}


def test_long_texts_and_names() -> None:
    long_text = "r" * (limits.MAX_TEXT + 1)
    assert codes(HEAD + QUALIFY.replace("hot when ok", f'hot when ok "{long_text}"')) == {"E182"}
    assert codes(HEAD + QUALIFY.replace("hot when ok", f'hot when industry = "{long_text}"')) == {"E182"}
    assert codes(HEAD.replace('"limits"', f'"{long_text}"') + QUALIFY) == {"E182"}
    fine = "r" * limits.MAX_TEXT
    assert codes(HEAD + QUALIFY.replace("hot when ok", f'hot when ok "{fine}"')) == set()
    long_name = "n" * (limits.MAX_NAME + 1)
    found = refusal(HEAD.replace("employees", long_name) + QUALIFY.replace("hot when ok", f"hot when {long_name} > 1"))
    assert [d.code for d in found] == ["E183"]  # once, however often the name is used
    assert codes(HEAD + QUALIFY.replace("hot when", f"{long_name} when")) == {"E183"}
    name = "n" * limits.MAX_NAME
    assert codes(HEAD.replace("employees", name) + QUALIFY.replace("hot when ok", f"hot when {name} > 1")) == set()


def test_a_100000_character_text_is_refused() -> None:
    assert codes(HEAD + QUALIFY.replace("hot when ok", 'hot when industry = "' + "x" * 100_000 + '"')) == {"E182"}


def test_very_many_rules() -> None:
    rules = "".join(f"  o{i} when employees > {i}\n" for i in range(limits.MAX_RULES + 1))
    assert codes(HEAD + "qualify {\n" + rules + "  otherwise lead\n}\n") == {"E184"}
    rules = "".join(f"  o{i} when employees > {i}\n" for i in range(limits.MAX_RULES))
    policy = qualdsl.compile_text(HEAD + "qualify {\n" + rules + "  otherwise lead\n}\n")
    assert policy.evaluate({"employees": 500}, [], NOW).outcome == "o0"
    score = "".join(f"  +{i} if employees > {i}\n" for i in range(limits.MAX_RULES + 1))
    assert codes(HEAD + "score s {\n" + score + "}\n" + QUALIFY.replace("ok\n", "s > 1\n")) == {"E184"}
    score = "".join(f"  +1 if employees > {i}\n" for i in range(limits.MAX_RULES))
    policy = qualdsl.compile_text(HEAD + "score s {\n" + score + "}\n" + QUALIFY.replace("ok\n", "s > 1\n"))
    assert policy.evaluate({"employees": 400}, [], NOW).scores == {"s": 400}


def test_wide_segments_and_frameworks() -> None:
    """A segment of 200 criteria that may be unknown compiled to 200 nested conditionals, which
    Python cannot read (SyntaxError: too many nested parentheses): now at most 100 criteria."""
    wide = "segment s any of {\n" + "  ok\n" * (limits.MAX_CRITERIA + 1) + "}\n"
    assert codes(HEAD + wide + QUALIFY.replace("ok\n", "s\n")) == {"E184"}
    wide = "segment s any of {\n" + "  ok\n" * 200 + "}\n"
    assert codes(HEAD + wide + QUALIFY.replace("ok\n", "s\n")) == {"E184"}
    framework = "framework F {\n" + "".join(f"  c{i} : ok\n" for i in range(limits.MAX_CRITERIA + 1)) + "}\n"
    assert codes(HEAD + framework + QUALIFY.replace("ok\n", "F passes\n")) == {"E184"}
    at = "segment s {\n" + "  ok\n" * limits.MAX_CRITERIA + "}\n"
    policy = qualdsl.compile_text(HEAD + at + QUALIFY.replace("ok\n", "s\n"))
    assert policy.evaluate({"ok": True}, [], NOW).outcome == "hot"
    assert policy.evaluate({}, [], NOW).outcome == "lead"


def test_very_many_declarations() -> None:
    fields = "".join(f"  f{i} : int?\n" for i in range(limits.MAX_DECLARED + 1))
    assert codes('policy "x"\nlead {\n' + fields + "}\n" + QUALIFY.replace("ok", "f0 > 1")) == {"E185"}
    events = ", ".join(f"e{i}" for i in range(limits.MAX_DECLARED + 1))
    assert codes(HEAD + f"events {events}\n" + QUALIFY) == {"E185"}
    segments = "".join(f"segment s{i} {{\n  ok\n}}\n" for i in range(limits.MAX_DECLARED + 1))
    assert codes(HEAD + segments + QUALIFY) == {"E185"}


def test_segments_built_on_one_another() -> None:
    """300 segments each using the next crashed the checker (RecursionError); 60 compiled to
    code nested too deeply for Python (SyntaxError)."""
    def chain(count: int) -> str:
        body = "".join(f"segment s{i} {{\n  s{i + 1}\n  ok\n}}\n" for i in range(count))
        return HEAD + body + f"segment s{count} {{\n  ok\n}}\n" + QUALIFY.replace("ok\n", "s0\n")

    assert codes(chain(300)) == {"E181"}
    assert codes(chain(60)) == {"E181"}
    policy = qualdsl.compile_text(chain(20))
    assert policy.evaluate({"ok": True}, [], NOW).outcome == "hot"


def test_deep_expressions() -> None:
    assert codes(HEAD + QUALIFY.replace("hot when ok", "hot when " + "not " * 500 + "ok")) == {"P004"}
    brackets = "(" * 5000 + "ok" + ")" * 5000  # brackets alone nest nothing: they are read and dropped
    policy = qualdsl.compile_text(HEAD + QUALIFY.replace("hot when ok", "hot when " + brackets))
    assert policy.evaluate({"ok": True}, [], NOW).outcome == "hot"
    assert codes(HEAD + QUALIFY.replace("hot when ok", "hot when " + " and ".join(["ok"] * 3000))) == {"P004"}
    nested = "not " * 95 + "ok"  # within the parser's limit, but 190 brackets deep once compiled
    assert codes(HEAD + QUALIFY.replace("hot when ok", "hot when " + nested)) == {"E181"}
    nested = "not " * 80 + "ok"
    policy = qualdsl.compile_text(HEAD + QUALIFY.replace("hot when ok", "hot when " + nested))
    assert policy.evaluate({"ok": True}, [], NOW).outcome == "hot"


def test_huge_numbers_in_windows_caps_and_counts() -> None:
    window = HEAD + "score s {\n  +1 per seen in last 99999999999 days\n}\n" + QUALIFY
    assert codes(window) == {"E210"}
    cap = HEAD + "score s {\n  +1 per seen, at most " + "9" * 31 + "\n}\n" + QUALIFY
    assert codes(cap) == {"E210"}
    points = HEAD + "score s {\n  +" + "9" * 31 + " per seen\n}\n" + QUALIFY
    assert codes(points) == {"E210"}
    times = HEAD + QUALIFY + 'test "t" {\n  given events { seen 99999 times in last 1 days }\n  expect lead\n}\n'
    assert codes(times) == {"E142"}
    twice = ", ".join(["seen 9000 times in last 1 days"] * 2)
    many = HEAD + QUALIFY + 'test "t" {\n  given events { ' + twice + " }\n  expect lead\n}\n"
    assert codes(many) == {"E142"}
    # at the limits: 30-digit points and caps, a window of 3,000 years, evaluate without trouble
    big = "9" * 30
    fine = HEAD + f"score s {{\n  +{big} per seen in last 156000 weeks, at most {big}\n  -{big} per seen, at most {big}\n}}\n"
    policy = qualdsl.compile_text(fine + QUALIFY.replace("ok\n", "s > 0\n"))
    events = [("seen", NOW - dt.timedelta(days=d)) for d in range(0, 400_000, 4000)]
    assert policy.evaluate({}, events, NOW).scores == {"s": 0}
    assert _compiled(policy, {}, events) == _reference(policy, {}, events)


def test_test_events_outside_the_calendar() -> None:
    before = HEAD + QUALIFY + 'test "t" {\n  given events { seen 165000 weeks ago }\n  expect lead\n}\n'
    assert codes(before) == {"E186"}
    start = HEAD + QUALIFY + ('test "t" {\n  now is "0001-01-01T00:00:00Z"\n'
                              '  given events { seen 3 times in last 2 days }\n  expect lead\n}\n')
    assert codes(start) == {"E186"}


def test_arithmetic_that_could_overflow() -> None:
    def tree(depth: int) -> str:
        return "budget" if depth == 0 else f"({tree(depth - 1)} * {tree(depth - 1)})"

    assert codes(HEAD + QUALIFY.replace("hot when ok", f"hot when {tree(8)} > 1")) == {"E188"}
    chain = " * ".join(["budget"] * 30)
    assert codes(HEAD + QUALIFY.replace("hot when ok", f"hot when {chain} > 1")) == {"E188"}
    policy = qualdsl.compile_text(HEAD + QUALIFY.replace("hot when ok", f"hot when {tree(4)} > 1"))
    lead = {"budget": "9" * 30 + "." + "9" * 9}  # the largest amount a lead can have
    assert _compiled(policy, lead, []) == _reference(policy, lead, []) == ("decided", "hot", {})


def test_a_policy_file_over_the_token_limit(tmp_path: Path) -> None:
    path = tmp_path / "long.qual"
    path.write_text(HEAD + "# " + "x" * 1_000_000 + "\n" + QUALIFY + ("\n" * 10 + "# comment\n") * 1000)
    assert check_file(str(path)).ok  # comments and blank lines do not count
    path.write_text(HEAD + QUALIFY + "".join(f"list l{i} = [{items(60)}]\n" for i in range(1000)))
    report = check_file(str(path))
    assert [d.code for d in report.diagnostics if d.is_error] == ["E187"]


@pytest.mark.parametrize("target", ["/dev/zero", ".", "/", "a\x00b", "x" * 5000], ids=lambda t: repr(t[:12]))
def test_use_of_something_that_is_not_a_policy_file(target: str) -> None:
    text = HEAD + f'use "{target}"\n' + QUALIFY
    assert codes(text) == {"E151"}


# ---- whatever the checker lets through compiles ----------------------------------------------


def actual_depth(source: str) -> int:
    """The deepest brackets of generated Python (it has no string literals: constants are names)."""
    depth = best = 0
    for ch in source:
        if ch in "([{":
            depth += 1
            best = max(best, depth)
        elif ch in ")]}":
            depth -= 1
    return best


def bound(policy: qualdsl.Policy) -> int:
    model = policy.model
    tops = [r.condition for r in model.rules if r.condition is not None]
    tops += [r.condition for s in model.scores.values() for r in s.rules if r.condition is not None]
    if model.lifecycle is not None:
        tops += [t.condition for t in model.lifecycle.transitions if t.condition is not None]
    return max([compiled_depth(model, e) for e in tops] + [4])


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(policies(max_depth=3))
def test_the_depth_bound_holds_for_generated_policies(case: object) -> None:
    policy = qualdsl.compile_text(case.text)  # type: ignore[attr-defined]
    assert actual_depth(policy.generated_source) <= bound(policy)


LEAVES = ["ok", "employees > 1", "budget / employees > 2", "industry starts with \"a\"", "seen in last 3 days",
          "budget is missing", "not ok", "employees between 1 and budget"]


@st.composite
def deep_policies(draw: st.DrawFn) -> str:
    """Segments and frameworks built on one another, each with conditions nested at random."""
    def condition(names: list[str], depth: int) -> str:
        text = draw(st.sampled_from([*LEAVES, *names]))
        for _ in range(depth):
            other = draw(st.sampled_from([*LEAVES, *names]))
            text = draw(st.sampled_from([
                f"not {text}", f"({text})", f"({text} and {other})", f"({other} or {text})",
                f"({text} and {other} and {other})", f"(not {text} or {other})",
            ]))
        return text

    names: list[str] = []
    blocks = []
    for i in range(draw(st.integers(1, 16))):
        width = draw(st.integers(1, 6))
        lines = [condition(names, draw(st.integers(0, 24))) for _ in range(width)]
        if draw(st.booleans()):
            mode = draw(st.sampled_from(["", "any of ", f"at least {draw(st.integers(1, width))} of "]))
            blocks.append(f"segment s{i} {mode}{{\n" + "".join(f"  {c}\n" for c in lines) + "}\n")
            names.append(f"s{i}")
        else:
            rule = draw(st.sampled_from(["", "  passes when any\n", f"  passes when at least {draw(st.integers(1, width))}\n"]))
            blocks.append(f"framework F{i} {{\n" + "".join(f"  c{j} : {c}\n" for j, c in enumerate(lines)) + rule + "}\n")
            names += [f"F{i} passes", f"F{i}.c0", f"(at least 1 of F{i})"]
    top = condition(names, draw(st.integers(0, 40)))
    return HEAD + "".join(blocks) + f"qualify {{\n  hot when {top}\n  otherwise lead\n}}\n"


OUTCOMES = {"refused": 0, "compiled": 0}


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(deep_policies())
def test_deep_policies_are_refused_or_compile(text: str) -> None:
    try:
        policy = qualdsl.compile_text(text)
    except PolicyError as exc:
        assert {d.code for d in exc.errors} <= {"E181", "E188", "P004"}, exc.render()
        OUTCOMES["refused"] += 1
        return
    OUTCOMES["compiled"] += 1
    assert actual_depth(policy.generated_source) <= bound(policy)
    for lead in ({}, {"ok": True, "employees": 5, "budget": 7, "industry": "ab"}):
        events = [("seen", NOW)]
        assert _compiled(policy, lead, events) == _reference(policy, lead, events)

"""The error catalogue: every diagnostic code qualdsl can print, in plain words.

Each ``Entry`` has a title, what the problem means, a small policy that has the
problem, how to fix it, and the exact changes that fix it. The examples are
real: ``tests/test_catalogue.py`` checks that each bad example gives its code
and that the changed policy checks. ``qualdsl explain-error CODE`` prints one
entry (``qualdsl.catalogue_cli``); ``docs/errors.md`` is made from all of them
(``docs/make_errors.py``).
"""

from __future__ import annotations

import difflib
import os
import tempfile
import textwrap
from collections.abc import Iterable
from pathlib import Path

import attrs

from qualdsl.errors import Diagnostic, render_all
from qualdsl.policy import check_file
from qualdsl.source import Source

MAIN = "policy.qual"
MAX_SHOWN = 2  # diagnostics of an example shown
MAX_FIX_LINES = 12  # lines shown on each side of a fix


@attrs.frozen
class Entry:
    """One diagnostic code, explained."""

    code: str
    title: str
    meaning: str
    bad: str  # the text of policy.qual, a small policy with the problem
    fix: str  # how to fix it, in words
    changes: tuple[tuple[str, str], ...]  # (text in `bad`, what to write instead): the fix itself
    files: tuple[tuple[str, str], ...] = ()  # other files beside policy.qual: (name, text)
    encoding: str = "utf-8"  # how policy.qual is saved (the E152 example is not UTF-8)
    shown: str = ""  # what to print instead of `bad` when it is too long to read
    see: str = ""  # the page of the docs that tells more

    @property
    def severity(self) -> str:
        return "warning" if self.code.startswith("W") else "error"

    @property
    def has_example(self) -> bool:
        return bool(self.bad)

    @property
    def fixed(self) -> str:
        """The bad example with every change made: a policy without the problem."""
        text = self.bad
        for old, new in self.changes:
            if old not in text:
                raise ValueError(f"{self.code}: the change {old!r} is not in the example")
            text = text.replace(old, new, 1)
        return text


def _e(
    code: str, title: str, meaning: str, bad: str, fix: str, *changes: tuple[str, str],
    files: Iterable[tuple[str, str]] = (), encoding: str = "utf-8", shown: str = "", see: str = "",
) -> Entry:
    return Entry(
        code, title, " ".join(meaning.split()), textwrap.dedent(bad).lstrip("\n"), " ".join(fix.split()),
        tuple(changes), tuple((name, textwrap.dedent(text).lstrip("\n")) for name, text in files),
        encoding, shown, see,
    )


LANGUAGE = "language.md"
LIFECYCLE = "lifecycle.md"
SLA = "sla.md"

_DEEP = "not " * 101
_HEAD = 'policy "Example"\n\nlead {\n  employees : int\n}\n\n'
_QUALIFY = "qualify {\n  mql when employees >= 50\n  otherwise lead\n}\n"
_LONG_LIST = "[" + ", ".join(str(i) for i in range(1, 10_002)) + "]"
_HUGE_LIST = "[" + ", ".join(str(i) for i in range(1, 50_002)) + "]"
_CHAIN = "segment s0 {\n  employees > 0\n}\n\n" + "".join(
    f"segment s{i} {{\n  s{i - 1} and employees > {i}\n}}\n\n" for i in range(1, 80))
_LONG_TEXT = "no fit: " + "the company is too small for our product, " * 25
_LONG_NAME = "number_of_employees_" * 6
_CRITERIA = "".join(f"  employees != {i}\n" for i in range(1, 102))
_EVENTS = ", ".join(f"campaign_{i}" for i in range(1, 1_002))
_POWER = " * ".join(["revenue"] * 30)

ENTRIES: tuple[Entry, ...] = (
    # ---- P: the text cannot be read as a policy --------------------------------------
    _e("P000", "the policy could not be read",
       """Reading the policy failed in a way qualdsl does not expect. This should
       never happen: every mistake in a policy has its own code. If you see it,
       please report it together with the policy file.""",
       "", "Report the problem with the file; meanwhile look for an unusual character or construction "
       "near the start of the file."),
    _e("P001", "a character the language does not read",
       """A character that cannot start anything in a policy: a single quote, `&&`,
       `!`, `$`, `%`, `;`, a curly quote copied from a word processor, an
       invisible space, a letter such as `é` in a name, or a text whose closing
       quote is missing. The message names the character and says what to write.""",
       """
       policy "Example"

       lead {
         industry : text
       }

       qualify {
         mql when industry in ['software', 'fintech']
         otherwise lead
       }
       """,
       "Texts are written in straight double quotes.",
       ("['software', 'fintech']", '["software", "fintech"]'),
       see=LANGUAGE),
    _e("P002", "something unexpected on the line",
       """The line has a word or sign where the language expects something else:
       two conditions side by side without `and` / `or`, a `,` inside a
       number, or a word in the wrong place. The message says what was found and
       what could come there instead.""",
       """
       policy "Example"

       lead {
         employees : int
         industry  : text
       }

       qualify {
         mql when employees >= 50 industry = "software"
         otherwise lead
       }
       """,
       "Join the two conditions with `and` (both must hold) or `or` (one is enough).",
       ('employees >= 50 industry = "software"', 'employees >= 50 and industry = "software"'),
       see=LANGUAGE),
    _e("P003", "the file ends too early",
       """The file ends in the middle of a declaration: something is still
       missing at the very end, often because the file was saved before the
       last line was finished. (When a line break follows the unfinished line,
       the same mistake is reported as P002, "this line ends too early".)""",
       """
       policy "Example"

       lead {
         industry : text
       }

       qualify {
         mql when industry in target_industries
         otherwise lead
       }

       list target_industries =""",
       "Complete the last declaration.",
       ("list target_industries =", 'list target_industries = ["software", "fintech"]')),
    _e("P004", "a condition that is too long or nested too deeply",
       """One condition has more than 100 parts inside each other (for example
       more than 100 `and`s in a row, or `not not not ...`). qualdsl refuses it
       so that checking and deciding stay fast and safe.""",
       f"""
       policy "Example"

       lead {{
         is_competitor : yes/no
       }}

       qualify {{
         disqualified when {_DEEP}is_competitor
         otherwise lead
       }}
       """,
       "Split the condition into segments or simpler conditions; for many `or`s on one field write "
       "`field in [...]`.",
       (f"{_DEEP}is_competitor", "is_competitor"),
       shown='policy "Example"\n\nlead {\n  is_competitor : yes/no\n}\n\nqualify {\n'
             "  disqualified when not not not not ... (101 times) ... is_competitor\n  otherwise lead\n}\n"),
    _e("P005", "a block that is never closed",
       """A block opened with `{` (`lead`, `segment`, `qualify`, ...) has no
       closing `}` before the next declaration starts, or before the file ends.""",
       """
       policy "Example"

       lead {
         employees : int

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Add `}` at the end of the block the message names.",
       ("  employees : int\n", "  employees : int\n}\n"),
       see=LANGUAGE),
    _e("P006", "a closing bracket that closes nothing",
       """A `}`, `)` or `]` that has no opening `{`, `(` or `[` before it,
       often one `}` too many after a block.""",
       """
       policy "Example"

       lead {
         employees : int
       }
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Remove the extra bracket, or add the opening one it belongs to.",
       ("}\n}\n", "}\n")),
    _e("P007", "a reserved word used as a name",
       """Words of the language itself (`score`, `count`, `owner`, `stage`, `start`,
       `closed`, `reason`, ...) cannot name a field, an event or a stage. Some of them
       are common CRM column names; read such a column under another name with
       `from`.""",
       """
       policy "Example"

       lead {
         score : int
       }

       qualify {
         mql when score >= 50
         otherwise lead
       }
       """,
       'Choose another name, and read the column with `from "..."` if it comes from a CRM export.',
       ("  score : int\n", '  crm_score : int  from "score"\n'),
       ("mql when score >= 50", "mql when crm_score >= 50"),
       see=LANGUAGE),
    _e("P008", "an opening bracket that is never closed",
       """A `(` or `[` has no matching `)` or `]` on its line or the lines
       that follow.""",
       """
       policy "Example"

       lead {
         employees      : int
         decision_maker : yes/no
         seniority      : one of ic, manager, vp
       }

       qualify {
         sql when employees >= 50 and (decision_maker or seniority = vp
         otherwise lead
       }
       """,
       "Add the missing `)` or `]` where the group or list ends.",
       ("seniority = vp\n", "seniority = vp)\n")),
    _e("P009", "a condition that ends with `and` or `or`",
       """A line ends with `and` or `or`, so the condition goes on to the next
       line, but the next line starts a new rule.""",
       """
       policy "Example"

       lead {
         employees     : int
         is_competitor : yes/no
       }

       qualify {
         mql when employees >= 50 and
         otherwise lead
       }
       """,
       "Write the rest of the condition after `and` / `or`, or remove the word.",
       ("employees >= 50 and\n", "employees >= 50 and not is_competitor\n"),
       see=LANGUAGE),
    _e("P010", "a field without a type",
       """A field of the `lead` block has a colon but no type after it.""",
       """
       policy "Example"

       lead {
         employees :
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Write the type after the colon: int, number, money, text, yes/no, date, datetime, duration, "
       "`one of a, b, c` or `list of TYPE`; add `?` when the value may be missing.",
       ("  employees :\n", "  employees : int\n"),
       see=LANGUAGE),
    _e("P011", "a field without a colon",
       """A field of the `lead` block reads `NAME : TYPE`; the colon is missing.""",
       """
       policy "Example"

       lead {
         employees int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Put a colon between the field's name and its type.",
       ("employees int", "employees : int")),
    _e("P012", "a qualify rule without `when`",
       """A rule of the `qualify` block reads `OUTCOME when CONDITION`; the word
       `when` is missing (or `if` was written instead).""",
       """
       policy "Example"

       lead {
         is_competitor : yes/no
       }

       qualify {
         disqualified is_competitor
         otherwise lead
       }
       """,
       "Write `when` between the outcome and its condition.",
       ("disqualified is_competitor", "disqualified when is_competitor")),
    _e("P013", "a qualify rule without a condition",
       """A rule has `when` but nothing after it.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when
         otherwise lead
       }
       """,
       "Write the condition that must hold for the outcome.",
       ("mql when\n", "mql when employees >= 50\n")),
    _e("P014", "a score rule without a sign",
       """Every rule of a `score` starts with its points and their sign: `+10`
       or `-20`.""",
       """
       policy "Example"

       events demo_watched

       score engagement {
         25 if demo_watched in last 60 days
       }

       qualify {
         mql when engagement >= 25
         otherwise lead
       }
       """,
       "Put `+` (or `-` to take points away) before the number.",
       ("  25 if", "  +25 if"),
       see=LANGUAGE),
    _e("P015", "a score rule without `if` or `per`",
       """After the points, a score rule says when they are given: `if CONDITION`
       (once) or `per EVENT` (for each event).""",
       """
       policy "Example"

       events demo_watched

       score engagement {
         +25 demo_watched in last 60 days
       }

       qualify {
         mql when engagement >= 25
         otherwise lead
       }
       """,
       "Write `if` before a condition, or `per` before an event to count.",
       ("+25 demo_watched", "+25 if demo_watched")),
    _e("P016", "`==` instead of `=`",
       """The language compares with a single `=`.""",
       """
       policy "Example"

       lead {
         industry : text
       }

       qualify {
         mql when industry == "software"
         otherwise lead
       }
       """,
       "Write one `=`.",
       ('industry == "software"', 'industry = "software"')),
    _e("P017", "a list without commas",
       """The items of a list `[...]` are separated by commas.""",
       """
       policy "Example"

       lead {
         industry : text
       }

       qualify {
         mql when industry in ["software" "fintech"]
         otherwise lead
       }
       """,
       "Put a comma between the items.",
       ('["software" "fintech"]', '["software", "fintech"]')),
    _e("P018", "choices without commas",
       """The choices of a `one of` field are separated by commas.""",
       """
       policy "Example"

       lead {
         seniority : one of ic, manager director, vp
       }

       qualify {
         mql when seniority in [director, vp]
         otherwise lead
       }
       """,
       "Put a comma between the choices.",
       ("manager director", "manager, director")),
    _e("P019", "test values without commas",
       """The values of `given lead { ... }` and the events of `given events { ... }`
       in a test are separated by commas.""",
       """
       policy "Example"

       lead {
         employees : int
         industry  : text
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       test "a mid-sized firm is an MQL" {
         given lead { employees: 400 industry: "software" }
         expect mql
       }
       """,
       "Put a comma between the values.",
       ("employees: 400 industry", "employees: 400, industry"),
       see=LANGUAGE),
    _e("P020", "a time without a unit",
       """A time window or a duration needs its unit: minutes, hours, days or
       weeks. There are no months or years.""",
       """
       policy "Example"

       events pricing_view

       score engagement {
         +10 per pricing_view in last 30, at most 30
       }

       qualify {
         mql when engagement >= 20
         otherwise lead
       }
       """,
       "Write the unit after the number.",
       ("in last 30,", "in last 30 days,")),
    _e("P021", "a line that does not start a declaration",
       """Each declaration starts with one of the words policy, version, use,
       lead, events, list, segment, score, framework, qualify, lifecycle,
       calendar, sla or test. The line starts with another word, often a
       misspelled one; the message suggests the closest.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       segmnt mid_market {
         employees between 50 and 5000
       }

       qualify {
         mql when mid_market
         otherwise lead
       }
       """,
       "Spell the declaration word as the language does.",
       ("segmnt", "segment"),
       see=LANGUAGE),
    _e("P022", "a framework pass rule that cannot be read",
       """A framework's pass rule reads `passes when all`, `passes when any`,
       `passes when at least N of M` or `passes when CONDITION`.""",
       """
       policy "Example"

       lead {
         budget_confirmed : yes/no
         decision_maker   : yes/no
       }

       framework AM {
         authority : decision_maker
         money     : budget_confirmed
         passes at least 1
       }

       qualify {
         sql when AM passes
         otherwise lead
       }
       """,
       "Write `passes when` followed by the rule.",
       ("passes at least 1", "passes when at least 1 of 2"),
       see=LANGUAGE),
    _e("P023", "`otherwise` without an outcome",
       """`otherwise` gives the outcome of the leads no other rule matched, so
       it needs that outcome after it.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise
       }
       """,
       "Write the outcome after `otherwise`.",
       ("  otherwise\n", "  otherwise lead\n")),
    _e("P024", "a framework criterion without a colon",
       """A criterion of a framework reads `NAME : CONDITION`.""",
       """
       policy "Example"

       lead {
         budget_confirmed : yes/no
         decision_maker   : yes/no
       }

       framework AM {
         money budget_confirmed
         authority : decision_maker
       }

       qualify {
         sql when AM passes
         otherwise lead
       }
       """,
       "Put a colon between the criterion's name and its condition.",
       ("money budget_confirmed", "money : budget_confirmed")),
    _e("P025", "events without commas",
       """The events of an `events` line are separated by commas.""",
       """
       policy "Example"

       events demo_watched pricing_view

       qualify {
         mql when demo_watched in last 30 days
         otherwise lead
       }
       """,
       "Put a comma between the events.",
       ("demo_watched pricing_view", "demo_watched, pricing_view")),
    _e("P026", "`=>` or `=<` instead of `>=` or `<=`",
       """"At least" is written `>=` and "at most" `<=`: the `=` comes last.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees => 50
         otherwise lead
       }
       """,
       "Write `>=` or `<=`.",
       ("employees => 50", "employees >= 50")),
    _e("P027", "a `{` on the line after the block's name",
       """The `{` that opens a block stands on the same line as the block's
       name.""",
       """
       policy "Example"

       lead
       {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Move the `{` up to the end of the line with the name.",
       ("lead\n{\n", "lead {\n")),
    _e("P028", "a policy name without quotes",
       """The policy's name is a text, in double quotes.""",
       """
       policy Example

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Put the name in double quotes.",
       ("policy Example", 'policy "Example"')),
    _e("P029", "a version without quotes",
       """The version is a text, in double quotes: it may be `"2026.11"` or
       `"v2"`.""",
       """
       policy "Example"
       version 2

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Put the version in double quotes.",
       ("version 2", 'version "2"')),
    _e("P030", "a test name without quotes",
       """A test's name is a text, in double quotes: it says in words what the
       test shows.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       test big_firm {
         given lead { employees: 400 }
         expect mql
       }
       """,
       "Put the name in double quotes.",
       ("test big_firm {", 'test "a big firm is an MQL" {')),
    _e("P031", "a reason without quotes",
       """A qualify rule may end with a reason, shown with its decisions; the
       reason is a text in double quotes.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead too small
       }
       """,
       "Put the reason in double quotes.",
       ("otherwise lead too small", 'otherwise lead "too small"')),
    _e("P032", "`is` used to compare",
       """`is` is followed only by `missing`, `not missing`, `empty` or `not empty`.
       To compare with a value, write `=`.""",
       """
       policy "Example"

       lead {
         industry : text
       }

       qualify {
         mql when industry is "software"
         otherwise lead
       }
       """,
       "Write `=` instead of `is`.",
       ('industry is "software"', 'industry = "software"')),
    _e("P033", "a comparison with nothing on its left",
       """Each side of `and` and `or` is a whole condition: in
       `employees > 10 and < 500` the second comparison has no left side.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees > 10 and < 500
         otherwise lead
       }
       """,
       "Repeat the value on the left, or use `between`.",
       ("employees > 10 and < 500", "employees > 10 and employees < 500")),
    _e("P034", "two comparisons in a row",
       """A comparison compares two values: `50 <= employees <= 5000` compares
       three. Also `demo_watched in last 30 days` is already yes or no and
       cannot be compared with a number; `count of ...` counts events.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when 50 <= employees <= 5000
         otherwise lead
       }
       """,
       "Write `employees between 50 and 5000`, or join two comparisons with `and`.",
       ("50 <= employees <= 5000", "employees between 50 and 5000")),
    _e("P035", "a value without a comparison",
       """A value follows another with no comparison between them.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees 50
         otherwise lead
       }
       """,
       "Write the comparison: `>=`, `=`, `<`, `in`, ...",
       ("employees 50", "employees >= 50")),
    _e("P036", "a comma after a field",
       """The fields of the `lead` block stand one per line, without commas.""",
       """
       policy "Example"

       lead {
         employees : int,
         industry  : text
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Remove the comma at the end of the line.",
       ("int,\n", "int\n")),
    _e("P037", "`=` in `given lead`",
       """In a test, each value of `given lead` is written `field: value`.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       test "a big firm is an MQL" {
         given lead { employees = 400 }
         expect mql
       }
       """,
       "Write a colon instead of `=`.",
       ("employees = 400", "employees: 400")),
    _e("P038", "`at most` without a comma",
       """The cap of a `per` score rule follows a comma: `, at most 30`.""",
       """
       policy "Example"

       events pricing_view

       score engagement {
         +10 per pricing_view in last 30 days at most 30
       }

       qualify {
         mql when engagement >= 20
         otherwise lead
       }
       """,
       "Put a comma before `at most`.",
       ("30 days at most", "30 days, at most")),
    _e("P039", "a list in round brackets",
       """Lists are written in square brackets `[...]`; round brackets group
       conditions.""",
       """
       policy "Example"

       lead {
         industry : text
       }

       qualify {
         mql when industry in ("software", "fintech")
         otherwise lead
       }
       """,
       "Write the list in square brackets.",
       ('("software", "fintech")', '["software", "fintech"]')),
    # ---- E1: names and the shape of a policy ------------------------------------------
    _e("E101", "a name declared twice",
       """Each field, event, list, segment, score, framework and calendar has one
       name, across the policy and every file it uses. Two declarations with the
       same name would make it unclear which one a rule means.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       events employees

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Give each declaration its own name, or remove the second one.",
       ("events employees", "events demo_watched"),
       ("mql when employees >= 50", "mql when employees >= 50 and demo_watched in last 30 days")),
    _e("E102", "an unknown name",
       """A rule uses a name that is not declared: often a typing mistake in a
       field's name, or an event missing from the `events` line. The hint
       suggests the closest declared name.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employes >= 50
         otherwise lead
       }
       """,
       "Correct the name, or declare it (as a lead field, an event, a list, ...).",
       ("employes", "employees"),
       see=LANGUAGE),
    _e("E103", "`X.criterion` on something that is not a framework",
       """`NAME.criterion` reads one criterion of a framework; here NAME is not a
       framework (or not declared at all).""",
       """
       policy "Example"

       lead {
         employees : int
       }

       segment mid_market {
         employees between 50 and 5000
       }

       qualify {
         mql when mid_market.size
         otherwise lead
       }
       """,
       "Use the segment by its name alone, or name a framework and one of its criteria.",
       ("mid_market.size", "mid_market")),
    _e("E104", "`event` declared as an event",
       """The word `event` means "any event", as in `no event in last 60 days`, so
       it cannot be the name of one event.""",
       """
       policy "Example"

       events event, demo_watched

       qualify {
         mql when demo_watched in last 30 days
         otherwise lead
       }
       """,
       "Choose another name for the event, or remove it.",
       ("events event, demo_watched", "events demo_watched")),
    _e("E105", "an unknown criterion",
       """`FRAMEWORK.NAME` names a criterion the framework does not have. The hint
       lists its criteria or suggests the closest.""",
       """
       policy "Example"

       lead {
         budget_confirmed : yes/no
         decision_maker   : yes/no
       }

       framework AM {
         authority : decision_maker
         money     : budget_confirmed
       }

       qualify {
         sql when AM.budget
         otherwise lead
       }
       """,
       "Use one of the framework's criteria.",
       ("AM.budget", "AM.money")),
    _e("E106", "`passes` or `at least N of` on something that is not a framework",
       """Only a framework `passes`, and only a framework's criteria are counted by
       `at least N of`. The name is a segment (which is used by its name alone),
       another kind of declaration, or not declared.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       segment ideal_customer {
         employees between 50 and 5000
       }

       qualify {
         mql when ideal_customer passes
         otherwise lead
       }
       """,
       "Use a segment by its name alone; check the framework's name.",
       ("ideal_customer passes", "ideal_customer")),
    _e("E107", "a time window on something that is not an event",
       """`in last ...` and `per` count events declared with `events`; the name
       before it is a lead field, a segment or another declaration.""",
       """
       policy "Example"

       lead {
         demo_requested : yes/no
       }

       qualify {
         mql when demo_requested in last 30 days
         otherwise lead
       }
       """,
       "Declare the event and use it, or drop the window for a field.",
       ("mql when demo_requested in last 30 days", "mql when demo_requested")),
    _e("E108", "an outcome used as a value",
       """An outcome of the qualify block (`mql`, `sql`, ...) is the result of the
       rules, not a value a rule can test: a rule cannot depend on what the
       rules decide.""",
       """
       policy "Example"

       lead {
         employees      : int
         decision_maker : yes/no
       }

       qualify {
         sql when mql and decision_maker
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Put the condition of the other rule in a segment, and use the segment in both rules.",
       ("lead {", "segment big_enough {\n  employees >= 50\n}\n\nlead {"),
       ("sql when mql and decision_maker", "sql when big_enough and decision_maker"),
       ("mql when employees >= 50", "mql when big_enough"),
       see=LANGUAGE),
    _e("E109", "`event` outside a time window",
       """`event` means "any event" and only works where events are counted:
       `no event in last 60 days`, `count of event in last 7 days`,
       `per event`.""",
       """
       policy "Example"

       events demo_watched

       qualify {
         mql when event
         otherwise lead
       }
       """,
       "Use it in a window, e.g. `event in last 30 days`.",
       ("mql when event", "mql when event in last 30 days")),
    _e("E110", "a segment, score or framework that depends on itself",
       """A segment, score or framework uses itself, directly or through others
       (A uses B and B uses A), so it can never be worked out.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       segment a {
         employees >= 50
         b
       }

       segment b {
         a
       }

       qualify {
         mql when b
         otherwise lead
       }
       """,
       "Break the circle: write the condition itself where one of them uses the other.",
       ("segment b {\n  a\n}", "segment b {\n  employees >= 50\n}")),
    _e("E120", "no `qualify` block",
       """A policy says which outcome each lead gets in its `qualify` block; this
       one has a `policy` line but no such block. (A file with neither is a
       library, such as a framework, and is only read.)""",
       """
       policy "Example"

       lead {
         employees : int
       }
       """,
       "Add a qualify block that ends with `otherwise`.",
       ("  employees : int\n}\n", "  employees : int\n}\n\nqualify {\n  mql when employees >= 50\n  otherwise lead\n}\n")),
    _e("E121", "two `qualify` blocks",
       """A policy has one qualify block: the order of its rules decides, so all
       of them must stand in one place.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       qualify {
         sql when employees >= 500
         otherwise lead
       }
       """,
       "Merge the rules into one block, in the order they should be tried.",
       ("qualify {\n  mql when employees >= 50\n  otherwise lead\n}\n\nqualify {\n  sql when employees >= 500\n",
        "qualify {\n  sql when employees >= 500\n  mql when employees >= 50\n")),
    _e("E122", "a rule after `otherwise`",
       """`otherwise` is the last rule: rules after it would never be tried.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         otherwise lead
         mql when employees >= 50
       }
       """,
       "Move `otherwise` to the end of the block.",
       ("  otherwise lead\n  mql when employees >= 50\n", "  mql when employees >= 50\n  otherwise lead\n")),
    _e("E123", "no `otherwise` rule",
       """The qualify block must end with `otherwise OUTCOME`, so that every lead
       gets an outcome, also one that no rule matches.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
       }
       """,
       "Add `otherwise lead` (or another outcome) as the last line.",
       ("  mql when employees >= 50\n", "  mql when employees >= 50\n  otherwise lead\n"),
       see=LANGUAGE),
    _e("E124", "two `otherwise` rules",
       """Only one `otherwise` rule is allowed: the second could never apply.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
         otherwise nurture
       }
       """,
       "Keep one `otherwise` line.",
       ("  otherwise lead\n  otherwise nurture\n", "  otherwise lead\n")),
    _e("E125", "an outcome with the name of a declaration",
       """Outcomes are names you choose, but not the name of a field, segment,
       score or other declaration: `when ideal_customer` would then be unclear.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       segment ideal_customer {
         employees between 50 and 5000
       }

       qualify {
         ideal_customer when ideal_customer
         otherwise lead
       }
       """,
       "Give the outcome a name of its own, such as `mql`.",
       ("  ideal_customer when ideal_customer", "  mql when ideal_customer")),
    _e("E126", "an outcome that the qualify block does not have",
       """`expect OUTCOME` in a test, or `qualified as OUTCOME`, names an outcome
       that no rule of the qualify block gives.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       test "a big firm is qualified" {
         given lead { employees: 400 }
         expect qualified as sql
       }
       """,
       "Use one of the outcomes of the qualify block.",
       ("qualified as sql", "qualified as mql")),
    _e("E127", "`qualified as` in the wrong place",
       """`qualified as OUTCOME` asks what the qualify block decided. It works in
       lifecycle transitions and in a test's `expect` lines, after the decision;
       inside the qualify block, a segment or a score it would make a rule depend
       on the outcome it is choosing.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       segment handed_over {
         qualified as mql
       }

       qualify {
         mql when employees >= 50
         sql when handed_over and employees >= 500
         otherwise lead
       }
       """,
       "Say the conditions themselves.",
       ("  qualified as mql\n", "  employees >= 50\n"),
       ("mql when employees >= 50\n  sql when handed_over and employees >= 500",
        "sql when handed_over and employees >= 500\n  mql when employees >= 50")),
    _e("E130", "no `policy` line",
       """The file has a `qualify` block but no `policy "NAME"` line: every
       decision names the policy that made it.""",
       """
       version "2026.11"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Start the file with `policy \"NAME\"`.",
       ('version "2026.11"', 'policy "Example"\nversion "2026.11"')),
    _e("E131", "a second `policy` or `version` line",
       """A policy has one `policy` line and at most one `version` line.""",
       """
       policy "Example"
       version "2026.11"
       version "2026.12"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Keep one line of each.",
       ('version "2026.11"\nversion "2026.12"', 'version "2026.12"')),
    _e("E132", "a used file with its own `policy` or `version` line",
       """A file read with `use` adds its declarations to the policy; it cannot
       name a policy or a version of its own. Only the main file does.""",
       """
       policy "Example"

       use "shared.qual"

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Remove the `policy` and `version` lines from the used file.",
       files=(("shared.qual", """
              policy "Shared fields"

              lead {
                employees : int
              }
              """),),
       see=LANGUAGE),
    _e("E140", "a test without a required field",
       """A test must give every required field (a field without `?`): a real
       lead without it could not be decided either.""",
       """
       policy "Example"

       lead {
         employees     : int
         is_competitor : yes/no
       }

       qualify {
         disqualified when is_competitor
         mql          when employees >= 50
         otherwise lead
       }

       test "a big firm is an MQL" {
         given lead { employees: 400 }
         expect mql
       }
       """,
       "Give the missing fields in `given lead`, or mark them optional with `?`.",
       ("given lead { employees: 400 }", "given lead { employees: 400, is_competitor: no }"),
       see=LANGUAGE),
    _e("E141", "a test value that does not fit its field",
       """A value in `given lead` is not of the field's type: a text for a
       number, a number for a yes/no, a choice that is not in the list.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       test "a big firm is an MQL" {
         given lead { employees: "400" }
         expect mql
       }
       """,
       "Write a value of the field's type: numbers without quotes, yes/no as `yes` or `no`.",
       ('employees: "400"', "employees: 400")),
    _e("E142", "too many events in a test",
       """A line of `given events` asks for more events than a test can hold
       (10,000 per line).""",
       """
       policy "Example"

       events pricing_view

       qualify {
         mql when count of pricing_view in last 30 days >= 3
         otherwise lead
       }

       test "three pricing views make an MQL" {
         given events { pricing_view 1000000 times in last 30 days }
         expect mql
       }
       """,
       "Give only as many events as the rule needs.",
       ("1000000 times", "3 times")),
    _e("E143", "`expect stage` without a lifecycle",
       """`expect stage` checks where the lifecycle leaves a lead; the policy has
       no `lifecycle` block.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       test "a big firm is an MQL" {
         given lead { employees: 400 }
         expect mql
         expect stage mql
       }
       """,
       "Remove the line, or add a lifecycle block.",
       ("  expect stage mql\n", ""),
       see=LIFECYCLE),
    _e("E150", "files that use each other in a circle",
       """A file `use`s itself, directly or through other files.""",
       """
       policy "Example"

       use "fields.qual"

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Remove the `use` line that closes the circle.",
       files=(("fields.qual", """
              use "policy.qual"

              lead {
                employees : int
              }
              """),)),
    _e("E151", "a file that cannot be read",
       """A file named in `use` (or given to a command) does not exist or cannot
       be read. `use` paths are relative to the file with the `use` line.""",
       """
       policy "Example"

       use "frameworks/bant.qual"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Correct the path, relative to the file that has the `use` line.",
       ('use "frameworks/bant.qual"\n\n', "")),
    _e("E152", "a file that is not UTF-8 text",
       """The policy file was saved in another encoding (often Windows-1252 by
       older editors and spreadsheet tools), contains a NUL byte, or is larger
       than 5,000,000 bytes.""",
       """
       policy "Example"

       lead {
         industry : text
       }

       qualify {
         mql when industry = "café chains"
         otherwise lead
       }
       """,
       "Save the file as UTF-8 (every editor offers it in \"Save as\").",
       encoding="cp1252",
       shown='policy "Example"\n\nlead {\n  industry : text\n}\n\nqualify {\n'
             '  mql when industry = "café chains"     # saved as Windows-1252, not UTF-8\n  otherwise lead\n}\n'),
    _e("E160", "a lifecycle that cannot be read as one",
       """A policy has at most one `lifecycle` block; it needs a `stages` line,
       and has at most one `start` stage.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       events accepted_by_sales

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       lifecycle {
         stages lead, mql, sal
         start lead
         start mql
         final sal
         lead -> mql when qualified as mql
         mql  -> sal on accepted_by_sales
       }
       """,
       "Keep one start stage (without a `start` line, the first stage listed is the start).",
       ("  start lead\n  start mql\n", "  start lead\n"),
       see=LIFECYCLE),
    _e("E161", "an unknown stage",
       """A stage named in `start`, `final`, `owner`, a transition, an SLA or
       `expect stage` is not in the `stages` line.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       events accepted_by_sales

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       lifecycle {
         stages lead, mql, sal
         final sal
         lead -> mql when qualified as mql
         mql  -> sall on accepted_by_sales
       }
       """,
       "Correct the stage's name, or add it to `stages`.",
       ("-> sall", "-> sal"),
       see=LIFECYCLE),
    _e("E162", "a stage listed twice",
       """Each stage is listed once in `stages`.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       lifecycle {
         stages lead, mql, mql
         final mql
         lead -> mql when qualified as mql
       }
       """,
       "Remove the second one.",
       ("stages lead, mql, mql", "stages lead, mql"),
       see=LIFECYCLE),
    _e("E163", "a stage with no way out",
       """A stage that is not `final` has no transition out of it: a lead that
       gets there would be stuck. Either mark it final or say how a lead leaves it.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       lifecycle {
         stages lead, mql
         lead -> mql when qualified as mql
       }
       """,
       "Add the stage to `final`, or add a transition from it.",
       ("  lead -> mql when", "  final mql\n  lead -> mql when"),
       see=LIFECYCLE),
    _e("E164", "a final stage with a way out",
       """A `final` stage is one a lead never leaves, so it has no transition out
       of it.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       events deal_lost

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       lifecycle {
         stages lead, mql, lost
         final mql, lost
         lead -> mql  when qualified as mql
         mql  -> lost on deal_lost
       }
       """,
       "Remove the stage from `final`, or remove the transition.",
       ("final mql, lost", "final lost"),
       see=LIFECYCLE),
    _e("E165", "two transitions with the same trigger",
       """Two transitions leave one stage on the same event with the same
       condition: the first always wins, so the second could never happen.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       events accepted_by_sales

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       lifecycle {
         stages lead, mql, sal, enterprise_sal
         final sal, enterprise_sal
         lead -> mql             when qualified as mql
         mql  -> sal             on accepted_by_sales
         mql  -> enterprise_sal  on accepted_by_sales
       }
       """,
       "Make the triggers differ, e.g. with `when ...`, and put the more specific one first.",
       ("  mql  -> sal             on accepted_by_sales\n  mql  -> enterprise_sal  on accepted_by_sales\n",
        "  mql  -> enterprise_sal  on accepted_by_sales  when employees >= 5000\n"
        "  mql  -> sal             on accepted_by_sales\n"),
       see=LIFECYCLE),
    _e("E166", "`recycle` without the list of reasons",
       """A recycle transition hands a lead back and must say why, with one of
       the reasons both teams agreed on: `recycle with reason from LIST`.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       events rejected_by_sales

       list rejection_reasons = ["no budget", "bad timing"]

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       lifecycle {
         stages lead, mql, nurture
         lead    -> mql      when qualified as mql
         mql     -> nurture  on rejected_by_sales  recycle
         nurture -> mql      when employees >= 500
       }
       """,
       "Add `with reason from LIST`.",
       ("recycle\n", "recycle with reason from rejection_reasons\n"),
       see=LIFECYCLE),
    _e("E167", "a reasons list that is unknown or not texts",
       """The list after `recycle with reason from` must be a declared list of
       texts.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       events rejected_by_sales

       list rejection_reasons = ["no budget", "bad timing"]

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       lifecycle {
         stages lead, mql, nurture
         lead    -> mql      when qualified as mql
         mql     -> nurture  on rejected_by_sales  recycle with reason from reasons
         nurture -> mql      when employees >= 500
       }
       """,
       "Name a declared list of texts.",
       ("from reasons", "from rejection_reasons"),
       see=LIFECYCLE),
    _e("E168", "an `sla` block without a lifecycle",
       """SLAs time what happens to leads in a stage; the stages come from the
       `lifecycle` block, which this policy does not have.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       events contacted

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       sla {
         each mql is contacted within 4 hours
       }
       """,
       "Add a lifecycle block with the stages.",
       ("sla {", "lifecycle {\n  stages lead, mql\n  final mql\n  lead -> mql when qualified as mql\n}\n\nsla {"),
       see=SLA),
    _e("E169", "an unknown calendar",
       """The calendar after `of` in an SLA is not declared.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       events contacted

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       lifecycle {
         stages lead, mql
         final mql
         lead -> mql when qualified as mql
       }

       calendar sales_hours {
         monday to friday 09:00 to 17:00 in "Europe/London"
       }

       sla {
         each mql is contacted within 4 hours of sales_hour
       }
       """,
       "Correct the name, or declare the calendar.",
       ("of sales_hour\n", "of sales_hours\n"),
       see=SLA),
    _e("E171", "not a time of day",
       """Working hours are written `09:00` or `9:00`, from `00:00` to `23:59`, and
       `24:00` as the end of a day.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       calendar office {
         monday to friday 09:00 to 25:00 in "Europe/London"
       }
       """,
       "Write a time of day.",
       ("25:00", "17:00"),
       see=SLA),
    _e("E172", "not a day of the week",
       """Days are `monday` to `sunday`, written in full.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       calendar office {
         monday to fri 09:00 to 17:00 in "Europe/London"
       }
       """,
       "Write the day in full.",
       ("to fri ", "to friday "),
       see=SLA),
    _e("E173", "a calendar without a time zone, or with two",
       """A calendar's hours are local times in one time zone, written with
       `in "ZONE"` on one of its lines. A team in two regions gets two calendars.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       calendar office {
         monday to friday 09:00 to 17:00
       }
       """,
       "Add the zone, e.g. `in \"America/New_York\"`.",
       ("09:00 to 17:00\n", '09:00 to 17:00 in "America/New_York"\n'),
       see=SLA),
    _e("E174", "a calendar that cannot work",
       """The calendar has an unknown time zone, an interval that ends before it
       starts (a night shift is two lines), intervals of one day that overlap, or
       no working time at all.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       calendar office {
         monday to friday 09:00 to 17:00 in "Europe/Londres"
       }
       """,
       "Use an IANA time zone name, such as \"Europe/London\"; make every interval end after it starts.",
       ("Europe/Londres", "Europe/London"),
       see=SLA),
    _e("E175", "`escalate` that does not follow a timer",
       """An `escalate to ... after ...` line belongs right under the SLA timer
       it escalates.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       events contacted

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       lifecycle {
         stages lead, mql
         final mql
         lead -> mql when qualified as mql
       }

       sla {
         escalate to "sales manager" after 8 hours
         each mql is contacted within 4 hours
       }
       """,
       "Move the line under its timer.",
       ('  escalate to "sales manager" after 8 hours\n  each mql is contacted within 4 hours\n',
        '  each mql is contacted within 4 hours\n    escalate to "sales manager" after 8 hours\n'),
       see=SLA),
    _e("E176", "not a period",
       """A volume commitment counts leads per `day`, `week`, `month`, `quarter`
       or `year`.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       lifecycle {
         stages lead, mql
         final mql
         lead -> mql when qualified as mql
       }

       sla {
         marketing delivers at least 20 mql per fortnight
       }
       """,
       "Use one of the periods.",
       ("per fortnight", "per month"),
       see=SLA),
    _e("E177", "an SLA limit that cannot be counted",
       """SLA limits are in minutes, hours or days (not weeks), and working days
       are whole days.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       events contacted

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       lifecycle {
         stages lead, mql
         final mql
         lead -> mql when qualified as mql
       }

       sla {
         each mql is contacted within 1 week
       }
       """,
       "Write the limit in days: a working week is `5 days of CALENDAR`, a calendar week `7 days`.",
       ("within 1 week", "within 7 days"),
       see=SLA),
    _e("E180", "a list that is too long",
       """A list has more than 10,000 values. A list that long (every target
       account, every postcode) belongs in the lead data, not in the policy.""",
       _HEAD + f"list sizes = {_LONG_LIST}\n\nqualify {{\n  mql when employees in sizes\n  otherwise lead\n}}\n",
       "Let the CRM mark such leads with a yes/no field (e.g. `target_account : yes/no`) and use the field.",
       (_LONG_LIST, "[50, 100, 200]"),
       shown=_HEAD + "list sizes = [1, 2, 3, ... (10,001 values) ..., 10001]\n\n"
             "qualify {\n  mql when employees in sizes\n  otherwise lead\n}\n"),
    _e("E181", "a condition nested too deeply",
       """Counting the segments, scores and frameworks a condition uses, and the
       ones those use, it is nested too deeply to be checked or compiled (more than
       150 levels, or more than 190 brackets in the compiled code). Such a chain is
       rarely written by hand; it usually comes from a generated policy.""",
       _HEAD + _CHAIN + "qualify {\n  mql when s79\n  otherwise lead\n}\n",
       "Build fewer segments on one another: say the conditions directly, or split them into segments "
       "that do not use each other.",
       (_CHAIN + "qualify {\n  mql when s79\n", "segment big_enough {\n  employees > 79\n}\n\n"
        "qualify {\n  mql when big_enough\n"),
       shown=_HEAD + "segment s0 {\n  employees > 0\n}\n\nsegment s1 {\n  s0 and employees > 1\n}\n\n"
             "... (s2 to s78, each built on the one before) ...\n\nsegment s79 {\n  s78 and employees > 79\n}\n\n"
             "qualify {\n  mql when s79\n  otherwise lead\n}\n"),
    _e("E182", "a text that is too long",
       """A text in the policy (a reason, a label, a value) has more than 1,000
       characters. Reasons and labels are copied into every decision.""",
       _HEAD + f'qualify {{\n  mql when employees >= 50\n  otherwise lead  "{_LONG_TEXT}"\n}}\n',
       "Shorten it; a reason is a few words that sales read in a list.",
       (f'"{_LONG_TEXT}"', '"too small"'),
       shown=_HEAD + 'qualify {\n  mql when employees >= 50\n'
             '  otherwise lead  "no fit: the company is too small ... (1,058 characters) ..."\n}\n'),
    _e("E183", "a name that is too long",
       """A name has more than 100 characters.""",
       f'policy "Example"\n\nlead {{\n  {_LONG_NAME} : int\n}}\n\nqualify {{\n  mql when {_LONG_NAME} >= 50\n'
       "  otherwise lead\n}\n",
       "Choose a shorter name; read a long column name with `from \"...\"`.",
       (f"  {_LONG_NAME} : int", "  employees : int"),
       (f"mql when {_LONG_NAME} >= 50", "mql when employees >= 50"),
       shown='policy "Example"\n\nlead {\n  number_of_employees_number_of_employees_ ... (120 characters) : int\n}\n\n'
             "qualify {\n  mql when number_of_employees_number_of_employees_ ... >= 50\n  otherwise lead\n}\n"),
    _e("E184", "too many rules or criteria in one block",
       """A qualify block or a score has more than 1,000 rules, or a segment or a
       framework more than 100 criteria.""",
       _HEAD + "segment big_enough {\n" + _CRITERIA + "}\n\nqualify {\n  mql when big_enough\n  otherwise lead\n}\n",
       "Split it into several segments or scores, each with a name that says what it is about; "
       "for many values of one field write `field in [...]` or `between`.",
       (_CRITERIA, "  employees > 101\n"),
       shown=_HEAD + "segment big_enough {\n  employees != 1\n  employees != 2\n  ... (101 lines) ...\n"
             "  employees != 101\n}\n\nqualify {\n  mql when big_enough\n  otherwise lead\n}\n"),
    _e("E185", "too many declarations",
       """A policy declares more than 1,000 fields, events, lists, segments, scores
       or frameworks of one kind.""",
       _HEAD + f"events {_EVENTS}\n\n" + _QUALIFY,
       "Keep only what the rules use: one event type per kind of activity, with the campaign as a "
       "field of the lead if it matters.",
       (f"events {_EVENTS}\n\n", ""),
       shown=_HEAD + "events campaign_1, campaign_2, ... (1,001 events) ..., campaign_1001\n\n" + _QUALIFY),
    _e("E186", "a test event outside the calendar",
       """A test event's time, counted back from the test's `now`, falls before the
       year 1 (or after the year 9999).""",
       """
       policy "Example"

       lead {
         employees : int
       }

       events demo_watched

       qualify {
         mql when demo_watched in last 30 days
         otherwise lead
       }

       test "a recent demo makes an MQL" {
         given lead { employees: 40 }
         given events { demo_watched 3 days ago }
         now is "0001-01-02T00:00:00Z"
         expect mql
       }
       """,
       "Give the test a `now` in the calendar (or leave it out), or the event a time that exists.",
       ('now is "0001-01-02T00:00:00Z"', 'now is "2026-12-01T12:00:00Z"')),
    _e("E187", "a policy file that is too long",
       """The file has more than 100,000 words, numbers and signs: far more than a
       policy written by people, and more than qualdsl reads in one file.""",
       _HEAD + f"list sizes = {_HUGE_LIST}\n\nqualify {{\n  mql when employees in sizes\n  otherwise lead\n}}\n",
       "Split the policy into files joined with `use`, and keep long lists of values in the lead data.",
       (_HUGE_LIST, "[50, 100, 200]"),
       shown=_HEAD + "list sizes = [1, 2, 3, ... (50,001 values) ..., 50001]\n\n"
             "qualify {\n  mql when employees in sizes\n  otherwise lead\n}\n"),
    _e("E188", "arithmetic that could give a number too large",
       """A calculation multiplies (or divides) so many values that its result could
       have more than 1,000 digits, more than qualdsl computes with.""",
       f"""
       policy "Example"

       lead {{
         revenue : money
       }}

       qualify {{
         mql when {_POWER} > 1000000
         otherwise lead
       }}
       """,
       "Multiply and divide fewer values in one condition; compare the value itself with a bigger threshold.",
       (f"{_POWER} > 1000000", "revenue > 1000000"),
       shown='policy "Example"\n\nlead {\n  revenue : money\n}\n\nqualify {\n'
             "  mql when revenue * revenue * ... (30 times) ... * revenue > 1000000\n  otherwise lead\n}\n"),
    # ---- E2: types and values ---------------------------------------------------------
    _e("E201", "a condition that is not yes or no",
       """Where a condition is expected (after `when` or `if`, in a segment) the
       text is a number, a text or a list: it does not say yes or no. Often a
       comparison is missing, or `or` joins a value instead of a condition.""",
       """
       policy "Example"

       lead {
         industry : text
       }

       qualify {
         mql when industry = "software" or "fintech"
         otherwise lead
       }
       """,
       "Make each side of `and` / `or` a whole condition, or compare the value.",
       ('industry = "software" or "fintech"', 'industry in ["software", "fintech"]'),
       see=LANGUAGE),
    _e("E202", "a number where a duration is needed",
       """The value is compared with a duration (a length of time), so the number
       needs its unit.""",
       """
       policy "Example"

       lead {
         timeline : duration?
       }

       qualify {
         mql when timeline <= 90
         otherwise lead
       }
       """,
       "Write the unit: minutes, hours, days or weeks.",
       ("timeline <= 90", "timeline <= 90 days")),
    _e("E203", "a text that is not a date or a time",
       """A text compared with a date or a date and time must be written in ISO
       form: `"2026-12-25"`, `"2026-12-01T09:00:00Z"`.""",
       """
       policy "Example"

       lead {
         first_seen : date
       }

       qualify {
         mql when first_seen >= "01/12/2026"
         otherwise lead
       }
       """,
       "Write year-month-day.",
       ('"01/12/2026"', '"2026-12-01"')),
    _e("E204", "a list item that is not a fixed value",
       """The items of a list are fixed values: texts, numbers or choices, not
       fields or calculations.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees in [50, employees + 1]
         otherwise lead
       }
       """,
       "Write only fixed values in the list.",
       ("[50, employees + 1]", "[50, 51]")),
    _e("E205", "a list that mixes kinds of values",
       """All items of a list are of one kind: all texts, or all numbers.""",
       """
       policy "Example"

       lead {
         industry : text
       }

       list target_industries = ["software", 42]

       qualify {
         mql when industry in target_industries
         otherwise lead
       }
       """,
       "Put values of one kind in the list.",
       ('["software", 42]', '["software", "fintech"]')),
    _e("E206", "not one of the choices",
       """A `one of` field is compared with a value that is not one of its
       choices: a typing mistake, or a choice the field does not list.""",
       """
       policy "Example"

       lead {
         seniority : one of ic, manager, director, vp, c_level
       }

       qualify {
         mql when seniority in [director, vp, ceo]
         otherwise lead
       }
       """,
       "Use one of the choices, or add the value to the field's `one of` list.",
       ("[director, vp, ceo]", "[director, vp, c_level]"),
       see=LANGUAGE),
    _e("E207", "a framework used without saying what is asked",
       """The bare name of a framework does not say what is asked: whether it
       passes, one criterion, or how many criteria hold.""",
       """
       policy "Example"

       lead {
         budget_confirmed : yes/no
         decision_maker   : yes/no
       }

       framework AM {
         authority : decision_maker
         money     : budget_confirmed
       }

       qualify {
         sql when AM
         otherwise lead
       }
       """,
       "Write `AM passes`, `AM.money` or `at least 1 of AM`.",
       ("sql when AM\n", "sql when AM passes\n"),
       see=LANGUAGE),
    _e("E208", "values that cannot be compared",
       """The two sides of a comparison are of different kinds: a number with a
       text, a text with a list, a yes/no with a number.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees >= "50"
         otherwise lead
       }
       """,
       "Write numbers without quotes, texts in quotes, and compare values of one kind.",
       ('employees >= "50"', "employees >= 50"),
       see=LANGUAGE),
    _e("E209", "an order on values that have none",
       """`<`, `<=`, `>`, `>=` need values with an order (numbers, money, dates,
       times, durations, texts). Choices of `one of` and yes/no have no order.""",
       """
       policy "Example"

       lead {
         seniority : one of ic, manager, director, vp, c_level
       }

       qualify {
         mql when seniority >= director
         otherwise lead
       }
       """,
       "List the choices that count.",
       ("seniority >= director", "seniority in [director, vp, c_level]")),
    _e("E210", "a number or duration that is too large",
       """A number has more than 30 digits, or a duration is longer than a
       computer can count. No real policy needs such a value.""",
       """
       policy "Example"

       events pricing_view

       score engagement {
         +1000000000000000000000000000000000 per pricing_view
       }

       qualify {
         mql when engagement >= 10
         otherwise lead
       }
       """,
       "Write a smaller number.",
       ("+1000000000000000000000000000000000", "+10")),
    _e("E211", "`in` on a list field",
       """`in` asks whether one value is among a list's items; the value on its
       left is itself a list. To ask whether a list field holds a value, write
       `contains`.""",
       """
       policy "Example"

       lead {
         pain_points : list of text
       }

       qualify {
         mql when pain_points in ["data silos"]
         otherwise lead
       }
       """,
       "Write `LIST contains VALUE`.",
       ('pain_points in ["data silos"]', 'pain_points contains "data silos"')),
    _e("E212", "`in` without a list",
       """`in` needs a list on its right: `[...]` or the name of a declared list.""",
       """
       policy "Example"

       lead {
         industry : text
       }

       qualify {
         mql when industry in "software"
         otherwise lead
       }
       """,
       "Write a list in square brackets, or `=` for one value.",
       ('industry in "software"', 'industry in ["software"]')),
    _e("E213", "`is empty` on a value that is not a list",
       """`is empty` asks whether a list has no items. A number or a text is not
       empty but *missing* when it has no value: ask that with `is missing`.""",
       """
       policy "Example"

       lead {
         employees     : int?
         is_competitor : yes/no
       }

       qualify {
         disqualified when employees is empty
         otherwise lead
       }
       """,
       "Write `is missing`.",
       ("employees is empty", "employees is missing")),
    _e("E214", "a text test on a value that is not a text",
       """`contains`, `starts with` and `ends with` work on texts (and `contains`
       on lists).""",
       """
       policy "Example"

       lead {
         employees : int
       }

       qualify {
         mql when employees starts with "1"
         otherwise lead
       }
       """,
       "Compare numbers with `=`, `<`, `>` or `between`.",
       ('employees starts with "1"', "employees >= 100")),
    _e("E215", "arithmetic that does not fit",
       """`+ - * /` work on numbers and money, and on dates and times with
       durations; not on texts, yes/no values or choices.""",
       """
       policy "Example"

       lead {
         employees : int
         industry  : text
       }

       qualify {
         mql when industry + employees > 100
         otherwise lead
       }
       """,
       "Compute with numbers only.",
       ("industry + employees > 100", "employees > 100")),
    _e("E220", "an unknown type",
       """A field's type is not one the language has. The types are int, number,
       money, text, yes/no, date, datetime, duration, `one of a, b, c` and
       `list of TYPE`.""",
       """
       policy "Example"

       lead {
         employees : integer
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Use one of the types.",
       ("employees : integer", "employees : int"),
       see=LANGUAGE),
    _e("E221", "a choice listed twice",
       """Each choice of a `one of` field is listed once. Two choices that differ only in case
       (`vp` and `VP`) count as the same choice: a lead's value is matched ignoring case.""",
       """
       policy "Example"

       lead {
         seniority : one of ic, manager, vp, vp
       }

       qualify {
         mql when seniority = vp
         otherwise lead
       }
       """,
       "Remove the second one.",
       ("ic, manager, vp, vp", "ic, manager, vp")),
    _e("E222", "a list of lists",
       """A list field holds single values; a list of lists is not supported.""",
       """
       policy "Example"

       lead {
         pain_points : list of list of text
       }

       qualify {
         mql when pain_points is not empty
         otherwise lead
       }
       """,
       "Use `list of text`, one value per item.",
       ("list of list of text", "list of text")),
    _e("E223", "a segment or framework without criteria",
       """A segment or framework with nothing inside its braces says nothing.""",
       """
       policy "Example"

       lead {
         employees : int
       }

       segment ideal_customer {
       }

       qualify {
         mql when ideal_customer
         otherwise lead
       }
       """,
       "Write at least one condition inside the braces.",
       ("segment ideal_customer {\n}", "segment ideal_customer {\n  employees between 50 and 5000\n}")),
    _e("E224", "an `at least N` that cannot work",
       """`at least N of` asks for more criteria than there are, or for none: N
       must be from 1 to the number of criteria (or lines of a segment).""",
       """
       policy "Example"

       lead {
         budget_confirmed : yes/no
         decision_maker   : yes/no
       }

       framework AM {
         authority : decision_maker
         money     : budget_confirmed
       }

       qualify {
         sql when at least 3 of AM
         otherwise lead
       }
       """,
       "Choose a number from 1 to the number of criteria.",
       ("at least 3 of AM", "at least 2 of AM"),
       see=LANGUAGE),
    _e("E225", "a criterion declared twice",
       """Each criterion of a framework has its own name.""",
       """
       policy "Example"

       lead {
         budget_confirmed : yes/no
         decision_maker   : yes/no
       }

       framework AM {
         authority : decision_maker
         authority : budget_confirmed
       }

       qualify {
         sql when AM passes
         otherwise lead
       }
       """,
       "Rename or remove one of them.",
       ("  authority : budget_confirmed", "  money     : budget_confirmed")),
    _e("E226", "two pass rules",
       """A framework has one pass rule.""",
       """
       policy "Example"

       lead {
         budget_confirmed : yes/no
         decision_maker   : yes/no
       }

       framework AM {
         authority : decision_maker
         money     : budget_confirmed
         passes when all
         passes when any
       }

       qualify {
         sql when AM passes
         otherwise lead
       }
       """,
       "Keep one `passes when ...` line; to ask for another count in one place, write `at least N of AM` there.",
       ("  passes when all\n  passes when any\n", "  passes when all\n")),
    _e("E227", "`of M` that is not the number of criteria",
       """In `passes when at least N of M`, M must be the number of criteria, so
       that adding a criterion cannot change the rule silently.""",
       """
       policy "Example"

       lead {
         budget_confirmed : yes/no
         decision_maker   : yes/no
       }

       framework AM {
         authority : decision_maker
         money     : budget_confirmed
         passes when at least 1 of 3
       }

       qualify {
         sql when AM passes
         otherwise lead
       }
       """,
       "Write the number of criteria, or leave `of M` out.",
       ("at least 1 of 3", "at least 1 of 2"),
       see=LANGUAGE),
    _e("E230", "`per` on something that is not an event",
       """`per` gives points for each event of a type; the name after it is a
       lead field or another declaration.""",
       """
       policy "Example"

       lead {
         budget_confirmed : yes/no
       }

       score fit {
         +20 per budget_confirmed
       }

       qualify {
         mql when fit >= 20
         otherwise lead
       }
       """,
       "Give the points once with `if`.",
       ("+20 per budget_confirmed", "+20 if budget_confirmed")),
    # ---- W: warnings ------------------------------------------------------------------
    _e("W301", "declared but never used",
       """A list, segment or framework is declared but no rule uses it. It is
       probably a leftover, or a rule forgot it. (A warning: the policy still runs.)""",
       """
       policy "Example"

       lead {
         employees : int
       }

       segment ideal_customer {
         employees between 50 and 5000
       }

       qualify {
         mql when employees >= 50
         otherwise lead
       }
       """,
       "Use it in a rule, or remove it.",
       ("mql when employees >= 50", "mql when ideal_customer")),
    _e("W302", "a rule that can never apply",
       """Rules are tried in order and the first that holds wins. An earlier rule
       holds whenever this one does (its conditions are all among this rule's),
       so this rule is never chosen. (A warning: the policy still runs.)""",
       """
       policy "Example"

       lead {
         employees      : int
         decision_maker : yes/no
       }

       qualify {
         mql when employees >= 50
         sql when employees >= 50 and decision_maker
         otherwise lead
       }
       """,
       "Put the stricter rule first.",
       ("  mql when employees >= 50\n  sql when employees >= 50 and decision_maker\n",
        "  sql when employees >= 50 and decision_maker\n  mql when employees >= 50\n"),
       see=LANGUAGE),
    _e("W303", "a cap below one award",
       """The `at most` cap of a `per` rule is smaller than the points of a single
       event, so the rule can never give its full points. (A warning.)""",
       """
       policy "Example"

       events webinar_attended

       score engagement {
         +15 per webinar_attended in last 90 days, at most 10
       }

       qualify {
         mql when engagement >= 10
         otherwise lead
       }
       """,
       "Raise the cap, or lower the points.",
       ("at most 10", "at most 30")),
    _e("W305", "`is missing` on a value that is never missing",
       """A required field (without `?`) always has a value, so `is missing` on it
       is always no. Either the field may really be missing (mark it with `?`)
       or the test is not needed. (A warning.)""",
       """
       policy "Example"

       lead {
         employees     : int
         budget_amount : money
       }

       qualify {
         mql when budget_amount is missing and employees >= 50
         otherwise lead
       }
       """,
       "Mark the field optional with `?` if a lead may come without it.",
       ("budget_amount : money", "budget_amount : money?"),
       see=LANGUAGE),
    _e("W310", "a stage that cannot be reached",
       """No chain of transitions leads from the start stage to this stage. A lead
       gets there only when the CRM records an entry into it. (A warning.)""",
       """
       policy "Example"

       lead {
         employees : int
       }

       events deal_won

       qualify {
         mql when employees >= 50
         otherwise lead
       }

       lifecycle {
         stages lead, mql, won
         final won
         lead -> mql when qualified as mql
         mql  -> lead when employees < 50
       }
       """,
       "Add a transition into the stage, or remove it.",
       ("  mql  -> lead when employees < 50\n", "  mql  -> lead when employees < 50\n  mql  -> won  on deal_won\n"),
       see=LIFECYCLE),
)

BY_CODE: dict[str, Entry] = {entry.code: entry for entry in ENTRIES}


def lookup(code: str) -> Entry | None:
    """The entry for a code, whatever its case (`e102` is E102)."""
    return BY_CODE.get(code.strip().upper())


def close_codes(code: str, limit: int = 5) -> list[str]:
    """Codes near an unknown one: the same letter and the nearest numbers, and look-alikes."""
    wanted = code.strip().upper()
    if len(wanted) >= 2:  # O for 0, I or L for 1: easy to mistype
        wanted = wanted[0] + wanted[1:].replace("O", "0").replace("I", "1").replace("L", "1")
    found: list[str] = []
    if len(wanted) >= 2 and wanted[0] in "PEW" and wanted[1:].isdigit():
        number = int(wanted[1:])
        same = [c for c in BY_CODE if c[0] == wanted[0]]
        same.sort(key=lambda c: (abs(int(c[1:]) - number), c))
        found.extend(same[:limit])
    for close in difflib.get_close_matches(wanted, list(BY_CODE), n=limit, cutoff=0.6):
        if close not in found:
            found.append(close)
    return sorted(found[:limit])


# ---- running the examples ----------------------------------------------------------------


def diagnose(entry: Entry, fixed: bool = False) -> tuple[tuple[Diagnostic, ...], dict[str, Source]]:
    """What `qualdsl check policy.qual` finds in the example (or in its fixed version).

    The files are written to a temporary folder; paths in the result are relative to it."""
    with tempfile.TemporaryDirectory(prefix="qualdsl-catalogue-") as folder:
        main = Path(folder) / MAIN
        text = entry.fixed if fixed else entry.bad
        main.write_bytes(text.encode("utf-8" if fixed else entry.encoding))
        files = entry.files if not fixed else tuple((name, _fix_file(entry, name, body)) for name, body in entry.files)
        for name, body in files:
            if body is not None:
                (Path(folder) / name).write_text(body, encoding="utf-8")
        report = check_file(str(main))
        prefix = folder + os.sep
        diagnostics = tuple(_relative(d, prefix) for d in report.diagnostics)
        sources = {_strip(path, prefix): Source(_strip(path, prefix), s.text) for path, s in report.sources.items()}
        return diagnostics, sources


# The changes that fix the examples made of several files: they apply to the other file.
_FILE_FIXES: dict[str, dict[str, str | None]] = {
    "E132": {"shared.qual": 'lead {\n  employees : int\n}\n'},
    "E150": {"fields.qual": 'lead {\n  employees : int\n}\n'},
}


def _fix_file(entry: Entry, name: str, body: str) -> str | None:
    return _FILE_FIXES.get(entry.code, {}).get(name, body)


def fix_lines(entry: Entry) -> list[tuple[str, str]]:
    """The fix as whole lines: (the lines of the example, the lines to write instead); the
    second is empty when lines are only removed. Very long lines are shortened."""
    before, after = entry.bad.splitlines(), entry.fixed.splitlines()
    hunks: list[list[int]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if hunks and i1 - hunks[-1][1] <= 2:  # changes a line or two apart read as one
            hunks[-1][1], hunks[-1][3] = i2, j2
        else:
            hunks.append([i1, i2, j1, j2])
    found = []
    for i1, i2, j1, j2 in hunks:
        old, new = before[i1:i2], after[j1:j2]
        if not old:  # only added: show them with the line before, so the reader sees where
            old, new = before[i1 - 1:i1], before[i1 - 1:i1] + new
        found.append((_cap(old), _cap(new)))
    return found


def _cap(lines: list[str]) -> str:
    """Lines to show, each shortened, and at most ``MAX_FIX_LINES`` of them."""
    shown = [_short(line) for line in lines]
    if len(shown) > MAX_FIX_LINES:
        shown = [*shown[: MAX_FIX_LINES - 2], f"... ({len(lines) - MAX_FIX_LINES + 1} more lines) ...", shown[-1]]
    return "\n".join(shown)


def _short(line: str, limit: int = 100) -> str:
    return line if len(line) <= limit else line[: limit - 20] + " ... " + line[-15:]


def fixed_files(entry: Entry) -> tuple[tuple[str, str], ...]:
    """The other files of an example, as they are once fixed."""
    return tuple((name, text) for name, body in entry.files if (text := _fix_file(entry, name, body)) is not None)


def _strip(path: str, prefix: str) -> str:
    return path[len(prefix):] if path.startswith(prefix) else path


def _relative(diagnostic: Diagnostic, prefix: str) -> Diagnostic:
    span = attrs.evolve(diagnostic.span, path=_strip(diagnostic.span.path, prefix))
    return attrs.evolve(
        diagnostic, span=span, message=diagnostic.message.replace(prefix, ""), hint=diagnostic.hint.replace(prefix, ""),
    )


def check_output(entry: Entry) -> str:
    """What `qualdsl check` prints for the example: the diagnostics of its code."""
    if not entry.has_example:
        return ""
    diagnostics, sources = diagnose(entry)
    mine = [d for d in diagnostics if d.code == entry.code] or list(diagnostics)
    text = "\n".join(_short(line, 160) for line in render_all(mine[:MAX_SHOWN], sources).split("\n"))
    if len(mine) > MAX_SHOWN:
        text += f"\n\n... and {len(mine) - MAX_SHOWN} more like it"
    return text


# ---- rendering -----------------------------------------------------------------------------


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else "" for line in text.rstrip("\n").split("\n"))


def _wrap(text: str, width: int = 78, prefix: str = "  ") -> str:
    return textwrap.fill(text, width=width, initial_indent=prefix, subsequent_indent=prefix)


def render_text(entry: Entry) -> str:
    """One entry as `qualdsl explain-error CODE` prints it."""
    out = [f"{entry.code}: {entry.title} ({entry.severity})", "", "What it means:", _wrap(entry.meaning)]
    if entry.has_example:
        out += ["", f"Example ({MAIN}):", _indent(entry.shown or entry.bad)]
        for name, text in entry.files:
            out += ["", f"Beside it, {name}:", _indent(text)]
        out += ["", "qualdsl check says:", _indent(check_output(entry), "  ")]
    out += ["", "How to fix it:", _wrap(entry.fix)]
    for old, new in fix_lines(entry):
        if new:
            out += ["", "  Instead of:", _indent(old, "    "), "  write:", _indent(new, "    ")]
        else:
            out += ["", "  Remove:", _indent(old, "    ")]
    for name, text in fixed_files(entry):
        out += ["", f"  In {name} write:", _indent(text, "    ")]
    missing = [name for name, _ in entry.files if _fix_file(entry, name, "") is None]
    for name in missing:  # pragma: no cover - no entry removes a file today
        out += ["", f"  Remove {name}."]
    if entry.see:
        out += ["", f"More: docs/{entry.see}"]
    return "\n".join(out) + "\n"


def render_list() -> str:
    """Every code with its title, one per line."""
    return "".join(f"{e.code}  {e.severity:<7}  {e.title}\n" for e in ENTRIES)


def _anchor(entry: Entry) -> str:
    return entry.code.lower()


def render_markdown() -> str:
    """docs/errors.md: every entry, with its example and what `qualdsl check` says."""
    out = [
        "# Error catalogue",
        "",
        "<!-- This file is made by `python docs/make_errors.py` from `qualdsl/catalogue.py`; "
        "edit that file, not this one. -->",
        "",
        "Every problem `qualdsl check` reports has a code. This page lists them all: what each one",
        "means, a small policy that has the problem, what `qualdsl check` says about it, and how to",
        "fix it. The same text is printed by `qualdsl explain-error CODE` (for example",
        "`qualdsl explain-error E102`); `qualdsl explain-error --list` lists the codes.",
        "",
        "Codes starting with **P** are syntax errors (the text cannot be read as a policy), **E** are",
        "errors (the policy does not make sense), **W** are warnings (the policy runs, but probably",
        "does not say what was meant). A policy with errors is never run; one with warnings is.",
        "Every example below is checked by the test suite: it really gives its code, and the fix",
        "really removes it.",
        "",
        "| Code | Problem |",
        "| --- | --- |",
    ]
    out += [f"| [{e.code}](#{_anchor(e)}) | {e.title} |" for e in ENTRIES]
    sections = (("P", "Syntax errors (P)"), ("E1", "Names and the shape of a policy (E1xx)"),
                ("E2", "Types and values (E2xx)"), ("W", "Warnings (W)"))
    for prefix, heading in sections:
        out += ["", f"## {heading}"]
        for entry in (e for e in ENTRIES if e.code.startswith(prefix)):
            out += ["", f'<a id="{_anchor(entry)}"></a>', "", f"### {entry.code}: {entry.title}", "",
                    f"*{entry.severity.capitalize()}.* {entry.meaning}"]
            if entry.has_example:
                out += ["", f"A policy with the problem, `{MAIN}`:", "", "<!-- fragment -->", "```qual",
                        (entry.shown or entry.bad).rstrip("\n"), "```"]
                for name, text in entry.files:
                    out += ["", f"and beside it, `{name}`:", "", "<!-- fragment -->", "```qual", text.rstrip("\n"), "```"]
                out += ["", "`qualdsl check` says:", "", "```text", check_output(entry), "```"]
            out += ["", f"**How to fix it.** {entry.fix}"]
            for old, new in fix_lines(entry):
                if new:
                    out += ["", "Instead of", "", "```text", old, "```", "", "write", "", "```text", new, "```"]
                else:
                    out += ["", "Remove", "", "```text", old, "```"]
            for name, text in fixed_files(entry):
                out += ["", f"In `{name}`, write:", "", "<!-- fragment -->", "```qual", text.rstrip("\n"), "```"]
            if entry.see:
                out += ["", f"More: [{entry.see}]({entry.see})."]
    return "\n".join(line.rstrip() for line in "\n".join(out).split("\n")) + "\n"

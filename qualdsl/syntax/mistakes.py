"""Typical mistakes, in words a non-programmer understands.

``MISTAKES`` maps a label to a message and a few bad snippets. Lark's
``match_examples`` finds the snippet that fails in the same parser state as the
user's text, so the message fits the mistake rather than listing raw tokens.
"""

from __future__ import annotations

from collections.abc import Collection

import attrs
from lark import Token


@attrs.frozen
class Mistake:
    code: str
    message: str
    hint: str
    examples: tuple[str, ...]


TYPES_HINT = (
    "types are int, number, money, text, yes/no, date, datetime, duration, "
    "`one of a, b, c` and `list of TYPE`; add `?` when the value may be missing"
)

MISTAKES: dict[str, Mistake] = {
    "field-missing-type": Mistake(
        "P010", "a field needs a type after the colon", "write e.g. `employees: int`; " + TYPES_HINT,
        ("lead {\n  employees:\n}", "lead {\n  employees: \n  industry: text\n}"),
    ),
    "field-missing-colon": Mistake(
        "P011", "expected `:` between the field name and its type",
        "write e.g. `employees: int`",
        ("lead {\n  employees int\n}", "lead {\n  a: int\n  employees int\n}"),
    ),
    "rule-missing-when": Mistake(
        "P012", "a qualify rule reads `OUTCOME when CONDITION`",
        "e.g. `mql when ideal_customer and engagement >= 50`",
        ("qualify {\n  mql ideal\n}", "qualify {\n  mql if ideal\n}"),
    ),
    "rule-missing-condition": Mistake(
        "P013", "the rule has no condition after `when`",
        "write the condition that must hold, e.g. `mql when engagement >= 50`",
        ("qualify {\n  mql when\n}", "qualify {\n  mql when\n  otherwise lead\n}"),
    ),
    "score-rule-missing-sign": Mistake(
        "P014", "a score rule starts with the points and their sign: `+10` or `-20`",
        "e.g. `+10 per pricing_view in last 30 days` or `-50 if email_domain in free_mail`",
        ("score s {\n  10 if x\n}", "score s {\n  x if y\n}"),
    ),
    "score-rule-missing-if": Mistake(
        "P015", "after the points write `if CONDITION` or `per EVENT`",
        "e.g. `+25 if demo_watched in last 60 days` or `+10 per pricing_view`",
        ("score s {\n  +10 x\n}", "score s {\n  +10 when x\n}"),
    ),
    "double-equals": Mistake(
        "P016", "compare with a single `=`", "write `x = 1`, not `x == 1`",
        ("qualify {\n  a when x == 1\n}", "segment s {\n  x == 1\n}"),
    ),
    "missing-comma-in-list": Mistake(
        "P017", "the items of a list are separated by commas",
        'write e.g. `["software", "fintech"]`',
        ('list l = ["a" "b"]', "list l = [1 2]", 'segment s {\n  x in ["a" "b"]\n}'),
    ),
    "missing-comma-in-enum": Mistake(
        "P018", "the choices of `one of` are separated by commas",
        "write e.g. `seniority: one of ic, manager, director`",
        ("lead {\n  s: one of a b\n}",),
    ),
    "missing-comma-in-given": Mistake(
        "P019", "the values of `given lead` / `given events` are separated by commas",
        "write e.g. `given lead { employees: 400, industry: \"software\" }`",
        ('test "t" {\n  given lead { a: 1 b: 2 }\n}',
         'test "t" {\n  given lead { a: 1\n b: 2 }\n}',
         'test "t" {\n  given events { a 1 day ago b 2 days ago }\n}'),
    ),
    "window-missing-unit": Mistake(
        "P020", "a time needs a unit",
        "write e.g. `in last 30 days`; units are minutes, hours, days and weeks",
        ("score s {\n  +10 per x in last 30\n}", "segment s {\n  x in last 30\n}",
         "segment s {\n  timeline <= 90\n  x in last 5 months\n}"),
    ),
    "unknown-declaration": Mistake(
        "P021", "expected a declaration at the start of the line",
        "declarations start with policy, version, use, lead, events, list, segment, score, "
        "framework, qualify or test",
        ("segmnt s {\n}", "lead {\n}\nfoo", "polcy \"x\""),
    ),
    "pass-rule": Mistake(
        "P022", "a framework's pass rule reads `passes when all`, `passes when any`, "
        "`passes when at least N of M` or `passes when CONDITION`",
        "e.g. `passes when at least 3 of 4`",
        ("framework F {\n  passes at least 3\n}", "framework F {\n  passes when\n}"),
    ),
    "otherwise-missing-outcome": Mistake(
        "P023", "`otherwise` needs the outcome a lead gets when no rule holds",
        "e.g. `otherwise lead`",
        ("qualify {\n  otherwise\n}",),
    ),
    "criterion-missing-colon": Mistake(
        "P024", "a framework criterion reads `NAME : CONDITION`",
        "e.g. `budget : budget_confirmed or budget_amount >= 10000`",
        ("framework F {\n  budget budget_confirmed\n}",),
    ),
}

WORDS: dict[str, str] = {
    "NAME": "a name",
    "STRING": "a text in double quotes",
    "INT": "a whole number",
    "DECIMAL": "a number",
    "UNIT": "a time unit (minutes, hours, days, weeks)",
    "_NL": "the end of the line",
    "$END": "the end of the file",
    "COMPARE": "a comparison (<, <=, >, >=, !=)",
    "EQ": "`=`",
    "PLUS": "`+`",
    "MINUS": "`-`",
    "TIMES": "`*`",
    "DIVIDE": "`/`",
    "YESNO": "`yes/no`",
    "OPTIONAL": "`?`",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "COLON": "`:`",
    "COMMA": "`,`",
    "DOT": "`.`",
}

KEYWORDS = [
    "policy", "version", "use", "lead", "events", "list", "segment", "score", "framework",
    "qualify", "test", "given", "expect", "otherwise", "when", "if", "per", "at", "most", "least",
    "of", "all", "any", "passes", "in", "last", "not", "and", "or", "is", "missing", "empty",
    "between", "starts", "ends", "with", "contains", "count", "no", "yes", "now", "one", "from",
    "times", "ago",
]


def describe_token_type(kind: str) -> str:
    if kind in WORDS:
        return WORDS[kind]
    if kind.lower() in KEYWORDS:
        return f"`{kind.lower()}`"
    return f"`{kind.lower()}`"


def describe_token(token: Token) -> str:
    if token.type in ("_NL", "$END"):
        return WORDS[token.type]
    text = str(token)
    if token.type == "STRING":
        return f"the text {text}"
    if token.type in ("INT", "DECIMAL"):
        return f"the number {text}"
    if token.type == "NAME":
        return f"the name `{text}`"
    if text.lower() in KEYWORDS:
        return f"the word `{text}`"
    return f"`{text}`"


def describe_expected(kinds: Collection[str]) -> str:
    """The expected tokens in words, grouped: 'a value or a name' rather than ten token names."""
    kinds = set(kinds)
    value_starts = {"NAME", "INT", "STRING", "YES", "NO", "LSQB", "LPAR"}
    words: list[str] = []
    if value_starts <= kinds:
        words.append("a value or a name")
        kinds -= value_starts | {"DECIMAL", "MINUS", "NOW", "COUNT", "NOT", "LEAD"}
    ordered = sorted(kinds, key=lambda k: (k not in WORDS, describe_token_type(k)))
    words.extend(describe_token_type(k) for k in ordered)
    if len(words) > 6:
        words = [*words[:6], "…"]
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def explain_character(text: str, position: int) -> tuple[str, str]:
    """A message and a hint for a character no token starts with."""
    char = text[position] if 0 <= position < len(text) else ""
    if char == '"':
        return "this text has no closing quote", 'close the text with `"` on the same line'
    if char == "'":
        return "texts are written in double quotes", "write \"software\", not 'software'"
    if char in "&|":
        return f"unexpected `{char}`", "write `and` / `or` instead of `&&` / `||`"
    if char == "!":
        return "unexpected `!`", "write `not` to negate, or `!=` for 'is not equal to'"
    if char == "%":
        return "unexpected `%`", "write percentages as plain numbers, e.g. `rate >= 20`"
    if char in "$€£":
        return f"unexpected `{char}`", "write money as a plain number, e.g. `budget_amount >= 10000`"
    if char == ";":
        return "unexpected `;`", "end a rule with a new line instead of `;`"
    shown = repr(char) if not char.isprintable() or char.isspace() else f"`{char}`"
    return f"unexpected character {shown}", "names use letters, digits and `_`; texts go in double quotes"

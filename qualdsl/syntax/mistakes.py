"""Typical mistakes, in words a non-programmer understands.

``MISTAKES`` maps a label to a message and a few bad snippets. The parser finds
the snippet that fails in the same parser state, expecting the same tokens, as
the user's text (``qualdsl.syntax.parser``), so the message fits the mistake
rather than listing raw tokens.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Collection, Mapping

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
        ("qualify {\n  mql ideal\n}", "qualify {\n  mql if ideal\n}", "qualify {\n  if x then a\n}"),
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
        ('list l = ["a" "b"]', "list l = [1 2]", 'segment s {\n  x in ["a" "b"]\n}', "list l = [a b]",
         "segment s {\n  x in [a b]\n}", "segment s {\n  x in [1 2]\n}"),
    ),
    "missing-comma-in-enum": Mistake(
        "P018", "the choices of `one of` are separated by commas",
        "write e.g. `seniority: one of ic, manager, director`",
        ("lead {\n  s: one of a b\n}", "lead {\n  s: one of a, b c\n}"),
    ),
    "missing-comma-in-given": Mistake(
        "P019", "the values of `given lead` / `given events` are separated by commas",
        "write e.g. `given lead { employees: 400, industry: \"software\" }`",
        ('test "t" {\n  given lead { a: 1 b: 2 }\n}',
         'test "t" {\n  given lead { a: 1\n b: 2 }\n}',
         'test "t" {\n  given events { a 1 day ago b 2 days ago }\n}',
         'test "t" {\n  given events { a 3 times in last 10 days b 1 day ago }\n}',
         'test "t" {\n  given events { a at "2026-01-01" b 1 day ago }\n}'),
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
        "framework, qualify, lifecycle, calendar, sla or test",
        ("segmnt s {\n}", "lead {\n}\nfoo", "polcy \"x\"", "policy \"x\"\nversion \"1\"\nfoo"),
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
    "missing-comma-in-events": Mistake(
        "P025", "the events of an `events` line are separated by commas",
        "write e.g. `events pricing_view, demo_watched`",
        ("events a b", "events a, b c"),
    ),
    "arrow-compare": Mistake(
        "P026", "write `>=` and `<=` with the `=` last", "e.g. `employees >= 50`, not `employees => 50`",
        ("qualify {\n  a when x => 1\n}", "qualify {\n  a when x =< 1\n}", "segment s {\n  x => 1\n}"),
    ),
    "brace-on-next-line": Mistake(
        "P027", "the `{` that opens a block must be on the same line as its name",
        "e.g. `segment ideal_customer {` with the criteria on the next lines",
        ("segment s\n{\n}", "score s\n{\n}", "framework F\n{\n}", "qualify\n{\n}", "lead\n{\n}",
         'test "t"\n{\n}', 'segment s "label"\n{\n}'),
    ),
    "policy-name-quotes": Mistake(
        "P028", "the policy's name goes in double quotes", 'e.g. `policy "Acme lead qualification"`',
        ("policy Acme", "policy 2026"),
    ),
    "version-quotes": Mistake(
        "P029", "the version goes in double quotes", 'e.g. `version "2026.11"`',
        ("version 1", "version 1.5", "version v2"),
    ),
    "test-name-quotes": Mistake(
        "P030", "a test's name goes in double quotes", 'e.g. `test "a VP at a software firm is an SQL" {`',
        ("test t {\n}", "test 1 {\n}"),
    ),
    "reason-missing-quotes": Mistake(
        "P031", "a reason goes in double quotes",
        'e.g. `disqualified when is_competitor "competitor"` or `otherwise lead "no rule matched"`',
        ("qualify {\n  otherwise lead x\n}",),
    ),
    "is-instead-of-equals": Mistake(
        "P032", "`is` is followed by `missing`, `not missing`, `empty` or `not empty`",
        'to compare with a value write `=`, e.g. `industry = "software"`',
        ('qualify {\n  a when x is "y"\n}', "qualify {\n  a when x is 5\n}", "qualify {\n  a when x is y\n}",
         "qualify {\n  a when x is not y\n}", 'qualify {\n  a when x is not "y"\n}'),
    ),
    "comparison-without-left-side": Mistake(
        "P033", "this comparison has nothing on its left",
        "each side of `and` / `or` is a whole condition: write `employees > 50 or employees < 10`",
        ("qualify {\n  a when x > 1 or < 2\n}", "qualify {\n  a when x > 1 and < 2\n}",
         "qualify {\n  a when x > 1 or = 2\n}", "qualify {\n  a when x > 1 and = 2\n}",
         "qualify {\n  a when > 2\n}", "qualify {\n  a when = 2\n}", "segment s {\n  > 2\n}"),
    ),
    "field-comma": Mistake(
        "P036", "the fields of the lead block go one per line, without commas",
        "remove the comma at the end of the line",
        ("lead {\n  a : int,\n  b : text\n}", "lead {\n  a : int?,\n  b : text\n}",
         'lead {\n  a : int from "A",\n  b : text\n}', "lead {\n  a : one of x, y,\n  b : text\n}"),
    ),
    "given-equals": Mistake(
        "P037", "in `given lead`, write each value as `field: value`",
        'e.g. `given lead { employees: 400, industry: "software" }`',
        ('test "t" {\n  given lead { a = 1 }\n}', 'test "t" {\n  given lead { a: 1, b = 2 }\n}'),
    ),
    "cap-missing-comma": Mistake(
        "P038", "put a comma before `at most`",
        "e.g. `+10 per pricing_view in last 30 days, at most 30`",
        ("score s {\n  +10 per x in last 3 days at most 3\n}", "score s {\n  +10 per x at most 3\n}"),
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

# Words that join or compare: used in the wrong place they are a misplaced word,
# not a name someone tried to give to a field.
CONNECTORS = frozenset({
    "and", "or", "not", "in", "is", "between", "starts", "ends", "with", "contains", "when",
    "if", "per", "of", "at",
})

DECLARATION_WORDS = (
    "policy", "version", "use", "lead", "events", "list", "segment", "score", "framework",
    "qualify", "lifecycle", "calendar", "sla", "test",
)

# The order in which expected things are listed: what usually fixes the line first.
_ORDER = ["_NL", "RBRACE", "RSQB", "RPAR", "COMMA", "COLON", "AND", "OR", "NAME", "STRING", "INT", "DECIMAL"]
_LAST = ["UNIT", "DOT", "PLUS", "MINUS", "TIMES", "DIVIDE"]
_ARITHMETIC = {"PLUS", "MINUS", "TIMES", "DIVIDE"}
_COMPARISONS = {"COMPARE", "EQ", "BETWEEN", "IN", "IS", "STARTS", "ENDS", "CONTAINS"}
_VALUE_STARTS = {"NAME", "INT", "STRING", "YES", "NO", "LSQB", "LPAR"}
MAX_EXPECTED = 5


def describe_token_type(kind: str, literals: Mapping[str, str] | None = None) -> str:
    """One kind of token in words; ``literals`` maps keyword token names to their text."""
    if kind in WORDS:
        return WORDS[kind]
    if literals and kind in literals:
        return f"`{literals[kind]}`"
    if kind.isupper() and kind.isalpha():
        return f"`{kind.lower()}`"
    return "something else"


def describe_token(token: Token) -> str:
    """The token as it reads in "unexpected ...": "name `y`", "word `score`", "`=`"."""
    if token.type == "_NL":
        return "end of the line"
    if token.type == "$END":
        return "end of the file"
    text = str(token)
    if token.type == "STRING":
        return f"text {_shorten(text)}"
    if token.type in ("INT", "DECIMAL"):
        return f"number {_shorten(text)}"
    if token.type == "NAME":
        return f"name `{_shorten(text)}`"
    if token.type == "UNIT" or text.isalpha():
        return f"word `{text}`"
    return f"`{_shorten(text)}`"


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_expected(kinds: Collection[str], literals: Mapping[str, str] | None = None) -> str:
    """The expected tokens in words, grouped: 'a value or a name' rather than ten token names."""
    kinds = set(kinds)
    words: list[str] = []
    if kinds >= _VALUE_STARTS:
        words.append("a value or a name")
        kinds -= _VALUE_STARTS | {"DECIMAL", "MINUS", "NOW", "COUNT", "NOT", "LEAD"}
    if kinds >= _COMPARISONS:
        words.append("a comparison such as `>=`, `=` or `in`")
        kinds -= _COMPARISONS | {"NOT"}
    if kinds >= _ARITHMETIC:
        kinds -= _ARITHMETIC
        if not kinds and not words:
            words.append("`+`, `-`, `*` or `/`")

    def rank(kind: str) -> tuple[int, int, str]:
        if kind in _ORDER:
            return (0, _ORDER.index(kind), "")
        if kind in _LAST:
            return (2, _LAST.index(kind), "")
        return (1, 0, describe_token_type(kind, literals))

    words.extend(describe_token_type(k, literals) for k in sorted(kinds, key=rank))
    words = list(dict.fromkeys(words))
    if len(words) > MAX_EXPECTED:
        words = [*words[: MAX_EXPECTED - 1], "something else"]
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


_INVISIBLE = {
    "\u00a0": "non-breaking space",
    "\u200b": "zero-width space",
    "\u2009": "thin space",
    "\u202f": "narrow non-breaking space",
    "\ufeff": "byte order mark",
    "\u00ad": "soft hyphen",
}


def explain_character(text: str, position: int) -> tuple[str, str, int]:
    """A message, a hint and the caret width for a character no token starts with."""
    if not 0 <= position < len(text):
        return "unexpected end of the text", "", 1
    char = text[position]
    following = text[position + 1] if position + 1 < len(text) else ""
    if char == '"':
        return "this text has no closing quote", 'close the text with `"` on the same line', 1
    if char == "'":
        return "texts are written in double quotes", "write \"software\", not 'software'", 1
    if char in "“”„‟":
        return (
            "texts are written in straight double quotes `\"`, not curly quotes",
            "curly quotes often come from a word processor; retype them as `\"`", 1,
        )
    if char in "‘’":
        return "texts are written in straight double quotes `\"`", "write \"software\", not ‘software’", 1
    if char in "&|":
        doubled = following == char
        shown = char * 2 if doubled else char
        word = "and" if char == "&" else "or"
        return f"unexpected `{shown}`", f"write `{word}` instead of `{shown}`", 2 if doubled else 1
    if char == "!":
        return "unexpected `!`", "write `not` to negate, or `!=` for 'is not equal to'", 1
    if char == "%":
        return "unexpected `%`", "write percentages as plain numbers, e.g. `rate >= 20`", 1
    if char in "$€£¥":
        return f"unexpected `{char}`", "write money as a plain number, e.g. `budget_amount >= 10000`", 1
    if char == ";":
        return "unexpected `;`", "end a rule with a new line instead of `;`", 1
    if "0" <= char <= "9":
        return _explain_number(text, position)
    if char in _INVISIBLE or unicodedata.category(char) in ("Zs", "Cf"):
        what = _INVISIBLE.get(char) or f"character U+{ord(char):04X}"
        return (
            f"unexpected {what} (an invisible character)",
            "it often comes with text copied from a document or web page; delete it and retype the space", 1,
        )
    if char.isalpha():
        return (
            f"`{char}` cannot be used in a name",
            "names use the plain letters a-z, digits and `_`; other letters may appear inside double quotes", 1,
        )
    if char == "\r":
        return "unexpected carriage return", "save the file with ordinary line endings", 1
    shown = f"U+{ord(char):04X}" if not char.isprintable() or char.isspace() else f"`{char}`"
    return f"unexpected character {shown}", "names use letters, digits and `_`; texts go in double quotes", 1


_UNITS = ("minutes", "minute", "hours", "hour", "days", "day", "weeks", "week")


def _explain_number(text: str, position: int) -> tuple[str, str, int]:
    """A number the lexer cannot read: `10k`, `30days`, `1.2.3`."""
    match = re.match(r"[0-9][0-9_.]*[A-Za-z_0-9]*", text[position:])
    word = match.group(0) if match else text[position]
    suffix = re.sub(r"^[0-9_.]*", "", word)
    shown = _shorten(word)
    if suffix.lower() in ("k", "m", "mm", "b", "bn"):
        return f"`{shown}` is not a number the language reads", "write numbers in full, e.g. `10000`", len(word)
    if suffix.lower().startswith(_UNITS):
        amount = word[: len(word) - len(suffix)]
        unit = suffix.lower() if suffix.lower() in _UNITS else "days"
        return "a space is missing between the number and its unit", f"write `{_shorten(amount)} {unit}`", len(word)
    return (
        f"`{shown}` is neither a number nor a name",
        "numbers are written with digits only, e.g. `1000` or `2.5`; names start with a letter", len(word),
    )


def suggest_word(word: str, candidates: Collection[str]) -> str:
    """The candidate closest to ``word`` (a misspelled keyword), or ''."""
    lowered = word.lower()
    if lowered in candidates:
        return lowered
    close = difflib.get_close_matches(lowered, list(candidates), n=1, cutoff=0.7)
    return close[0] if close else ""

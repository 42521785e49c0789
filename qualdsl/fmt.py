"""The canonical layout of a policy file, keeping every comment.

The syntax tree is printed back in one layout (two-space indents, aligned columns
in field lists, qualify rules and transitions, one blank line between
declarations). Comments are not in the tree: they are read from the text and put
back by line: a comment on a line of its own goes before the item that follows
it, a comment after code goes at the end of the item that has that line.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence

import attrs

from qualdsl import nodes as n
from qualdsl.errors import Diagnostic
from qualdsl.source import Source, Span
from qualdsl.syntax import parse_module, reserved_words

INDENT = "  "
WRAP_AT = 100


@attrs.frozen
class Comment:
    line: int
    text: str
    own_line: bool


@attrs.frozen
class Out:
    """One output line: its text (without indent), depth, and the source lines it stands for."""

    text: str
    depth: int
    first: int
    last: int
    closer: bool = False


def find_comments(text: str) -> list[Comment]:
    """Every `#` comment outside double-quoted text, with its line."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        quoted = False
        escaped = False
        for i, ch in enumerate(line):
            if escaped:
                escaped = False
            elif ch == "\\" and quoted:
                escaped = True
            elif ch == '"':
                quoted = not quoted
            elif ch == "#" and not quoted:
                found.append(Comment(number, line[i:].rstrip(), not line[:i].strip()))
                break
    return found


# ---- expressions ----------------------------------------------------------------------

OR, AND, NOT, PRED, SUM, PRODUCT, UNARY, ATOM = range(1, 9)


def quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def duration(d: n.Duration) -> str:
    return f"{d.amount.text} {d.unit}"


def expr(e: n.Expr, need: int = OR) -> str:
    text, level = _expr(e)
    return f"({text})" if level < need else text


def _expr(e: n.Expr) -> tuple[str, int]:
    if isinstance(e, n.Number):
        return e.text, (UNARY if e.text.startswith("-") else ATOM)
    if isinstance(e, n.Duration):
        return duration(e), ATOM
    if isinstance(e, n.String):
        return quote(e.value), ATOM
    if isinstance(e, n.Bool):
        return ("yes" if e.value else "no"), ATOM
    if isinstance(e, n.Now):
        return "now", ATOM
    if isinstance(e, n.Name):
        return e.name, ATOM
    if isinstance(e, n.Member):
        return f"{e.owner.name}.{e.name.name}", ATOM
    if isinstance(e, n.ListLit):
        return "[" + ", ".join(expr(i) for i in e.items) + "]", ATOM
    if isinstance(e, n.CountOf):
        window = f" in last {duration(e.window)}" if e.window is not None else ""
        return f"count of {e.event.name}{window}", ATOM
    if isinstance(e, n.Logical):
        level = OR if e.op == "or" else AND
        return f"{_side(e.left, e.op, level)} {e.op} {_side(e.right, e.op, level + 1)}", level
    if isinstance(e, n.Not):
        return f"not {expr(e.operand, NOT)}", NOT
    if isinstance(e, (n.Compare, n.TextTest)):
        return f"{expr(e.left, SUM)} {e.op} {expr(e.right, SUM)}", PRED
    if isinstance(e, n.Arith):
        level = SUM if e.op in "+-" else PRODUCT
        return f"{expr(e.left, level)} {e.op} {expr(e.right, level + 1)}", level
    if isinstance(e, n.Neg):
        return f"-{expr(e.operand, UNARY)}", UNARY
    if isinstance(e, n.Between):
        return f"{expr(e.operand, SUM)} between {expr(e.low, SUM)} and {expr(e.high, SUM)}", PRED
    if isinstance(e, n.In):
        word = "not in" if e.negated else "in"
        return f"{expr(e.operand, SUM)} {word} {expr(e.collection, SUM)}", PRED
    if isinstance(e, n.EventInWindow):
        return f"{expr(e.event, SUM)} in last {duration(e.window)}", PRED
    if isinstance(e, n.NoEventInWindow):
        return f"no {e.event.name} in last {duration(e.window)}", PRED
    if isinstance(e, (n.IsMissing, n.IsEmpty)):
        word = "missing" if isinstance(e, n.IsMissing) else "empty"
        return f"{expr(e.operand, SUM)} is {'not ' if e.negated else ''}{word}", PRED
    if isinstance(e, n.Passes):
        return f"{e.framework.name} passes", PRED
    if isinstance(e, n.QualifiedAs):
        return f"qualified as {e.outcome.name}", PRED
    assert isinstance(e, n.AtLeastOf)
    return f"at least {e.count} of {e.framework.name}", PRED


def _side(e: n.Expr, op: str, need: int) -> str:
    """An operand of `and` / `or`: a chain of the other one keeps its parentheses, for the reader."""
    if isinstance(e, n.Logical) and e.op != op:
        return f"({expr(e)})"
    return expr(e, need)


def wrapped(e: n.Expr, head: str, width: int = WRAP_AT) -> list[str]:
    """The condition on one line after ``head``, or, when too long, broken before each
    top-level `and` / `or` with the continuation lines aligned under the condition."""
    one = head + expr(e)
    if len(one) <= width or not isinstance(e, n.Logical):
        return [one]
    parts: list[tuple[str, n.Expr]] = []

    def chain(node: n.Expr, op: str) -> None:
        if isinstance(node, n.Logical) and node.op == op:
            chain(node.left, op)
            parts.append((op, node.right))
        else:
            parts.append(("", node))

    chain(e, e.op)
    level = OR if e.op == "or" else AND
    pad = " " * (len(head) - len(e.op) - 1) if len(head) > len(e.op) else ""
    lines = [head + _side(parts[0][1], e.op, level)]
    lines += [f"{pad}{op} {_side(node, e.op, level + 1)}" for op, node in parts[1:]]
    return lines


# ---- declarations ----------------------------------------------------------------------

def _label(label: n.String | None) -> str:
    return f"  {quote(label.value)}" if label is not None else ""


def _owner(owner: n.String) -> str:
    name = owner.value
    plain = name.replace("_", "a").isalnum() and name[:1].isalpha() and name not in reserved_words()
    return name if plain else quote(name)


def _type(spec: n.TypeSpec) -> str:
    if isinstance(spec, n.TypeName):
        return spec.name
    if isinstance(spec, n.EnumType):
        return "one of " + ", ".join(m.name for m in spec.members)
    return "list of " + _type(spec.item)


@attrs.frozen
class _Placed:
    """The lines of one item of a block whose kinds of item may be mixed (criteria and pass
    rules, rules and `otherwise`, expectations): printed in the order they were written."""

    span: Span
    rows: list[str]


class _Printer:
    def __init__(self, text: str) -> None:
        self.out: list[Out] = []
        self.text = text

    def line_of_word_before(self, word: str, offset: int) -> int:
        """The line of the last ``word`` before ``offset`` (where a `given` block opens)."""
        found = self.text.rfind(word, 0, offset)
        return self.text.count("\n", 0, max(found, 0)) + 1

    def line(self, text: str, depth: int, first: int, last: int | None = None, closer: bool = False) -> None:
        self.out.append(Out(text, depth, first, last if last is not None else first, closer))

    def lines(self, texts: Sequence[str], depth: int, first: int, last: int) -> None:
        for i, text in enumerate(texts):
            self.line(text, depth, first if i == 0 else last, last)

    def block(self, head: str, decl_first: int, decl_last: int, body: Callable[[], None]) -> None:
        self.line(head + " {", 0, decl_first)
        body()
        self.line("}", 0, decl_last, closer=True)

    def in_source_order(self, items: Sequence[_Placed]) -> None:
        for item in sorted(items, key=lambda placed: placed.span.start):
            self.lines(item.rows, 1, item.span.line, item.span.end_line)

    def given(self, what: str, spans: Sequence[Span], texts: Sequence[str]) -> None:
        """`given lead { .. }` or `given events { .. }`: on one line when it fits, else one item a line."""
        first, last = self.line_of_word_before("given", spans[0].start), spans[-1].end_line
        one = f"given {what} {{ " + ", ".join(texts) + " }"
        if len(one) + 2 <= WRAP_AT:
            self.line(one, 1, first, last)
            return
        self.line(f"given {what} {{", 1, first)
        for span, text in zip(spans, texts, strict=True):
            self.line(text + ",", 2, span.line, span.end_line)
        self.line("}", 1, last, closer=True)

    # ---- one method per declaration ----
    def policy_decl(self, d: n.PolicyDecl) -> None:
        self.line(f"policy {quote(d.name.value)}", 0, d.span.line, d.span.end_line)

    def version_decl(self, d: n.VersionDecl) -> None:
        self.line(f"version {quote(d.version.value)}", 0, d.span.line, d.span.end_line)

    def use_decl(self, d: n.UseDecl) -> None:
        self.line(f"use {quote(d.path.value)}", 0, d.span.line, d.span.end_line)

    def events_decl(self, d: n.EventsDecl) -> None:
        rows: list[str] = []
        current = "events "
        for i, name in enumerate(d.names):
            piece = name.name + ("," if i < len(d.names) - 1 else "")
            if len(current) + len(piece) > WRAP_AT and current.strip() != "events":
                rows.append(current.rstrip())
                current = " " * len("events ")
            current += piece + " "
        rows.append(current.rstrip())
        self.lines(rows, 0, d.span.line, d.span.end_line)

    def list_decl(self, d: n.ListDecl) -> None:
        self.line(f"list {d.name.name} = {expr(d.items)}", 0, d.span.line, d.span.end_line)

    def lead_decl(self, d: n.LeadDecl) -> None:
        width = max((len(f.name.name) for f in d.fields), default=0)
        types = [_type(f.type) + ("?" if f.optional else "") for f in d.fields]
        type_width = max((len(t) for f, t in zip(d.fields, types, strict=True) if f.column is not None), default=0)

        def body() -> None:
            for f, typ in zip(d.fields, types, strict=True):
                text = f"{f.name.name.ljust(width)} : {typ}"
                if f.column is not None:
                    text = f"{f.name.name.ljust(width)} : {typ.ljust(type_width)}  from {quote(f.column.value)}"
                self.line(text, 1, f.span.line, f.span.end_line)

        self.block("lead", d.span.line, d.span.end_line, body)

    def segment_decl(self, d: n.SegmentDecl) -> None:
        head = f"segment {d.name.name}" + (f" {quote(d.label.value)}" if d.label else "")
        if d.combinator is not None:
            head += {"all": " all of", "any": " any of"}.get(d.combinator.kind, f" at least {d.combinator.count} of")

        def body() -> None:
            for c in d.criteria:
                self.lines(_with_label(wrapped(c.expr, ""), c.label), 1, c.span.line, c.span.end_line)

        self.block(head, d.span.line, d.span.end_line, body)

    def score_decl(self, d: n.ScoreDecl) -> None:
        head = f"score {d.name.name}" + (f" {quote(d.label.value)}" if d.label else "")

        def body() -> None:
            for r in d.rules:
                points = f"+{r.points}" if r.points >= 0 else str(r.points)
                if isinstance(r, n.PerRule):
                    text = f"{points} per {r.event.name}"
                    if r.window is not None:
                        text += f" in last {duration(r.window)}"
                    if r.cap is not None:
                        text += f", at most {r.cap.text}"
                    self.line(text + _label(r.label), 1, r.span.line, r.span.end_line)
                else:
                    rows = _with_label(wrapped(r.condition, f"{points} if "), r.label)
                    self.lines(rows, 1, r.span.line, r.span.end_line)

        self.block(head, d.span.line, d.span.end_line, body)

    def framework_decl(self, d: n.FrameworkDecl) -> None:
        head = f"framework {d.name.name}" + (f" {quote(d.label.value)}" if d.label else "")
        width = max((len(c.name.name) for c in d.criteria), default=0)
        items = [_Placed(c.span, _with_label(wrapped(c.expr, f"{c.name.name.ljust(width)} : "), c.label)) for c in d.criteria]
        items += [_Placed(rule.span, _pass_rule(rule)) for rule in d.pass_rules]
        self.block(head, d.span.line, d.span.end_line, lambda: self.in_source_order(items))

    def qualify_decl(self, d: n.QualifyDecl) -> None:
        width = max((len(r.outcome.name) for r in d.rules), default=0)
        items = [_Placed(r.span, _with_label(wrapped(r.condition, f"{r.outcome.name.ljust(width)} when "), r.reason))
                 for r in d.rules]
        items += [_Placed(o.span, [f"otherwise {o.outcome.name}{_label(o.reason)}"]) for o in d.otherwise]
        self.block("qualify", d.span.line, d.span.end_line, lambda: self.in_source_order(items))

    def test_decl(self, d: n.TestDecl) -> None:
        def body() -> None:
            if d.lead:
                self.given("lead", [v.span for v in d.lead], [f"{v.name.name}: {expr(v.value)}" for v in d.lead])
            if d.events:
                self.given("events", [s.span for s in d.events], [_event_spec(s) for s in d.events])
            if d.now is not None:
                self.line(f"now is {quote(d.now.value)}", 1, d.now.span.line)
            items = [_Placed(e.span, wrapped(e, "expect ")) for e in d.expects]
            items += [_Placed(s.span, [f"expect stage {s.name}"]) for s in d.stages]
            self.in_source_order(items)

        self.block(f"test {quote(d.name.value)}", d.span.line, d.span.end_line, body)

    def lifecycle_decl(self, d: n.LifecycleDecl) -> None:
        names = [t.source.name for t in d.transitions]
        targets = [t.target.name for t in d.transitions]
        width = max((len(x) for x in names), default=0)
        target_width = max((len(x) for x in targets), default=0)

        def body() -> None:
            for s in d.stages:
                self.line("stages " + ", ".join(x.name for x in s.names), 1, s.span.line, s.span.end_line)
            for st in d.starts:
                self.line(f"start {st.stage.name}", 1, st.span.line, st.span.end_line)
            for f in d.finals:
                self.line("final " + ", ".join(x.name for x in f.stages), 1, f.span.line, f.span.end_line)
            for o in d.owners:
                text = f"owner {_owner(o.owner)}: " + ", ".join(x.name for x in o.stages)
                self.line(text, 1, o.span.line, o.span.end_line)
            for t in d.transitions:
                text = f"{t.source.name.ljust(width)} -> {t.target.name.ljust(target_width)}"
                if t.event is not None:
                    text += f"  on {t.event.name}"
                if t.condition is not None:
                    text += f"{'' if t.event is not None else ' '} when {expr(t.condition)}"
                if t.owner is not None:
                    text += f"  owner {_owner(t.owner)}"
                if t.recycle:
                    text += "  recycle" + (f" with reason from {t.reasons.name}" if t.reasons else "")
                self.line(text, 1, t.span.line, t.span.end_line)

        self.block("lifecycle", d.span.line, d.span.end_line, body)

    def calendar_decl(self, d: n.CalendarDecl) -> None:
        def body() -> None:
            for h in d.hours:
                days = h.first_day.name if h.first_day.name == h.last_day.name else f"{h.first_day.name} to {h.last_day.name}"
                zone = f" in {quote(h.zone.value)}" if h.zone is not None else ""
                self.line(f"{days} {h.start.value} to {h.end.value}{zone}", 1, h.span.line, h.span.end_line)
            for c in d.closed:
                self.line("closed on " + ", ".join(quote(x.value) for x in c.dates), 1, c.span.line, c.span.end_line)

        self.block(f"calendar {d.name.name}", d.span.line, d.span.end_line, body)

    def sla_decl(self, d: n.SlaDecl) -> None:
        def body() -> None:
            for item in d.items:
                if isinstance(item, n.TimerSla):
                    text = f"each {item.stage.name} is " + " or ".join(e.name for e in item.events)
                    if item.owner is not None:
                        text += f" by {_owner(item.owner)}"
                    text += f" within {duration(item.within)}"
                    if item.calendar is not None:
                        text += f" of {item.calendar.name}"
                    self.line(text, 1, item.span.line, item.span.end_line)
                elif isinstance(item, n.Escalation):
                    text = f"escalate to {quote(item.to.value)} after {duration(item.after)}"
                    if item.calendar is not None:
                        text += f" of {item.calendar.name}"
                    self.line(text, 2, item.span.line, item.span.end_line)
                else:
                    text = f"{_owner(item.owner)} delivers at least {item.count} {item.stage.name} per {item.period}"
                    self.line(text, 1, item.span.line, item.span.end_line)

        self.block("sla", d.span.line, d.span.end_line, body)


def _with_label(rows: list[str], label: n.String | None) -> list[str]:
    if label is None:
        return rows
    return [*rows[:-1], rows[-1] + _label(label)]


def _pass_rule(rule: n.PassRule) -> list[str]:
    if rule.kind == "expr" and rule.expr is not None:
        return wrapped(rule.expr, "passes when ")
    words = {"all": "all", "any": "any"}.get(rule.kind, f"at least {rule.count}")
    if rule.kind == "at least" and rule.of is not None:
        words += f" of {rule.of.text}"
    return [f"passes when {words}"]


def _event_spec(s: n.EventSpec) -> str:
    if s.kind == "at" and s.timestamp is not None:
        return f"{s.event.name} at {quote(s.timestamp.value)}"
    assert s.duration is not None
    if s.kind == "ago":
        return f"{s.event.name} {duration(s.duration)} ago"
    return f"{s.event.name} {s.count} times in last {duration(s.duration)}"


SINGLE_LINE = (n.PolicyDecl, n.VersionDecl, n.UseDecl, n.ListDecl, n.EventsDecl)


def _layout(module: n.Module, text: str) -> list[Out | None]:
    """Output lines, with None for a blank line between declarations."""
    printer = _Printer(text)
    result: list[Out | None] = []
    previous: n.Decl | None = None
    for decl in module.decls:
        if previous is not None and not (type(decl) is type(previous) and isinstance(decl, SINGLE_LINE)) and not (
            isinstance(previous, n.PolicyDecl) and isinstance(decl, n.VersionDecl)
        ):
            result.append(None)
        printer.out = []
        method = "".join("_" + c.lower() if c.isupper() else c for c in type(decl).__name__).lstrip("_")
        getattr(printer, method)(decl)
        result.extend(printer.out)
        previous = decl
    return result


def _attach(lines: list[Out | None], comments: list[Comment]) -> list[str]:
    """The final text lines: each output line with its comments placed around it."""
    real = [o for o in lines if o is not None]
    before: dict[int, list[Comment]] = {}
    after: dict[int, list[Comment]] = {}
    tail: list[Comment] = []
    for comment in comments:
        if comment.own_line:
            target = next((i for i, o in enumerate(real) if o.first > comment.line), None)
            if target is None:
                tail.append(comment)
            else:
                before.setdefault(target, []).append(comment)
        else:
            target = next((i for i, o in enumerate(real) if o.first <= comment.line <= o.last), None)
            if target is None:
                target = max((i for i, o in enumerate(real) if o.first <= comment.line), default=None)
            if target is None:
                before.setdefault(0, []).append(attrs.evolve(comment, own_line=True))
            else:
                after.setdefault(target, []).append(comment)
    text: list[str] = []
    index = 0
    for out in lines:
        if out is None:
            text.append("")
            continue
        depth = out.depth + (1 if out.closer else 0)
        for comment in before.get(index, []):
            text.append(INDENT * depth + comment.text)
        line = INDENT * out.depth + out.text
        trailing = after.get(index, [])
        if trailing:
            line += "  " + " ".join(c.text for c in trailing)
        text.append(line)
        index += 1
    for comment in tail:
        text.append(comment.text)
    while text and text[0] == "":
        text.pop(0)
    return text


def format_source(source: Source) -> str | Diagnostic:
    """The policy in canonical layout, or the syntax error that prevents formatting."""
    module = parse_module(source)
    if isinstance(module, Diagnostic):
        return module
    comments = find_comments(source.text)
    text = _attach(_layout(module, source.text), comments)
    return "\n".join(text).rstrip() + "\n"


def format_text(text: str, path: str = "<policy>") -> str | Diagnostic:
    return format_source(Source(path, text.replace("\r\n", "\n").lstrip("\ufeff")))


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(difflib.unified_diff(
        before.splitlines(True), after.splitlines(True), fromfile=f"{path} (as written)", tofile=f"{path} (formatted)",
    ))

"""The checked model to Python source: one function per policy, deterministic and readable.

User text never enters the source: constants live in the function's namespace
under generated names (``K0``, ``K1``, ...), variables are numbered, and comments
carry only line numbers. The checker's nullability tells where three-valued
logic is needed; everywhere else plain Python operators run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import attrs

from qualdsl import model as m
from qualdsl.compile import runtime
from qualdsl.nullability import TIME_KINDS, Nullability
from qualdsl.records import INT_LIMIT, MAX_DECIMAL_EXPONENT, convert_value, converter

PY_OPS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
# Texts compare case-insensitively. Choices need no folding: a lead's value is converted to the
# member as declared, the checker accepts only members as written, and E221 refuses members that
# differ only in case; the interpreter's folding of every string therefore agrees.
FOLDED_KINDS = frozenset({"text"})

# The exact classes a field value may already have, so the generated code can skip conversion.
# Each accepts only values the converter in ``qualdsl.records`` returns unchanged (an int of at most
# 30 digits; a finite decimal between 1E-40 and 1E+41); anything else goes to the converter.
FAST_CHECKS: dict[str, str] = {
    "int": "{v}.__class__ is int and -_INT_LIMIT < {v} < _INT_LIMIT",
    "money": "{v}.__class__ is _Decimal and {v}.is_finite() and -_EXP < {v}.adjusted() < _EXP",
    "number": "{v}.__class__ is _Decimal and {v}.is_finite() and -_EXP < {v}.adjusted() < _EXP",
    "bool": "{v} is True or {v} is False",
    "text": "{v}.__class__ is str and {v} and {v}.strip() is {v}",
    "date": "{v}.__class__ is _date",
    "datetime": "{v}.__class__ is _datetime and {v}.tzinfo is not None",
    "duration": "{v}.__class__ is _timedelta",
}


@attrs.frozen
class Generated:
    source: str
    namespace: dict[str, object]
    scores: tuple[str, ...]


class _Gen:
    def __init__(self, policy: m.PolicyModel) -> None:
        self.policy = policy
        self.lines: list[str] = []
        self.namespace: dict[str, object] = {
            "_Decimal": Decimal, "_date": dt.date, "_datetime": dt.datetime,
            "_timedelta": dt.timedelta, "_rt": runtime, "_ZERO": runtime.ZERO, "_U": runtime.UNSET,
            "_INT_LIMIT": INT_LIMIT, "_EXP": MAX_DECIMAL_EXPONENT + 1,
            "_Slow": runtime.SlowPath, "_SLOW": (runtime.SlowPath, TypeError, ValueError),
            "_list": list, "_tuple": tuple, "_dict": dict, "_convert": convert_value,
        }
        self._const_ids: dict[tuple[str, object], str] = {}
        self._temps = 0
        self.fields = {f.name: f"v{i}" for i, f in enumerate(policy.fields)}
        self.segments = {name: f"seg{i}" for i, name in enumerate(policy.segments)}
        self.scores = {name: f"sc{i}" for i, name in enumerate(policy.scores)}
        self.frameworks = {name: f"fw{i}" for i, name in enumerate(policy.frameworks)}
        self.criteria = {
            (fw.name, c.name): f"cr{i}_{j}"
            for i, fw in enumerate(policy.frameworks.values())
            for j, c in enumerate(fw.criteria)
        }
        self.counters: dict[tuple[str | None, dt.timedelta | None], str] = {}
        self.lazy: dict[str, str] = {}
        self.nullable = Nullability(policy)
        self.prefolded = False  # while writing evaluate_prepared: text fields arrive case-folded

    # ---- helpers ----------------------------------------------------------------
    def const(self, value: object, tag: str = "") -> str:
        if value is None or value is True or value is False:
            return repr(value)
        if type(value) is int:
            return repr(value)
        key: tuple[str, object] = (tag + type(value).__name__, value)
        try:
            hash(value)
        except TypeError:
            key = (tag + type(value).__name__, id(value))
        if key not in self._const_ids:
            name = f"K{len(self._const_ids)}"
            self._const_ids[key] = name
            self.namespace[name] = value
        return self._const_ids[key]

    def temp(self) -> str:
        self._temps += 1
        return f"t{self._temps}"

    def emit(self, line: str, depth: int = 1) -> None:
        self.lines.append("    " * depth + line)

    # ---- the function --------------------------------------------------------------
    def _prologue(self, signature: str, inputs: Callable[[], None] | None = None, prepared: bool = False) -> None:
        """The function head, field reading, event counting and every derived value. A prepared
        lead's values and events were read and checked by ``prepare``: they are taken as they are."""
        self.emit(signature, 0)
        if inputs is not None:
            inputs()
        if prepared:
            self._counted_events(trusted=True)
        else:
            self._fields()
            self._counted_events(trusted=False)
        lazies = [*self.segments.values(), *self.criteria.values(), *self.frameworks.values()]
        if lazies:
            self.emit(" = ".join(lazies) + " = _U")
        for derived in self.policy.order:
            getattr(self, "_derive_" + derived.kind)(derived.name)

    def generate(self) -> Generated:
        """``evaluate(lead, events=(), now=None)``: the decision, built by ``_decision`` from the
        tuple (outcome, scores, rule index, ``_owner``, lead, events, now); ``prepare(lead,
        events=())``: the lead read and checked once, as ``_prepared((values, events, lead,
        _owner))``; ``evaluate_prepared(prepared, now=None)``: its decision; and ``guards``."""
        self._collect_counters()
        self._prologue("def evaluate(lead, events=(), now=None):", self._inputs)
        self._qualify()
        self.lines.append("")
        self._prepare()
        self.lines.append("")
        self.prefolded = True
        self._prologue("def evaluate_prepared(prepared, now=None):", self._prepared_inputs, prepared=True)
        self._qualify()
        self.prefolded = False
        if self.policy.lifecycle is not None:
            self.lines.append("")
            self._guards(self.policy.lifecycle)
        source = "\n".join(self.lines) + "\n"
        return Generated(source, self.namespace, tuple(self.policy.scores))

    def _qualify(self) -> None:
        """The qualify block: the first rule that holds returns its decision."""
        scores = "{" + ", ".join(f"{self.const(name, 'key')}: {var}" for name, var in self.scores.items()) + "}"
        for rule in self.policy.rules:
            self.emit(f"# line {rule.span.line}: rule {rule.index} -> outcome {rule.index}")
            outcome = self.const(rule.outcome, "key")
            result = f"return _decision(({outcome}, {scores}, {rule.index}, _owner, lead, events, now))"
            if rule.condition is None:
                self.emit(result)
            else:
                cond = self.expr(rule.condition)
                test = f"({cond}) is True" if self.nullable(rule.condition) else cond
                self.emit(f"if {test}:")
                self.emit(result, 2)

    def _values(self) -> str:
        return "(" + "".join(f"{v}, " for v in self.fields.values()) + ")"

    def _prepare(self) -> None:
        self.emit("def prepare(lead, events=()):", 0)
        self._lead_and_events()
        self._fields()
        declared = self.const(frozenset(self.policy.events), "events")
        for field in self.policy.fields:  # the compiled code only ever compares texts folded: fold them once
            if field.type.kind in FOLDED_KINDS:
                var = self.fields[field.name]
                if field.optional:
                    self.emit(f"if {var} is not None:")
                self.emit(f"{var} = {var}.casefold()", 2 if field.optional else 1)
        self.emit(f"return _prepared(({self._values()}, _tuple(_rt.convert_events(events, {declared})), lead, _owner))")

    def _prepared_inputs(self) -> None:
        self.emit("if prepared.__class__ is not _prepared:")
        self.emit("_rt.not_prepared(prepared)", 2)
        self.emit(f"{self._values()}, events, lead, owner = prepared")
        self.emit("if owner is not _owner:")
        self.emit("_rt.not_prepared(prepared)", 2)
        self._now()

    def _inputs(self) -> None:
        """``evaluate``'s arguments as the rest of the function reads them: an aware ``now``, the
        events as a list or tuple, the lead a mapping."""
        self._now()
        self._lead_and_events()

    def _now(self) -> None:
        self.emit("if now.__class__ is not _datetime or now.tzinfo is None:")
        self.emit("now = _rt.normalize_now(now)", 2)

    def _lead_and_events(self) -> None:
        self.emit("if events.__class__ is not _list and events.__class__ is not _tuple:")
        self.emit("events = _rt.event_list(events)", 2)
        self.emit("if lead.__class__ is not _dict:")
        self.emit("_rt.check_lead(lead)", 2)

    def _guards(self, lifecycle: m.Lifecycle) -> None:
        """``guards(lead, events, now)``: every transition's condition (True when it has none),
        with `qualified as X` read from the qualify block's chosen rule ``oi``."""
        self._prologue("def guards(lead, events, now):")
        last = self.policy.rules[-1].index
        self.emit(f"oi = {last}")
        first = True
        for rule in self.policy.rules:
            if rule.condition is None:
                continue
            cond = self.expr(rule.condition)
            test = f"({cond}) is True" if self.nullable(rule.condition) else cond
            self.emit(f"{'if' if first else 'elif'} {test}:")
            self.emit(f"oi = {rule.index}", 2)
            first = False
        values = [self.expr(t.condition) if t.condition is not None else "True" for t in lifecycle.transitions]
        self.emit("return (" + "".join(f"{v}, " for v in values) + ")")

    def _fields(self) -> None:
        """Each field read into its variable. A value that already has its final form passes
        the fast check; a non-blank text (a CSV cell) goes straight to its type's converter;
        anything else through ``convert_value`` (missing, optional, wrong kind)."""
        for field in self.policy.fields:
            var = self.fields[field.name]
            name = self.const(field.name, "key")
            conv = self.const(converter(field.type), "conv")
            general = f"_convert({self.const(field, 'field')}, {var}, {conv})"
            self.emit(f"{var} = lead.get({name})")
            if field.column is not None and field.column != field.name:
                column = self.const(field.column, "key")
                self.emit(f"if {var} is None:")
                self.emit(f"{var} = lead.get({column})", 2)
                self.emit(f"elif {column} in lead and _rt.is_missing({var}):")
                self.emit(f"{var} = lead[{column}]", 2)
            if field.type.kind == "list":
                self._list_field(field, var, general)
                continue
            fast = self._fast_check(field, var)
            if field.optional:
                self.emit(f"if {var} is not None and not ({fast}):")
            else:
                self.emit(f"if not ({fast}):")
            self.emit(f"{var} = {conv}({name}, {var}) if {var}.__class__ is str and {var}.strip() else {general}", 2)

    def _list_field(self, field: m.Field, var: str, convert: str) -> None:
        """A list whose items already have their final form (stripped non-empty texts, or ints
        in range) is read as a tuple; any other value goes to the converter."""
        assert field.type.item is not None
        item_kind = field.type.item.kind
        if item_kind not in ("text", "int"):
            self.emit(f"{var} = {convert}")
            return
        item = self.temp()
        self.emit(f"if {var}.__class__ is _list or {var}.__class__ is _tuple:")
        self.emit(f"for {item} in {var}:", 2)
        self.emit(f"if not ({FAST_CHECKS[item_kind].format(v=item)}):", 3)
        self.emit(f"{var} = {convert}", 4)
        self.emit("break", 4)
        self.emit("else:", 2)
        self.emit(f"{var} = _tuple({var})", 3)
        self.emit("else:")
        self.emit(f"{var} = {convert}", 2)

    def _fast_check(self, field: m.Field, var: str) -> str:
        kind = field.type.kind
        if kind == "enum":
            table = self.const({member: member for member in field.type.members}, "enum")
            return f"{var}.__class__ is str and {var} in {table}"
        return FAST_CHECKS[kind].format(v=var)

    def _collect_counters(self) -> None:
        for rule_expr in m.policy_exprs(self.policy):
            for node in m.walk(rule_expr):
                if isinstance(node, m.EventCount):
                    key = (node.event, node.window)
                    self.counters.setdefault(key, f"c{len(self.counters)}")

    def _counted_events(self, trusted: bool) -> None:
        """Count the events in each window. Trusted (a prepared lead's), they are counted as they
        are. Otherwise the loop trusts (type, aware datetime) tuples of declared events; anything
        else (a dict, a text time, an undeclared type) raises ``_Slow``, ``TypeError`` or
        ``ValueError`` there, and the counting starts again over the events as ``qualdsl.records``
        converts them, which names the event when it cannot."""
        declared = self.const(frozenset(self.policy.events), "events")
        if not self.counters:
            if not trusted:  # nothing to count: the events only need to be valid
                self.emit("if events:")
                self.emit(f"_rt.convert_events(events, {declared})", 2)
            return
        counters = " = ".join(self.counters.values()) + " = 0"
        self.emit(counters)
        if trusted:
            self.emit("for name, at in events:")
            self._count_event(2)
            return
        self.emit("try:")
        self.emit("for name, at in events:", 2)
        self.emit(f"if name not in {declared} or at.__class__ is not _datetime:", 3)
        self.emit("raise _Slow", 4)
        self._count_event(3)
        self.emit("except _SLOW:")
        self.emit(counters, 2)
        self.emit(f"for name, at in _rt.convert_events(events, {declared}):", 2)
        self._count_event(3)

    def _count_event(self, depth: int) -> None:
        self.emit("age = now - at", depth)
        self.emit("if age < _ZERO:", depth)
        self.emit("continue", depth + 1)
        by_event: dict[str | None, list[tuple[dt.timedelta | None, str]]] = {}
        for (event, window), var in self.counters.items():
            by_event.setdefault(event, []).append((window, var))
        first = True
        for event, counters in by_event.items():
            if event is None:
                continue
            self.emit(f"{'if' if first else 'elif'} name == {self.const(event, 'key')}:", depth)
            first = False
            self._count(counters, depth + 1)
        if None in by_event:
            self._count(by_event[None], depth)

    def _count(self, counters: list[tuple[dt.timedelta | None, str]], depth: int) -> None:
        for window, var in counters:
            if window is None:
                self.emit(f"{var} += 1", depth)
            else:
                self.emit(f"if age <= {self.const(window)}:", depth)
                self.emit(f"{var} += 1", depth + 1)

    # ---- derived values ---------------------------------------------------------------
    def _combine(self, mode: str, need: int, items: list[m.Expr]) -> str:
        if mode == "all":
            return self._kleene("and", items) if len(items) > 1 else self.expr(items[0])
        if mode == "any":
            return self._kleene("or", items) if len(items) > 1 else self.expr(items[0])
        codes = [self.expr(i) for i in items]
        if not any(self.nullable(i) for i in items):
            # parenthesized whole: as an operand, `a + b >= 2 != x` would chain the comparisons
            return "((" + " + ".join(f"({c})" for c in codes) + f") >= {need})"
        # three-valued count, inline: true when enough hold; false when even the unknowns could not help
        temps = [self.temp() for _ in codes]
        total = self.temp()
        held = " + ".join(f"(({t} := {c}) is True)" for t, c in zip(temps, codes, strict=True))
        unknown = " + ".join(f"({t} is None)" for t in temps)
        return f"(True if ({total} := {held}) >= {need} else (False if {total} + {unknown} < {need} else None))"

    def _derive_segment(self, name: str) -> None:
        segment = self.policy.segments[name]
        self.lazy[self.segments[name]] = self._combine(segment.mode, segment.need, [c.expr for c in segment.criteria])

    def _derive_score(self, name: str) -> None:
        score = self.policy.scores[name]
        self.emit(f"# line {score.span.line}: score")
        parts = []
        for rule in score.rules:
            parts.append(self._award(rule))
        self.emit(f"{self.scores[name]} = " + (" + ".join(parts) if parts else "0"))

    def _award(self, rule: m.ScoreRule) -> str:
        if rule.condition is not None:
            cond = self.expr(rule.condition)
            test = f"({cond}) is True" if self.nullable(rule.condition) else cond
            return f"({rule.points} if {test} else 0)"
        assert rule.count is not None
        total = f"{rule.points} * {self.expr(rule.count)}"
        if rule.cap is None:
            return f"({total})"
        # a conditional, not min()/max(): no call, and about five times cheaper
        t = self.temp()
        if rule.points >= 0:
            return f"({t} if ({t} := {total}) < {rule.cap} else {rule.cap})"
        return f"({t} if ({t} := {total}) > {-rule.cap} else {-rule.cap})"

    def _derive_framework(self, name: str) -> None:
        framework = self.policy.frameworks[name]
        refs: list[m.Expr] = []
        for crit in framework.criteria:
            self.lazy[self.criteria[(name, crit.name)]] = self.expr(crit.expr)
            refs.append(m.CriterionRef(name, crit.name, crit.expr.type, crit.expr.nullable, crit.span))
        if framework.mode == "expr":
            assert framework.rule is not None
            code = self.expr(framework.rule)
        else:
            code = self._combine(framework.mode, framework.need, refs)
        self.lazy[self.frameworks[name]] = code

    def _lazy(self, var: str) -> str:
        """A segment, framework or criterion is computed where it is first needed, once:
        its variable starts as ``_U`` and the first use assigns it."""
        return f"({var} if {var} is not _U else ({var} := {self.lazy[var]}))"

    # ---- expressions ---------------------------------------------------------------------
    def expr(self, e: m.Expr) -> str:
        method: Callable[[m.Expr], str] = getattr(self, "_" + type(e).__name__.lower())
        return method(e)

    def _folded(self, e: m.Expr, code: str) -> str:
        # Texts compare case-insensitively, as in the interpreter (which folds every string). A
        # prepared lead's text fields were folded once, by ``prepare``.
        if e.type.kind in FOLDED_KINDS and not isinstance(e, m.Const):
            if self.prefolded and isinstance(e, m.FieldRef):
                return code
            return f"{code}.casefold()"
        return code

    def _const(self, e: m.Const) -> str:
        value = e.value
        if isinstance(value, str) and e.type.kind in FOLDED_KINDS:
            value = value.casefold()
        return self.const(value)

    def _fieldref(self, e: m.FieldRef) -> str:
        return self.fields[e.name]

    def _segmentref(self, e: m.SegmentRef) -> str:
        return self._lazy(self.segments[e.name])

    def _scoreref(self, e: m.ScoreRef) -> str:
        return self.scores[e.name]

    def _frameworkpass(self, e: m.FrameworkPass) -> str:
        return self._lazy(self.frameworks[e.name])

    def _criterionref(self, e: m.CriterionRef) -> str:
        return self._lazy(self.criteria[(e.framework, e.criterion)])

    def _eventcount(self, e: m.EventCount) -> str:
        return self.counters[(e.event, e.window)]

    def _nowref(self, e: m.NowRef) -> str:
        return "now"

    def _guarded(self, operands: list[m.Expr], build: Callable[[list[str]], str]) -> str:
        """``build`` over the operands, or None when a nullable one is unknown."""
        codes = [self.expr(o) for o in operands]
        if not any(self.nullable(o) for o in operands):
            return "(" + build([self._folded(o, c) for o, c in zip(operands, codes, strict=True)]) + ")"
        names = []
        binds = []
        for operand, code in zip(operands, codes, strict=True):
            if self.nullable(operand):
                t = self.temp()
                binds.append(f"({t} := {code}) is None")
                names.append(self._folded(operand, t))
            else:
                names.append(self._folded(operand, code))
        return f"(None if {' or '.join(binds)} else {build(names)})"

    def _compare(self, e: m.Compare) -> str:
        op = PY_OPS[e.op]
        return self._guarded([e.left, e.right], lambda c: f"{c[0]} {op} {c[1]}")

    def _between(self, e: m.Between) -> str:
        return self._guarded([e.operand, e.low, e.high], lambda c: f"{c[1]} <= {c[0]} <= {c[2]}")

    def _inlist(self, e: m.InList) -> str:
        word = "not in" if e.negated else "in"
        if isinstance(e.items, m.Const):
            assert isinstance(e.items.value, tuple)
            fold = e.operand.type.kind in FOLDED_KINDS
            folded = frozenset(v.casefold() if fold and isinstance(v, str) else v for v in e.items.value)
            table = self.const(folded, "set")
            return self._guarded([e.operand], lambda c: f"{c[0]} {word} {table}")
        code = f"_rt.in_items({self.expr(e.operand)}, {self.expr(e.items)})"
        if e.negated:
            t = self.temp()
            return f"(None if ({t} := {code}) is None else not {t})"
        return code

    def _ismissing(self, e: m.IsMissing) -> str:
        if not self.nullable(e.operand):
            # never missing; and `(10 * 12) is None` would make Python warn (SyntaxWarning)
            return repr(e.negated)
        word = "is not" if e.negated else "is"
        return f"({self.expr(e.operand)} {word} None)"

    def _isempty(self, e: m.IsEmpty) -> str:
        op = "!=" if e.negated else "=="
        return self._guarded([e.operand], lambda c: f"len({c[0]}) {op} 0")

    def _texttest(self, e: m.TextTest) -> str:
        if e.op == "starts with":
            return self._guarded([e.left, e.right], lambda c: f"{c[0]}.startswith({c[1]})")
        if e.op == "ends with":
            return self._guarded([e.left, e.right], lambda c: f"{c[0]}.endswith({c[1]})")
        return self._guarded([e.left, e.right], lambda c: f"{c[1]} in {c[0]}")

    def _kleene(self, op: str, items: list[m.Expr] | tuple[m.Expr, ...]) -> str:
        known = [i for i in items if not self.nullable(i)]
        maybe = [i for i in items if self.nullable(i)]
        if known and maybe:
            # Python's and/or are three-valued when every unknown-capable operand comes last
            # (the operands have no effects, so their order is free): a and b and (x ∧ y)
            return "(" + f" {op} ".join([*(self.expr(i) for i in known), self._kleene(op, maybe)]) + ")"
        if len(maybe) == 1:
            return self.expr(maybe[0])
        codes = [self.expr(i) for i in items]
        if not maybe:
            return "(" + f" {op} ".join(codes) + ")"
        stop = "False" if op == "and" else "True"
        temps = [self.temp() for _ in codes]
        unknown = " or ".join(f"{t} is None" for t, i in zip(temps, items, strict=True) if self.nullable(i))
        inner = f"(None if {unknown} else {'True' if op == 'and' else 'False'})"
        for t, code in reversed(list(zip(temps, codes, strict=True))):
            inner = f"({stop} if ({t} := {code}) is {stop} else {inner})"
        return inner

    def _logical(self, e: m.Logical) -> str:
        return self._kleene(e.op, e.items)

    def _not(self, e: m.Not) -> str:
        if not self.nullable(e.operand):
            return f"(not {self.expr(e.operand)})"
        t = self.temp()
        return f"(None if ({t} := {self.expr(e.operand)}) is None else not {t})"

    def _arith(self, e: m.Arith) -> str:
        if e.op == "/" or e.type.kind in TIME_KINDS or e.left.type.kind in TIME_KINDS:
            op = self.const(e.op, "op")
            return self._guarded([e.left, e.right], lambda c: f"_rt.arith({op}, {c[0]}, {c[1]})")
        return self._guarded([e.left, e.right], lambda c: f"{c[0]} {e.op} {c[1]}")

    def _neg(self, e: m.Neg) -> str:
        if e.type.kind == "duration":
            return self._guarded([e.operand], lambda c: f"_rt.negate({c[0]})")
        return self._guarded([e.operand], lambda c: f"-{c[0]}")

    def _criteriacount(self, e: m.CriteriaCount) -> str:
        framework = self.policy.frameworks[e.framework]
        refs: list[m.Expr] = [
            m.CriterionRef(e.framework, c.name, c.expr.type, c.expr.nullable, c.span) for c in framework.criteria
        ]
        return self._combine("at least", e.need, refs)

    def _outcomeis(self, e: m.OutcomeIs) -> str:
        # only inside ``guards``, where ``oi`` is the index of the qualify rule that holds
        indices = frozenset(r.index for r in self.policy.rules if r.outcome == e.outcome)
        return f"(oi in {self.const(indices, 'rules')})"


def generate(policy: m.PolicyModel) -> Generated:
    return _Gen(policy).generate()

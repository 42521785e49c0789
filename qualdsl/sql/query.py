"""The whole policy as one SQL query: a chain of CTEs, one output row per lead.

    lead_text     the input columns of each field, as trimmed text (NULL: missing)
    lead_parts*   the named parts of the harder readings (reading.Bind), level by level
    lead_checks   whether each text is a value of its field's type
    lead_values   each field read as its type (reading.py), and whether it could be
    event_rows    (with an events table) each event's lead, type and time text; event_parts*
                  and event_times read the time, in microseconds
    event_counts  one row per lead: a COUNT(*) FILTER (...) per (event, window) the policy
                  asks about, and how many events have an undeclared type or a bad time
    lead_base     lead_values LEFT JOIN event_counts (no events: counts are 0), and the
                  first field (in declaration order) that could not be read: error_field
    d1, d2, ...   the segments, scores and frameworks in the checker's order, each CTE
                  adding the columns of one of them to the one before
    decided       the index of the first qualify rule that is true
    (select)      outcome, scores, segments, criteria, passes; all NULL for an error row

Column names inside the query are numbered (f0, s1, cr0_2, ...); only the output columns
carry the policy's names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import attrs
from sqlglot import exp

from qualdsl import model as m
from qualdsl.sql import DIALECTS
from qualdsl.sql import sqlx as x
from qualdsl.sql.exprs import ExprSql, Scope, SqlUnsupported, literal, sql_type
from qualdsl.sql.reading import micros, read, read_datetime, supported_list_item
from qualdsl.sql.sqlx import Expr


@attrs.frozen
class SqlOptions:
    """Where the data is and how it is named.

    ``columns`` maps a field name to the input columns to read it from, first one first (as
    ``records.raw_value`` reads the field's name, then its `from "Column"`); by default a
    field is read from its source column. A field mapped to no column is missing for every lead.
    ``keep`` names input columns copied to the output unchanged (before the results)."""

    now: dt.datetime
    leads_table: str = "leads"
    events_table: str | None = "events"
    id_column: str | None = "id"
    events_id_column: str = "lead_id"
    events_type_column: str = "type"
    events_at_column: str = "at"
    columns: Mapping[str, Sequence[str]] | None = None
    keep: Sequence[str] = ()
    join_as_text: bool = False


def output_names(policy: m.PolicyModel) -> dict[str, list[str]]:
    """The result columns, by kind, in order."""
    return {
        "scores": [f"score__{name}" for name in policy.scores],
        "segments": [f"segment__{name}" for name in policy.segments],
        "criteria": [f"criterion__{fw.name}__{c.name}" for fw in policy.frameworks.values() for c in fw.criteria],
        "frameworks": [f"framework__{name}" for name in policy.frameworks],
    }


class QueryBuilder:
    def __init__(self, policy: m.PolicyModel, options: SqlOptions, dialect: str) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect `{dialect}`; choose one of {', '.join(DIALECTS)}")
        if options.now.tzinfo is None:
            raise ValueError("`now` must carry a time zone")
        self.policy = policy
        self.options = options
        self.dialect = dialect
        self.scope = Scope()
        self.exprs = ExprSql(policy, options.now, dialect, self.scope)
        self.ctes: list[tuple[str, exp.Select]] = []
        self.counters: dict[tuple[str | None, dt.timedelta | None], str] = {}

    # ---- the query ------------------------------------------------------------------------
    def build(self) -> exp.Select:
        for field in self.policy.fields:
            if field.type.kind == "list" and not supported_list_item(field.type.item):
                item = field.type.item.describe() if field.type.item else "?"
                raise SqlUnsupported(
                    f"line {field.span.line}: field `{field.name}`: a list of {item} "
                    "has no SQL form yet (lists of texts, choices and whole numbers do)"
                )
        self._collect_counters()
        self._lead_text()
        self._lead_values()
        if self.options.events_table is not None:
            self._events()
        self._base()
        for derived in self.policy.order:
            getattr(self, "_derive_" + derived.kind)(derived.name)
        self._decided()
        query = self._final()
        for name, cte in self.ctes:
            query = query.with_(name, as_=cte, copy=False)
        if self.dialect == "postgres":
            guarded = x.guard_try_casts(query)
            assert isinstance(guarded, exp.Select)
            return guarded
        return query

    def _previous(self) -> str:
        return self.ctes[-1][0]

    def _layer(self, name: str, columns: list[Expr]) -> None:
        """A CTE ``name`` = everything of the one before, plus ``columns``."""
        select = exp.select(exp.Star(), *columns).from_(self._previous())
        self.ctes.append((name, select))

    # ---- reading ----------------------------------------------------------------------------
    def _collect_counters(self) -> None:
        for node in _all_nodes(self.policy):
            if isinstance(node, m.OutcomeIs):
                raise SqlUnsupported(f"line {node.span.line}: `qualified as` has no SQL form")
            if isinstance(node, m.EventCount):
                key = (node.event, node.window)
                if key not in self.counters:
                    self.counters[key] = f"c{len(self.counters)}"

    def _input_columns(self, field: m.Field) -> Sequence[str]:
        if self.options.columns is not None:
            return self.options.columns.get(field.name, ())
        return (field.source_column,)

    def _lead_text(self) -> None:
        columns: list[Expr] = []
        if self.options.id_column is not None:
            columns.append(exp.alias_(x.qcol(self.options.id_column), "lead_id"))
        for i, name in enumerate(self.options.keep):
            columns.append(exp.alias_(x.qcol(name), f"k{i}"))
        for i, field in enumerate(self.policy.fields):
            texts = [x.paren(exp.Nullif(this=x.trim_ws(x.cast(x.qcol(c), x.TEXT)), expression=x.s("")))
                     for c in self._input_columns(field)]
            if not texts:
                value: Expr = x.cast(x.null(), x.TEXT)
            elif len(texts) == 1:
                value = texts[0]
            else:
                value = exp.Coalesce(this=texts[0], expressions=texts[1:])
            columns.append(exp.alias_(value, f"t{i}"))
        self.ctes.append(("lead_text", exp.select(*columns).from_(exp.to_table(self.options.leads_table))))

    def _lead_values(self) -> None:
        binder = _Binder("p")
        checks: list[Expr] = []
        columns: list[Expr] = []
        for i, field in enumerate(self.policy.fields):
            text = x.col(f"t{i}")
            reading = read(field.type, text, binder.bind)
            valid: Expr = reading.valid
            if not isinstance(valid, exp.Boolean):
                checks.append(exp.alias_(exp.Coalesce(this=x.paren(valid), expressions=[x.false()]), f"v{i}"))
                valid = x.col(f"v{i}")
            # a required list that is not given is empty; an optional one is unknown (records.convert_value)
            empty_list = field.type.kind == "list" and not field.optional
            missing = x.s("") if empty_list else x.cast(x.null(), sql_type(field.type))
            value = x.case((x.is_null(text), missing), (valid, reading.value))
            columns.append(exp.alias_(value, f"f{i}"))
            may_miss = field.optional or field.type.kind == "list"
            ok = x.or_(x.is_null(text), valid) if may_miss else x.and_(x.not_null(text), valid)
            columns.append(exp.alias_(ok, f"ok{i}"))
        for level, parts in enumerate(binder.levels):
            if parts:
                self._layer(f"lead_parts{level}", parts)
        if checks:
            self._layer("lead_checks", checks)
        self._layer("lead_values", columns)

    def _events(self) -> None:
        o = self.options
        at_text = exp.Nullif(this=x.trim_ws(x.cast(x.qcol(o.events_at_column), x.TEXT)), expression=x.s(""))
        rows = exp.select(
            exp.alias_(x.qcol(o.events_id_column), "lead_id"),
            exp.alias_(x.cast(x.qcol(o.events_type_column), x.TEXT), "event_type"),
            exp.alias_(at_text, "at_text"),
        ).from_(exp.to_table(o.events_table or "events"))
        self.ctes.append(("event_rows", rows))
        binder = _Binder("q")
        reading = read_datetime(x.col("at_text"), binder.bind)
        valid = exp.Coalesce(this=x.paren(reading.valid), expressions=[x.false()])
        for level, parts in enumerate(binder.levels):
            if parts:
                self._layer(f"event_parts{level}", parts)
        timed = exp.select(
            x.col("lead_id"), x.col("event_type"),
            exp.alias_(x.case((valid, reading.value)), "at_us"),
        ).from_(self._previous())
        self.ctes.append(("event_times", timed))
        now = micros(o.now)
        declared: list[Expr] = [x.s(e) for e in self.policy.events]
        counts: list[Expr] = [x.col("lead_id")]
        for (event, window), name in self.counters.items():
            conds = [x.binary("<=", x.col("at_us"), x.n(now))]
            if window is not None:
                conds.append(x.binary(">=", x.col("at_us"), x.n(now - micros(window))))
            if event is not None:
                conds.insert(0, x.eq(x.col("event_type"), x.s(event)))
            else:
                conds.insert(0, x.in_(x.col("event_type"), list(declared)) if declared else x.false())
            counts.append(exp.alias_(_count_if(x.and_(*conds)), name))
        undeclared = x.or_(x.is_null(x.col("event_type")), x.not_(x.in_(x.col("event_type"), declared))) \
            if declared else x.true()
        counts.append(exp.alias_(_count_if(undeclared), "bad_type"))
        counts.append(exp.alias_(_count_if(x.is_null(x.col("at_us"))), "bad_at"))
        self.ctes.append(("event_counts", exp.select(*counts).from_("event_times").group_by(x.col("lead_id"))))

    def _base(self) -> None:
        o = self.options
        has_events = o.events_table is not None
        columns: list[Expr] = [exp.Column(this=exp.Star(), table=exp.to_identifier("v"))]
        for key, name in self.counters.items():
            value: Expr = exp.Coalesce(this=x.col(name, "e"), expressions=[x.n(0)]) if has_events else x.n(0)
            columns.append(exp.alias_(value, name))
            self.scope.counters[key] = x.col(name)
        fields: list[tuple[Expr, Expr, Expr]] = []
        for i, field in enumerate(self.policy.fields):
            self.scope.fields[field.name] = x.col(f"f{i}")
            text = x.col(f"t{i}", "v")
            expected = read(field.type, text).expected
            message = x.case(
                (x.is_null(text), x.s("is required but missing")),
                default=x.concat(x.s(f'expected {expected}, got "'), text, x.s('"')),
            )
            fields.append((x.not_(x.col(f"ok{i}", "v")), x.s(field.name), message))
        if has_events:
            for column, label, problem in (("bad_type", "events.type", "is not a declared event"),
                                           ("bad_at", "events.at", "is not a date and time")):
                test = x.binary(">", exp.Coalesce(this=x.col(column, "e"), expressions=[x.n(0)]), x.n(0))
                fields.append((test, x.s(label), x.s(problem)))
        if fields:
            columns.append(exp.alias_(x.case(*((t, f) for t, f, _ in fields)), "error_field"))
            columns.append(exp.alias_(x.case(*((t, msg) for t, _, msg in fields)), "error_message"))
        else:
            columns.append(exp.alias_(x.cast(x.null(), x.TEXT), "error_field"))
            columns.append(exp.alias_(x.cast(x.null(), x.TEXT), "error_message"))
        select = exp.select(*columns).from_(exp.alias_(exp.to_table("lead_values"), "v", table=True))
        if has_events:
            left: Expr = x.col("lead_id", "v")
            right: Expr = x.col("lead_id", "e")
            if o.join_as_text:
                left, right = x.cast(left, x.TEXT), x.cast(right, x.TEXT)
            select = select.join(exp.alias_(exp.to_table("event_counts"), "e", table=True), on=x.eq(left, right),
                                 join_type="left")
        self.ctes.append(("lead_base", select))

    # ---- derived values ----------------------------------------------------------------------
    def _index(self, kind: str, name: str) -> int:
        names = {"segment": self.policy.segments, "score": self.policy.scores, "framework": self.policy.frameworks}
        return list(names[kind]).index(name)

    def _derive_segment(self, name: str) -> None:
        segment = self.policy.segments[name]
        i = self._index("segment", name)
        value = self.exprs.combine(segment.mode, segment.need, [c.expr for c in segment.criteria])
        self._layer(f"d{len(self.ctes)}_segment_{i}", [exp.alias_(value, f"s{i}")])
        self.scope.segments[name] = x.col(f"s{i}")

    def _derive_score(self, name: str) -> None:
        score = self.policy.scores[name]
        i = self._index("score", name)
        parts = [self._award(rule) for rule in score.rules]
        total: Expr = x.n(0)
        if parts:
            total = parts[0]
            for part in parts[1:]:
                total = x.binary("+", total, part)
        self._layer(f"d{len(self.ctes)}_score_{i}", [exp.alias_(x.cast(total, x.BIGINT), f"sc{i}")])
        self.scope.scores[name] = x.col(f"sc{i}")

    def _award(self, rule: m.ScoreRule) -> Expr:
        """`+N if C` gives N only when C is true; `+N per E` gives N per event, capped."""
        if rule.condition is not None:
            return x.case((self.exprs.sql(rule.condition), x.n(rule.points)), default=x.n(0))
        assert rule.count is not None
        total = x.binary("*", x.n(rule.points), self.exprs.sql(rule.count))
        if rule.cap is None:
            return total
        if rule.points >= 0:
            return x.case((x.binary(">", total, x.n(rule.cap)), x.n(rule.cap)), default=total)
        return x.case((x.binary("<", total, x.n(-rule.cap)), x.n(-rule.cap)), default=total)

    def _derive_framework(self, name: str) -> None:
        framework = self.policy.frameworks[name]
        i = self._index("framework", name)
        columns = []
        refs: list[m.Expr] = []
        for j, crit in enumerate(framework.criteria):
            columns.append(exp.alias_(self.exprs.sql(crit.expr), f"cr{i}_{j}"))
            refs.append(m.CriterionRef(name, crit.name, crit.expr.type, crit.expr.nullable, crit.span))
        self._layer(f"d{len(self.ctes)}_criteria_{i}", columns)
        for j, crit in enumerate(framework.criteria):
            self.scope.criteria[(name, crit.name)] = x.col(f"cr{i}_{j}")
        if framework.mode == "expr":
            assert framework.rule is not None
            value = self.exprs.sql(framework.rule)
        else:
            value = self.exprs.combine(framework.mode, framework.need, refs)
        self._layer(f"d{len(self.ctes)}_framework_{i}", [exp.alias_(value, f"fw{i}")])
        self.scope.frameworks[name] = x.col(f"fw{i}")

    # ---- the decision --------------------------------------------------------------------------
    def _decided(self) -> None:
        whens = []
        last = self.policy.rules[-1]
        for rule in self.policy.rules:
            if rule.condition is None:
                break
            whens.append((self.exprs.sql(rule.condition), x.n(rule.index)))
        chosen = x.case(*whens, default=x.n(last.index)) if whens else x.n(last.index)
        rule_index = x.case((x.is_null(x.col("error_field")), chosen))
        self._layer("decided", [exp.alias_(rule_index, "rule_index")])

    def _final(self) -> exp.Select:
        policy = self.policy
        ok = x.is_null(x.col("error_field"))

        def when_ok(value: Expr) -> Expr:
            return x.case((ok, value))

        def by_rule(values: list[Expr]) -> Expr:
            return x.case(*((x.eq(x.col("rule_index"), x.n(r.index)), v) for r, v in zip(policy.rules, values, strict=True)))

        columns: list[Expr] = []
        if self.options.id_column is not None:
            columns.append(x.col("lead_id"))
        for i, name in enumerate(self.options.keep):
            columns.append(exp.alias_(x.col(f"k{i}"), name, quoted=True))
        columns += [
            x.col("error_field"), x.col("error_message"),
            exp.alias_(by_rule([x.s(r.outcome) for r in policy.rules]), "outcome"),
            x.col("rule_index"),
            exp.alias_(by_rule([x.n(r.span.line) for r in policy.rules]), "rule_line"),
            exp.alias_(by_rule([x.s(r.reason) if r.reason is not None else x.cast(x.null(), x.TEXT)
                                for r in policy.rules]), "reason"),
        ]
        names = output_names(policy)
        for i, out in enumerate(names["scores"]):
            columns.append(exp.alias_(when_ok(x.col(f"sc{i}")), out, quoted=True))
        for i, out in enumerate(names["segments"]):
            columns.append(exp.alias_(when_ok(x.col(f"s{i}")), out, quoted=True))
        k = 0
        for i, fw in enumerate(policy.frameworks.values()):
            for j in range(len(fw.criteria)):
                columns.append(exp.alias_(when_ok(x.col(f"cr{i}_{j}")), names["criteria"][k], quoted=True))
                k += 1
        for i, out in enumerate(names["frameworks"]):
            columns.append(exp.alias_(when_ok(x.col(f"fw{i}")), out, quoted=True))
        return exp.select(*columns).from_(self._previous())


class _Binder:
    """Names the parts of a reading (see ``reading.Bind``): level k becomes a CTE of its own."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.levels: list[list[Expr]] = [[], [], []]
        self.count = 0

    def bind(self, level: int, value: Expr) -> Expr:
        name = f"{self.prefix}{self.count}"
        self.count += 1
        self.levels[level].append(exp.alias_(value, name))
        return x.col(name)


def _count_if(cond: Expr) -> Expr:
    """``COUNT(*) FILTER (WHERE cond)``; sqlglot writes COUNT_IF / COUNTIF where a dialect wants it."""
    return exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=cond))


def _all_nodes(policy: m.PolicyModel) -> list[m.Expr]:
    roots: list[m.Expr] = []
    for segment in policy.segments.values():
        roots.extend(c.expr for c in segment.criteria)
    for score in policy.scores.values():
        for rule in score.rules:
            roots.extend(e for e in (rule.condition, rule.count) if e is not None)
    for framework in policy.frameworks.values():
        roots.extend(c.expr for c in framework.criteria)
        if framework.rule is not None:
            roots.append(framework.rule)
    roots.extend(r.condition for r in policy.rules if r.condition is not None)
    return [node for root in roots for node in m.walk(root)]


def build_query(policy: m.PolicyModel, options: SqlOptions, dialect: str = "duckdb") -> exp.Select:
    """The policy as one SELECT (a sqlglot expression); render it with ``.sql(dialect=...)``."""
    return QueryBuilder(policy, options, dialect).build()


__all__ = ["SqlOptions", "SqlUnsupported", "build_query", "literal", "output_names"]

"""The public face of a loaded policy: evaluate leads, explain decisions, run its tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from qualdsl import model as m
from qualdsl import nodes as n
from qualdsl.check import check
from qualdsl.compile import Compiled, compile_policy
from qualdsl.compile.runtime import normalize_now
from qualdsl.decision import Decision
from qualdsl.errors import Diagnostic, PolicyError, QualdslError, RecordError, sort_and_cap
from qualdsl.explain import Explanation, explain_trace
from qualdsl.history import history_event
from qualdsl.interpret import Trace, interpret
from qualdsl.lifecycle import HistoryEvent, StageEntry, Step, Timeline, advance, replay
from qualdsl.loader import Loaded, load_file, load_text
from qualdsl.prepared import PreparedLead
from qualdsl.records import convert_events, convert_lead, to_datetime
from qualdsl.sla import TimerStatus, sla_status
from qualdsl.source import Source

UTC = dt.UTC


@attrs.frozen
class EvalResult:
    """One input record's result in a batch: a decision, or the error that stopped it."""

    index: int
    record: Mapping[str, Any]
    decision: Decision | None
    error: RecordError | None


class Policy:
    """A checked, compiled policy. Make one with ``qualdsl.load`` or ``qualdsl.compile_text``."""

    def __init__(self, model: m.PolicyModel, sources: Mapping[str, Source], warnings: Sequence[Diagnostic]) -> None:
        self.model = model
        self.sources = dict(sources)
        self.warnings = tuple(warnings)
        self._compiled: Compiled = compile_policy(model, Decision, self, PreparedLead)
        # the generated function itself answers ``policy.evaluate(...)``: no call in between
        self.evaluate = self._compiled.evaluate  # type: ignore[method-assign,assignment]
        self.prepare = self._compiled.prepare  # type: ignore[method-assign]
        self.evaluate_prepared = self._compiled.evaluate_prepared  # type: ignore[method-assign]
        self._declared_events = frozenset(model.events)
        self.score_names: tuple[str, ...] = tuple(model.scores)
        self.outcome_names: tuple[str, ...] = tuple(rule.outcome for rule in model.rules)
        self._guards = self._compiled.guards

    # ---- facts -------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.model.name

    @property
    def version(self) -> str:
        return self.model.version

    @property
    def content_hash(self) -> str:
        return self.model.content_hash

    @property
    def generated_source(self) -> str:
        """The Python source of the compiled evaluator, for reading."""
        return self._compiled.source

    def info(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "hash": self.content_hash}

    # ---- evaluation ------------------------------------------------------------------
    def evaluate(
        self,
        lead: Mapping[str, Any],
        events: Iterable[Any] = (),
        now: dt.datetime | str | None = None,
    ) -> Decision:
        """Decide one lead. Raises ``RecordError`` naming the field when a value cannot be read.

        ``now`` is an aware datetime or an ISO 8601 text (None: the current time). This method
        is replaced on each policy by its generated evaluator, which takes the same arguments."""
        return self._compiled.evaluate(lead, events, now)  # type: ignore[no-any-return,arg-type]

    def prepare(self, lead: Mapping[str, Any], events: Iterable[Any] = ()) -> PreparedLead:
        """Read and check ``lead`` and its events once (``RecordError`` as ``evaluate`` would raise),
        for ``evaluate_prepared`` to decide as often as needed. Replaced on each policy by its
        generated function."""
        return self._compiled.prepare(lead, events)  # type: ignore[no-any-return]

    def evaluate_prepared(self, prepared: PreparedLead, now: dt.datetime | str | None = None) -> Decision:
        """Decide a lead this policy prepared, at ``now``, reading and checking nothing again: the
        same decision ``evaluate(lead, events, now)`` gives. Replaced on each policy by its
        generated function."""
        return self._compiled.evaluate_prepared(prepared, now)  # type: ignore[no-any-return]

    def evaluate_many(
        self,
        records: Iterable[Mapping[str, Any]],
        now: dt.datetime | str | None = None,
        events_key: str = "events",
    ) -> Iterator[EvalResult]:
        """Decide each record (its events under ``events_key``); a bad record yields an error result."""
        when = normalize_now(now)
        for index, record in enumerate(records):
            yield self.evaluate_record(index, record, when, events_key)

    def evaluate_record(
        self, index: int, record: Mapping[str, Any], now: dt.datetime, events_key: str = "events"
    ) -> EvalResult:
        """Decide one input record; its events are under ``events_key``. Never raises ``RecordError``."""
        try:
            events = record.get(events_key, ()) if isinstance(record, Mapping) else ()
            if events is None:
                events = ()
            if not isinstance(events, (list, tuple)):
                raise RecordError(events_key, "events must be a list", events)
            return EvalResult(index, record, self.evaluate(record, events, now), None)
        except RecordError as exc:
            return EvalResult(index, record, None, exc)

    def reference(
        self, lead: Mapping[str, Any], events: Iterable[Any] = (), now: dt.datetime | str | None = None
    ) -> Trace:
        """The reference interpreter's full trace for one lead (the oracle for the compiled evaluator)."""
        when = normalize_now(now)
        values = convert_lead(self.model.fields, lead)
        converted = convert_events(list(events), self._declared_events)
        return interpret(self.model, values, converted, when)

    def explain(
        self, lead: Mapping[str, Any], events: Iterable[Any] = (), now: dt.datetime | str | None = None
    ) -> Explanation:
        when = normalize_now(now)
        values = convert_lead(self.model.fields, lead)
        converted = convert_events(list(events), self._declared_events)
        trace = interpret(self.model, values, converted, when)
        return explain_trace(self.model, trace, values, converted, when,
                             lambda changed: self.evaluate(changed, converted, when).rule_index)


    # ---- lifecycle and SLAs ---------------------------------------------------------
    def _lifecycle(self) -> m.Lifecycle:
        if self.model.lifecycle is None:
            raise QualdslError(f"policy `{self.name}` has no lifecycle block")
        return self.model.lifecycle

    def _history(self, events: Iterable[Any]) -> list[HistoryEvent]:
        return [history_event(e, self._declared_events, f"events[{i}]") for i, e in enumerate(events)]

    def _entries(self, entries: Iterable[Any]) -> tuple[StageEntry, ...]:
        """Recorded stage entries from StageEntry objects, (stage, time) pairs or {"stage", "at"} mappings."""
        stages = self._lifecycle().stages
        out = []
        stage: object
        at: object
        for i, raw in enumerate(entries):
            if isinstance(raw, StageEntry):
                stage, at = raw.stage, raw.at
            elif isinstance(raw, tuple) and len(raw) == 2:
                stage, at = raw
            elif isinstance(raw, Mapping):
                stage, at = raw.get("stage"), raw.get("at")
            else:
                raise RecordError(f"entries[{i}]", 'a stage entry is a (stage, time) pair or {"stage": ..., "at": ...}', raw)
            if not isinstance(stage, str) or stage not in stages:
                raise RecordError(f"entries[{i}].stage", f"{stage!r} is not a stage of the lifecycle", stage)
            out.append(StageEntry(stage, to_datetime(f"entries[{i}].at", at)))
        return tuple(out)

    def _lead_values(self, lead: Mapping[str, Any] | None) -> dict[str, object] | None:
        return None if lead is None else convert_lead(self.model.fields, lead)

    def advance(
        self,
        stage: str,
        lead: Mapping[str, Any],
        events: Iterable[Any] = (),
        now: dt.datetime | str | None = None,
        event: Any = None,
    ) -> Step | None:
        """The next stage from ``stage`` (with the transition and why), or None when nothing fires.

        With ``event`` (a (type, time[, reason]) pair or mapping), transitions `on` that event are
        tried; without it, condition-only transitions, evaluated at ``now`` over ``events``."""
        lifecycle = self._lifecycle()
        if stage not in lifecycle.stages:
            raise QualdslError(f"`{stage}` is not a stage; the stages are {', '.join(lifecycle.stages)}")
        when = normalize_now(now)
        values = convert_lead(self.model.fields, lead)
        history = [(e.type, e.at) for e in self._history(events) if e.at <= when]
        happened = history_event(event, self._declared_events, "event") if event is not None else None
        return advance(self.model, stage, values, history, when, happened, self._guards)

    def replay(
        self,
        lead: Mapping[str, Any] | None,
        events: Iterable[Any] = (),
        now: dt.datetime | str | None = None,
        entries: Iterable[StageEntry] = (),
    ) -> Timeline:
        """The whole stage timeline of a lead from its event history: stages, times, owners."""
        self._lifecycle()
        return replay(self.model, self._lead_values(lead), self._history(events), normalize_now(now), self._guards,
                      self._entries(entries))

    def sla_status(
        self,
        lead: Mapping[str, Any] | None,
        events: Iterable[Any] = (),
        now: dt.datetime | str | None = None,
        entries: Iterable[StageEntry] = (),
    ) -> list[TimerStatus]:
        """Every SLA timer of the lead: deadline, business time left, met / breached / at risk, escalations."""
        self._lifecycle()
        when = normalize_now(now)
        history = self._history(events)
        timeline = replay(self.model, self._lead_values(lead), history, when, self._guards, self._entries(entries))
        return sla_status(self.model, timeline, history, when)

    def sla_status_of(self, timeline: Timeline, events: Iterable[Any], now: dt.datetime | str | None = None) -> list[TimerStatus]:
        """The SLA timers of an already replayed timeline."""
        return sla_status(self.model, timeline, self._history(events), normalize_now(now))


def _build(loaded: Loaded) -> Policy:
    if any(d.is_error for d in loaded.diagnostics):
        raise PolicyError(sort_and_cap(loaded.diagnostics), loaded.sources)
    model, diagnostics = check(loaded.modules, loaded.sources)
    if model is None:
        raise PolicyError(sort_and_cap(diagnostics), loaded.sources)
    return Policy(model, loaded.sources, sort_and_cap(diagnostics))


def load(path: str) -> Policy:
    """Read, check and compile the policy at ``path`` (and the files it uses)."""
    return _build(load_file(str(path)))


def compile_text(text: str, path: str = "<policy>") -> Policy:
    """Check and compile policy text; `use` paths are relative to the current directory."""
    return _build(load_text(text, path))


@attrs.frozen
class CheckReport:
    """What ``check`` found in one file. A library file (no `policy` line and no `qualify`
    block, such as a framework) is only parsed: its names are checked where it is used."""

    path: str
    diagnostics: tuple[Diagnostic, ...]
    sources: Mapping[str, Source]
    library: bool

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def check_file(path: str) -> CheckReport:
    loaded = load_file(str(path))
    if any(d.is_error for d in loaded.diagnostics) or not loaded.modules:
        return CheckReport(path, sort_and_cap(loaded.diagnostics), loaded.sources, False)
    main = loaded.modules[0]
    if not any(isinstance(d, (n.PolicyDecl, n.QualifyDecl)) for d in main.decls):
        return CheckReport(path, (), loaded.sources, True)
    _, diagnostics = check(loaded.modules, loaded.sources)
    return CheckReport(path, sort_and_cap(diagnostics), loaded.sources, False)

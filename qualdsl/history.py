"""Lead histories in: JSONL event rows, or CSV rows with stage-entry timestamp columns.

JSONL: one JSON object per line, any order of leads, each with ``lead_id`` and one of
  {"lead_id": "L1", "type": "pricing_view", "at": "2026-11-02T10:00:00Z", "reason": "..."}  an event
  {"lead_id": "L1", "stage": "mql", "at": "2026-11-02T10:00:00Z"}                             a recorded stage entry
  {"lead_id": "L1", "lead": {"employees": 400, ...}}                                           the lead's fields
CSV: one row per lead; ``lead_id``; ``<stage>_at`` columns are stage entries and
``<event>_at`` columns are events (as CRM exports have); other columns are lead fields.

A bad row (unknown event or stage, unreadable time, not JSON) is reported with its row
number and skipped; a row older than the one before it for the same lead is reported as
out of order and still used, in time order. Nothing stops the run.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

import attrs

from qualdsl import model as m
from qualdsl.errors import RecordError
from qualdsl.lifecycle import HistoryEvent, StageEntry
from qualdsl.records import is_missing, to_datetime


@attrs.frozen
class RowProblem:
    row: int
    lead_id: str | None
    message: str

    def to_dict(self) -> dict[str, object]:
        return {"row": self.row, "lead_id": self.lead_id, "message": self.message}


@attrs.define
class LeadHistory:
    """Everything the file said about one lead, in file order."""

    lead_id: str
    lead: Mapping[str, Any] | None = None
    events: list[HistoryEvent] = attrs.Factory(list)
    entries: list[StageEntry] = attrs.Factory(list)
    last_at: dt.datetime | None = None


@attrs.frozen
class History:
    leads: dict[str, LeadHistory]
    problems: tuple[RowProblem, ...]
    rows: int


def history_event(raw: object, declared: Iterable[str], where: str = "events") -> HistoryEvent:
    """One event from a (type, at[, reason]) tuple or a {"type", "at", "reason"} mapping."""
    if isinstance(raw, HistoryEvent):
        return raw
    reason: object = None
    if isinstance(raw, tuple) and len(raw) in (2, 3):
        kind, at = raw[0], raw[1]
        reason = raw[2] if len(raw) == 3 else None
    elif isinstance(raw, Mapping):
        kind = raw.get("type", raw.get("event"))
        at = raw.get("at", raw.get("time", raw.get("timestamp")))
        reason = raw.get("reason")
    else:
        raise RecordError(where, 'an event is a (type, time) pair or {"type": ..., "at": ...}', raw)
    if not isinstance(kind, str) or kind not in declared:
        raise RecordError(f"{where}.type", f"{kind!r} is not a declared event", kind)
    when = to_datetime(f"{where}.at" if where != kind else where, at)
    return HistoryEvent(kind, when, reason if isinstance(reason, str) and reason.strip() else None)


class _Builder:
    def __init__(self, policy: m.PolicyModel) -> None:
        self.policy = policy
        self.events = frozenset(policy.events)
        self.stages = frozenset(policy.lifecycle.stages if policy.lifecycle else ())
        self.leads: dict[str, LeadHistory] = {}
        self.problems: list[RowProblem] = []
        self.rows = 0

    def problem(self, row: int, lead_id: str | None, message: str) -> None:
        self.problems.append(RowProblem(row, lead_id, message))

    def history(self, lead_id: str) -> LeadHistory:
        found = self.leads.get(lead_id)
        if found is None:
            found = self.leads[lead_id] = LeadHistory(lead_id)
        return found

    def timed(self, row: int, history: LeadHistory, at: dt.datetime) -> None:
        if history.last_at is not None and at < history.last_at:
            self.problem(row, history.lead_id, f"out of order: {at.isoformat()} is before the lead's previous row "
                                               f"({history.last_at.isoformat()}); used in time order")
        history.last_at = at if history.last_at is None else max(at, history.last_at)

    def add_json(self, row: int, value: object, id_key: str) -> None:
        if not isinstance(value, dict):
            self.problem(row, None, "not a JSON object")
            return
        raw_id = value.get(id_key)
        if raw_id is None or isinstance(raw_id, (dict, list)):
            self.problem(row, None, f"no `{id_key}`")
            return
        lead_id = str(raw_id)
        history = self.history(lead_id)
        try:
            if "lead" in value:
                if not isinstance(value["lead"], dict):
                    raise RecordError("lead", "must be a JSON object of lead fields", value["lead"])
                history.lead = value["lead"]
            elif "stage" in value:
                self.add_entry(row, history, value.get("stage"), value.get("at"))
            else:
                event = history_event(value, self.events, "event")
                self.timed(row, history, event.at)
                history.events.append(event)
        except RecordError as exc:
            self.problem(row, lead_id, str(exc))

    def add_entry(self, row: int, history: LeadHistory, stage: object, at: object, column: str = "at") -> None:
        if not isinstance(stage, str) or stage not in self.stages:
            raise RecordError("stage", f"{stage!r} is not a stage of the lifecycle", stage)
        when = to_datetime(column, at)
        self.timed(row, history, when)
        history.entries.append(StageEntry(stage, when))

    def add_csv(self, row: int, record: Mapping[str, str], id_column: str) -> None:
        lead_id = record.get(id_column)
        if lead_id is None or is_missing(lead_id):
            self.problem(row, None, f"no `{id_column}`")
            return
        history = self.history(lead_id.strip())
        fields: dict[str, Any] = {}
        for column, value in record.items():
            if column == id_column:
                continue
            name = column[:-3] if column.endswith("_at") else None
            if name is not None and (name in self.stages or name in self.events):
                if is_missing(value):
                    continue
                try:
                    if name in self.stages:
                        self.add_entry(row, history, name, value, column)
                    else:
                        event = history_event((name, value), self.events, name)
                        history.events.append(event)
                except RecordError as exc:
                    self.problem(row, history.lead_id, str(exc))
            else:
                fields[column] = value
        history.lead = fields

    def result(self) -> History:
        return History(self.leads, tuple(self.problems), self.rows)


def read_history(stream: IO[str], fmt: str, policy: m.PolicyModel, id_key: str = "lead_id") -> History:
    builder = _Builder(policy)
    if fmt == "csv":
        reader = csv.DictReader(stream)
        for row, record in enumerate(reader, start=2):
            builder.rows += 1
            builder.add_csv(row, record, id_key)
        return builder.result()
    for row, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        builder.rows += 1
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            builder.problem(row, None, f"not valid JSON: {exc.msg}")
            continue
        builder.add_json(row, value, id_key)
    return builder.result()


def iter_sorted(history: History) -> Iterator[LeadHistory]:
    """Leads in a stable order (by id) so reports are deterministic."""
    for lead_id in sorted(history.leads):
        yield history.leads[lead_id]

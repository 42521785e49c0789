"""Two versions of a policy side by side: which leads change outcome, and which declarations changed.

``diff_leads`` decides every lead of a sample with the OLD and the NEW policy and tallies the
outcome transition matrix, the volume per outcome and per segment, the score deltas and, for
each move (old outcome -> new outcome), example leads with the rule that chose the outcome on
each side. ``declaration_changes`` compares the two checked models by name and by the
normalized text of each rule and criterion. ``render`` writes a report as text or Markdown
(for a pull-request comment); ``DiffReport.to_dict`` is the JSON form. ``git_reader`` reads a
policy (and the files it `use`s) as it was at a git revision.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import subprocess
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from qualdsl import model as m
from qualdsl.batch import BadLine
from qualdsl.compile import compile_policy
from qualdsl.errors import Diagnostic, RecordError, error
from qualdsl.loader import Reader, decode, load_file
from qualdsl.policy import Policy, _build
from qualdsl.source import Source, Span
from qualdsl.types import BOOL

MAX_FAILURES_LISTED = 10
DISQUALIFYING_PREFIX = "disqualif"

SegmentProbe = Callable[[Mapping[str, Any], Sequence[Any], dt.datetime], tuple[object, ...]]


# ---- loading a policy from a git revision ----------------------------------------------------

def git_reader(ref: str) -> Reader:
    """A ``Reader`` that gives each file as it was at git revision ``ref`` (``git show REF:path``),
    for files inside a git work tree; a path is taken relative to the current directory."""

    def read(path: str) -> Source | Diagnostic:
        where = os.path.dirname(os.path.abspath(path))
        try:
            top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=where if os.path.isdir(where) else None,
                                 capture_output=True, text=True, check=False)
            if top.returncode != 0:
                return _unreadable(path, ref, top.stderr)
            inside = os.path.relpath(os.path.realpath(path), os.path.realpath(top.stdout.strip()))
            shown = subprocess.run(["git", "show", f"{ref}:{inside.replace(os.sep, '/')}"], cwd=top.stdout.strip(),
                                   capture_output=True, check=False)
        except OSError as exc:
            return _unreadable(path, ref, f"git cannot be run: {exc.strerror or exc}")
        if shown.returncode != 0:
            return _unreadable(path, ref, shown.stderr.decode("utf-8", "replace"))
        return decode(path, shown.stdout)

    return read


def _unreadable(path: str, ref: str, why: str) -> Diagnostic:
    reason = " ".join(why.split()) or "unknown reason"
    return error("E151", f"cannot read `{path}` at git revision `{ref}`: {reason}", Span.point(path, 1, 1),
                 "name a revision that has the file: a commit, a branch or a tag")


def load_at(path: str, ref: str) -> Policy:
    """The policy at ``path`` (and every file it `use`s) as it was at git revision ``ref``.
    Raises ``PolicyError`` as ``qualdsl.load`` does."""
    return _build(load_file(path, git_reader(ref)))


# ---- what one policy made of one lead -----------------------------------------------------------

def segment_probe(policy: Policy) -> SegmentProbe:
    """A compiled function giving the value (True, False or None) of every segment of ``policy``,
    in the order of ``policy.model.segments``: the model compiled once more with one lifecycle
    guard per segment, so it costs about one more decision, not a run of the interpreter."""
    model = policy.model
    if not model.segments:
        return lambda lead, events, now: ()
    span = next(iter(model.segments.values())).span
    transitions = tuple(
        m.Transition(i, "probe", "probe", None, m.SegmentRef(name, BOOL, True, segment.span), None, False, None,
                     name, name, segment.span)
        for i, (name, segment) in enumerate(model.segments.items())
    )
    lifecycle = m.Lifecycle(("probe",), "probe", frozenset(), {}, transitions, span)
    guards = compile_policy(attrs.evolve(model, lifecycle=lifecycle)).guards
    assert guards is not None
    return guards


@attrs.frozen
class Seen:
    """One lead as one policy decided it: the chosen rule, the scores and the segments it is in."""

    rule: int
    scores: tuple[int, ...]
    segments: tuple[bool, ...]


def events_of(record: Mapping[str, Any], events_key: str) -> Sequence[Any]:
    """The lead's events (under ``events_key``; none when absent). Raises ``RecordError`` for a non-list."""
    events = record.get(events_key)
    if events is None:
        return ()
    if not isinstance(events, (list, tuple)):
        raise RecordError(events_key, "events must be a list", events)
    return events


def see(policy: Policy, probe: SegmentProbe, record: Mapping[str, Any], events: Sequence[Any],
        now: dt.datetime) -> Seen | RecordError:
    """What ``policy`` made of one lead, or the error that stopped it."""
    try:
        decision = policy.evaluate(record, events, now)
        segments = tuple(bool(v) for v in probe(record, events, now))
    except RecordError as exc:
        return exc
    return Seen(decision.rule_index, decision.score_values, segments)


# ---- the report ------------------------------------------------------------------------------

@attrs.frozen
class PolicyInfo:
    """Which policy a side of a report is: its name, version, hash, where it came from, its outcomes."""

    label: str
    name: str
    version: str
    hash: str
    outcomes: tuple[str, ...]
    otherwise: str

    @classmethod
    def of(cls, policy: Policy, label: str) -> PolicyInfo:
        return cls(label, policy.name, policy.version, policy.content_hash, policy.model.outcomes,
                   policy.model.rules[-1].outcome)

    def to_dict(self) -> dict[str, object]:
        return attrs.asdict(self)


@attrs.frozen
class RuleRef:
    """A qualify rule as shown in a report: its place, its outcome and its condition text."""

    index: int
    outcome: str
    line: int
    text: str
    path: str

    @classmethod
    def of(cls, rule: m.QualifyRule) -> RuleRef:
        return cls(rule.index, rule.outcome, rule.span.line, rule.text, rule.span.path)

    def show(self) -> str:
        return f"line {self.line}: {self.text}"

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "text": self.text, "path": self.path}


@attrs.frozen
class Example:
    """One lead that moved, with the rule that chose its outcome in OLD and in NEW."""

    lead: str
    old: RuleRef
    new: RuleRef

    def to_dict(self) -> dict[str, object]:
        return {"lead": self.lead, "old_rule": self.old.to_dict(), "new_rule": self.new.to_dict()}


@attrs.frozen
class Move:
    """The leads that went from outcome ``old`` to outcome ``new``: how many, by which pair of
    rules (most leads first), and a few examples."""

    old: str
    new: str
    leads: int
    rules: tuple[tuple[RuleRef, RuleRef, int], ...]
    examples: tuple[Example, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "old": self.old, "new": self.new, "leads": self.leads,
            "rules": [{"old_rule": a.to_dict(), "new_rule": b.to_dict(), "leads": k} for a, b, k in self.rules],
            "examples": [e.to_dict() for e in self.examples],
        }


@attrs.frozen
class Volume:
    """How many leads had something (an outcome, a segment) in OLD and in NEW."""

    name: str
    old: int
    new: int

    @property
    def change(self) -> int:
        return self.new - self.old

    @property
    def percent(self) -> float | None:
        """The change in percent of the old volume; None when the old volume is 0 and the new one is not."""
        if self.old == 0:
            return 0.0 if self.new == 0 else None
        return 100.0 * self.change / self.old

    def to_dict(self) -> dict[str, object]:
        percent = self.percent
        return {"name": self.name, "old": self.old, "new": self.new, "change": self.change,
                "percent": None if percent is None else round(percent, 2)}


@attrs.frozen
class ScoreDelta:
    """How a score present in both policies changed over the compared leads (new − old)."""

    name: str
    leads: int
    changed: int
    mean: float
    min: int
    max: int

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "leads": self.leads, "changed": self.changed, "mean": round(self.mean, 3),
                "min": self.min, "max": self.max}


@attrs.frozen
class Failure:
    """A record that could not be decided: by which side ("old", "new", "both", or "input" for a
    line that is not a record), and why."""

    row: int
    lead: str
    side: str
    message: str

    def to_dict(self) -> dict[str, object]:
        return attrs.asdict(self)


@attrs.frozen
class DeclChange:
    """A declaration that was added, removed or changed between OLD and NEW; ``details`` are
    the removed (``- ``) and added (``+ ``) lines of its normalized text."""

    kind: str
    name: str
    change: str
    details: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "name": self.name, "change": self.change, "details": list(self.details)}


@attrs.frozen
class DiffReport:
    """What changing OLD into NEW does to a sample of leads, and what changed in the text."""

    old: PolicyInfo
    new: PolicyInfo
    source: str
    now: str
    records: int
    compared: int
    outcomes: tuple[str, ...]
    matrix: Mapping[tuple[str, str], int]
    volumes: tuple[Volume, ...]
    segments: tuple[Volume, ...]
    scores: tuple[ScoreDelta, ...]
    moves: tuple[Move, ...]
    failed: Mapping[str, int]
    failures: tuple[Failure, ...]
    declarations: tuple[DeclChange, ...]

    @property
    def moved(self) -> int:
        return sum(move.leads for move in self.moves)

    @property
    def qualified(self) -> tuple[str, ...]:
        """The outcomes named in the headline: those that count as qualified in either policy."""
        either = set(default_qualified(self.old.outcomes, self.old.otherwise))
        either |= set(default_qualified(self.new.outcomes, self.new.otherwise))
        return tuple(o for o in self.outcomes if o in either)

    def volume_of(self, outcomes: Iterable[str]) -> Volume:
        """The summed volume of ``outcomes``."""
        wanted = frozenset(outcomes)
        chosen = [v for v in self.volumes if v.name in wanted]
        return Volume(" + ".join(v.name for v in chosen), sum(v.old for v in chosen), sum(v.new for v in chosen))

    def to_dict(self) -> dict[str, object]:
        return {
            "old": self.old.to_dict(), "new": self.new.to_dict(), "leads": self.source, "now": self.now,
            "records": self.records, "compared": self.compared, "moved": self.moved,
            "failed": dict(self.failed),
            "qualified": {"outcomes": list(self.qualified), **self.volume_of(self.qualified).to_dict()},
            "transitions": {a: {b: self.matrix.get((a, b), 0) for b in self.outcomes} for a in self.outcomes},
            "outcomes": [v.to_dict() for v in self.volumes],
            "segments": [v.to_dict() for v in self.segments],
            "scores": [s.to_dict() for s in self.scores],
            "moves": [mv.to_dict() for mv in self.moves],
            "failures": [f.to_dict() for f in self.failures],
            "declarations": [d.to_dict() for d in self.declarations],
        }


def default_qualified(outcomes: Sequence[str], otherwise: str) -> tuple[str, ...]:
    """The outcomes that count as qualified unless told otherwise: all but the `otherwise`
    outcome and those whose name starts with ``disqualif``."""
    return tuple(o for o in outcomes if o != otherwise and not o.lower().startswith(DISQUALIFYING_PREFIX))


def lead_label(record: Mapping[str, Any], row: int, id_column: str | None) -> str:
    """How a lead is named in a report: its id column when it has one, else its row number."""
    if id_column is not None:
        value = record.get(id_column)
        if value is not None and str(value).strip():
            return str(value).strip()
    return f"row {row}"


# ---- deciding a sample with both policies ----------------------------------------------------------

def diff_leads(
    old: Policy,
    new: Policy,
    records: Iterable[Mapping[str, Any] | BadLine],
    now: dt.datetime,
    *,
    labels: tuple[str, str] = ("OLD", "NEW"),
    source: str = "",
    id_column: str | None = None,
    examples: int = 5,
    events_key: str = "events",
) -> DiffReport:
    """Decide every record with ``old`` and ``new`` and report the differences (see the module)."""
    probes = (segment_probe(old), segment_probe(new))
    matrix: Counter[tuple[int, int]] = Counter()
    segments_old: Counter[int] = Counter()
    segments_new: Counter[int] = Counter()
    shared_scores = _shared(tuple(old.model.scores), tuple(new.model.scores))
    deltas: list[list[int]] = [[] for _ in shared_scores]
    picked: dict[tuple[int, int], list[Example]] = {}
    failed: Counter[str] = Counter()
    failures: list[Failure] = []
    records_read = 0
    for index, item in enumerate(records):
        records_read += 1
        row = index + 1
        if isinstance(item, BadLine):
            failed["input"] += 1
            _keep(failures, Failure(row, f"row {row}", "input", item.message))
            continue
        seen_old, seen_new = _both(old, new, probes, item, now, events_key)
        if isinstance(seen_old, RecordError) or isinstance(seen_new, RecordError):
            side, message = _failure(seen_old, seen_new)
            failed[side] += 1
            _keep(failures, Failure(row, lead_label(item, row, id_column), side, message))
            continue
        key = (seen_old.rule, seen_new.rule)
        matrix[key] += 1
        _count_true(segments_old, seen_old.segments)
        _count_true(segments_new, seen_new.segments)
        for k, (i, j) in enumerate(shared_scores):
            deltas[k].append(seen_new.scores[j] - seen_old.scores[i])
        if old.model.rules[key[0]].outcome != new.model.rules[key[1]].outcome:
            chosen = picked.setdefault(key, [])
            if len(chosen) < examples:
                chosen.append(Example(lead_label(item, row, id_column), RuleRef.of(old.model.rules[key[0]]),
                                      RuleRef.of(new.model.rules[key[1]])))
    outcomes = _union(old.model.outcomes, new.model.outcomes)
    by_outcome = _by_outcome(matrix, old.model, new.model)
    return DiffReport(
        old=PolicyInfo.of(old, labels[0]),
        new=PolicyInfo.of(new, labels[1]),
        source=source,
        now=now.isoformat(),
        records=records_read,
        compared=sum(matrix.values()),
        outcomes=outcomes,
        matrix=by_outcome,
        volumes=_outcome_volumes(by_outcome, outcomes),
        segments=_segment_volumes(old.model, new.model, segments_old, segments_new),
        scores=tuple(_delta(old.model, i, values) for (i, _), values in zip(shared_scores, deltas, strict=True)),
        moves=_moves(matrix, picked, old.model, new.model, examples),
        failed={side: failed[side] for side in ("old", "new", "both", "input")},
        failures=tuple(failures),
        declarations=declaration_changes(old.model, new.model),
    )


def _both(old: Policy, new: Policy, probes: tuple[SegmentProbe, SegmentProbe], record: Mapping[str, Any],
          now: dt.datetime, events_key: str) -> tuple[Seen | RecordError, Seen | RecordError]:
    try:
        events = events_of(record, events_key)
    except RecordError as exc:
        return exc, exc
    return see(old, probes[0], record, events, now), see(new, probes[1], record, events, now)


def _failure(old: Seen | RecordError, new: Seen | RecordError) -> tuple[str, str]:
    if isinstance(old, RecordError) and isinstance(new, RecordError):
        same = str(old) == str(new)
        return "both", str(old) if same else f"OLD: {old}; NEW: {new}"
    if isinstance(old, RecordError):
        return "old", str(old)
    return "new", str(new)


def _keep(failures: list[Failure], failure: Failure) -> None:
    if len(failures) < MAX_FAILURES_LISTED:
        failures.append(failure)


def _count_true(counter: Counter[int], values: tuple[bool, ...]) -> None:
    for i, value in enumerate(values):
        if value:
            counter[i] += 1


def _shared(old: Sequence[str], new: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """(index in old, index in new) of each name present in both, in old's order."""
    return tuple((i, new.index(name)) for i, name in enumerate(old) if name in new)


def _union(old: Sequence[str], new: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*old, *new]))


def _by_outcome(matrix: Counter[tuple[int, int]], old: m.PolicyModel, new: m.PolicyModel) -> dict[tuple[str, str], int]:
    out: Counter[tuple[str, str]] = Counter()
    for (i, j), count in matrix.items():
        out[(old.rules[i].outcome, new.rules[j].outcome)] += count
    return dict(out)


def _outcome_volumes(matrix: Mapping[tuple[str, str], int], outcomes: Sequence[str]) -> tuple[Volume, ...]:
    old: Counter[str] = Counter()
    new: Counter[str] = Counter()
    for (a, b), count in matrix.items():
        old[a] += count
        new[b] += count
    return tuple(Volume(o, old[o], new[o]) for o in outcomes)


def _segment_volumes(old: m.PolicyModel, new: m.PolicyModel, counts_old: Counter[int],
                     counts_new: Counter[int]) -> tuple[Volume, ...]:
    """The volume of each segment present in both policies, in old's order."""
    return tuple(Volume(tuple(old.segments)[i], counts_old[i], counts_new[j])
                 for i, j in _shared(tuple(old.segments), tuple(new.segments)))


def _delta(model: m.PolicyModel, index: int, values: Sequence[int]) -> ScoreDelta:
    name = tuple(model.scores)[index]
    if not values:
        return ScoreDelta(name, 0, 0, 0.0, 0, 0)
    return ScoreDelta(name, len(values), sum(1 for v in values if v), sum(values) / len(values), min(values),
                      max(values))


def _moves(matrix: Counter[tuple[int, int]], picked: Mapping[tuple[int, int], list[Example]],
           old: m.PolicyModel, new: m.PolicyModel, examples: int) -> tuple[Move, ...]:
    """Each (old outcome, new outcome) pair that differs, the most leads first."""
    grouped: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for key in matrix:
        pair = (old.rules[key[0]].outcome, new.rules[key[1]].outcome)
        if pair[0] != pair[1]:
            grouped.setdefault(pair, []).append(key)
    moves = []
    for (a, b), keys in grouped.items():
        keys.sort(key=lambda k: (-matrix[k], k))
        rules = tuple((RuleRef.of(old.rules[i]), RuleRef.of(new.rules[j]), matrix[(i, j)]) for i, j in keys)
        chosen = [e for k in keys for e in picked.get(k, [])][:examples]
        moves.append(Move(a, b, sum(matrix[k] for k in keys), rules, tuple(chosen)))
    moves.sort(key=lambda mv: (-mv.leads, mv.old, mv.new))
    return tuple(moves)


def volume_breaches(report: DiffReport, outcomes: Sequence[str], limit: float) -> tuple[Volume, ...]:
    """The volumes of ``outcomes`` that moved by more than ``limit`` percent (up or down); a
    volume that grows from 0 always counts."""
    out = []
    for volume in report.volumes:
        if volume.name in outcomes:
            percent = volume.percent
            if percent is None or abs(percent) > limit:
                out.append(volume)
    return tuple(out)


def checked_outcomes(report: DiffReport) -> tuple[str, ...]:
    """The outcomes ``--fail-over`` watches by default: every one that is not an `otherwise` outcome."""
    return tuple(o for o in report.outcomes if o not in (report.old.otherwise, report.new.otherwise))


# ---- declarations that changed --------------------------------------------------------------------

def normalize(text: str) -> str:
    """``text`` with each run of white space outside double-quoted strings made one space."""
    out: list[str] = []
    quoted = escaped = False
    for char in text.strip():
        if quoted:
            out.append(char)
            quoted = escaped or char != '"'
            escaped = not escaped and char == "\\"
        elif char.isspace():
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(char)
            quoted = char == '"'
    return "".join(out)


def _field_lines(field: m.Field) -> tuple[str, ...]:
    column = f' from "{field.column}"' if field.column else ""
    return (f"{field.name} : {field.type.describe()}{'?' if field.optional else ''}{column}",)


def _list_lines(name: str, const: m.Const) -> tuple[str, ...]:
    values = const.value if isinstance(const.value, tuple) else (const.value,)
    return (f"list {name} = " + json.dumps(list(values), ensure_ascii=False, default=str),)


def _mode(mode: str, need: int) -> str:
    return f"at least {need} of" if mode == "at least" else f"{mode} of"


def _segment_lines(segment: m.Segment) -> tuple[str, ...]:
    label = f' "{segment.label}"' if segment.label else ""
    criteria = sorted(normalize(c.text) for c in segment.criteria)
    return (f"segment {segment.name}{label} {_mode(segment.mode, segment.need)}", *criteria)


def _score_lines(score: m.Score) -> tuple[str, ...]:
    label = f' "{score.label}"' if score.label else ""
    return (f"score {score.name}{label}", *sorted(normalize(r.text) for r in score.rules))


def _framework_lines(framework: m.Framework) -> tuple[str, ...]:
    label = f' "{framework.label}"' if framework.label else ""
    criteria = sorted(f"{c.name} : {normalize(c.text)}" for c in framework.criteria)
    return (f"framework {framework.name}{label}", *criteria, normalize(framework.rule_text) or "passes when all")


def _rule_line(rule: m.QualifyRule) -> str:
    reason = f' "{rule.reason}"' if rule.reason else ""
    if rule.condition is None:
        return f"otherwise {rule.outcome}{reason}"
    return f"{rule.outcome} when {normalize(rule.text)}{reason}"


def _named(kind: str, old: Mapping[str, tuple[str, ...]], new: Mapping[str, tuple[str, ...]]) -> list[DeclChange]:
    """Declarations compared by name: added, removed, or changed (their lines differ)."""
    out = []
    for name in _union(tuple(old), tuple(new)):
        if name not in old:
            out.append(DeclChange(kind, name, "added", tuple("+ " + line for line in new[name])))
        elif name not in new:
            out.append(DeclChange(kind, name, "removed", tuple("- " + line for line in old[name])))
        elif old[name] != new[name]:
            out.append(DeclChange(kind, name, "changed", _line_diff(old[name], new[name])))
    return out


def _line_diff(old: Sequence[str], new: Sequence[str]) -> tuple[str, ...]:
    return tuple(line for line in difflib.ndiff(list(old), list(new)) if line.startswith(("- ", "+ ")))


def _rule_changes(old: Sequence[m.QualifyRule], new: Sequence[m.QualifyRule]) -> list[DeclChange]:
    """The qualify block compared as an ordered list of rules (their order matters)."""
    a, b = [_rule_line(r) for r in old], [_rule_line(r) for r in new]
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(pairs):
            ro, rn = old[i1 + k], new[j1 + k]
            out.append(DeclChange("rule", rn.outcome, "changed", (f"- line {ro.span.line}: {a[i1 + k]}",
                                                                 f"+ line {rn.span.line}: {b[j1 + k]}")))
        for ro in old[i1 + pairs:i2]:
            out.append(DeclChange("rule", ro.outcome, "removed", (f"- line {ro.span.line}: {_rule_line(ro)}",)))
        for rn in new[j1 + pairs:j2]:
            out.append(DeclChange("rule", rn.outcome, "added", (f"+ line {rn.span.line}: {_rule_line(rn)}",)))
    return out


def declaration_changes(old: m.PolicyModel, new: m.PolicyModel) -> tuple[DeclChange, ...]:
    """Every declaration added, removed or changed from ``old`` to ``new``: fields, events, lists,
    segments, scores, frameworks (by name), and the qualify rules (in order)."""
    return (
        *_named("field", {f.name: _field_lines(f) for f in old.fields}, {f.name: _field_lines(f) for f in new.fields}),
        *_named("event", {e: ("event " + e,) for e in old.events}, {e: ("event " + e,) for e in new.events}),
        *_named("list", {k: _list_lines(k, v) for k, v in old.lists.items()},
                {k: _list_lines(k, v) for k, v in new.lists.items()}),
        *_named("segment", {k: _segment_lines(v) for k, v in old.segments.items()},
                {k: _segment_lines(v) for k, v in new.segments.items()}),
        *_named("score", {k: _score_lines(v) for k, v in old.scores.items()},
                {k: _score_lines(v) for k, v in new.scores.items()}),
        *_named("framework", {k: _framework_lines(v) for k, v in old.frameworks.items()},
                {k: _framework_lines(v) for k, v in new.frameworks.items()}),
        *_rule_changes(old.rules, new.rules),
    )


# ---- rendering ---------------------------------------------------------------------------------------

MAX_RULE_PAIRS_SHOWN = 10


def count(value: int) -> str:
    return f"{value:,}"


def percent(value: float | None, sign: bool = True) -> str:
    """A percentage such as ``+12.5%``; None (growth from nothing) is ``new``."""
    if value is None:
        return "new"
    return f"{value:+.1f}%" if sign else f"{value:.1f}%"


def share(part: int, whole: int) -> str:
    return percent(100.0 * part / whole, sign=False) if whole else "n/a"


def cell(text: str, markdown: bool) -> str:
    """Policy text in a table cell: in Markdown, as code, with `|` escaped."""
    if not markdown:
        return text
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], markdown: bool,
          right: Sequence[int] = ()) -> list[str]:
    """A table as lines: a Markdown table, or aligned plain-text columns (``right``: columns
    aligned right, the numbers)."""
    cells = [[str(c) for c in row] for row in rows]
    if markdown:
        rule = ["---:" if i in right else "---" for i in range(len(headers))]
        return ["| " + " | ".join(headers) + " |", "|" + "|".join(rule) + "|",
                *("| " + " | ".join(row) + " |" for row in cells)]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths,
                                                                                                   strict=True))).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(row) for row in cells)]


def headline(report: DiffReport, markdown: bool) -> str:
    """The qualified volume change and how many leads move, in one line."""
    qualified = report.volume_of(report.qualified)
    arrow = "→" if markdown else "->"
    moved = f"{count(report.moved)} of {count(report.compared)} leads ({share(report.moved, report.compared)}) change outcome"
    if not report.qualified:
        return moved
    change = f"{qualified.change:+,}, {percent(qualified.percent)}"
    volume = f"qualified ({qualified.name}): {count(qualified.old)} {arrow} {count(qualified.new)} ({change})"
    return f"**{volume}** · {moved}" if markdown else f"{volume}; {moved}"


def _side(info: PolicyInfo) -> str:
    title = " ".join(p for p in (info.name, info.version) if p)
    return f"{title} [{info.hash}]"


def _matrix_rows(report: DiffReport, markdown: bool) -> tuple[list[str], list[list[object]]]:
    outcomes = report.outcomes
    headers = ["OLD \\ NEW", *outcomes, "total OLD"]
    rows: list[list[object]] = []
    for a in outcomes:
        values = [report.matrix.get((a, b), 0) for b in outcomes]
        shown = [f"**{count(v)}**" if markdown and v and a != b else count(v) for v, b in zip(values, outcomes,
                                                                                          strict=True)]
        rows.append([a, *shown, count(sum(values))])
    totals = [sum(report.matrix.get((a, b), 0) for a in outcomes) for b in outcomes]
    rows.append(["total NEW", *(count(t) for t in totals), count(report.compared)])
    return headers, rows


def _volume_rows(volumes: Sequence[Volume]) -> list[list[object]]:
    return [[v.name, count(v.old), count(v.new), f"{v.change:+,}", percent(v.percent)] for v in volumes]


def _score_rows(scores: Sequence[ScoreDelta]) -> list[list[object]]:
    return [[s.name, f"{s.mean:+.2f}", f"{s.min:+d}", f"{s.max:+d}", f"{count(s.changed)} of {count(s.leads)}"]
            for s in scores]


def _declaration_lines(report: DiffReport, markdown: bool) -> list[str]:
    out: list[str] = []
    for change in report.declarations:
        if markdown:
            out.append(f"- {change.kind} `{change.name}` {change.change}")
            out.extend(["  ```diff", *("  " + d for d in change.details), "  ```"])
        else:
            out.append(f"  {change.kind} {change.name}: {change.change}")
            out.extend("    " + d for d in change.details)
    return out


def _move_lines(move: Move, markdown: bool) -> list[str]:
    arrow = "→" if markdown else "->"
    pairs = [[cell(a.show(), markdown), cell(b.show(), markdown), count(k)] for a, b, k in move.rules]
    hidden = len(pairs) - MAX_RULE_PAIRS_SHOWN
    examples = [[e.lead, cell(e.old.show(), markdown), cell(e.new.show(), markdown)] for e in move.examples]
    title = f"{move.old} {arrow} {move.new}: {count(move.leads)} lead{'s' if move.leads != 1 else ''}"
    body = table(["rule in OLD", "rule in NEW", "leads"], pairs[:MAX_RULE_PAIRS_SHOWN], markdown, right=(2,))
    if hidden > 0:
        body.append(f"... and {hidden} more pairs of rules (see --format json)")
    if examples:
        body += ["", *table(["lead", "rule in OLD", "rule in NEW"], examples, markdown)]
    if markdown:
        return [f"<details><summary><b>{title}</b></summary>", "", *body, "", "</details>", ""]
    return [title, *_indent(body), ""]


def _indent(lines: Sequence[str]) -> list[str]:
    return ["  " + line if line else "" for line in lines]


def _failure_lines(report: DiffReport, markdown: bool) -> list[str]:
    total = sum(report.failed.values())
    if not total:
        return []
    parts = ", ".join(f"{k} {count(v)}" for k, v in report.failed.items() if v)
    rows = [[f.row, f.lead, f.side, f.message] for f in report.failures]
    more = [f"... and {count(total - len(rows))} more"] if total > len(rows) else []
    title = f"Records that could not be decided: {count(total)} ({parts})"
    body = [*table(["row", "lead", "by", "why"], rows, markdown), *more]
    if markdown:
        return [f"<details><summary>{title}</summary>", "", *body, "", "</details>", ""]
    return [title, *_indent(body), ""]


def render(report: DiffReport, markdown: bool = False) -> str:
    """The report as plain text, or as Markdown fit for a pull-request comment."""
    h2, h3 = ("## ", "#### ") if markdown else ("", "")
    out = [f"{h2}qualdsl diff: {report.old.label} {'→' if markdown else '->'} {report.new.label}", "",
           headline(report, markdown), ""]
    sides = [["policy", _side(report.old), _side(report.new)],
             ["from", cell(report.old.label, markdown), cell(report.new.label, markdown)]]
    out += table(["", "OLD", "NEW"], sides, markdown)
    failed = sum(report.failed.values())
    out += ["", f"Leads: {cell(report.source, markdown) if report.source else 'given'}, {count(report.records)} records, "
                f"{count(report.compared)} decided by both" + (f", {count(failed)} could not be" if failed else "")
            + f"; now {report.now}"]

    def section(title: str, lines: list[str]) -> None:
        out.extend(["", f"{h3}{title}", "", *lines])

    headers, rows = _matrix_rows(report, markdown)
    section("Outcome transitions (rows: OLD outcome, columns: NEW outcome)",
            table(headers, rows, markdown, right=tuple(range(1, len(headers)))))
    section("Volume per outcome", table(["outcome", "OLD", "NEW", "change", "%"], _volume_rows(report.volumes),
                                        markdown, right=(1, 2, 3, 4)))
    if report.segments:
        section("Volume per segment (leads in the segment)",
                table(["segment", "OLD", "NEW", "change", "%"], _volume_rows(report.segments), markdown,
                      right=(1, 2, 3, 4)))
    if report.scores:
        section("Score changes (NEW − OLD, per lead)",
                table(["score", "mean", "min", "max", "leads changed"], _score_rows(report.scores), markdown,
                      right=(1, 2, 3, 4)))
    section(f"Declarations that changed ({len(report.declarations)})",
            _declaration_lines(report, markdown) or ["(none)"])
    moves = [line for move in report.moves for line in _move_lines(move, markdown)]
    section("Leads that move, and the rules that made the difference", moves or ["(none)"])
    out += _failure_lines(report, markdown)
    return "\n".join(out).rstrip() + "\n"


def render_breaches(breaches: Sequence[Volume], limit: float, markdown: bool) -> str:
    """The ``--fail-over`` verdict: which outcome volumes moved by more than ``limit`` percent."""
    if not breaches:
        return f"Volume check passed: no checked outcome moved by more than {limit:g}%.\n"
    moved = "; ".join(f"{v.name} {count(v.old)} -> {count(v.new)} ({percent(v.percent)})" for v in breaches)
    text = f"Volume check FAILED: moved by more than {limit:g}%: {moved}"
    return (f"**{text}**" if markdown else text) + "\n"

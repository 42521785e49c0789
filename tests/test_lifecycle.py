"""Lifecycle transitions, replay, SLA timers, history files, and their checks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import qualdsl
from qualdsl.cli import main
from qualdsl.lifecycle import HistoryEvent
from tests.conftest import POLICIES

ACME = str(POLICIES / "examples" / "acme.qual")
UTC = dt.UTC

HEAD = """
policy "life"
lead {
  score_value: int
  region: text?
}
events touch, accepted, rejected, won, lost, contacted
list reasons = ["no budget", "bad timing"]
qualify {
  hot when score_value >= 50
  otherwise cold
}
"""

LIFECYCLE = HEAD + """
lifecycle {
  stages lead, mql, sal, won, lost, nurture
  start lead
  final won, lost
  owner marketing: lead, mql, nurture
  owner sales: sal
  lead    -> mql     when qualified as hot
  mql     -> sal     on accepted
  mql     -> nurture on rejected  recycle with reason from reasons
  sal     -> won     on won
  sal     -> lost    on lost
  nurture -> mql     on touch when score_value >= 80
}
calendar office {
  monday to friday 09:00 to 17:00 in "America/New_York"
  closed on "2026-12-25"
}
sla {
  each mql is contacted by sales within 4 hours of office
    escalate to "sales manager" after 2 hours of office
  each mql is accepted or rejected within 2 days of office
  marketing delivers at least 2 mql per month
}
"""


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def policy() -> qualdsl.Policy:
    return qualdsl.compile_text(LIFECYCLE)


def check_messages(text: str) -> list[str]:
    with pytest.raises(qualdsl.PolicyError) as info:
        qualdsl.compile_text(text)
    return [f"{d.code} {d.message}" for d in info.value.diagnostics]


def test_condition_transition_fires_from_the_qualify_outcome(policy: qualdsl.Policy) -> None:
    step = policy.advance("lead", {"score_value": 60}, [], at("2026-11-02T15:00:00"))
    assert step is not None and step.stage == "mql"
    assert "when qualified as hot" in step.why
    assert policy.advance("lead", {"score_value": 10}, [], at("2026-11-02T15:00:00")) is None


def test_event_transition_and_first_written_wins(policy: qualdsl.Policy) -> None:
    step = policy.advance("mql", {"score_value": 60}, [], at("2026-11-02T15:00:00"),
                          ("rejected", "2026-11-02T15:00:00Z", "bad timing"))
    assert step is not None and (step.stage, step.reason) == ("nurture", "bad timing")
    assert policy.advance("mql", {"score_value": 60}, [], at("2026-11-02T15:00:00"), ("won", at("2026-11-02T15:00:00"))) is None


def test_replay_equals_stepping_advance_event_by_event(policy: qualdsl.Policy) -> None:
    lead = {"score_value": 90}
    events = [("touch", at("2026-11-02T14:00:00")), ("rejected", at("2026-11-03T15:00:00"), "no budget"),
              ("touch", at("2026-11-04T15:00:00")), ("accepted", at("2026-11-05T15:00:00")),
              ("won", at("2026-11-20T15:00:00"))]
    timeline = policy.replay(lead, events, at("2026-12-01T12:00:00"))
    stage = "lead"
    stepped = [stage]
    seen: list[tuple[str, dt.datetime]] = []
    first = events[0][1]
    step = policy.advance(stage, lead, seen, first)
    if step:
        stage = step.stage
        stepped.append(stage)
    for event in events:
        seen.append(event[:2])  # type: ignore[arg-type]
        step = policy.advance(stage, lead, seen, event[1], event)
        if step:
            stage = step.stage
            stepped.append(stage)
        step = policy.advance(stage, lead, seen, event[1])
        if step:
            stage = step.stage
            stepped.append(stage)
    assert [v.stage for v in timeline.visits] == stepped == ["lead", "mql", "nurture", "mql", "sal", "won"]
    assert timeline.visits[2].reason == "no budget"
    assert [v.owner for v in timeline.visits] == ["marketing", "marketing", "marketing", "marketing", "sales", None]
    again = policy.replay(lead, list(reversed(events)), at("2026-12-01T12:00:00"))
    assert again == timeline


def test_recycle_without_a_listed_reason_is_reported(policy: qualdsl.Policy) -> None:
    events = [("touch", at("2026-11-02T14:00:00")), ("rejected", at("2026-11-03T15:00:00"), "too pricey"),
              ("touch", at("2026-11-04T15:00:00")), ("rejected", at("2026-11-05T15:00:00"))]
    timeline = policy.replay({"score_value": 90}, events, at("2026-12-01T12:00:00"))
    assert any('reason "too pricey" is not one of' in p for p in timeline.problems)
    assert any("needs a reason" in p for p in timeline.problems)


def _timers(policy: qualdsl.Policy, contacted: str | None, now: str) -> dict[str, qualdsl.sla.TimerStatus]:  # type: ignore[name-defined]
    events: list[tuple[str, dt.datetime]] = [("touch", at("2026-11-02T15:00:00"))]  # Monday 10:00 New York
    if contacted:
        events.append(("contacted", at(contacted)))
    return {s.rule.text.split()[3]: s for s in policy.sla_status({"score_value": 60}, events, at(now))}


def test_action_exactly_at_the_deadline_is_met_one_second_later_breached(policy: qualdsl.Policy) -> None:
    met = _timers(policy, "2026-11-02T19:00:00", "2026-12-01T00:00:00")["contacted"]
    assert met.deadline == at("2026-11-02T19:00:00") and met.state == "met"
    assert met.time_to_act == dt.timedelta(hours=4)
    late = _timers(policy, "2026-11-02T19:00:01", "2026-12-01T00:00:00")["contacted"]
    assert late.state == "breached"


def test_running_timer_at_risk_and_escalation_due(policy: qualdsl.Policy) -> None:
    running = _timers(policy, None, "2026-11-02T18:30:00")["contacted"]  # 3.5 of 4 business hours gone
    assert running.state == "at risk"
    assert running.remaining == dt.timedelta(minutes=30)
    assert running.escalations_due == ("sales manager",)
    early = _timers(policy, None, "2026-11-02T15:30:00")["contacted"]
    assert (early.state, early.escalations_due) == ("on time", ())


def test_two_working_days_skip_the_weekend(policy: qualdsl.Policy) -> None:
    events = [("touch", at("2026-11-06T15:00:00")), ("accepted", at("2026-11-10T15:00:00"))]  # Friday 10:00 NY
    status = {s.rule.text.split()[3]: s for s in policy.sla_status({"score_value": 60}, events, at("2026-12-01T00:00:00"))}
    assert status["accepted"].deadline == at("2026-11-10T15:00:00")  # Tuesday 10:00 New York
    assert status["accepted"].state == "met"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("mql     -> sal     on accepted", "E161 unknown stage"),
        ("sal     -> won     on won", "E163 stage `sal` is not final and has no way out"),
        ("mql     -> nurture on rejected  recycle with reason from reasons",
         "E166 a recycle transition needs the list of allowed reasons"),
    ],
)
def test_lifecycle_checks(change: str, expected: str) -> None:
    replacement = {
        "mql     -> sal     on accepted": "mql     -> sall    on accepted",
        "sal     -> won     on won": "",
        "mql     -> nurture on rejected  recycle with reason from reasons": "mql     -> nurture on rejected  recycle",
    }[change]
    text = LIFECYCLE.replace(change, replacement)
    if change.startswith("sal"):
        text = text.replace("sal     -> lost    on lost", "")
    messages = check_messages(text)
    assert any(m.startswith(expected) for m in messages), messages


def test_ambiguous_transitions_and_unknown_calendar() -> None:
    text = LIFECYCLE.replace("sal     -> lost    on lost", "sal     -> lost    on lost\n  sal -> won on lost")
    text = text.replace("within 4 hours of office", "within 4 hours of ofice")
    messages = check_messages(text)
    assert any(m.startswith("E165 two transitions leave `sal` on `lost`") for m in messages)
    assert any(m.startswith("E169 unknown calendar `ofice`") for m in messages)


def test_calendar_overlap_and_unreachable_stage_warning() -> None:
    overlap = LIFECYCLE.replace('  closed on "2026-12-25"', '  monday 12:00 to 13:00\n  closed on "2026-12-25"')
    assert any(m.startswith("E174") and "overlaps" in m for m in check_messages(overlap))
    stages = "stages lead, mql, sal, won, lost, nurture"
    unreachable = LIFECYCLE.replace(stages, stages + ", limbo")
    unreachable = unreachable.replace("final won, lost", "final won, lost, limbo")
    policy = qualdsl.compile_text(unreachable)
    assert any(w.code == "W310" and "limbo" in w.message for w in policy.warnings)


def test_history_file_with_bad_rows_and_the_cli(tmp_path: Path) -> None:
    rows = [
        {"lead_id": "A", "lead": {"score_value": 70}},
        {"lead_id": "A", "type": "touch", "at": "2026-11-02T15:00:00Z"},
        {"lead_id": "A", "type": "contacted", "at": "2026-11-02T16:00:00Z"},
        {"lead_id": "A", "type": "teleport", "at": "2026-11-02T16:00:00Z"},
        {"lead_id": "A", "type": "accepted", "at": "soon"},
        {"lead_id": "B", "stage": "mql", "at": "2026-11-03T15:00:00Z"},
        {"lead_id": "B", "type": "contacted", "at": "2026-11-02T10:00:00Z"},
    ]
    history = tmp_path / "history.jsonl"
    history.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    policy_file = tmp_path / "life.qual"
    policy_file.write_text(LIFECYCLE)
    runner = CliRunner()
    result = runner.invoke(main, ["sla", str(policy_file), str(history), "--now", "2026-11-04T12:00:00Z", "--format", "json"])
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    messages = [p["message"] for p in report["problems"]]
    assert any("events[" not in m and "not a declared event" in m for m in messages)
    assert any("out of order" in m for m in messages)
    assert any("not valid JSON" in m for m in messages)
    contacted = next(s for s in report["slas"] if "contacted" in s["sla"])
    assert (contacted["met"], contacted["breached"]) == (1, 1)
    result = runner.invoke(main, ["lifecycle", str(policy_file), str(history), "--now", "2026-11-04T12:00:00Z"])
    timelines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [t["stage"] for t in timelines] == ["mql", "mql"]
    result = runner.invoke(main, ["sla", str(policy_file), str(history), "--now", "2026-11-04T12:00:00Z",
                                  "--format", "markdown"])
    assert "| SLA | owner |" in result.stdout


def test_graph_mermaid_and_dot() -> None:
    runner = CliRunner()
    mermaid = runner.invoke(main, ["graph", ACME]).stdout
    assert mermaid.startswith("flowchart LR") and "-.->" in mermaid and "on rejected_by_sales" in mermaid
    dot = runner.invoke(main, ["graph", ACME, "--format", "dot"]).stdout
    assert dot.startswith("digraph lifecycle") and "style=dashed" in dot


def test_history_event_objects_are_accepted(policy: qualdsl.Policy) -> None:
    events = [HistoryEvent("touch", at("2026-11-02T15:00:00"))]
    assert policy.replay({"score_value": 60}, events, at("2026-11-03T00:00:00")).stage == "mql"


def test_csv_history_with_stage_entry_columns(tmp_path: Path) -> None:
    csv_text = (
        "lead_id,score_value,mql_at,contacted_at,sal_at\n"
        "A,70,2026-11-02T15:00:00Z,2026-11-02T16:00:00Z,2026-11-03T15:00:00Z\n"
        "B,20,2026-11-02T15:00:00Z,,\n"
        "C,20,yesterday,,\n"
    )
    history = tmp_path / "history.csv"
    history.write_text(csv_text)
    policy_file = tmp_path / "life.qual"
    policy_file.write_text(LIFECYCLE)
    result = CliRunner().invoke(main, ["lifecycle", str(policy_file), str(history), "--now", "2026-11-04T12:00:00Z"])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(t["lead_id"], t["stage"]) for t in lines] == [("A", "sal"), ("B", "mql"), ("C", "lead")]
    assert "row 4: field `mql_at`" in result.stderr and '"yesterday"' in result.stderr
    assert result.exit_code == 3


def test_compiled_guards_replay_like_the_reference_interpreter() -> None:
    from examples.synthetic_history import history_rows
    from qualdsl.history import read_history
    from qualdsl.lifecycle import reference_guards, replay
    from qualdsl.records import convert_lead

    policy = qualdsl.load(ACME)
    lines = "\n".join(json.dumps(r) for r in history_rows(400, seed=11))
    import io

    history = read_history(io.StringIO(lines), "jsonl", policy.model)
    now = at("2026-12-01T12:00:00")
    reference = reference_guards(policy.model)
    compared = 0
    for item in history.leads.values():
        lead = convert_lead(policy.model.fields, item.lead) if item.lead is not None else None
        slow = replay(policy.model, lead, item.events, now, reference, tuple(item.entries))
        fast = policy.replay(item.lead, item.events, now, item.entries)
        assert slow == fast, item.lead_id
        compared += len(fast.visits)
    assert compared > 400

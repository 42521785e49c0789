"""qualdsl against peer rule engines on the acme policy: same leads, same answers, then speed.

    pip install -e '.[bench]'
    python -m benchmarks.bench_peers [--leads 10000] [--repeats 3] [--seed N] [--only zen,rego,...]

The reference policy is ``policies/examples/acme.qual`` (with ``policies/frameworks/bant.qual``):
the engagement score from event counts in windows, the ``ideal_customer`` segment, BANT passing
when at least 3 of 4 criteria hold, with ``budget_amount`` and ``timeline`` three-valued (a missing
one is unknown: it neither meets nor fails its criterion), and the qualify rules in order. Each
peer expresses it in its own language:

* zen-engine      a GoRules JDM decision graph: input -> expression node -> decision table
                  (hit policy "first") -> output
* regopy          an OPA Rego module, compiled once into a bundle, queried per lead
* cel-python      CEL (pure Python), the policy as named CEL expressions evaluated in order
* common-expression-language   the same CEL expressions on the Rust CEL implementation
* rule-engine     rule-engine expressions, named and evaluated in order
* json-logic      JsonLogic rules (whichever of json-logic-qubit / panzi-json-logic is installed)

Inputs. Events are NOT processed by the peers: a shared pre-pass (``features``, plain Python,
excluded from all timings) turns each lead and its events into one flat JSON-like dict: the
lead's fields (``employees`` from the CRM column, ``industry`` and ``email_domain`` lower-cased
because not every peer has a lower-case function, ``budget_amount`` as a float and
``timeline_days`` as an int, each left out when unknown) and four counts:
pricing views in the last 30 days, demos in 60, webinars in 90, any event in 60. qualdsl and
the hand-written function get the same typed inputs as ``bench_eval`` (budget as ``Decimal``,
timeline as ``timedelta``, events as ``(type, aware datetime)`` tuples) and DO process the
events, validate every field and fold case themselves; that work is inside their timings. The
pre-pass's own cost per lead is printed, so "peer + pre-pass" can be compared like for like.
Any engine-specific conversion of the features dict (to CEL values, to a Rego input, adding
the results of earlier named expressions) is part of that engine's per-lead call.

Agreement: before anything is timed, every engine's outcome and engagement score must equal
qualdsl's on every lead, and its BANT verdict (true / false / unknown) must equal
``bench_eval.bant_passes``; any difference aborts with the lead.

Timing: throughput is the best of ``--repeats`` passes over all leads, the contestants
interleaved; latency is one further pass timing each call with ``perf_counter_ns`` (median and
p99). Ratios are to qualdsl's throughput.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import qualdsl

try:
    from benchmarks import bench_eval, leadgen
except ImportError:  # run as a script: python benchmarks/bench_peers.py
    import bench_eval  # type: ignore[no-redef]
    import leadgen  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
ACME = ROOT / "policies" / "examples" / "acme.qual"

Features = dict[str, Any]
Result = tuple[str, int, bool | None]  # outcome, engagement, BANT verdict (None: unknown)

# ---- the shared pre-pass: the same features for every peer, outside every timing ----------------
DAY = dt.timedelta(days=1)
ZERO = dt.timedelta(0)
D30, D60, D90 = 30 * DAY, 60 * DAY, 90 * DAY


def features(lead: Mapping[str, Any], events: Sequence[tuple[str, dt.datetime]], now: dt.datetime) -> Features:
    """One raw (JSON-typed) lead and its events as the flat dict every peer reads."""
    pricing = demos = webinars = recent = 0
    for name, at in events:
        age = now - at
        if age < ZERO:
            continue
        if age <= D60:
            recent += 1
        if name == "pricing_view" and age <= D30:
            pricing += 1
        elif name == "demo_watched" and age <= D60:
            demos += 1
        elif name == "webinar_attended" and age <= D90:
            webinars += 1
    out: Features = {
        "employees": lead["NumberOfEmployees"],
        "industry": lead["industry"].lower(),
        "seniority": lead["seniority"],
        "email_domain": lead["email_domain"].lower(),
        "budget_confirmed": lead["budget_confirmed"],
        "decision_maker": lead["decision_maker"],
        "pain_points": list(lead["pain_points"]),
        "is_competitor": lead["is_competitor"],
        "pricing_views_30d": pricing,
        "demos_60d": demos,
        "webinars_90d": webinars,
        "events_60d": recent,
    }
    if lead["budget_amount"] is not None:
        out["budget_amount"] = float(lead["budget_amount"])
    if lead["timeline"] is not None:
        out["timeline_days"] = bench_eval.to_timedelta(lead["timeline"]).days
    return out


# ---- the peers ------------------------------------------------------------------------------------
class Skip(Exception):
    """A peer that cannot run here; the message says why."""


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        raise Skip(f"{dist} is not installed (pip install -e '.[bench]')") from None


# GoRules JDM: an expression node computes the score and BANT, a first-hit decision table decides.
ZEN_EXPRESSIONS = [
    ("engagement", "min([10 * pricing_views_30d, 30]) + (demos_60d >= 1 ? 25 : 0) + min([15 * webinars_90d, 30])"
                   ' + (email_domain in ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com"] ? -50 : 0)'
                   " + (events_60d == 0 ? -20 : 0)"),
    ("ideal_customer", 'employees >= 50 and employees <= 5000 and industry in ["software", "fintech", "healthtech"]'
                       ' and seniority in ["director", "vp", "c_level"]'),
    ("budget", "budget_confirmed ? true : (budget_amount == null ? null : budget_amount >= 10000)"),
    ("authority", 'decision_maker or seniority in ["vp", "c_level"]'),
    ("need", "len(pain_points) > 0"),
    ("timeline", "timeline_days == null ? null : timeline_days <= 90"),
    ("met", "($.budget == true ? 1 : 0) + ($.authority ? 1 : 0) + ($.need ? 1 : 0) + ($.timeline == true ? 1 : 0)"),
    ("unknown", "($.budget == null ? 1 : 0) + ($.timeline == null ? 1 : 0)"),
    ("bant", "$.met >= 3 ? true : ($.met + $.unknown < 3 ? false : null)"),
]
ZEN_TABLE = [  # (is_competitor, ideal_customer, engagement, bant) -> outcome, first hit wins
    ("true", "", "", "", '"disqualified"'),
    ("", "true", ">= 50", "true", '"sql"'),
    ("", "true", ">= 50", "", '"mql"'),
    ("", "", "", "", '"lead"'),
]


def zen_graph() -> dict[str, Any]:
    columns = ["is_competitor", "ideal_customer", "engagement", "bant"]
    rules = []
    for i, row in enumerate(ZEN_TABLE):
        rule = {"_id": f"r{i}", **{f"in_{c}": cell for c, cell in zip(columns, row[:4], strict=True)}}
        rule["out_outcome"] = row[4]
        rule["out_engagement"] = "engagement"
        rule["out_bant"] = "bant"
        rules.append(rule)
    nodes = [
        {"id": "input", "type": "inputNode", "name": "lead", "position": {"x": 0, "y": 0}},
        {"id": "features", "type": "expressionNode", "name": "score and BANT", "position": {"x": 200, "y": 0},
         "content": {"passThrough": True, "inputField": None, "outputPath": None,
                     "expressions": [{"id": key, "key": key, "value": value} for key, value in ZEN_EXPRESSIONS]}},
        {"id": "qualify", "type": "decisionTableNode", "name": "qualify", "position": {"x": 400, "y": 0},
         "content": {"hitPolicy": "first", "passThrough": False, "inputField": None, "outputPath": None,
                     "inputs": [{"id": f"in_{c}", "name": c, "field": c} for c in columns],
                     "outputs": [{"id": f"out_{c}", "name": c, "field": c} for c in ("outcome", "engagement", "bant")],
                     "rules": rules}},
        {"id": "output", "type": "outputNode", "name": "decision", "position": {"x": 600, "y": 0}},
    ]
    edges = [{"id": f"e{i}", "type": "edge", "sourceId": a, "targetId": b}
             for i, (a, b) in enumerate([("input", "features"), ("features", "qualify"), ("qualify", "output")])]
    return {"contentType": "application/vnd.gorules.decision", "nodes": nodes, "edges": edges}


def make_zen() -> Callable[[Features], Result]:
    _version("zen-engine")
    import zen

    decision = zen.ZenEngine().create_decision(json.dumps(zen_graph()))

    def decide(x: Features) -> Result:
        out = decision.evaluate(x)["result"]
        return out["outcome"], out["engagement"], out.get("bant")

    return decide


REGO = """
package acme

import rego.v1

free_mail := {"gmail.com", "yahoo.com", "outlook.com", "hotmail.com"}

demo_points := 25 if input.demos_60d >= 1
else := 0

free_mail_points := -50 if input.email_domain in free_mail
else := 0

quiet_points := -20 if input.events_60d == 0
else := 0

pricing_points := min([10 * input.pricing_views_30d, 30])

webinar_points := min([15 * input.webinars_90d, 30])

engagement := (((pricing_points + demo_points) + webinar_points) + free_mail_points) + quiet_points

ideal_customer if {
    input.employees >= 50
    input.employees <= 5000
    input.industry in {"software", "fintech", "healthtech"}
    input.seniority in {"director", "vp", "c_level"}
}

# each BANT criterion is "yes", "no" or "unknown" (its input is missing)
default budget := "unknown"

budget := "yes" if input.budget_confirmed
else := "yes" if input.budget_amount >= 10000
else := "no" if input.budget_amount < 10000

authority := "yes" if input.decision_maker
else := "yes" if input.seniority in {"vp", "c_level"}
else := "no"

need := "yes" if count(input.pain_points) > 0
else := "no"

default timeline := "unknown"

timeline := "yes" if input.timeline_days <= 90
else := "no" if input.timeline_days > 90

criteria := [budget, authority, need, timeline]

met := count([c | some c in criteria; c == "yes"])

unknown := count([c | some c in criteria; c == "unknown"])

bant := true if met >= 3
else := false if met + unknown < 3
else := null

outcome := "disqualified" if input.is_competitor
else := "sql" if {
    ideal_customer
    engagement >= 50
    bant == true
}
else := "mql" if {
    ideal_customer
    engagement >= 50
}
else := "lead"

decision := {"outcome": outcome, "engagement": engagement, "bant": bant}
"""


def make_rego() -> Callable[[Features], Result]:
    _version("regopy")
    from regopy import Interpreter

    builder = Interpreter()
    builder.add_module("acme.rego", REGO)
    bundle = builder.build("x = data.acme.decision", ["acme/decision"])
    rego = Interpreter()
    query, set_input, loads = rego.query_bundle_entrypoint, rego.set_input, json.loads

    def decide(x: Features) -> Result:
        set_input(x)
        output = query(bundle, "acme/decision")  # keep it: its nodes are freed with it (a crash in regopy 1.5.2)
        out = loads(output.expressions().json())[0]
        return out["outcome"], out["engagement"], out["bant"]

    return decide


# CEL has no min() and no let: the policy is a list of named expressions, each evaluated with
# the ones before it in scope (as Kubernetes admission policies' `variables` are).
CEL_VARIABLES = [
    ("engagement", "(lead.pricing_views_30d >= 3 ? 30 : 10 * lead.pricing_views_30d)"
                   " + (lead.demos_60d >= 1 ? 25 : 0)"
                   " + (lead.webinars_90d >= 2 ? 30 : 15 * lead.webinars_90d)"
                   " + (lead.email_domain in ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com'] ? -50 : 0)"
                   " + (lead.events_60d == 0 ? -20 : 0)"),
    # `'key' in lead` rather than has(lead.key): cel-python's compiled runner mishandles has()
    ("met", "(lead.budget_confirmed || ('budget_amount' in lead && lead.budget_amount >= 10000.0) ? 1 : 0)"
            " + (lead.decision_maker || lead.seniority in ['vp', 'c_level'] ? 1 : 0)"
            " + (size(lead.pain_points) > 0 ? 1 : 0)"
            " + ('timeline_days' in lead && lead.timeline_days <= 90 ? 1 : 0)"),
    ("unknown", "(!lead.budget_confirmed && !('budget_amount' in lead) ? 1 : 0) + ('timeline_days' in lead ? 0 : 1)"),
]
CEL_DECISION = (
    "{'bant': met >= 3 ? 'yes' : (met + unknown < 3 ? 'no' : 'unknown'),"
    " 'outcome': lead.is_competitor ? 'disqualified'"
    " : (lead.employees >= 50 && lead.employees <= 5000"
    " && lead.industry in ['software', 'fintech', 'healthtech']"
    " && lead.seniority in ['director', 'vp', 'c_level'] && engagement >= 50)"
    " ? (met >= 3 ? 'sql' : 'mql') : 'lead'}"
)
TRI = {"yes": True, "no": False, "unknown": None}


def make_celpy() -> Callable[[Features], Result]:
    _version("cel-python")
    import celpy

    # the transpiling runner (cel-python >= 0.5) is ~3x faster than the default tree interpreter
    env = celpy.Environment(runner_class=getattr(celpy, "CompiledRunner", None))
    variables = [(name, env.program(env.compile(text))) for name, text in CEL_VARIABLES]
    final = env.program(env.compile(CEL_DECISION))
    to_cel = celpy.json_to_cel

    def decide(x: Features) -> Result:
        activation: dict[str, Any] = {"lead": to_cel(x)}
        for name, program in variables:
            activation[name] = program.evaluate(activation)
        out = final.evaluate(activation)
        return str(out["outcome"]), int(activation["engagement"]), TRI[str(out["bant"])]

    return decide


def make_cel_rust() -> Callable[[Features], Result]:
    _version("common-expression-language")
    import cel

    variables = [(name, cel.compile(text)) for name, text in CEL_VARIABLES]
    final = cel.compile(CEL_DECISION)

    def decide(x: Features) -> Result:
        context: dict[str, Any] = {"lead": x}
        for name, program in variables:
            context[name] = program.execute(context)
        out = final.execute(context)
        return out["outcome"], context["engagement"], TRI[out["bant"]]

    return decide


RULE_ENGINE_VARIABLES = [
    ("engagement", "$min([10 * pricing_views_30d, 30]) + (demos_60d >= 1 ? 25 : 0) + $min([15 * webinars_90d, 30])"
                   ' + (email_domain in ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com"] ? -50 : 0)'
                   " + (events_60d == 0 ? -20 : 0)"),
    ("met", "(budget_confirmed or (budget_amount != null and budget_amount >= 10000) ? 1 : 0)"
            ' + (decision_maker or seniority in ["vp", "c_level"] ? 1 : 0)'
            " + (pain_points.length > 0 ? 1 : 0)"
            " + (timeline_days != null and timeline_days <= 90 ? 1 : 0)"),
    ("unknown", "(not budget_confirmed and budget_amount == null ? 1 : 0) + (timeline_days == null ? 1 : 0)"),
    ("bant", "met >= 3 ? true : (met + unknown < 3 ? false : null)"),
    ("outcome", 'is_competitor ? "disqualified" : ((employees >= 50 and employees <= 5000'
                ' and industry in ["software", "fintech", "healthtech"]'
                ' and seniority in ["director", "vp", "c_level"] and engagement >= 50)'
                ' ? (bant == true ? "sql" : "mql") : "lead")'),
]


def make_rule_engine() -> Callable[[Features], Result]:
    _version("rule-engine")
    import rule_engine

    context = rule_engine.Context(default_value=None)  # a missing attribute reads as null (unknown)
    rules = [(name, rule_engine.Rule(text, context=context)) for name, text in RULE_ENGINE_VARIABLES]

    def decide(x: Features) -> Result:
        thing = dict(x)
        for name, rule in rules:
            thing[name] = rule.evaluate(thing)
        return thing["outcome"], int(thing["engagement"]), thing["bant"]

    return decide


def _var(name: str) -> dict[str, Any]:
    return {"var": name}


def _one_if(condition: Any) -> dict[str, Any]:
    return {"if": [condition, 1, 0]}


JSON_LOGIC_VARIABLES: list[tuple[str, Any]] = [
    ("engagement", {"+": [
        {"min": [{"*": [10, _var("pricing_views_30d")]}, 30]},
        {"if": [{">=": [_var("demos_60d"), 1]}, 25, 0]},
        {"min": [{"*": [15, _var("webinars_90d")]}, 30]},
        {"if": [{"in": [_var("email_domain"), ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com"]]}, -50, 0]},
        {"if": [{"==": [_var("events_60d"), 0]}, -20, 0]},
    ]}),
    ("met", {"+": [
        _one_if({"or": [_var("budget_confirmed"),
                        {"and": [{"!": {"missing": ["budget_amount"]}}, {">=": [_var("budget_amount"), 10000]}]}]}),
        _one_if({"or": [_var("decision_maker"), {"in": [_var("seniority"), ["vp", "c_level"]]}]}),
        _one_if({"!!": [_var("pain_points")]}),  # an empty list is falsy in JsonLogic
        _one_if({"and": [{"!": {"missing": ["timeline_days"]}}, {"<=": [_var("timeline_days"), 90]}]}),
    ]}),
    ("unknown", {"+": [
        _one_if({"and": [{"!": _var("budget_confirmed")}, {"missing": ["budget_amount"]}]}),
        _one_if({"missing": ["timeline_days"]}),
    ]}),
    ("bant", {"if": [{">=": [_var("met"), 3]}, "yes", {"<": [{"+": [_var("met"), _var("unknown")]}, 3]}, "no", "unknown"]}),
    ("outcome", {"if": [
        _var("is_competitor"), "disqualified",
        {"and": [{"<=": [50, _var("employees"), 5000]},
                 {"in": [_var("industry"), ["software", "fintech", "healthtech"]]},
                 {"in": [_var("seniority"), ["director", "vp", "c_level"]]},
                 {">=": [_var("engagement"), 50]}]},
        {"if": [{"==": [_var("bant"), "yes"]}, "sql", "mql"]},
        "lead",
    ]}),
]


def json_logic_dist() -> str:
    for dist in ("json-logic-qubit", "panzi-json-logic", "json-logic"):
        try:
            metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
        return dist
    raise Skip("no JsonLogic package is installed (pip install -e '.[bench]')")


def make_json_logic() -> Callable[[Features], Result]:
    dist = json_logic_dist()
    try:
        from json_logic import jsonLogic
        if jsonLogic({"+": [1, {"var": "a"}]}, {"a": 2}) != 3:
            raise Skip(f"{dist}: 1 + 2 is not 3")
    except Skip:
        raise
    except Exception as exc:  # json-logic 0.6.3 (2015) indexes dict.keys(): Python 2 only
        raise Skip(f"{dist} does not work on Python {sys.version_info.major}.{sys.version_info.minor}: "
                   f"{type(exc).__name__}: {exc}") from None
    rules = JSON_LOGIC_VARIABLES

    def decide(x: Features) -> Result:
        data = dict(x)
        for name, rule in rules:
            data[name] = jsonLogic(rule, data)
        return data["outcome"], data["engagement"], TRI[data["bant"]]

    return decide


PEERS: dict[str, tuple[str, str, Callable[[], Callable[[Features], Result]]]] = {
    # key: (label, distribution, factory)
    "zen": ("zen-engine (GoRules JDM graph)", "zen-engine", make_zen),
    "rego": ("regopy (OPA Rego)", "regopy", make_rego),
    "celpy": ("cel-python (CEL)", "cel-python", make_celpy),
    "cel": ("common-expression-language (CEL)", "common-expression-language", make_cel_rust),
    "rule_engine": ("rule-engine", "rule-engine", make_rule_engine),
    "json_logic": ("json-logic", "", make_json_logic),
}


# ---- agreement and timing ---------------------------------------------------------------------------
def qualdsl_results(policy: qualdsl.Policy, typed: Sequence[bench_eval.Sample], now: dt.datetime) -> list[Result]:
    out = []
    for lead, events in typed:
        decision = policy.evaluate(lead, events, now)
        out.append((decision.outcome, decision.scores["engagement"], bench_eval.bant_passes(lead)))
    return out


def check_peer(label: str, decide: Callable[[Features], Result], inputs: Sequence[Features], want: Sequence[Result],
               raw: Sequence[bench_eval.Sample]) -> None:
    for i, (x, expected) in enumerate(zip(inputs, want, strict=True)):
        outcome, score, bant = decide(x)
        got = (outcome, int(score), bant)
        if got != expected:
            sys.exit(
                f"DISAGREEMENT: {label} at lead {i}: (outcome, engagement, BANT) = {got}, "
                f"qualdsl {expected}\n  features: {x}\n  lead: {raw[i][0]}\n  events: {raw[i][1]}"
            )


def time_runs(runs: Mapping[str, Callable[[], None]], repeats: int) -> dict[str, float]:
    """The fastest of ``repeats`` interleaved passes of each (their agreement pass was the warm-up)."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeats):
        for name, run in runs.items():
            gc.collect()
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def latencies(call: Callable[[int], object], n: int) -> tuple[float, float]:
    """(median, p99) of one call per lead, in microseconds."""
    clock = time.perf_counter_ns
    samples = []
    gc.collect()
    for i in range(n):
        start = clock()
        call(i)
        samples.append(clock() - start)
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples) / 1000, cuts[98] / 1000


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000, help="leads checked and timed (default 10000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes; the best counts (default 3)")
    parser.add_argument("--seed", type=int, default=leadgen.SEED)
    parser.add_argument("--pass-seconds", type=float, default=5.0,
                        help="a peer slower than this per pass over all leads is timed on fewer (default 5)")
    parser.add_argument("--only", help="comma-separated peers to run: " + ",".join(PEERS))
    args = parser.parse_args(argv)
    n, now = args.leads, leadgen.NOW
    chosen = list(PEERS) if not args.only else [p.strip() for p in args.only.split(",")]
    unknown = [p for p in chosen if p not in PEERS]
    if unknown:
        parser.error(f"unknown peer(s) {', '.join(unknown)}; choose from {', '.join(PEERS)}")

    print(f"== peers: {ACME.relative_to(ROOT)} on {n:,} leads (seed {args.seed}), "
          f"throughput best of {args.repeats} interleaved passes, then one latency pass")
    raw = leadgen.generate(n, args.seed, now)
    typed = bench_eval.typed_inputs(raw)
    policy = qualdsl.load(str(ACME))
    want = qualdsl_results(policy, typed, now)
    for i, ((lead, events), expected) in enumerate(zip(typed, want, strict=True)):
        if bench_eval.handwritten(lead, events, now) != expected[:2]:
            sys.exit(f"DISAGREEMENT: hand-written {bench_eval.handwritten(lead, events, now)} vs qualdsl {expected[:2]} "
                     f"at lead {i}")
    started = time.perf_counter()
    inputs = [features(lead, events, now) for lead, events in raw]
    prepass_us = (time.perf_counter() - started) / n * 1e6
    print(f"   shared pre-pass (features from the raw lead and its events): {prepass_us:.2f} us/lead, "
          "excluded from the peers' figures")

    deciders: dict[str, tuple[str, Callable[[Features], Result]]] = {}
    subset: dict[str, int] = {"qualdsl": n, "handwritten": n, "handwritten_checked": n}
    for key in chosen:
        label, dist, factory = PEERS[key]
        try:
            decide = factory()
        except Skip as exc:
            print(f"   SKIPPED {label}: {exc}")
            continue
        dist = dist or json_logic_dist()
        label = f"{label} {metadata.version(dist)}" + (f" [{dist}]" if key == "json_logic" else "")
        started = time.perf_counter()
        check_peer(label, decide, inputs, want, raw)
        took = time.perf_counter() - started
        # a slow peer is timed on the first `timed` leads only, so one pass takes about --pass-seconds
        timed = n if took <= args.pass_seconds else max(min(n, 500), int(n * args.pass_seconds / took))
        deciders[key] = (label, decide)
        subset[key] = timed
    mix: dict[str, int] = {}
    for outcome, _, _ in want:
        mix[outcome] = mix.get(outcome, 0) + 1
    bant_unknown = sum(1 for r in want if r[2] is None)
    print(f"   agreement: every engine below gives qualdsl's outcome and engagement score, and the same BANT verdict, "
          f"on all {n:,} leads")
    print("   (outcomes: " + ", ".join(f"{k} {v / n:.1%}" for k, v in sorted(mix.items(), key=lambda kv: -kv[1]))
          + f"; BANT unknown on {bant_unknown / n:.1%})")

    evaluate = policy.evaluate

    def run_qualdsl() -> None:
        for lead, events in typed:
            decision = evaluate(lead, events, now)
            _outcome, _scores = decision.outcome, decision.scores

    def run_hand() -> None:
        hand = bench_eval.handwritten
        for lead, events in typed:
            hand(lead, events, now)

    def run_hand_checked() -> None:
        hand = bench_eval.handwritten_checked
        for lead, events in typed:
            hand(lead, events, now)

    def run_peer(decide: Callable[[Features], Result], count: int) -> Callable[[], None]:
        def run() -> None:
            for x in inputs[:count]:
                decide(x)

        return run

    run_qualdsl()
    run_hand()
    runs: dict[str, Callable[[], None]] = {"qualdsl": run_qualdsl, "handwritten": run_hand,
                                           "handwritten_checked": run_hand_checked}
    runs.update({key: run_peer(decide, subset[key]) for key, (_, decide) in deciders.items()})
    seconds = time_runs(runs, args.repeats)

    def one_qualdsl(i: int) -> None:
        lead, events = typed[i]
        decision = evaluate(lead, events, now)
        _outcome, _scores = decision.outcome, decision.scores

    def one_hand(i: int) -> None:
        lead, events = typed[i]
        bench_eval.handwritten(lead, events, now)

    def one_hand_checked(i: int) -> None:
        lead, events = typed[i]
        bench_eval.handwritten_checked(lead, events, now)

    def one_peer(decide: Callable[[Features], Result]) -> Callable[[int], object]:
        return lambda i: decide(inputs[i])

    lat = {"qualdsl": latencies(one_qualdsl, n), "handwritten": latencies(one_hand, n),
           "handwritten_checked": latencies(one_hand_checked, n)}
    for key, (_, decide) in deciders.items():
        lat[key] = latencies(one_peer(decide), subset[key])

    rate = {key: subset[key] / s for key, s in seconds.items()}
    labels = {"qualdsl": f"qualdsl {qualdsl.__version__} policy.evaluate + .outcome + .scores",
              "handwritten": "hand-written Python (bench_eval.handwritten)",
              "handwritten_checked": "  the same, checking its input as qualdsl does"}
    labels.update({key: label for key, (label, _) in deciders.items()})
    print()
    print(f"   {'contestant':<52} {'leads/s':>11} {'us/lead':>8} {'median':>8} {'p99':>8} {'x qualdsl':>10}"
          f" {'with pre-pass':>14}")
    for key in ["handwritten", "handwritten_checked", "qualdsl", *deciders]:
        per = 1e6 / rate[key]
        with_prepass = ""
        if key in deciders:
            with_prepass = f"{1e6 / (per + prepass_us) / rate['qualdsl']:>12.3f}x"
        print(f"   {labels[key]:<52} {rate[key]:>11,.0f} {per:>8.2f} {lat[key][0]:>7.2f}u {lat[key][1]:>7.2f}u "
              f"{rate[key] / rate['qualdsl']:>9.3f}x {with_prepass:>14}"
              + (f"  (timed on the first {subset[key]:,} leads)" if subset[key] < n else ""))
    print("   (median and p99: single-call latency in microseconds; x qualdsl: throughput relative to qualdsl;")
    print("    with pre-pass: a peer's throughput if it paid for the shared event pre-pass, as qualdsl does)")
    slower = [key for key in deciders if rate[key] < rate["qualdsl"]]
    faster = [labels[key] for key in deciders if rate[key] >= rate["qualdsl"]]
    hand_ratio = rate["qualdsl"] / rate["handwritten"]
    checked_ratio = rate["qualdsl"] / rate["handwritten_checked"]
    median_ratio = lat["handwritten"][0] / lat["qualdsl"][0]
    print()
    if faster:
        print(f"   qualdsl is NOT faster per lead than every peer: {', '.join(faster)} "
              "(target: faster than all: MISSED)")
    else:
        print(f"   qualdsl is faster per lead than all {len(slower)} peers that ran (target: met)")
    verdict = "met" if hand_ratio >= 0.8 else "MISSED"
    print(f"   qualdsl / hand-written = {hand_ratio:.2f}x by throughput, {median_ratio:.2f}x by median latency "
          f"(target >= 0.8x: {verdict}); {checked_ratio:.2f}x the hand-written function that checks its input")
    return {"rate": rate, "latency": lat, "prepass_us": prepass_us, "labels": labels}


if __name__ == "__main__":
    main()

"""Load time of a large policy: parse, check and compile 1,000 rules.

    python -m benchmarks.bench_load [--rules 1000] [--repeats 3] [--profile] [--write FILE]

The generated policy has a realistic lead block (26 fields), 17 events, shared lists, ~10% of
the rules as segment criteria, ~60% as score rules (`+N if ...` and `+N per ... at most M`)
spread over four scores, a BANT-style framework, and ~30% as rules of the qualify block.
``qualdsl.compile_text`` is timed in a fresh process (``python -c``, so building the Lark
grammar is included) and in-process after a warm-up, with the split between
``qualdsl.loader.load_text`` (parse), ``qualdsl.check.check`` and ``qualdsl.compile.compile_policy``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import qualdsl
from qualdsl.check import check
from qualdsl.compile import compile_policy
from qualdsl.loader import load_text

TARGET_SECONDS = 1.0
SEED = 1000

LEAD_BLOCK = """\
lead {
  employees        : int              from "NumberOfEmployees"
  annual_revenue   : money?           from "AnnualRevenue"
  industry         : text
  sub_industry     : text?
  country          : text
  region           : one of na, emea, apac, latam
  seniority        : one of ic, manager, director, vp, c_level
  department       : one of engineering, it, finance, marketing, sales, operations, hr, legal, other
  job_title        : text
  email_domain     : text
  lead_source      : one of organic, paid_search, paid_social, referral, event, partner, outbound
  budget_confirmed : yes/no
  budget_amount    : money?
  decision_maker   : yes/no
  pain_points      : list of text
  tech_stack       : list of text
  timeline         : duration?
  is_competitor    : yes/no
  is_customer      : yes/no
  website_visits   : int
  trial_started    : yes/no
  nps              : int?
  seats_requested  : int?
  employees_growth : number?
  last_contacted   : datetime?
  partner_name     : text?
}
"""

EVENTS = [
    "pricing_view", "demo_watched", "webinar_attended", "whitepaper_download", "email_click", "email_open",
    "contacted", "meeting_booked", "trial_signup", "trial_active", "docs_view", "case_study_view",
    "accepted_by_sales", "rejected_by_sales", "opportunity_created", "deal_won", "deal_lost",
]

LISTS = """\
list free_mail = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "proton.me", "icloud.com"]
list eu_countries = ["DE", "FR", "NL", "ES", "IT", "SE", "IE", "BE", "AT", "DK", "FI", "PL", "PT"]
list target_industries = ["software", "fintech", "healthtech", "insurtech", "edtech", "martech"]
list excluded_industries = ["government", "nonprofit", "education"]
"""

FRAMEWORK = """\
framework BANT "Budget, Authority, Need, Timeline" {
  budget    : budget_confirmed or budget_amount >= 10000
  authority : decision_maker or seniority in [vp, c_level]
  need      : pain_points is not empty
  timeline  : timeline <= 90 days
  passes when at least 3 of 4
}
"""

INDUSTRIES = ["software", "fintech", "healthtech", "manufacturing", "retail", "logistics", "media", "telecom",
              "insurtech", "edtech", "energy", "biotech"]
TOOLS = ["salesforce", "hubspot", "snowflake", "aws", "azure", "gcp", "sap", "oracle", "slack", "jira"]
PAINS = ["manual reporting", "data silos", "compliance risk", "high churn", "slow onboarding", "scaling costs"]
TITLE_WORDS = ["head", "chief", "director", "lead", "vp", "founder", "owner", "manager"]
OUTCOMES = ["sql", "sal", "mql", "nurture", "recycled", "expansion"]
SCORES = ["fit", "engagement", "intent", "product_usage"]


class PolicyWriter:
    """Random but valid policy text; the same seed gives the same text."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, items: Sequence[str], k: int = 1) -> list[str]:
        return self.rng.sample(list(items), k)

    def quoted(self, items: Sequence[str], k: int) -> str:
        return "[" + ", ".join(f'"{x}"' for x in self.pick(items, k)) + "]"

    def event_window(self) -> str:
        return f"in last {self.rng.choice([7, 14, 30, 45, 60, 90, 120])} days"

    def field_condition(self) -> str:
        r = self.rng
        choices: list[Callable[[], str]] = [
            lambda: f"employees between {r.choice([10, 50, 100, 200])} and {r.choice([500, 1000, 5000, 20000])}",
            lambda: f"employees >= {r.choice([20, 100, 250, 1000, 5000])}",
            lambda: f"annual_revenue >= {r.choice([1, 5, 10, 50, 100])}000000",
            lambda: f"industry in {self.quoted(INDUSTRIES, r.randint(1, 4))}",
            lambda: "industry in target_industries",
            lambda: "industry not in excluded_industries",
            lambda: f'industry = "{r.choice(INDUSTRIES)}"',
            lambda: "country in eu_countries",
            lambda: f'country = "{r.choice(["US", "GB", "CA", "AU"])}"',
            lambda: f"region in [{', '.join(self.pick(['na', 'emea', 'apac', 'latam'], r.randint(1, 2)))}]",
            lambda: f"seniority in [{', '.join(self.pick(['director', 'vp', 'c_level', 'manager'], r.randint(1, 3)))}]",
            lambda: f"department = {r.choice(['engineering', 'it', 'finance', 'marketing', 'operations'])}",
            lambda: f'job_title contains "{r.choice(TITLE_WORDS)}"',
            lambda: f'job_title starts with "{r.choice(TITLE_WORDS)}"',
            lambda: "email_domain in free_mail",
            lambda: f'email_domain ends with "{r.choice([".edu", ".gov", ".io", ".ai"])}"',
            lambda: f"lead_source in [{', '.join(self.pick(['organic', 'referral', 'event', 'partner'], 2))}]",
            lambda: r.choice(["budget_confirmed", "decision_maker", "trial_started", "not is_customer"]),
            lambda: f"budget_amount >= {r.choice([5, 10, 25, 50, 100])}000",
            lambda: "pain_points is not empty",
            lambda: f'"{r.choice(PAINS)}" in pain_points',
            lambda: f'"{r.choice(TOOLS)}" in tech_stack',
            lambda: f"timeline <= {r.choice([2, 4, 8, 12])} weeks",
            lambda: "timeline is missing",
            lambda: f"website_visits >= {r.choice([3, 5, 10, 20])}",
            lambda: f"nps >= {r.choice([7, 8, 9])}",
            lambda: f"seats_requested > {r.choice([5, 10, 50])}",
            lambda: f"employees_growth >= {r.choice(['0.1', '0.25', '0.5'])}",
            lambda: "partner_name is not missing",
            lambda: f"{r.choice(EVENTS[:12])} {self.event_window()}",
            lambda: f"count of {r.choice(EVENTS[:12])} {self.event_window()} >= {r.randint(2, 5)}",
            lambda: f"no event {self.event_window()}",
        ]
        return r.choice(choices)()

    def conjunction(self, low: int, high: int) -> str:
        return " and ".join(self.field_condition() for _ in range(self.rng.randint(low, high)))

    def segments(self, count: int, criteria: int) -> tuple[list[str], list[str]]:
        names = [f"segment_{i}" for i in range(count)]
        out = []
        per = [criteria // count + (1 if i < criteria % count else 0) for i in range(count)]
        for i, (name, k) in enumerate(zip(names, per, strict=True)):
            mode = self.rng.choice(["", "", "any of ", f"at least {max(1, k - 2)} of "]) if k > 1 else ""
            lines: dict[str, None] = {}
            while len(lines) < k:  # distinct criteria
                lines[f"  {self.field_condition()}"] = None
            body = "\n".join(lines)
            out.append(f'segment {name} "Generated segment {i}" {mode}{{\n{body}\n}}')
        return names, out

    def scores(self, rules: int, segments: Sequence[str]) -> list[str]:
        out = []
        per = [rules // len(SCORES) + (1 if i < rules % len(SCORES) else 0) for i in range(len(SCORES))]
        for name, k in zip(SCORES, per, strict=True):
            lines = []
            for _ in range(k):
                roll = self.rng.random()
                points = self.rng.choice([1, 2, 3, 5, 5, 10, 10, 15, 20, 25])
                if roll < 0.25:
                    event = self.rng.choice(EVENTS[:12])
                    cap = points * self.rng.randint(2, 5)
                    lines.append(f"  +{points} per {event} {self.event_window()}, at most {cap}")
                elif roll < 0.35:
                    lines.append(f"  +{points} if {self.rng.choice(segments)}")
                elif roll < 0.50:
                    lines.append(f'  -{points} if {self.field_condition()}  "penalty"')
                else:
                    lines.append(f"  +{points} if {self.conjunction(1, 2)}")
            out.append(f"score {name} {{\n" + "\n".join(lines) + "\n}")
        return out

    def qualify(self, rules: int, segments: Sequence[str]) -> str:
        lines = ['  disqualified when is_competitor  "competitor"']
        for i in range(rules - 2):
            parts = [self.rng.choice(segments), f"{self.rng.choice(SCORES)} >= {self.rng.randint(2, 30) * 5}"]
            if self.rng.random() < 0.4:
                parts.append("BANT passes")
            if self.rng.random() < 0.6:
                parts.append(self.field_condition())
            self.rng.shuffle(parts)
            outcome = OUTCOMES[min(i * len(OUTCOMES) // max(1, rules - 2), len(OUTCOMES) - 1)]
            lines.append(f'  {outcome:<12} when {" and ".join(parts)}  "rule {i + 2}"')
        lines.append("  otherwise lead")
        return "qualify {\n" + "\n".join(lines) + "\n}"

    def policy(self, rules: int) -> str:
        framework_rules = 4
        segment_criteria = max(2, rules // 10)
        qualify_rules = max(2, (rules * 3) // 10)
        score_rules = rules - framework_rules - segment_criteria - qualify_rules
        names, segment_text = self.segments(max(1, segment_criteria // 5), segment_criteria)
        parts = [
            f'policy "Generated policy with {rules} rules"',
            'version "bench"',
            LEAD_BLOCK,
            "events " + ", ".join(EVENTS),
            LISTS,
            *segment_text,
            *self.scores(score_rules, names),
            FRAMEWORK,
            self.qualify(qualify_rules, names),
        ]
        return "\n".join(parts) + "\n"


def generate_policy(rules: int = 1000, seed: int = SEED) -> str:
    return PolicyWriter(seed).policy(rules)


# ---- timing ---------------------------------------------------------------------------------------
CLOCKS = {"wall": "perf_counter", "cpu": "process_time"}

FRESH_TOTAL = """
import sys, time, json
time.perf_counter = getattr(time, sys.argv[2])
t0 = time.perf_counter()
import qualdsl
t1 = time.perf_counter()
text = open(sys.argv[1], encoding="utf-8").read()
t2 = time.perf_counter()
qualdsl.compile_text(text, sys.argv[1])
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "compile_text": t3 - t2}))
"""

FRESH_SPLIT = """
import sys, time, json
time.perf_counter = getattr(time, sys.argv[2])
import qualdsl
from qualdsl.loader import load_text
from qualdsl.check import check
from qualdsl.compile import compile_policy
try:
    from qualdsl.syntax.parser import _parser  # private: building the Lark grammar, timed on its own
except ImportError:
    _parser = lambda: None
text = open(sys.argv[1], encoding="utf-8").read()
t0 = time.perf_counter()
_parser()
t1 = time.perf_counter()
loaded = load_text(text, sys.argv[1])
t2 = time.perf_counter()
model, _ = check(loaded.modules, loaded.sources)
t3 = time.perf_counter()
compile_policy(model)
t4 = time.perf_counter()
print(json.dumps({"grammar": t1 - t0, "parse": t2 - t1, "check": t3 - t2, "compile": t4 - t3}))
"""


def fresh(script: str, path: str, clock: str = "wall") -> tuple[dict[str, float], float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script, path, CLOCKS[clock]], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"the fresh process failed:\n{done.stderr}")
    return json.loads(done.stdout), wall


def best_of(run: Callable[[], object], repeats: int, clock: str = "wall") -> float:
    now = getattr(time, CLOCKS[clock])
    run()
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = now()
        run()
        best = min(best, now() - start)
    return best


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=1000, help="rules in the generated policy (default 1000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs; the best counts (default 3)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of one warm compile_text")
    parser.add_argument("--write", metavar="FILE", help="also save the generated policy text to FILE")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="wall: time.perf_counter (default); cpu: time.process_time, for a machine shared with other work")
    args = parser.parse_args(argv)
    clock = args.clock

    text = generate_policy(args.rules, args.seed)
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
    with tempfile.NamedTemporaryFile("w", suffix=".qual", delete=False, encoding="utf-8") as handle:
        handle.write(text)
        path = handle.name
    try:
        policy = qualdsl.compile_text(text, path)  # also proves the generated text is a valid policy
        size = policy.generated_source.count("\n")
        print(f"== load: a generated policy with {args.rules:,} rules ({text.count(chr(10)):,} lines, "
              f"{len(text) / 1024:.0f} KiB; {len(policy.warnings)} warnings) -> {size:,} lines of Python")
        print(f"   best of {args.repeats}, {clock} clock; target < {TARGET_SECONDS:.0f} s")

        runs = [fresh(FRESH_TOTAL, path, clock) for _ in range(args.repeats)]
        splits = [fresh(FRESH_SPLIT, path, clock)[0] for _ in range(args.repeats)]
        cold = min(r["compile_text"] for r, _ in runs)
        importing = min(r["import"] for r, _ in runs)
        wall = min(w for _, w in runs)
        cold_split = {k: min(s[k] for s in splits) for k in splits[0]}
        all_cold = ", ".join(f"{r['compile_text']:.3f}" for r, _ in runs)
        print()
        print(f"   fresh process: compile_text              {cold:7.3f} s  (runs: {all_cold}; median "
              f"{statistics.median(r['compile_text'] for r, _ in runs):.3f})")
        print("     grammar {grammar:.3f} + parse {parse:.3f} + check {check:.3f} + compile {compile:.3f} s".format(**cold_split))
        print(f"     (import qualdsl {importing:.3f} s; whole process, interpreter start-up included, {wall:.3f} s wall)")

        warm = best_of(lambda: qualdsl.compile_text(text, path), args.repeats, clock)
        loaded = load_text(text, path)
        model, _ = check(loaded.modules, loaded.sources)
        assert model is not None
        parse = best_of(lambda: load_text(text, path), args.repeats, clock)
        checking = best_of(lambda: check(loaded.modules, loaded.sources), args.repeats, clock)
        compiling = best_of(lambda: compile_policy(model), args.repeats, clock)
        print(f"   in-process, warm: compile_text          {warm:7.3f} s")
        print(f"     parse {parse:.3f} + check {checking:.3f} + compile {compiling:.3f} s")
        verdict = "meets" if max(cold, warm) < TARGET_SECONDS else "MISSES"
        print(f"   target < {TARGET_SECONDS:.0f} s: {verdict} (fresh {cold:.3f} s, warm {warm:.3f} s)")

        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(lambda: qualdsl.compile_text(text, path))
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(15)
            print("\n== cProfile: one warm compile_text (by own time)")
            print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))
    finally:
        Path(path).unlink()
    return {"fresh": cold, "warm": warm, "parse": parse, "check": checking, "compile": compiling, **{
        f"fresh_{k}": v for k, v in cold_split.items()}}


if __name__ == "__main__":
    main()

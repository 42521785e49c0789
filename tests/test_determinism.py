"""Same policy, same input, same `now`: byte-identical decisions, in one process and across processes.

The JSON of ``Decision.to_dict(explain=True)`` (``json.dumps(..., sort_keys=True)``) and the
output of `qualdsl eval --explain` must not depend on the run: not on the order sets and dicts
happen to iterate in (``PYTHONHASHSEED``), nor on what was evaluated before, nor on the clock.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import qualdsl
from tests.conftest import NOW, POLICIES, ROOT

ACME = POLICIES / "examples" / "acme.qual"
BRIGHTDESK = ROOT / "examples" / "tutorial" / "brightdesk.qual"
LEADS = {ACME: ROOT / "examples" / "leads.jsonl", BRIGHTDESK: ROOT / "examples" / "tutorial" / "leads.jsonl"}
HASH_SEEDS = ("0", "4242")

SCRIPT = """
import json, sys
import qualdsl
policy = qualdsl.load(sys.argv[1])
for line in open(sys.argv[2], encoding="utf-8"):
    lead = json.loads(line)
    try:
        data = policy.evaluate(lead, lead.get("events") or [], sys.argv[3]).to_dict(explain=True)
    except qualdsl.RecordError as exc:
        data = {"error": exc.to_dict()}
    sys.stdout.write(json.dumps(data, sort_keys=True) + "\\n")
"""


def leads(policy: Path = ACME) -> list[dict[str, object]]:
    """The example leads, each again with one value taken away (unknowns, near misses, errors)
    and with its keys in reverse order."""
    base = [json.loads(line) for line in LEADS[policy].read_text(encoding="utf-8").splitlines() if line.strip()]
    out = list(base)
    for lead in base:
        for key in lead:
            if key != "lead_id":
                changed = copy.deepcopy(lead)
                del changed[key]
                out.append(changed)
        out.append(dict(reversed(list(lead.items()))))
    return out


def write_leads(folder: Path, policy: Path) -> Path:
    path = folder / f"{policy.stem}-leads.jsonl"
    path.write_text("".join(json.dumps(lead) + "\n" for lead in leads(policy)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def leads_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_leads(tmp_path_factory.mktemp("determinism"), ACME)


def decide(policy: qualdsl.Policy, lead: dict[str, object]) -> str:
    try:
        data = policy.evaluate(lead, lead.get("events") or [], NOW).to_dict(explain=True)  # type: ignore[arg-type]
    except qualdsl.RecordError as exc:
        data = {"error": exc.to_dict()}
    return json.dumps(data, sort_keys=True)


def in_process(policy: qualdsl.Policy, path: Path = ACME) -> list[str]:
    return [decide(policy, lead) for lead in leads(path)]


def test_the_same_lead_twice_in_one_process() -> None:
    policy = qualdsl.load(str(ACME))
    first = in_process(policy)
    assert first == in_process(policy)
    assert first == in_process(qualdsl.load(str(ACME)))  # a second load of the same file
    assert len(set(first)) > 20  # the leads differ, so the decisions do


def test_evaluation_order_does_not_matter() -> None:
    policy = qualdsl.load(str(ACME))
    forward = in_process(policy)
    all_leads = leads()
    backward = [decide(policy, lead) for lead in reversed(all_leads)]
    assert forward == list(reversed(backward))


def test_the_decision_names_the_policy_and_now() -> None:
    policy = qualdsl.load(str(ACME))
    decision = policy.evaluate(leads()[0], leads()[0]["events"], NOW)  # type: ignore[arg-type]
    data = decision.to_dict(explain=True)
    assert data["now"] == NOW.isoformat()
    assert data["policy"] == {"name": policy.name, "version": policy.version, "hash": policy.content_hash}


def run(args: list[str], hash_seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    result = subprocess.run(args, capture_output=True, env=env, cwd=ROOT, timeout=300, check=False)
    assert result.returncode in (0, 3), result.stderr.decode(errors="replace")
    return result.stdout


@pytest.mark.parametrize("policy", [ACME, BRIGHTDESK], ids=lambda p: p.name)
def test_to_dict_is_byte_identical_across_processes(policy: Path, tmp_path: Path) -> None:
    if not policy.exists():
        pytest.skip(f"{policy} is not in this checkout")
    leads_file = write_leads(tmp_path, policy)
    outputs = {seed: run([sys.executable, "-c", SCRIPT, str(policy), str(leads_file), NOW.isoformat()], seed)
               for seed in HASH_SEEDS}
    first = outputs[HASH_SEEDS[0]]
    for seed, output in outputs.items():
        assert output == first, f"PYTHONHASHSEED={seed} gave other decisions"
    lines = first.decode("utf-8").splitlines()
    assert lines == in_process(qualdsl.load(str(policy)), policy)
    assert sum('"explanation"' in line for line in lines) > 10


def test_qualdsl_eval_explain_is_byte_identical_across_processes(leads_file: Path, tmp_path: Path) -> None:
    outputs = []
    for seed in (HASH_SEEDS[0], HASH_SEEDS[0], HASH_SEEDS[1]):  # the same run twice, then another hash seed
        out = tmp_path / f"out-{seed}-{len(outputs)}.jsonl"
        run([sys.executable, "-m", "qualdsl.cli", "eval", str(ACME), str(leads_file), "--explain", "--now",
             NOW.isoformat(), "--id-column", "lead_id", "-o", str(out)], seed)
        outputs.append(out.read_bytes())
    assert outputs[0].count(b"\n") == len(leads())
    assert all(output == outputs[0] for output in outputs)


def test_qualdsl_eval_of_csv_is_byte_identical_across_processes(tmp_path: Path) -> None:
    outputs = [run([sys.executable, "-m", "qualdsl.cli", "eval", str(ACME), str(ROOT / "examples" / "leads.csv"),
                    "--now", NOW.isoformat(), "--output-format", "csv"], seed) for seed in HASH_SEEDS]
    assert outputs[0].count(b"\n") > 20
    assert all(output == outputs[0] for output in outputs)

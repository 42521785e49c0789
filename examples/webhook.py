"""A webhook-style integration: one CRM record in, the decision and its explanation out.

``handle(crm_record)`` takes one Salesforce-like Lead record, with Salesforce's API field
names (standard fields such as ``NumberOfEmployees`` and ``Industry``, custom fields ending in
``__c``), maps it to the fields of the policy, decides it, and returns plain data that
``json.dumps`` can write: the outcome, the scores, the rule that chose it, the explanation (as
text and as data, with the near misses) and the policy that decided. A record that cannot be
read gives ``{"ok": false, "error": {...}}`` naming the field, instead of an exception, so a
web framework can answer it as it is.

Run it as a script with one JSON record on standard input:

    echo '{"Id": "00Q5g00000AbCdE", "NumberOfEmployees": 350, "Industry": "Software", "Country": "US",
           "Title": "Director of Operations", "Email": "dana@brightpath.example",
           "Budget_Confirmed__c": false, "Decision_Maker__c": false,
           "Pain_Points__c": "manual reporting;data silos", "Timeline_Days__c": 45, "Is_Competitor__c": false,
           "events": [{"type": "demo_watched", "at": "2026-11-26T11:00:00Z"}]}' \\
      | python examples/webhook.py --now 2026-12-01T12:00:00Z

The default policy is ``policies/examples/acme.qual``; ``--policy`` names another whose fields
``FIELDS`` maps to. A Salesforce Lead record carries no activity history: the marketing
automation tool adds the lead's events under ``"events"`` (``{"type": ..., "at": ...}``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import qualdsl
from qualdsl.policy import Policy

DEFAULT_POLICY = Path(__file__).resolve().parents[1] / "policies" / "examples" / "acme.qual"

# Salesforce API field name -> the policy's field name
FIELDS: dict[str, str] = {
    "NumberOfEmployees": "employees",
    "Industry": "industry",
    "Country": "country",
    "Seniority__c": "seniority",
    "Budget_Confirmed__c": "budget_confirmed",
    "Budget_Amount__c": "budget_amount",
    "Decision_Maker__c": "decision_maker",
    "Pain_Points__c": "pain_points",  # a multi-select picklist: "a;b;c", read as a list
    "Is_Competitor__c": "is_competitor",
}

# words in a job title -> the seniority choice, for records without Seniority__c; first match wins
TITLE_WORDS: tuple[tuple[str, str], ...] = (
    ("chief", "c_level"), ("ceo", "c_level"), ("cfo", "c_level"), ("cto", "c_level"), ("coo", "c_level"),
    ("founder", "c_level"), ("president", "c_level"), ("vp", "vp"), ("vice president", "vp"),
    ("head of", "director"), ("director", "director"), ("manager", "manager"), ("lead", "manager"),
)


@functools.cache
def load_policy(path: str = str(DEFAULT_POLICY)) -> Policy:
    """Load (and check) a policy once; later calls reuse it."""
    return qualdsl.load(path)


def seniority_from_title(title: str) -> str:
    words = f" {title.lower().replace(',', ' ').replace('.', ' ')} "
    for word, seniority in TITLE_WORDS:
        if f" {word} " in words:
            return seniority
    return "ic"


def to_lead(record: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """The policy's fields and the events of one CRM record."""
    lead: dict[str, Any] = {}
    for api_name, field in FIELDS.items():
        if record.get(api_name) is not None:
            lead[field] = record[api_name]
    if "seniority" not in lead and record.get("Title"):
        lead["seniority"] = seniority_from_title(str(record["Title"]))
    email = record.get("Email")
    if isinstance(email, str) and "@" in email:
        lead["email_domain"] = email.rsplit("@", 1)[1]
    days = record.get("Timeline_Days__c")
    if days is not None and str(days).strip():
        lead["timeline"] = f"{days} days"
    events = record.get("events") or []
    return lead, list(events)


def handle(
    crm_record: Mapping[str, Any], policy: Policy | None = None, now: dt.datetime | str | None = None,
) -> dict[str, Any]:
    """Decide one CRM record; the answer is JSON-ready data (see the module's docstring)."""
    policy = policy or load_policy()
    lead, events = to_lead(crm_record)
    answer: dict[str, Any] = {"id": crm_record.get("Id"), "lead": lead}
    try:
        decision = policy.evaluate(lead, events, now)
    except qualdsl.RecordError as exc:
        return {**answer, "ok": False, "error": exc.to_dict()}
    explanation = decision.explain()
    return {
        **answer,
        "ok": True,
        **decision.to_dict(),
        "summary": summary(decision.outcome, decision.reason, [m.text for m in explanation.near_misses]),
        "explanation_text": explanation.render(),
        "explanation": explanation.to_dict(),
    }


def summary(outcome: str, reason: str | None, near_misses: list[str]) -> str:
    """One sentence for a CRM field or a notification."""
    text = f"{outcome}" + (f" ({reason})" if reason else "")
    if near_misses:
        text += f"; closest change: {near_misses[0]}"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Decide one CRM record read from standard input, as JSON.")
    parser.add_argument("--policy", default=str(DEFAULT_POLICY), help="the policy file (default: acme.qual)")
    parser.add_argument("--now", help="the evaluation time, e.g. 2026-12-01T12:00:00Z (default: now, UTC)")
    args = parser.parse_args(argv)
    try:
        record = json.load(sys.stdin)
    except json.JSONDecodeError as exc:
        print(f"error: standard input is not JSON: {exc}", file=sys.stderr)
        return 2
    if not isinstance(record, dict):
        print("error: standard input must hold one JSON object, the CRM record", file=sys.stderr)
        return 2
    try:
        policy = load_policy(args.policy)
    except qualdsl.PolicyError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    try:
        answer = handle(record, policy, args.now)
    except qualdsl.RecordError as exc:  # `--now` that is not a date and time
        print(f"error: {exc}", file=sys.stderr)
        return 2
    json.dump(answer, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0 if answer["ok"] else 3


if __name__ == "__main__":
    sys.exit(main())

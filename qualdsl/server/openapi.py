"""The OpenAPI 3.1 document of the server, written by hand (``GET /openapi.json``).

Schemas are JSON Schema 2020-12 (as OpenAPI 3.1 uses). Responses list every status an
operation can answer; ``tests/test_server.py`` generates requests from these schemas and
holds the server to them.
"""

from __future__ import annotations

from typing import Any

import qualdsl

JSON = "application/json"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: list[str], closed: bool = True, **properties: Any) -> dict[str, Any]:
    """An object schema; ``closed`` objects allow no other keys."""
    schema: dict[str, Any] = {"type": "object", "properties": properties, "required": required}
    if closed:
        schema["additionalProperties"] = False
    return schema


STRING = {"type": "string"}
INT = {"type": "integer"}
TIME = {"type": "string", "format": "date-time"}
FROM: dict[str, Any] = {"from": STRING}  # `from` is a Python keyword: passed as **FROM

EXAMPLE_LEAD = {
    "NumberOfEmployees": 400, "industry": "software", "country": "US", "seniority": "vp",
    "email_domain": "northwind.example", "budget_confirmed": True, "budget_amount": 25000, "decision_maker": True,
    "pain_points": ["manual reporting"], "timeline": "60 days", "is_competitor": False,
}
EXAMPLE_EVENTS = [{"type": "pricing_view", "at": "2026-11-28T10:00:00Z"}, {"type": "demo_watched", "at": "2026-11-29T10:00:00Z"}]
EXAMPLE_NOW = "2026-12-01T12:00:00Z"


def schemas(max_batch: int) -> dict[str, Any]:
    return {
        "Lead": {
            "type": "object", "additionalProperties": True, "examples": [EXAMPLE_LEAD],
            "description": "Field names (or the `from` column names of the policy) to values: JSON values, or "
                           "texts such as \"$25,000\", \"60 days\", \"yes\". Other keys are ignored.",
        },
        "Event": {
            **obj(["type", "at"], closed=False, type=STRING, at=TIME, reason=STRING),
            "examples": EXAMPLE_EVENTS,
            "description": "An event of the lead; `type` is an event the policy declares. `reason` is for recycle "
                           "transitions.",
        },
        "Events": {"type": "array", "items": ref("Event"), "examples": [EXAMPLE_EVENTS, []]},
        "Now": {**TIME, "examples": [EXAMPLE_NOW],
                "description": "The evaluation time (ISO 8601; no zone means UTC). Absent: the current time."},
        "SingleRequest": obj(["lead"], lead=ref("Lead"), events=ref("Events"), now=ref("Now")),
        "BatchItem": obj(["lead"], lead=ref("Lead"), events=ref("Events"),
                         id={"type": ["string", "integer"], "description": "echoed back in the result"}),
        "BatchRequest": obj(["leads"], leads={"type": "array", "items": ref("BatchItem"), "maxItems": max_batch},
                            now=ref("Now")),
        "DecisionRequest": {"oneOf": [ref("SingleRequest"), ref("BatchRequest")]},
        "PolicyInfo": obj(["name", "version", "hash"], name=STRING, version=STRING, hash=STRING),
        "Decision": obj(
            ["outcome", "reason", "scores", "rule", "now", "policy"], closed=False,
            outcome=STRING, reason=nullable(STRING),
            scores={"type": "object", "additionalProperties": INT},
            rule=obj(["index", "line", "text"], index=INT, line=INT, text=STRING),
            now=TIME, policy=ref("PolicyInfo"),
            explanation={"type": "object", "description": "with ?explain=full: the rules tried, scores, segments, "
                                                          "frameworks, unknown fields and near misses"},
            id={"type": ["string", "integer"]},
        ),
        "ErrorDetail": obj(
            ["code", "message"], closed=False, code=INT, message=STRING,
            field={"type": "string", "description": "the failing field (for a batch item: relative to the item)"},
            value={"description": "the value that could not be read"},
            limit={"type": "integer"},
            known={"type": "array", "items": STRING, "description": "the known policies (404)"},
        ),
        "Error": obj(["error"], error=ref("ErrorDetail")),
        "ErrorEntry": obj(["error"], error=ref("ErrorDetail"), id={"type": ["string", "integer"]}),
        "BatchResponse": obj(
            ["results", "decided", "errors"],
            results={"type": "array", "items": {"anyOf": [ref("Decision"), ref("ErrorEntry")]},
                     "description": "one entry per input lead, in input order"},
            decided=INT, errors=INT,
        ),
        "AdvanceRequest": obj(
            ["stage", "lead"], stage={**STRING, "examples": ["lead", "mql"]}, lead=ref("Lead"), events=ref("Events"),
            event=nullable({**ref("Event"), "description": "an event that just happened: transitions `on` it are "
                                                           "tried; without it, condition transitions"}),
            now=ref("Now"),
        ),
        "Step": obj(
            ["moved", "from", "stage", "owner", "at", "reason", "why", "transition"],
            moved={"type": "boolean"}, stage=STRING, owner=nullable(STRING), at=TIME,
            reason=nullable(STRING), why=nullable(STRING),
            transition=nullable(obj(["line", "text", "event"], line=INT, text=STRING, event=nullable(STRING))),
            **FROM,
        ),
        "SlaRequest": obj([], lead=nullable(ref("Lead")), events=ref("Events"), now=ref("Now")),
        "Visit": obj(
            ["stage", "owner", "entered_at", "left_at", "seconds_in_stage", "via_line", "reason"],
            stage=STRING, owner=nullable(STRING), entered_at=TIME, left_at=nullable(TIME), seconds_in_stage=INT,
            via_line=nullable(INT), reason=nullable(STRING),
        ),
        "Timer": obj(
            ["sla", "line", "owner", "stage", "entered_at", "deadline", "acted_at", "action", "state",
             "business_seconds_remaining", "business_seconds_to_act", "escalations_due"],
            sla=STRING, line=INT, owner=nullable(STRING), stage=STRING, entered_at=TIME, deadline=TIME,
            acted_at=nullable(TIME), action=nullable(STRING),
            state={"enum": ["met", "breached", "at risk", "on time", "left stage"]},
            business_seconds_remaining=INT, business_seconds_to_act=nullable(INT),
            escalations_due={"type": "array", "items": STRING},
        ),
        "SlaResponse": obj(
            ["now", "stage", "visits", "problems", "timers"], now=TIME, stage=STRING,
            visits={"type": "array", "items": ref("Visit")}, problems={"type": "array", "items": STRING},
            timers={"type": "array", "items": ref("Timer")},
        ),
        "Refusal": obj(
            ["id", "file", "at", "message", "diagnostics"], id=STRING, file=STRING, at=TIME, message=STRING,
            diagnostics={"type": "array", "items": {"type": "object"}},
        ),
        "PolicyEntry": obj(
            ["id", "name", "version", "hash", "file", "loaded_at", "files", "warnings", "refused"],
            id={"type": "string", "description": "the name used in URLs: the file stem"},
            name=STRING, version=STRING, hash=STRING, file=STRING, loaded_at=TIME,
            files={"type": "array", "items": STRING}, warnings=INT,
            refused=nullable({**ref("Refusal"), "description": "the newest version of the file, refused; the "
                                                                "version above keeps serving"}),
        ),
        "PolicyList": obj(["policies", "unavailable"], policies={"type": "array", "items": ref("PolicyEntry")},
                          unavailable={"type": "array", "items": ref("Refusal")}),
        "Health": obj(["status", "version"], status={"const": "ok"}, version=STRING),
        "Ready": obj(["status", "policies"], status={"const": "ready"}, policies=INT),
    }


def answer(description: str, schema: str = "Error", content_type: str = JSON) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": ref(schema)} if content_type == JSON else {"schema": STRING}
    return {"description": description, "content": {content_type: media}}


ERRORS = {
    "400": answer("malformed JSON, or a body of the wrong shape"),
    "401": answer("missing or wrong bearer token (only when the server has a token)"),
    "404": answer("unknown policy (the message and `known` name the known ones), or a policy without lifecycle"),
    "413": answer("the body is larger than --max-body-bytes, or a batch has more leads than --max-batch"),
    "422": answer("a value cannot be read: `field` names it"),
    "500": answer("an internal error: a generic message; the server log has the details"),
}


def errors(*codes: str) -> dict[str, Any]:
    return {code: ERRORS[code] for code in codes}


POLICY_PARAM = {"name": "policy", "in": "path", "required": True, "schema": STRING,
                "description": "the policy id: the file stem of the policy, as in GET /v1/policies"}
EXPLAIN_PARAM = {"name": "explain", "in": "query", "required": False, "schema": {"enum": ["full", "none"]},
                 "description": "`full` adds the explanation to every decision"}


def post(summary: str, request: str, ok: dict[str, Any], params: list[dict[str, Any]]) -> dict[str, Any]:
    return {"post": {
        "summary": summary, "parameters": params,
        "requestBody": {"required": True, "content": {JSON: {"schema": ref(request)}}},
        "responses": {"200": ok, **errors("400", "401", "404", "413", "422", "500")},
    }}


def get(summary: str, ok: dict[str, Any], *codes: str, open_: bool = False) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "responses": {"200": ok, **errors(*codes)}}
    if open_:
        operation["security"] = []
    return {"get": operation}


def document(max_batch: int = 1000) -> dict[str, Any]:
    ok_decision = {
        "description": "one lead: its decision; a batch: one entry per lead, in order (a lead that cannot be read "
                       "gets an error entry; the others are decided)",
        "content": {JSON: {"schema": {"oneOf": [ref("Decision"), ref("BatchResponse")]}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "qualdsl decisions", "version": qualdsl.__version__,
            "description": "Decide leads with qualdsl policies over HTTP. Every error is JSON: "
                           '{"error": {"code": ..., "message": ...}}; a method a path does not take answers 405.',
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "security": [{"bearer": []}],
        "paths": {
            "/v1/decisions/{policy}": post("Decide one lead, or a batch of leads", "DecisionRequest", ok_decision,
                                           [POLICY_PARAM, EXPLAIN_PARAM]),
            "/v1/lifecycle/{policy}/advance": post(
                "The next stage of a lead from `stage`, now or on `event`", "AdvanceRequest",
                answer("the stage the lead moves to (`moved` false: it stays)", "Step"), [POLICY_PARAM]),
            "/v1/lifecycle/{policy}/sla": post(
                "The lead's stage timeline and its SLA timers", "SlaRequest",
                answer("the timeline and every timer", "SlaResponse"), [POLICY_PARAM]),
            "/v1/policies": get("The policies served", answer("the served policies and refused files", "PolicyList"),
                                "401", "500"),
            "/healthz": get("The process is alive", answer("alive", "Health"), open_=True),
            "/readyz": {"get": {
                "summary": "At least one policy is loaded", "security": [],
                "responses": {"200": answer("ready", "Ready"), "503": answer("no policy is loaded")},
            }},
            "/metrics": get("Prometheus metrics", answer("the text exposition format", content_type="text/plain"),
                            "401"),
            "/openapi.json": get("This document", {"description": "the OpenAPI document",
                                                   "content": {JSON: {"schema": {"type": "object"}}}}, "401"),
        },
        "components": {
            "schemas": schemas(max_batch),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "only when the server was started with --token-file"}},
        },
    }

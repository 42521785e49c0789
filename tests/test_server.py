"""The HTTP server (`qualdsl serve`), tested over real HTTP against real uvicorn processes on 127.0.0.1.

Each server runs as ``python -m qualdsl.server`` in a subprocess on a free port, serving a
temporary copy of the acme policy (with the BANT framework it `use`s at the same relative
path), a small policy without a lifecycle, and a library file that must not be served.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

import attrs  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import qualdsl  # noqa: E402
from qualdsl.server.log import DecisionLog, Masker, decision_record, encode, masked  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-12-01T12:00:00Z"
TINY = """policy "Tiny"
version "1"
lead {
  employees : int
  email     : text?
}
qualify {
  big when employees >= 1000
  otherwise small
}
"""
LEAD = {
    "NumberOfEmployees": 400, "industry": "software", "country": "US", "seniority": "vp",
    "email_domain": "northwind.example", "budget_confirmed": True, "decision_maker": True,
    "pain_points": ["manual reporting"], "timeline": "60 days", "is_competitor": False,
}
EVENTS = [
    {"type": "pricing_view", "at": "2026-11-20T10:00:00Z"},
    {"type": "pricing_view", "at": "2026-11-21T10:00:00Z"},
    {"type": "pricing_view", "at": "2026-11-22T10:00:00Z"},
    {"type": "demo_watched", "at": "2026-11-29T10:00:00Z"},
]


# ---- servers -----------------------------------------------------------------------------------
def make_policies(root: Path) -> Path:
    """root/examples/{acme,tiny,shared}.qual and root/frameworks/bant.qual; the served folder is examples/."""
    (root / "examples").mkdir(parents=True)
    (root / "frameworks").mkdir()
    shutil.copy(ROOT / "policies" / "examples" / "acme.qual", root / "examples" / "acme.qual")
    shutil.copy(ROOT / "policies" / "frameworks" / "bant.qual", root / "frameworks" / "bant.qual")
    shutil.copy(ROOT / "policies" / "frameworks" / "bant.qual", root / "examples" / "shared.qual")  # a library
    (root / "examples" / "tiny.qual").write_text(TINY, encoding="utf-8")
    return root / "examples"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@attrs.define
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    stderr: Path

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)

    def output(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start(policy_dir: Path, *args: str) -> Server:
    port = free_port()
    stderr = policy_dir.parent / f"server-{port}.log"
    with stderr.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "qualdsl.server", str(policy_dir), "--port", str(port), *args],
            stdout=err, stderr=subprocess.STDOUT, cwd=policy_dir.parent,
        )
    server = Server(proc, f"http://127.0.0.1:{port}", stderr)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode}:\n{server.output()}")
        try:
            if httpx.get(server.url + "/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.05)
    server.stop()
    raise AssertionError(f"the server did not start:\n{server.output()}")


@pytest.fixture(scope="module")
def main_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("main")
    server = start(make_policies(root / "policies"), "--decision-log", str(root / "decisions.jsonl"),
                   "--mask-field", "email_domain", "--max-batch", "50", "--max-body-bytes", "65536")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(main_server: Server) -> Iterator[httpx.Client]:
    with main_server.client() as c:
        yield c


def decide(client: httpx.Client, body: Any, policy: str = "acme", **params: str) -> httpx.Response:
    return client.post(f"/v1/decisions/{policy}", json=body, params=params)


# ---- decisions ---------------------------------------------------------------------------------
def test_a_single_decision_is_the_policys_decision(client: httpx.Client, main_server: Server) -> None:
    response = decide(client, {"lead": LEAD, "events": EVENTS, "now": NOW})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    expected = qualdsl.load(str(ROOT / "policies" / "examples" / "acme.qual")).evaluate(LEAD, EVENTS, NOW)
    assert body["outcome"] == expected.outcome == "sql"
    assert body["scores"] == expected.scores == {"engagement": 55}
    assert body["rule"]["text"] == "ideal_customer and engagement >= 50 and BANT passes"
    assert body["now"] == "2026-12-01T12:00:00+00:00"
    assert body["policy"] == expected.policy.info()
    assert "explanation" not in body


def test_explain_full_adds_the_explanation(client: httpx.Client) -> None:
    body = decide(client, {"lead": LEAD, "events": EVENTS, "now": NOW}, explain="full").json()
    assert body["outcome"] == "sql"
    explanation = body["explanation"]
    assert explanation["outcome"] == "sql"
    assert json.dumps(explanation).count("BANT") >= 1
    assert "explanation" in decide(client, {"leads": [{"lead": LEAD}], "now": NOW}, explain="full").json()["results"][0]
    bad = decide(client, {"lead": LEAD, "now": NOW}, explain="yes please")
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "explain"


def test_a_batch_keeps_input_order_and_isolates_bad_records(client: httpx.Client) -> None:
    competitor = {**LEAD, "is_competitor": True}
    leads = [
        {"lead": LEAD, "events": EVENTS, "id": "a"},
        {"lead": {**LEAD, "NumberOfEmployees": "many"}, "id": "b"},
        {"lead": competitor},
        "not an object",
        {"lead": LEAD, "events": "not a list"},
        {"lead": {k: v for k, v in LEAD.items() if k != "industry"}},
        {"lead": LEAD, "events": [{"type": "teleported", "at": NOW}]},
        {"lead": LEAD, "id": 7},
    ]
    response = decide(client, {"leads": leads, "now": NOW})
    assert response.status_code == 200
    body = response.json()
    results = body["results"]
    assert len(results) == len(leads)
    assert (body["decided"], body["errors"]) == (3, 5)
    assert results[0]["id"] == "a" and results[0]["outcome"] == "sql"
    many = {"code": 422, "field": "employees", "message": 'expected a whole number, got "many"', "value": "many"}
    assert results[1] == {"id": "b", "error": many}
    assert results[2]["outcome"] == "disqualified" and results[2]["reason"] == "competitor"
    assert results[3]["error"]["code"] == 422 and results[3]["error"]["field"] == "lead"
    assert results[4]["error"]["field"] == "events"
    assert results[5]["error"] == {"code": 422, "field": "industry", "message": "is required but missing", "value": None}
    assert results[6]["error"]["field"] == "events[0].type"
    assert results[7]["id"] == 7 and results[7]["outcome"] == "lead"


def test_a_single_lead_that_cannot_be_read_is_422_naming_the_field(client: httpx.Client) -> None:
    response = decide(client, {"lead": {**LEAD, "NumberOfEmployees": "many"}, "now": NOW})
    assert response.status_code == 422
    assert response.json() == {"error": {"code": 422, "field": "employees", "message": 'expected a whole number, got "many"',
                                         "value": "many"}}
    bad_now = decide(client, {"lead": LEAD, "now": "yesterday"})
    assert bad_now.status_code == 422
    assert bad_now.json()["error"]["field"] == "now"


def test_an_unknown_policy_is_404_naming_the_known_ones(client: httpx.Client) -> None:
    response = decide(client, {"lead": LEAD}, policy="nope")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == 404
    assert error["known"] == ["acme", "tiny"]
    assert "acme, tiny" in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{", None),
        (b"", None),
        (b"\xff\xfe", None),
        (b'{"lead": NaN}', None),
        (b"[1, 2]", None),
        (b'{"lead": [1]}', "lead"),
        (b'{"lead": {}, "events": {}}', "events"),
        (b'{"lead": {}, "leads": []}', "leads"),
        (b'{"leads": {}}', "leads"),
        (b'{"lead": {}, "colour": "red"}', "colour"),
        (b'{"events": []}', "lead"),
        (b'{"lead": {}, "now": 5}', "now"),
    ],
)
def test_malformed_json_or_a_wrong_shape_is_400(client: httpx.Client, body: bytes, field: str | None) -> None:
    response = client.post("/v1/decisions/acme", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 400
    assert error["message"]
    assert error.get("field") == field


def test_wrong_methods_and_paths_are_json_errors(client: httpx.Client) -> None:
    response = client.get("/v1/decisions/acme")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["error"]["code"] == 405
    missing = client.get("/v2/anything")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"].startswith("no such endpoint")
    for path in ("/healthz/", "/v1/decisions/acme%2F"):  # no redirects to follow: a trailing slash is not found
        response = client.post(path, json={"lead": LEAD}) if "decisions" in path else client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == 404


def test_bodies_and_batches_over_the_limits_are_413(client: httpx.Client) -> None:
    big = {"lead": {**LEAD, "notes": "x" * 70_000}}
    response = decide(client, big)
    assert response.status_code == 413
    assert response.json()["error"] == {"code": 413, "message": "the request body is larger than 65536 bytes", "limit": 65536}

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams in
        yield b'{"lead": {"notes": "'
        for _ in range(20):
            yield b"y" * 4096
        yield b'"}}'

    streamed = client.post("/v1/decisions/acme", content=chunks())
    assert streamed.status_code == 413
    batch = decide(client, {"leads": [{"lead": LEAD}] * 51})
    assert batch.status_code == 413
    assert batch.json()["error"]["limit"] == 50
    assert decide(client, {"leads": [{"lead": LEAD}] * 50}).status_code == 200


# ---- the other endpoints -----------------------------------------------------------------------
def test_policies_lists_every_served_policy(client: httpx.Client, main_server: Server) -> None:
    body = client.get("/v1/policies").json()
    assert [p["id"] for p in body["policies"]] == ["acme", "tiny"]  # shared.qual is a library: not served
    acme = body["policies"][0]
    assert acme["name"] == "Acme lead qualification"
    assert acme["version"] == "2026.11"
    assert re.fullmatch(r"[0-9a-f]{16}", acme["hash"])
    assert acme["file"].endswith("examples/acme.qual")
    assert any(f.endswith("frameworks/bant.qual") for f in acme["files"])
    assert acme["loaded_at"].endswith("+00:00")
    assert acme["refused"] is None
    assert body["unavailable"] == []


def test_healthz_and_readyz(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "version": qualdsl.__version__}
    assert client.get("/readyz").json() == {"status": "ready", "policies": 2}


def test_advance_moves_a_lead_through_the_lifecycle(client: httpx.Client) -> None:
    accepted = {"type": "accepted_by_sales", "at": "2026-12-01T11:00:00Z"}
    body = client.post("/v1/lifecycle/acme/advance", json={"stage": "mql", "lead": LEAD, "event": accepted, "now": NOW}).json()
    assert body["moved"] is True
    assert (body["from"], body["stage"], body["owner"]) == ("mql", "sal", "sales")
    assert body["transition"]["event"] == "accepted_by_sales"
    assert body["why"].startswith("mql -> sal on accepted_by_sales")
    qualified = client.post("/v1/lifecycle/acme/advance", json={"stage": "lead", "lead": LEAD, "events": EVENTS, "now": NOW})
    assert qualified.json()["stage"] == "mql"
    stays = client.post("/v1/lifecycle/acme/advance", json={"stage": "won", "lead": LEAD, "now": NOW}).json()
    assert stays["moved"] is False and stays["stage"] == "won" and stays["transition"] is None
    unknown = client.post("/v1/lifecycle/acme/advance", json={"stage": "limbo", "lead": LEAD})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "stage"
    bad_event = client.post("/v1/lifecycle/acme/advance", json={"stage": "mql", "lead": LEAD, "event": {"type": "x", "at": NOW}})
    assert bad_event.status_code == 422 and bad_event.json()["error"]["field"] == "event.type"
    no_lifecycle = client.post("/v1/lifecycle/tiny/advance", json={"stage": "lead", "lead": {"employees": 3}})
    assert no_lifecycle.status_code == 404
    assert "no lifecycle" in no_lifecycle.json()["error"]["message"]


def test_sla_reports_the_timers(client: httpx.Client) -> None:
    response = client.post("/v1/lifecycle/acme/sla", json={"lead": LEAD, "events": EVENTS, "now": NOW})
    assert response.status_code == 200
    body = response.json()
    assert body["stage"] == "mql"
    assert [v["stage"] for v in body["visits"]] == ["lead", "mql"]
    contacted, accepted = body["timers"]
    assert contacted["sla"] == "each mql is contacted by sales within 4 hours of sales_hours"
    assert contacted["state"] == "breached"
    assert contacted["escalations_due"] == ["sales manager"]
    assert accepted["state"] == "on time"
    assert accepted["business_seconds_remaining"] == 8 * 3600
    assert client.post("/v1/lifecycle/tiny/sla", json={}).status_code == 404


METRIC_LINE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? -?[0-9.e+-]+$')


def test_metrics_are_prometheus_text(client: httpx.Client) -> None:
    decide(client, {"lead": LEAD, "events": EVENTS, "now": NOW})
    decide(client, {"lead": LEAD}, policy="nope")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    for line in text.splitlines():
        assert line.startswith("# ") or METRIC_LINE.match(line), line
    assert re.search(r'^qualdsl_http_requests_total\{route="/v1/decisions/\{policy\}",method="POST",status="200"\} [1-9]',
                     text, re.M)
    assert re.search(r'^qualdsl_decisions_total\{policy="acme",outcome="sql"\} [1-9]', text, re.M)
    assert re.search(r'^qualdsl_errors_total\{code="404"\} [1-9]', text, re.M)
    assert re.search(r'^qualdsl_http_request_duration_seconds_bucket\{route="/v1/decisions/\{policy\}",le="\+Inf"\} [1-9]',
                     text, re.M)
    assert "qualdsl_policies_loaded 2" in text


def test_openapi_document_describes_every_endpoint(client: httpx.Client) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) == {"/v1/decisions/{policy}", "/v1/lifecycle/{policy}/advance", "/v1/lifecycle/{policy}/sla",
                                 "/v1/policies", "/healthz", "/readyz", "/metrics", "/openapi.json"}
    for path, operations in doc["paths"].items():
        for operation in operations.values():
            assert "200" in operation["responses"], path


# ---- the decision log ----------------------------------------------------------------------------
def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_decision_log_holds_every_decision_under_concurrency(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    server = start(make_policies(tmp_path / "policies"), "--decision-log", str(log), "--mask-field", "email_domain",
                   "--mask-field", "EMAIL", "--log-max-bytes", "150000", "--log-keep", "20")
    threads, per_thread = 20, 25
    failures: list[str] = []

    def work(t: int) -> None:
        with server.client() as c:
            for i in range(per_thread):
                lead = {**LEAD, "NumberOfEmployees": 100 + t * 100 + i, "email": f"p{t}.{i}@x.example"}
                if i % 5 == 0:  # a batch of two (the second one cannot be read: not logged)
                    r = decide(c, {"leads": [{"lead": lead, "events": EVENTS}, {"lead": {}}], "now": NOW})
                else:
                    r = decide(c, {"lead": lead, "events": EVENTS, "now": NOW})
                if r.status_code != 200:
                    failures.append(r.text)

    try:
        workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        metrics = server.client().get("/metrics").text
    finally:
        server.stop()
    assert failures == []
    files = sorted(tmp_path.glob("decisions.jsonl*"))
    files = [f for f in files if not f.name.endswith(".lock")]
    assert len(files) >= 2, "the log should have rotated at least once"
    records = [r for f in files for r in read_lines(f)]  # every line is one valid JSON object
    assert len(records) == threads * per_thread
    employees = sorted(r["input"]["lead"]["NumberOfEmployees"] for r in records)
    assert employees == sorted(100 + t * 100 + i for t in range(threads) for i in range(per_thread))
    assert {r["input"]["lead"]["email_domain"] for r in records} == {"***"}
    assert {r["input"]["lead"]["email"] for r in records} == {"***"}
    assert {(r["policy"], r["outcome"], r["name"]) for r in records} == {("acme", "sql", "Acme lead qualification")}
    assert all(r["hash"] and r["now"] == "2026-12-01T12:00:00+00:00" and r["time"] for r in records)
    assert sum("index" in r for r in records) == threads * per_thread // 5
    assert f"qualdsl_decision_log_lines_total {threads * per_thread}" in metrics
    assert all(f.stat().st_size <= 150_000 for f in files)


def test_rotation_keeps_at_most_n_files(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    log = DecisionLog(str(path), max_bytes=1000, keep=3, mask_fields=["email"])
    try:
        for n in range(100):
            log.write([encode({"n": n, "pad": "x" * 80})])
    finally:
        log.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["d.jsonl", "d.jsonl.1", "d.jsonl.2", "d.jsonl.3", "d.jsonl.lock"]
    kept = [r["n"] for name in ("d.jsonl.3", "d.jsonl.2", "d.jsonl.1", "d.jsonl") for r in read_lines(tmp_path / name)]
    assert kept == list(range(100 - len(kept), 100))  # the newest lines, in order, none lost in between
    assert all((tmp_path / name).stat().st_size <= 1000 for name in names)


def test_masking_reaches_nested_keys_in_any_case() -> None:
    fields = ["email", "PHONE"]
    value = {"Email": "a@b", "contacts": [{"phone": "1", "name": "x"}], "n": 1}
    assert masked(value, fields) == {"Email": "***", "contacts": [{"phone": "***", "name": "x"}], "n": 1}
    assert value["Email"] == "a@b"  # the input is left as it was
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    record = decision_record(at, "p", {"name": "P", "version": "1", "hash": "h"}, {"email": "a@b"}, [], at, "ok", None, {},
                             Masker(fields))
    assert encode(record).count(b"\n") == 1 and b"a@b" not in encode(record)


# ---- auth ----------------------------------------------------------------------------------------
def test_a_token_is_required_except_for_health(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token\n", encoding="utf-8")
    server = start(make_policies(tmp_path / "policies"), "--token-file", str(token_file))
    try:
        with server.client() as anonymous, server.client("wrong") as wrong, server.client("s3cret-token") as good:
            missing = decide(anonymous, {"lead": LEAD})
            assert missing.status_code == 401
            assert missing.headers["www-authenticate"] == "Bearer"
            assert missing.json()["error"]["code"] == 401
            assert decide(wrong, {"lead": LEAD}).status_code == 401
            assert anonymous.get("/v1/policies").status_code == 401
            assert anonymous.get("/metrics").status_code == 401
            assert anonymous.get("/healthz").status_code == 200
            assert anonymous.get("/readyz").status_code == 200
            assert decide(good, {"lead": LEAD, "now": NOW}).status_code == 200
            assert good.get("/metrics").status_code == 200
    finally:
        server.stop()


# ---- hot reload ----------------------------------------------------------------------------------
def wait_for(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_hot_reload_swaps_good_versions_and_refuses_broken_ones(tmp_path: Path) -> None:
    policies = make_policies(tmp_path / "policies")
    acme = policies / "acme.qual"
    original = acme.read_text(encoding="utf-8")
    (policies / "tiny.qual").unlink()
    acme.rename(policies / "acme.hold")
    server = start(policies, "--reload-interval", "0.1")
    try:
        with server.client() as c:
            assert c.get("/readyz").status_code == 503  # only a library: nothing to serve
            assert c.get("/readyz").json()["error"]["code"] == 503
            (policies / "acme.hold").rename(acme)
            assert wait_for(lambda: c.get("/readyz").status_code == 200)

            def served_hash() -> str:
                return str(decide(c, {"lead": LEAD, "now": NOW}).json()["policy"]["hash"])

            first = served_hash()
            acme.write_text(original.replace('version "2026.11"', 'version "2026.12"'), encoding="utf-8")
            assert wait_for(lambda: served_hash() != first)
            second = served_hash()
            assert c.get("/v1/policies").json()["policies"][0]["version"] == "2026.12"

            acme.write_text(original.replace("otherwise lead", "otherwise lead\n  sql when engagemnt >= 50"), encoding="utf-8")
            refused = wait_for(lambda: c.get("/v1/policies").json()["policies"][0]["refused"])
            assert refused["diagnostics"] and refused["message"]
            assert served_hash() == second  # the last good version keeps serving
            assert wait_for(lambda: "was refused" in server.output())
            assert "^" in server.output() and "engagemnt" in server.output()  # the rendered diagnostics

            bant = policies.parent / "frameworks" / "bant.qual"  # a used file changes: the policy reloads
            acme.write_text(original, encoding="utf-8")
            assert wait_for(lambda: served_hash() == first)
            bant.write_text(bant.read_text(encoding="utf-8").replace("at least 3 of 4", "at least 2 of 4"), encoding="utf-8")
            assert wait_for(lambda: served_hash() not in (first, second))
            assert c.get("/v1/policies").json()["policies"][0]["refused"] is None
            metrics = c.get("/metrics").text
            assert 'qualdsl_policy_changes_total{result="refused"} 1' in metrics
    finally:
        server.stop()


# ---- the catch-all and the missing extra -----------------------------------------------------------
def test_an_internal_error_is_a_generic_500_without_a_trace(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import uvicorn

    from qualdsl.server.app import create_app

    class Broken:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("secret internals")

    app = create_app(make_policies(tmp_path / "policies"))
    registry = app.state.api.registry
    registry.policies = {**registry.policies, "acme": attrs.evolve(registry.policies["acme"], policy=Broken())}
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: server.started, 10)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
            response = decide(c, {"lead": LEAD})
            assert response.status_code == 500
            assert response.json() == {"error": {"code": 500, "message": "internal server error; the server log has the details"}}
            batch = decide(c, {"leads": [{"lead": LEAD}]})
            assert batch.status_code == 200
            assert batch.json()["results"][0]["error"]["code"] == 500
            assert "secret" not in response.text + batch.text
            assert "Traceback" not in response.text + batch.text
            assert decide(c, {"lead": {"employees": 5}}, policy="tiny").status_code == 200  # the others still serve
    finally:
        server.should_exit = True
        thread.join(10)
    assert any("secret internals" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_serve_says_to_install_the_extra_when_starlette_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from qualdsl.server.cli import serve

    monkeypatch.setitem(sys.modules, "starlette", None)  # import starlette now raises ImportError
    result = CliRunner().invoke(serve, [str(tmp_path)])
    assert result.exit_code == 2
    assert "install qualdsl[server]" in result.output


# ---- the OpenAPI document, held to account by generated requests ------------------------------------
class Schemas:
    """A small JSON Schema → Hypothesis strategy generator and a validator, for the subset the document uses."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.components = doc["components"]["schemas"]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            target = self.components[schema["$ref"].rsplit("/", 1)[1]]
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def strategy(self, schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
        schema = self.resolve(schema)
        options: list[st.SearchStrategy[Any]] = []
        if schema.get("examples"):
            options.append(st.sampled_from(schema["examples"]))
        options.append(self._generated(schema, depth))
        return st.one_of(*options)

    def _generated(self, schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return st.one_of(*(self.strategy(s, depth) for s in schema[key]))
        kind = schema.get("type")
        if isinstance(kind, list):
            return st.one_of(*(self._generated({**schema, "type": k}, depth) for k in kind))
        if kind == "object" or "properties" in schema:
            return self._object(schema, depth)
        if kind == "array":
            items = self.strategy(schema.get("items", {}), depth + 1)
            return st.lists(items, max_size=min(schema.get("maxItems", 4), 4 if depth < 2 else 1))
        if kind == "string":
            if schema.get("format") == "date-time":
                return st.one_of(st.datetimes(timezones=st.just(dt.UTC)).map(lambda d: d.isoformat()),
                                 st.text(max_size=12))
            return st.text(max_size=12)
        if kind == "integer":
            return st.integers(-(10**6), 10**6)
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        return json_values(depth)

    def _object(self, schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        fixed = {k: self.strategy(v, depth + 1) for k, v in properties.items() if k in required}
        optional = {k: self.strategy(v, depth + 1) for k, v in properties.items() if k not in required}
        base = st.fixed_dictionaries(fixed, optional=optional)
        if schema.get("additionalProperties", True) is not False and not properties:
            return st.dictionaries(st.text(max_size=8), json_values(depth + 1), max_size=4)
        return base

    def valid(self, value: Any, schema: dict[str, Any]) -> bool:
        schema = self.resolve(schema)
        if "const" in schema and value != schema["const"]:
            return False
        if "enum" in schema and value not in schema["enum"]:
            return False
        for key in ("anyOf", "oneOf"):
            if key in schema and not any(self.valid(value, s) for s in schema[key]):
                return False
        kind = schema.get("type")
        if kind is not None:
            kinds = kind if isinstance(kind, list) else [kind]
            if not any(_is(value, k) for k in kinds):
                return False
        if isinstance(value, dict):
            properties = schema.get("properties", {})
            if any(k not in value for k in schema.get("required", [])):
                return False
            if schema.get("additionalProperties") is False and set(value) - set(properties):
                return False
            extra = schema.get("additionalProperties")
            for k, v in value.items():
                if k in properties and not self.valid(v, properties[k]):
                    return False
                if k not in properties and isinstance(extra, dict) and not self.valid(v, extra):
                    return False
        if isinstance(value, list) and "items" in schema:
            return all(self.valid(v, schema["items"]) for v in value)
        return True


def _is(value: Any, kind: str) -> bool:
    checks = {
        "object": isinstance(value, dict), "array": isinstance(value, list), "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool), "boolean": isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool), "null": value is None,
    }
    return checks[kind]


def json_values(depth: int = 0) -> st.SearchStrategy[Any]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**12), 10**12),
                        st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=10))
    if depth > 2:
        return scalars
    return st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
        max_leaves=6,
    )


Generated = tuple[str, str, dict[str, str], bytes | None, dict[str, Any]]  # method, url, query, body, operation


@st.composite
def requests(draw: st.DrawFn, doc: dict[str, Any], schemas: Schemas) -> Generated:
    path = draw(st.sampled_from(sorted(doc["paths"])))
    method, operation = draw(st.sampled_from(sorted(doc["paths"][path].items())))
    odd = ["nope", "ACME", "acme/", "../policies", ".", "..", "%2F", " acme"]  # not found, never redirected
    policy = draw(st.one_of(st.sampled_from(["acme", "tiny"]), st.sampled_from(odd), st.text(min_size=1, max_size=8)))
    url = path.replace("{policy}", quote(policy, safe=""))
    params: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and draw(st.booleans()):
            params[parameter["name"]] = draw(st.one_of(schemas.strategy(parameter["schema"]), st.text(max_size=5)))
    body: bytes | None = None
    if "requestBody" in operation:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        kind = draw(st.sampled_from(["schema", "schema", "schema", "json", "bytes"]))
        if kind == "schema":
            body = json.dumps(draw(schemas.strategy(schema))).encode()
        elif kind == "json":
            body = json.dumps(draw(json_values())).encode()
        else:
            body = draw(st.binary(max_size=40))
    return method.upper(), url, params, body, operation


def test_every_response_is_documented_json_and_never_a_500(main_server: Server) -> None:
    with main_server.client() as c:
        doc = c.get("/openapi.json").json()
        schemas = Schemas(doc)
        seen: set[tuple[str, int]] = set()

        @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(requests(doc, schemas))
        def check(request: Generated) -> None:
            method, url, params, body, operation = request
            headers = {"content-type": "application/json"} if body is not None else {}
            response = c.request(method, url, params=params, content=body, headers=headers)
            assert response.status_code != 500, response.text
            documented = operation["responses"]
            assert str(response.status_code) in documented, (method, url, response.status_code, response.text)
            content = documented[str(response.status_code)]["content"]
            media, spec = next(iter(content.items()))
            assert response.headers["content-type"].startswith(media)
            if media == "application/json":
                payload = response.json()
                assert schemas.valid(payload, spec["schema"]), (method, url, payload)
                for entry in payload.get("results", []) if isinstance(payload, dict) else []:
                    assert entry.get("error", {}).get("code") != 500, entry
            seen.add((url.split("/")[2] if url.startswith("/v1/") else url, response.status_code))

        check()
    assert "Traceback" not in main_server.output()  # nothing escaped to the catch-all, not even in a batch item
    statuses = {status for _, status in seen}
    assert {200, 400, 404, 422} <= statuses, seen  # the generator reached the interesting answers

"""The Starlette app: HTTP wiring over shapes → service → log and metrics, nothing more.

``create_app(policy_dir, settings)`` builds it; ``app_from_env()`` builds it in a uvicorn
worker process from the settings the ``serve`` command put in the environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import hmac
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import anyio.to_thread
import attrs
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import qualdsl
from qualdsl.server import service, shapes
from qualdsl.server.errors import STATUS_TEXT, ApiError
from qualdsl.server.jsonio import dumps
from qualdsl.server.log import DecisionLog, decision_record, encode
from qualdsl.server.metrics import CONTENT_TYPE, Families, Metrics
from qualdsl.server.openapi import document
from qualdsl.server.registry import Entry, Registry
from qualdsl.server.settings import Settings

logger = logging.getLogger("qualdsl.server")

ENV_CONFIG = "QUALDSL_SERVE_CONFIG"


class FastJSON(JSONResponse):
    """A JSON answer encoded by ``jsonio.dumps`` (orjson when installed)."""

    def render(self, content: Any) -> bytes:
        return dumps(content)

OPEN_PATHS = frozenset({"/healthz", "/readyz"})


def error_response(code: int, message: str, headers: Mapping[str, str] | None = None, **extra: object) -> FastJSON:
    return FastJSON(ApiError(code, message, extra=extra).to_dict(), status_code=code, headers=headers)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to be larger than ``limit``."""
    declared = request.headers.get("content-length")
    too_large = ApiError(413, f"the request body is larger than {limit} bytes", extra={"limit": limit})
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "the Content-Length header is not a number")
        if int(declared) > limit:
            raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def explain_option(value: str | None) -> bool:
    if value in (None, "", "none"):
        return False
    if value == "full":
        return True
    raise ApiError(400, "`explain` is `full` (add the explanation) or `none`", "explain", {"value": value})


@attrs.frozen
class Api:
    """The endpoints, over the state they share."""

    registry: Registry
    settings: Settings
    metrics: Metrics
    log: DecisionLog | None
    openapi: bytes

    def entry(self, request: Request) -> Entry:
        policy_id = request.path_params["policy"]
        entry = self.registry.policies.get(policy_id)
        if entry is None:
            known = sorted(self.registry.policies)
            raise ApiError(404, f"no policy `{policy_id}`; the policies are: {', '.join(known) or 'none'}", "policy",
                           {"known": known})
        return entry

    async def body(self, request: Request) -> Any:
        return shapes.parse_json(await read_body(request, self.settings.max_body_bytes))

    async def decisions(self, request: Request) -> Response:
        entry = self.entry(request)
        explain = explain_option(request.query_params.get("explain"))
        checked = shapes.decision_request(await self.body(request), self.settings.max_batch)
        if checked.batch or explain:  # longer work: keep the event loop answering others meanwhile
            decided = await anyio.to_thread.run_sync(functools.partial(self.decide, entry, checked, explain))
        else:
            decided = self.decide(entry, checked, explain)
        return FastJSON(decided.body)

    def decide(self, entry: Entry, checked: shapes.DecisionRequest, explain: bool) -> service.Decided:
        decided = service.decide(entry.policy, checked, explain)
        self.metrics.count_decisions(entry.id, (made.decision.outcome for made in decided.made))
        self.metrics.count_errors(decided.error_codes)
        if self.log is not None:
            self.log.write(self.log_lines(entry, decided, checked.batch))
        return decided

    def log_lines(self, entry: Entry, decided: service.Decided, batch: bool) -> list[bytes]:
        assert self.log is not None
        at = dt.datetime.now(dt.UTC)
        info = entry.policy.info()
        mask = self.log.mask
        return [
            encode(decision_record(
                at, entry.id, info, made.item.lead, made.item.events, decided.now, made.decision.outcome,
                made.decision.reason, made.decision.scores, mask, made.index if batch else None, made.item.id,
            ))
            for made in decided.made
        ]

    async def advance(self, request: Request) -> Response:
        entry = self.entry(request)
        checked = shapes.advance_request(await self.body(request))
        return FastJSON(await anyio.to_thread.run_sync(service.advance, entry.policy, entry.id, checked))

    async def sla(self, request: Request) -> Response:
        entry = self.entry(request)
        checked = shapes.sla_request(await self.body(request))
        return FastJSON(await anyio.to_thread.run_sync(service.sla, entry.policy, entry.id, checked))

    async def policies(self, request: Request) -> Response:
        return FastJSON(self.registry.listing())

    async def healthz(self, request: Request) -> Response:
        return FastJSON({"status": "ok", "version": qualdsl.__version__})

    async def readyz(self, request: Request) -> Response:
        count = len(self.registry.policies)
        if not count:
            return error_response(503, f"no policy is loaded from {self.registry.directory}")
        return FastJSON({"status": "ready", "policies": count})

    async def metrics_text(self, request: Request) -> Response:
        return Response(self.metrics.render(self.families()), media_type=CONTENT_TYPE)

    def families(self) -> Families:
        registry = self.registry
        extra: dict[str, tuple[str, str, Mapping[tuple[tuple[str, str], ...], float]]] = {
            "qualdsl_policies_loaded": ("gauge", "Policies served.", {(): len(registry.policies)}),
            "qualdsl_policies_refused": ("gauge", "Policy files whose newest version was refused.",
                                         {(): len(registry.refused)}),
            "qualdsl_policy_changes_total": ("counter", "Policy files loaded, reloaded, refused and removed.",
                                             {(("result", k),): v for k, v in registry.counts.items()}),
        }
        if self.log is not None:
            extra["qualdsl_decision_log_lines_total"] = ("counter", "Lines written to the decision log.",
                                                         {(): self.log.written})
        return extra

    async def openapi_json(self, request: Request) -> Response:
        return Response(self.openapi, media_type="application/json")


# ---- errors -------------------------------------------------------------------------------------
async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.code == 401 else None
    return FastJSON(exc.to_dict(), status_code=exc.code, headers=headers)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (no such route, a method the route does not take) as JSON."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        message = f"no such endpoint: {request.method} {request.url.path}; see GET /openapi.json"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}; allowed: {headers.get('Allow', '?')}"
    else:
        message = str(exc.detail or STATUS_TEXT.get(exc.status_code, "error"))
    return error_response(exc.status_code, message, headers)


class Observe:
    """Counts and times every request; any exception that escapes becomes a generic 500 (logged, never shown)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Mapping[object, str]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        started = False

        async def watch(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            logger.exception("internal error answering %s %s", scope.get("method"), scope.get("path"))
            if not started:
                status = 500
                await error_response(500, "internal server error; the server log has the details")(scope, receive, send)
        finally:
            route = self.routes.get(scope.get("endpoint"), "unmatched")
            self.metrics.observe_request(route, scope.get("method", "?"), status, time.perf_counter() - start)


class Authenticate:
    """Requests outside ``OPEN_PATHS`` need ``Authorization: Bearer <token>``; others get 401."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in OPEN_PATHS:
            problem = self.problem(dict(scope["headers"]).get(b"authorization"))
            if problem:
                response = error_response(401, problem, {"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def problem(self, header: bytes | None) -> str | None:
        if header is None:
            return "this server needs a bearer token: send `Authorization: Bearer <token>`"
        scheme, _, given = header.partition(b" ")
        if scheme.lower() != b"bearer" or not hmac.compare_digest(given.strip(), self.token):
            return "the bearer token is wrong"
        return None


# ---- the app ------------------------------------------------------------------------------------
async def poll(registry: Registry, interval: float) -> None:
    """Hot reload: look at the policy files every ``interval`` seconds, in a worker thread."""
    while True:
        await asyncio.sleep(interval)
        try:
            await anyio.to_thread.run_sync(registry.refresh)
        except Exception:
            logger.exception("reloading the policies of %s failed", registry.directory)


def lifespan_of(registry: Registry, settings: Settings, log: DecisionLog | None) -> Callable[[Starlette], Any]:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(poll(registry, settings.reload_interval)) if settings.reload_interval > 0 else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if log is not None:
                log.close()

    return lifespan


def create_app(policy_dir: str | os.PathLike[str], settings: Settings | None = None) -> Starlette:
    """The app serving every policy of ``policy_dir`` (loaded now; polled for changes while serving)."""
    settings = settings or Settings()
    registry = Registry(policy_dir)
    registry.refresh()
    log = None
    if settings.decision_log:
        log = DecisionLog(settings.decision_log, settings.log_max_bytes, settings.log_keep, settings.mask_fields)
    openapi = dumps(document(settings.max_batch))
    api = Api(registry, settings, Metrics(), log, openapi)
    routes = [
        Route("/v1/decisions/{policy}", api.decisions, methods=["POST"]),
        Route("/v1/lifecycle/{policy}/advance", api.advance, methods=["POST"]),
        Route("/v1/lifecycle/{policy}/sla", api.sla, methods=["POST"]),
        Route("/v1/policies", api.policies, methods=["GET"]),
        Route("/healthz", api.healthz, methods=["GET"]),
        Route("/readyz", api.readyz, methods=["GET"]),
        Route("/metrics", api.metrics_text, methods=["GET"]),
        Route("/openapi.json", api.openapi_json, methods=["GET"]),
    ]
    middleware = [Middleware(Observe, metrics=api.metrics, routes={r.endpoint: r.path for r in routes})]
    if settings.token:
        middleware.append(Middleware(Authenticate, token=settings.token))
    app = Starlette(
        routes=routes, middleware=middleware, lifespan=lifespan_of(registry, settings, log),
        exception_handlers={ApiError: api_error, HTTPException: http_error},
    )
    app.router.redirect_slashes = False  # `/v1/policies/` is a JSON 404, not a redirect a client must follow
    app.state.api = api
    return app


def app_from_env() -> Starlette:
    """The app of one uvicorn worker process: ``serve --workers N`` passes its settings in the environment."""
    config = json.loads(os.environ[ENV_CONFIG])
    settings = Settings.from_dict(config["settings"])
    if config.get("token_file"):
        settings = attrs.evolve(settings, token=Path(config["token_file"]).read_text(encoding="utf-8").strip())
    return create_app(config["policy_dir"], settings)

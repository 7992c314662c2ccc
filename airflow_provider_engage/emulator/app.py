"""The running emulator: one instance's parts (:class:`Emulator`) and the thin FastAPI app over them.

:class:`Emulator` holds one clock, both backends, the fault injector, the rate limits, the request
counts and the ``--db`` store, and offers what the control API does (move the clock, reset, set
faults, report state) as plain methods. :func:`create_app` mounts both services' routes
(:mod:`.engagelab.responses`, :mod:`.pai.responses`), the control API under ``/_emulator/`` (its
names and shapes are the ones DESIGN.md fixes and ``docs/emulator.md`` shows users) and the
traffic middleware (:mod:`.traffic`); :mod:`airflow_provider_engage.emulator.server` runs it under
uvicorn. While it runs, a background task fires what has come due every ``config.fire_interval``
real seconds (clock changes through the control API fire at once). A path no route serves answers
in the shape of the service whose prefix it has (``/v4/`` EngageLab, ``/api/`` PAI); elsewhere
(the control API) FastAPI's ``{"detail"}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from airflow_provider_engage import engagelab_spec, pai_spec, timing
from airflow_provider_engage.emulator import EmulatorConfig
from airflow_provider_engage.emulator.clock import Clock
from airflow_provider_engage.emulator.engagelab import responses as engagelab_responses
from airflow_provider_engage.emulator.engagelab.exceptions import ScheduleNotFound
from airflow_provider_engage.emulator.engagelab.models import EngageLabBackend
from airflow_provider_engage.emulator.pai import responses as pai_responses
from airflow_provider_engage.emulator.pai.exceptions import PaiScheduleNotFound
from airflow_provider_engage.emulator.pai.models import PaiBackend
from airflow_provider_engage.emulator.store import SnapshotStore
from airflow_provider_engage.emulator.traffic import (
    ConnectionRegistry,
    FaultInjector,
    FaultRule,
    FaultRuleError,
    RateLimiter,
    TrafficMiddleware,
)
from airflow_provider_engage.input_errors import InvalidFieldError

log = logging.getLogger(__name__)

CONTROL_PREFIX = "/_emulator"


class Emulator:
    """Everything one emulator instance holds, and the operations the control API offers."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.clock = Clock(config.start_time, frozen=config.frozen)
        self.store = SnapshotStore(config.db) if config.db else None
        self.engagelab = EngageLabBackend(
            self.clock,
            seed=config.seed,
            site_tz=config.site_tz,
            max_schedules=config.max_schedules,
            plan_permission=not config.no_plan_permission,
            store=self.store,
        )
        self.pai = PaiBackend(self.clock, seed=config.seed, store=self.store)
        self.faults = FaultInjector(config.seed)
        self.engagelab_limiter = RateLimiter(config.engagelab_qps)
        self.pai_limiter = RateLimiter(config.pai_qps)
        # Keyed by AppKey and path: each push-plan query endpoint has its own allowance.
        self.plan_query_limiter = RateLimiter(config.plan_query_qps)
        self.connections = ConnectionRegistry()
        self._requests: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._requests_lock = threading.Lock()

    # --- time -----------------------------------------------------------------------------------

    def fire_due(self) -> datetime:
        """Fire what both services owe up to the emulated now; answers that now. Each backend saves
        what it fired before anything can read it (with ``--db``), so a crash never makes an
        occurrence fire twice."""
        now = self.clock.now()
        self.engagelab.fire_due(now)
        self.pai.fire_due(now)
        return now

    def change_clock(
        self,
        *,
        set_to: datetime | None = None,
        advance_seconds: float | None = None,
        frozen: bool | None = None,
    ) -> dict[str, Any]:
        """Move the clock, then fire everything due up to the new now before answering."""
        if frozen is True:
            self.clock.freeze()
        if set_to is not None:
            self.clock.set(set_to)
        if advance_seconds is not None:
            self.clock.advance(advance_seconds)
        if frozen is False:
            self.clock.unfreeze()
        self._save_clock()
        return self.clock_state()

    def clock_state(self) -> dict[str, Any]:
        now = self.fire_due()
        return {"now": now.isoformat().replace("+00:00", "Z"), "frozen": self.clock.frozen}

    # --- faults, limits, counts ------------------------------------------------------------------

    def set_faults(self, rules: Sequence[FaultRule], seed: int | None) -> None:
        self.faults.configure(rules, seed)

    def count_request(self, route: str, status: str) -> None:
        with self._requests_lock:
            self._requests[route][status] += 1

    def reset(self) -> None:
        """Empty every backend, forget faults, limits and counts; the clock goes back to its start."""
        self.engagelab.reset()
        self.pai.reset()
        self.faults = FaultInjector(self.config.seed)
        self.engagelab_limiter.reset()
        self.pai_limiter.reset()
        self.plan_query_limiter.reset()
        with self._requests_lock:
            self._requests.clear()
        self.clock.reset()
        if self.config.frozen:
            self.clock.freeze()
        if self.config.start_time is not None:
            self.clock.set(self.config.start_time)
        self._save_clock()

    def state(self) -> dict[str, Any]:
        with self._requests_lock:
            requests = {route: dict(statuses) for route, statuses in sorted(self._requests.items())}
        return {
            **self.clock_state(),
            "engagelab": self.engagelab.state(),
            "pai": self.pai.state(),
            "requests": requests,
            "faults": {"rules": self.faults.rules(), "injected": dict(self.faults.injected)},
            "rate_limits": {"engagelab_qps": self.engagelab_limiter.rate, "pai_qps": self.pai_limiter.rate},
        }

    # --- the --db file ----------------------------------------------------------------------------

    def load(self) -> None:
        """Take up where the last run with the same ``--db`` stopped."""
        saved = self.store.load() if self.store else None
        if not saved:
            return
        # The file's clock wins over --start-time and --frozen, which say where a new file's clock
        # starts (and where reset puts it back): the same command run again must not rewind time.
        if "clock" in saved:
            self.clock.restore(saved["clock"])
        self.engagelab.restore(saved.get("engagelab", {}))
        self.pai.restore(saved.get("pai", {}))

    def save(self) -> None:
        """Every part at once, at shutdown (each backend has saved its own changes already)."""
        if self.store is not None:
            clock, engagelab, pai = self.clock.snapshot(), self.engagelab.snapshot(), self.pai.snapshot()
            self.store.save({"clock": clock, "engagelab": engagelab, "pai": pai})

    def _save_clock(self) -> None:
        if self.store is not None:
            self.store.save({"clock": self.clock.snapshot()})


# --- the control API ------------------------------------------------------------------------------


class _BadControlRequest(HTTPException):
    """A control call the API cannot take: 400, ``{"detail"}`` naming the problem."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, detail)


async def _object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as err:
        raise _BadControlRequest(f"the body is not JSON: {err}") from None
    if not isinstance(body, dict):
        raise _BadControlRequest("the body must be a JSON object")
    return body


def _clock_change(body: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(body) - {"set", "advance_seconds", "frozen"})
    if unknown:
        raise _BadControlRequest(f"unknown fields: {', '.join(unknown)}")
    if "set" in body and "advance_seconds" in body:
        raise _BadControlRequest("give 'set' or 'advance_seconds', not both")
    advance = body.get("advance_seconds")
    if advance is not None and (not isinstance(advance, int | float) or isinstance(advance, bool)):
        raise _BadControlRequest(f"'advance_seconds' must be a number, got {advance!r}")
    frozen = body.get("frozen")
    if frozen is not None and not isinstance(frozen, bool):
        raise _BadControlRequest(f"'frozen' must be true or false, got {frozen!r}")
    try:
        set_to = timing.to_utc(body["set"], field="set") if "set" in body else None
    except InvalidFieldError as err:
        raise _BadControlRequest(str(err)) from None
    return {"set_to": set_to, "advance_seconds": advance, "frozen": frozen}


def _fault_rules(body: dict[str, Any]) -> tuple[list[FaultRule], int | None]:
    seed, rules = body.get("seed"), body.get("rules", [])
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise _BadControlRequest(f"'seed' must be an integer, got {seed!r}")
    if not isinstance(rules, list) or not all(isinstance(rule, dict) for rule in rules):
        raise _BadControlRequest("'rules' must be a list of objects")
    try:
        return [FaultRule.parse(rule) for rule in rules], seed
    except FaultRuleError as err:
        raise _BadControlRequest(str(err)) from None


def control_router(emulator: Emulator) -> APIRouter:
    """The control API under ``/_emulator/``: clock, reset, faults, state, and a read-only view of
    one schedule (no auth, loopback only), in the names and shapes DESIGN.md fixes."""
    router = APIRouter(prefix=CONTROL_PREFIX)

    @router.get("/clock")
    async def get_clock() -> JSONResponse:
        return JSONResponse(emulator.clock_state())

    @router.post("/clock")
    async def change_clock(request: Request) -> JSONResponse:
        return JSONResponse(emulator.change_clock(**_clock_change(await _object(request))))

    @router.post("/reset")
    async def reset() -> JSONResponse:
        emulator.reset()
        return JSONResponse({"reset": True, **emulator.clock_state()})

    @router.get("/faults")
    async def get_faults() -> JSONResponse:
        return JSONResponse({"rules": emulator.faults.rules()})

    @router.post("/faults")
    async def set_faults(request: Request) -> JSONResponse:
        rules, seed = _fault_rules(await _object(request))
        emulator.set_faults(rules, seed)
        return JSONResponse({"seed": seed, "rules": emulator.faults.rules()})

    @router.delete("/faults")
    async def clear_faults() -> JSONResponse:
        emulator.faults.clear()
        return JSONResponse({"rules": []})

    @router.get("/state")
    async def state() -> JSONResponse:
        return JSONResponse(emulator.state())

    # What the operators' "console" extra link opens offline: one schedule and what it fired.
    @router.get("/schedules/{schedule_id}")
    async def engagelab_schedule(schedule_id: str) -> JSONResponse:
        try:
            records = emulator.engagelab.schedule_msg_ids(schedule_id)
        except ScheduleNotFound as err:
            return JSONResponse({"detail": str(err)}, status_code=404)
        try:
            detail: dict[str, Any] | None = emulator.engagelab.get_schedule(schedule_id)
        except ScheduleNotFound:
            detail = None  # expired: its firings are still worth seeing
        fired = [json.loads(record.wire()) for record in records]
        return JSONResponse(
            {"schedule_id": schedule_id, "schedule": detail, "expired": detail is None, "msg_ids": fired}
        )

    @router.get("/pai/schedules/{schedule_id}")
    async def pai_schedule(schedule_id: str) -> JSONResponse:
        try:
            return JSONResponse(emulator.pai.get_schedule(schedule_id))
        except PaiScheduleNotFound as err:
            return JSONResponse({"detail": str(err)}, status_code=404)

    return router


# --- the app ----------------------------------------------------------------------------------------


def create_app(config: EmulatorConfig | None = None) -> FastAPI:
    config = config or EmulatorConfig()
    emulator = Emulator(config)
    emulator.load()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_fire_periodically(emulator, config.fire_interval))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            emulator.save()

    app = FastAPI(title="engage-emulator", lifespan=lifespan)
    app.state.emulator = emulator
    routers = [
        engagelab_responses.build_router(
            emulator.engagelab,
            config.credentials,
            legacy_msgids=config.legacy_msgids,
            get_as_array=config.get_as_array,
        ),
        pai_responses.build_router(emulator.pai, config.credentials),
        control_router(emulator),
    ]
    for router in routers:
        app.include_router(router)
    # The routers' own routes, not app.router's: FastAPI may wrap included routers lazily.
    routes = [route for router in routers for route in router.routes]
    app.add_middleware(TrafficMiddleware, emulator=emulator, routes=routes)

    async def unknown_route(request: Request, exc: Exception) -> Response:
        """No route for the path (404) or not with this method (405): the vendor's answer on its paths."""
        assert isinstance(exc, HTTPException)
        path = request.url.path
        if exc.status_code in (404, 405):
            if path.startswith(engagelab_spec.PATH_PREFIX):
                # Starlette's Allow names the first route that matched the path; every one counts.
                headers = {"Allow": _allowed(routes, request.scope)} if exc.status_code == 405 else None
                return engagelab_responses.unknown_route(request.method, path, exc.status_code, headers)
            if path.startswith(pai_spec.PATH_PREFIX):
                return pai_responses.unknown_route()
        return await http_exception_handler(request, exc)

    app.add_exception_handler(HTTPException, unknown_route)
    return app


def _allowed(routes: Sequence[BaseRoute], scope: Scope) -> str:
    """The methods of every route whose path matches, for a 405's ``Allow`` header."""
    methods: set[str] = set()
    for route in routes:
        if route.matches(scope)[0] is Match.PARTIAL:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


async def _fire_periodically(emulator: Emulator, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            emulator.fire_due()  # saves what it fired
        except Exception:  # one bad tick must not stop the clock for good
            log.exception("firing due schedules failed")

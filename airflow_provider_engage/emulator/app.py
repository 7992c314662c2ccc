"""``create_app(config)``: both services, the control API, the traffic middleware and firing.

The app is an ordinary ASGI app; :mod:`airflow_provider_engage.emulator.server` runs it under
uvicorn. While it runs, a background task fires what has come due every
``config.fire_interval`` real seconds (clock changes through the control API fire at once).
A path no route serves answers in the shape of the service whose prefix it has (``/v4/``
EngageLab, ``/api/`` PAI); elsewhere (the control API) FastAPI's ``{"detail"}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from airflow_provider_engage import engagelab_spec, pai_spec
from airflow_provider_engage.emulator import control, engagelab_routes, pai_routes
from airflow_provider_engage.emulator.config import EmulatorConfig
from airflow_provider_engage.emulator.core import Emulator
from airflow_provider_engage.emulator.middleware import TrafficMiddleware

log = logging.getLogger(__name__)


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
        engagelab_routes.build_router(
            emulator.engagelab,
            config.credentials,
            legacy_msgids=config.legacy_msgids,
            get_as_array=config.get_as_array,
        ),
        pai_routes.build_router(emulator.pai, config.credentials),
        control.build_router(emulator),
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
                return engagelab_routes.unknown_route(request.method, path, exc.status_code, headers)
            if path.startswith(pai_spec.PATH_PREFIX):
                return pai_routes.unknown_route()
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

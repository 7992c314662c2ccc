"""What happens to a request before the services see it: counting, rate limits and faults.

A plain ASGI middleware (no per-request task or body buffering), so 50 concurrent clients cost
little. Rate limits and faults apply to the services' paths only (``/v4/`` EngageLab, ``/api/``
PAI), never to the control API, and answer in each service's own error shape.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airflow_provider_engage.emulator.core import Emulator
from airflow_provider_engage.emulator.engagelab import EngageLabError
from airflow_provider_engage.emulator.engagelab_routes import app_key_of, error_response
from airflow_provider_engage.emulator.faults import FaultRule, RateDecision, RateLimiter
from airflow_provider_engage.emulator.pai_routes import gateway_error

ENGAGELAB_PREFIX = "/v4/"
PAI_PREFIX = "/api/"
# JPush's "API call frequency exceeds the limit" (EngageLab documents no code of its own).
RATE_LIMITED_CODE = 2002
_ENGAGELAB_CODE_OF_STATUS = {500: 28200, 503: 28203, 429: RATE_LIMITED_CODE}
_ENGAGELAB_FAULT_MESSAGES = {
    28200: "Server Internal error. An unexpected error occurred. (injected fault)",
    28203: "Execute action timeout, please try later again (injected fault)",
}
_PAI_CODE_OF_STATUS = {500: "InternalError", 503: "ServiceUnavailable", 429: "Throttling.User"}


class TrafficMiddleware:
    """Counts every request by route and status; throttles and injects faults on service paths."""

    def __init__(self, app: ASGIApp, *, emulator: Emulator, routes: Sequence[BaseRoute]) -> None:
        """``routes``: the services' and control API's own routes, whose templates name the counts."""
        self.app = app
        self.emulator = emulator
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = f"{scope['method']} {self._route_of(scope)}"
        service = _service_of(scope["path"])
        if service is None:
            await self._pass(route, scope, receive, send)
            return
        refusal = self._throttle(service, scope)
        if refusal is not None:
            self.emulator.count_request(route, str(refusal.status_code))
            await refusal(scope, receive, send)
            return
        plan = self.emulator.faults.plan(scope["method"], scope["path"])
        if plan.latency_ms:
            await asyncio.sleep(plan.latency_ms / 1000)
        failure = plan.failure
        if failure is None or failure.kind == "latency":
            await self._pass(route, scope, receive, send)
        elif failure.kind == "status":
            response = _status_fault(service, failure)
            self.emulator.count_request(route, str(response.status_code))
            await response(scope, receive, send)
        else:
            if failure.kind == "commit_then_drop":
                await self.app(scope, receive, _discard)
            self.emulator.count_request(route, "dropped")
            await self._drop(scope, send)

    async def _pass(self, route: str, scope: Scope, receive: Receive, send: Send) -> None:
        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.emulator.count_request(route, str(message["status"]))
            await send(message)

        await self.app(scope, receive, counting_send)
        if scope["method"] not in ("GET", "HEAD"):
            self.emulator.save()

    async def _drop(self, scope: Scope, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            self.emulator.save()
        if await self.emulator.connections.drop(scope.get("client")):
            return
        # Not under our server: announce a body and end without it, which servers must cut off.
        headers = [(b"content-length", b"1"), (b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})

    def _route_of(self, scope: Scope) -> str:
        for candidate in self.routes:
            match, _ = candidate.matches(scope)
            if match is not Match.NONE:
                return str(getattr(candidate, "path", scope["path"]))
        return "(no route)"

    def _throttle(self, service: str, scope: Scope) -> Response | None:
        authorization = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), "")
        if service == "engagelab":
            limiter = self.emulator.engagelab_limiter
            credentials = app_key_of(authorization)
            decision = limiter.acquire(credentials[0] if credentials else "")
            return None if decision.allowed else _engagelab_throttled(decision, limiter)
        limiter = self.emulator.pai_limiter
        decision = limiter.acquire(_pai_key(authorization))
        return None if decision.allowed else _pai_throttled(decision, limiter)


async def _discard(message: Message) -> None:
    """Swallows the answer of a request whose connection is about to be dropped."""


def _service_of(path: str) -> str | None:
    if path.startswith(ENGAGELAB_PREFIX):
        return "engagelab"
    if path.startswith(PAI_PREFIX):
        return "pai"
    return None


def _pai_key(authorization: str) -> str:
    """The API key (gateway Bearer) or AccessKey id (ACS3 ``Credential=``) a PAI call is made with."""
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() == "bearer":
        return rest.strip()
    for part in rest.split(","):
        name, _, value = part.strip().partition("=")
        if name == "Credential":
            return value
    return ""


def _engagelab_throttled(decision: RateDecision, limiter: RateLimiter) -> Response:
    wait = max(1, math.ceil(decision.reset_seconds))
    err = EngageLabError(
        f"Request frequency exceeds the limit of {limiter.rate:g} requests per second per AppKey",
        code=RATE_LIMITED_CODE,
    )
    headers = {
        "Retry-After": str(wait),
        "X-Rate-Limit-Limit": str(decision.limit),
        "X-Rate-Limit-Remaining": str(decision.remaining),
        "X-Rate-Limit-Reset": str(wait),
    }
    return error_response(err, status=429, headers=headers)


def _pai_throttled(decision: RateDecision, limiter: RateLimiter) -> Response:
    response = gateway_error(
        429, "Throttling.User", f"Request was denied due to user flow control ({limiter.rate:g} per second)."
    )
    # Alibaba's SDKs read x-acs-retry-after as milliseconds.
    response.headers["x-acs-retry-after"] = str(max(1, math.ceil(decision.reset_seconds * 1000)))
    return response


def _status_fault(service: str, rule: FaultRule) -> Response:
    status = rule.status or 503
    if service == "engagelab":
        code = rule.code if rule.code is not None else _ENGAGELAB_CODE_OF_STATUS.get(status, 28200)
        message = _ENGAGELAB_FAULT_MESSAGES.get(code, "injected fault")
        return error_response(EngageLabError(message, code=code), status=status)
    code_name: Any = rule.code if rule.code is not None else _PAI_CODE_OF_STATUS.get(status, "InternalError")
    return gateway_error(status, str(code_name), "The request failed (injected fault).")

"""What happens to a request before the services see it: counting, rate limits and faults.

A plain ASGI middleware (no per-request task or body buffering), so 50 concurrent clients cost
little. Rate limits (:mod:`~airflow_provider_engage.emulator.ratelimit`) and faults
(:mod:`~airflow_provider_engage.emulator.faults`) apply to the services' paths only (``/v4/``
EngageLab, ``/api/`` PAI), never to the control API, and answer in each service's own error shape.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from email.utils import formatdate
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airflow_provider_engage import engagelab_spec, pai_spec
from airflow_provider_engage.emulator.core import Emulator
from airflow_provider_engage.emulator.engagelab_routes import app_key_of, error_response
from airflow_provider_engage.emulator.exceptions import EngageLabError
from airflow_provider_engage.emulator.faults import FaultRule
from airflow_provider_engage.emulator.pai_routes import gateway_error
from airflow_provider_engage.emulator.ratelimit import RateDecision

_ENGAGELAB_CODE_OF_STATUS = {
    500: engagelab_spec.INTERNAL_ERROR,
    503: engagelab_spec.RETRY_LATER,
    429: engagelab_spec.RATE_LIMITED,
}
_ENGAGELAB_FAULT_MESSAGES = {
    engagelab_spec.INTERNAL_ERROR: "Server Internal error. An unexpected error occurred. (injected fault)",
    engagelab_spec.RETRY_LATER: "Execute action timeout, please try later again (injected fault)",
}
_PAI_CODE_OF_STATUS = {
    500: pai_spec.GATEWAY_INTERNAL_ERROR,
    503: pai_spec.GATEWAY_UNAVAILABLE,
    429: pai_spec.GATEWAY_THROTTLED,
}
# Seed 001's "query interfaces", each with its own call allowance per AppKey (3010 over it).
_PLAN_QUERY_PATHS = frozenset({engagelab_spec.PUSH_PLAN_LIST_PATH, engagelab_spec.PLAN_MSG_IDS_PATH})


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
        send = self._dated(send)
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

    def _dated(self, send: Send) -> Send:
        """Every answer's ``Date`` is the emulated now, as a real service's is its own clock's: a
        client that judges "before the fire time" by the service's clock then follows this one."""

        async def dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                now = formatdate(self.emulator.clock.now().timestamp(), usegmt=True).encode("ascii")
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                message = {**message, "headers": [*headers, (b"date", now)]}
            await send(message)

        return dated

    async def _pass(self, route: str, scope: Scope, receive: Receive, send: Send) -> None:
        changes = scope["method"] not in ("GET", "HEAD")
        saved = answered = False

        async def counting_send(message: Message) -> None:
            nonlocal saved, answered
            if message["type"] == "http.response.start":
                answered = True
                if changes:  # saved before it is answered: a crash (SIGKILL) loses nothing answered
                    self.emulator.save()
                    saved = True
                self.emulator.count_request(route, str(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        except Exception:
            # Starlette's outermost middleware answers an exception with 500, past this one: a
            # request that crashed the emulator is counted as what its client sees.
            if not answered:
                self.emulator.count_request(route, "500")
            raise
        finally:
            if changes and not saved:  # the app failed before answering: keep what it changed
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
        if service == "pai":
            limiter = self.emulator.pai_limiter
            decision = limiter.acquire(_pai_key(authorization))
            return None if decision.allowed else _pai_throttled(decision, limiter.rate)
        credentials = app_key_of(authorization)
        app_key = credentials[0] if credentials else ""
        decision = self.emulator.engagelab_limiter.acquire(app_key)
        if not decision.allowed:
            rate = self.emulator.engagelab_limiter.rate
            message = f"Request frequency exceeds the limit of {rate:g} requests per second per AppKey"
            return _engagelab_throttled(EngageLabError(message, code=engagelab_spec.RATE_LIMITED), decision)
        path = scope["path"]
        if scope["method"] != "GET" or path not in _PLAN_QUERY_PATHS:
            return None
        decision = self.emulator.plan_query_limiter.acquire(f"{app_key} {path}")
        if decision.allowed:
            return None
        rate = self.emulator.plan_query_limiter.rate
        message = f"The API call volume of {path} exceeds the limit of {rate:g} calls per second per AppKey"
        return _engagelab_throttled(
            EngageLabError(message, code=engagelab_spec.PLAN_QUERY_OVER_LIMIT), decision
        )


async def _discard(message: Message) -> None:
    """Swallows the answer of a request whose connection is about to be dropped."""


def _service_of(path: str) -> str | None:
    if path.startswith(engagelab_spec.PATH_PREFIX):
        return "engagelab"
    if path.startswith(pai_spec.PATH_PREFIX):
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


def _engagelab_throttled(err: EngageLabError, decision: RateDecision) -> Response:
    """A refusal with the seconds to wait (``Retry-After``) and JPush's rate-limit headers."""
    wait = max(1, math.ceil(decision.reset_seconds))
    headers = {
        "Retry-After": str(wait),
        "X-Rate-Limit-Limit": str(decision.limit),
        "X-Rate-Limit-Remaining": str(decision.remaining),
        "X-Rate-Limit-Reset": str(wait),
    }
    return error_response(err, headers=headers)


def _pai_throttled(decision: RateDecision, rate: float) -> Response:
    response = gateway_error(
        429, pai_spec.GATEWAY_THROTTLED, f"Request was denied due to user flow control ({rate:g} per second)."
    )
    # Alibaba's SDKs read x-acs-retry-after as milliseconds.
    response.headers["x-acs-retry-after"] = str(max(1, math.ceil(decision.reset_seconds * 1000)))
    return response


def _status_fault(service: str, rule: FaultRule) -> Response:
    status = rule.status or 503
    if service == "engagelab":
        code = (
            rule.code
            if rule.code is not None
            else _ENGAGELAB_CODE_OF_STATUS.get(status, engagelab_spec.INTERNAL_ERROR)
        )
        message = _ENGAGELAB_FAULT_MESSAGES.get(code, "injected fault")
        return error_response(EngageLabError(message, code=code), status=status)
    code_name: Any = (
        rule.code
        if rule.code is not None
        else _PAI_CODE_OF_STATUS.get(status, pai_spec.GATEWAY_INTERNAL_ERROR)
    )
    return gateway_error(status, str(code_name), "The request failed (injected fault).")

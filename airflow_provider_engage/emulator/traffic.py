"""What happens to a request before a service sees it: rate limits, injected faults, counting.

Three parts, one concern (the trouble a client meets on the way in), applied by one plain ASGI
middleware (:class:`TrafficMiddleware`: no per-request task or body buffering, so 50 concurrent
clients cost little) to the services' paths only (``/v4/`` EngageLab, ``/api/`` PAI), never to
the control API, answering in each service's own error shape:

* :class:`RateLimiter`: the server-side limits, token buckets per key (an AppKey, a PAI key), as
  the services throttle their callers. (Not the client-side limiter the hooks share,
  :mod:`airflow_provider_engage.ratelimit`.)
* :class:`FaultInjector`: trouble on demand, by probability or for the next N requests. Draws come
  from one seeded ``random.Random``, so a sequence of requests meets the same faults on every run.
* :class:`ConnectionRegistry`: the open connections, so a "drop" fault can close one unanswered.

The middleware also counts every request by route and status, and dates every answer by the
emulated clock. Nothing here saves state: the backends save what they change.
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from email.utils import formatdate
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airflow_provider_engage import engagelab_spec, pai_spec
from airflow_provider_engage.emulator.engagelab.exceptions import EngageLabError
from airflow_provider_engage.emulator.engagelab.responses import app_key_of, error_response
from airflow_provider_engage.emulator.pai.responses import gateway_error

if TYPE_CHECKING:
    from airflow_provider_engage.emulator.app import Emulator

# --- rate limits ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateDecision:
    """The limiter's answer, with what the rate-limit headers report."""

    allowed: bool
    limit: int
    remaining: int
    # Refused: until one request may pass again. Allowed: until the bucket is full again.
    reset_seconds: float


class RateLimiter:
    """Token buckets per key: ``rate`` requests a second, bursts of up to one second's worth.

    Real (monotonic) time, not the emulator clock: a limit is about how fast clients call.
    A rate of 0 lets everything through.
    """

    def __init__(self, rate: float, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self._capacity = max(rate, 1.0)
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def acquire(self, key: str) -> RateDecision:
        limit = math.ceil(self._capacity)
        if self.rate <= 0:
            return RateDecision(True, 0, 0, 0.0)
        now = self._monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (self._capacity, now))
            tokens = min(self._capacity, tokens + (now - stamp) * self.rate)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)
        wait = (1.0 - tokens) / self.rate if not allowed else (self._capacity - tokens) / self.rate
        return RateDecision(allowed, limit, int(tokens), wait)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


# --- faults ---------------------------------------------------------------------------------------

FaultKind = Literal["status", "latency", "drop", "commit_then_drop"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


class FaultRuleError(ValueError):
    """A fault rule sent to the control API is malformed."""


@dataclass
class FaultRule:
    """One kind of trouble for the requests it matches.

    ``method`` and ``path`` filter (``path`` is a prefix: ``/v4/schedules`` also matches
    ``/v4/schedules/<id>``). Exactly one of ``probability`` (each matching request, 0..1) and
    ``next`` (the next N matching requests, then the rule is spent) says how often.
    """

    kind: FaultKind
    probability: float | None = None
    next: int | None = None
    method: str | None = None
    path: str | None = None
    status: int | None = None
    code: int | None = None
    latency_ms: int = 0

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> FaultRule:
        known = {"kind", "probability", "next", "method", "path", "status", "code", "latency_ms"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise FaultRuleError(f"unknown rule fields: {', '.join(unknown)}")
        kind = data.get("kind")
        if kind not in FAULT_KINDS:
            raise FaultRuleError(f"kind must be one of {', '.join(FAULT_KINDS)}, got {kind!r}")
        probability, count = data.get("probability"), data.get("next")
        if (probability is None) == (count is None):
            raise FaultRuleError("give exactly one of 'probability' and 'next'")
        if probability is not None and (
            not isinstance(probability, int | float)
            or isinstance(probability, bool)
            or not 0 <= probability <= 1
        ):
            raise FaultRuleError(f"probability must be a number from 0 to 1, got {probability!r}")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
            raise FaultRuleError(f"next must be an integer >= 0, got {count!r}")
        status = data.get("status")
        if kind == "status" and (not isinstance(status, int) or not 400 <= status <= 599):
            raise FaultRuleError(f"a status rule needs 'status' from 400 to 599, got {status!r}")
        latency = data.get("latency_ms", 0)
        if not isinstance(latency, int) or latency < 0 or (kind == "latency" and latency == 0):
            raise FaultRuleError(f"latency_ms must be a positive integer, got {latency!r}")
        for key in ("method", "path"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise FaultRuleError(f"{key} must be a string")
        code = data.get("code")
        if code is not None and (not isinstance(code, int) or isinstance(code, bool)):
            raise FaultRuleError(f"code must be an integer, got {code!r}")
        method = data.get("method")
        return cls(
            kind=cast(FaultKind, kind),
            probability=None if probability is None else float(probability),
            next=count,
            method=method.upper() if method else None,
            path=data.get("path"),
            status=status,
            code=code,
            latency_ms=latency,
        )

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        if self.path is None:
            return True
        prefix = self.path.rstrip("/")
        return path in (self.path, prefix) or path.startswith(prefix + "/")

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class FaultPlan:
    """What to do to one request: wait first, then at most one way of failing."""

    latency_ms: int = 0
    failure: FaultRule | None = None


class FaultInjector:
    """The configured rules and the seeded draws that decide which requests meet them."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._seed = seed
        self._random = random.Random(seed)
        self.injected: Counter[str] = Counter()

    def configure(self, rules: Iterable[FaultRule], seed: int | None = None) -> None:
        """Replace the rules; a seed restarts the draws so runs repeat exactly."""
        with self._lock:
            self._rules = list(rules)
            if seed is not None:
                self._seed = seed
            self._random = random.Random(self._seed)

    def clear(self) -> None:
        self.configure([])

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.as_dict() for rule in self._rules]

    def plan(self, method: str, path: str) -> FaultPlan:
        """Decide this request's faults; rules are tried in order, the first failure wins."""
        latency = 0
        failure: FaultRule | None = None
        with self._lock:
            for rule in self._rules:
                # Once a failure is chosen, later failure rules are not asked: they keep their count.
                if failure is not None and rule.kind != "latency":
                    continue
                if not rule.matches(method, path) or not self._draw(rule):
                    continue
                if rule.kind == "latency":
                    latency += rule.latency_ms
                    self.injected["latency"] += 1
                elif failure is None:
                    failure = rule
                    latency += rule.latency_ms
                    self.injected[rule.kind] += 1
        return FaultPlan(latency_ms=latency, failure=failure)

    def _draw(self, rule: FaultRule) -> bool:
        if rule.next is not None:
            if rule.next <= 0:
                return False
            rule.next -= 1
            return True
        assert rule.probability is not None
        return self._random.random() < rule.probability


class ConnectionRegistry:
    """Open client connections by peer address, so a fault can drop one without answering.

    The server's protocol class registers each transport; an ASGI app cannot reach its
    connection otherwise, and raising would make uvicorn answer 500 instead of dropping.
    """

    def __init__(self) -> None:
        self._transports: dict[tuple[str, int], asyncio.BaseTransport] = {}

    def opened(self, peer: tuple[str, int], transport: asyncio.BaseTransport) -> None:
        self._transports[peer] = transport

    def closed(self, peer: tuple[str, int]) -> None:
        self._transports.pop(peer, None)

    async def drop(self, client: Sequence[Any] | None) -> bool:
        """Close the client's connection with no response; False when it is not known here."""
        peer = (str(client[0]), int(client[1])) if client else None
        transport = self._transports.get(peer) if peer else None
        if peer is None or transport is None:
            return False
        transport.close()
        # Wait for the server to see the loss, so it writes nothing (not even a 500) afterwards.
        for _ in range(100):
            if peer not in self._transports:
                break
            await asyncio.sleep(0.001)
        return True


# --- the middleware that applies them ---------------------------------------------------------

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
        answered = False

        async def counting_send(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = True
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

    async def _drop(self, scope: Scope, send: Send) -> None:
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

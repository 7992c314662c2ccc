"""The server-side rate limits: token buckets per key, as the services throttle their callers.

Pure policy, no HTTP: the app's middleware asks :class:`RateLimiter` whether a key (an AppKey,
a PAI key) may go on, and answers a refusal in the service's own shape with the
:class:`RateDecision`'s figures in its headers. (Not the client-side limiter the hooks share,
:mod:`airflow_provider_engage.ratelimit`.)
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateDecision", "RateLimiter"]


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

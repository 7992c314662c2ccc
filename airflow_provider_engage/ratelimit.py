"""A client-side rate limiter shared by the threads of a bulk task or the triggers of an event loop.

The services answer 429 above their limit (EngageLab: 500 requests a second per AppKey); callers
that stay just under it never wait for a Retry-After. Pure and thread-safe: :meth:`reserve`
books a slot and says how long to wait for it, so an event loop awaits that without blocking,
and :meth:`acquire` (for threads) sleeps it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Spaces calls to at most ``rate`` a second, allowing a burst of ``burst`` after idle time.

    The lock is held only to book a slot, never while waiting, so many threads (or coroutines)
    wait concurrently without serialising on it.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        self.rate = rate
        self.interval = 1.0 / rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_free = clock() - burst * self.interval

    def reserve(self) -> float:
        """Book the next free slot; returns the seconds until it (0 when it is now). Never blocks."""
        with self._lock:
            now = self._clock()
            # Idle time banks at most `burst` slots.
            slot = max(self._next_free, now - (self.burst - 1) * self.interval)
            self._next_free = slot + self.interval
        return max(0.0, slot - now)

    def acquire(self) -> float:
        """Wait, in this thread, for a slot; returns the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

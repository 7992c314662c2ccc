"""A client-side rate limiter shared by the threads of one bulk task.

The services answer 429 above their limit (EngageLab: 500 requests a second per AppKey); a bulk
create that stays just under it never waits for a Retry-After. Pure and thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Spaces calls to at most ``rate`` a second, allowing a burst of ``burst`` after idle time.

    ``acquire()`` reserves the next free slot under a lock and sleeps outside it, so many threads
    wait concurrently without serialising on the lock.
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

    def acquire(self) -> float:
        """Wait for a slot; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            # Idle time banks at most `burst` slots.
            slot = max(self._next_free, now - (self.burst - 1) * self.interval)
            self._next_free = slot + self.interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
            return wait
        return 0.0

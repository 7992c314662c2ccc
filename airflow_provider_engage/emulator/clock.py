"""The emulator's clock: real time by default, or frozen, set and advanced on request.

Business rules (firing, expiry, "not in the past") read this clock, so a test can make a week
pass in a second. It is thread-safe because tests call in from other threads than the server's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any


def _real_now() -> datetime:
    return datetime.now(UTC)


class Clock:
    """A UTC clock that runs with real time at an offset, or stands still when frozen."""

    def __init__(
        self,
        start: datetime | None = None,
        *,
        frozen: bool = False,
        time_source: Callable[[], datetime] = _real_now,
    ) -> None:
        self._source = time_source
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen_at: datetime | None = None
        if frozen:
            self.freeze()
        if start is not None:
            self.set(start)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def now(self) -> datetime:
        """The emulated instant, an aware UTC datetime."""
        with self._lock:
            return self._now_locked()

    def set(self, instant: datetime) -> datetime:
        """Jump to ``instant`` (aware; converted to UTC); a frozen clock stays frozen there."""
        target = _aware_utc(instant)
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = target
            else:
                self._offset = target - self._source()
            return target

    def advance(self, seconds: float) -> datetime:
        """Move forward (or back, for negative ``seconds``) and answer the new now."""
        with self._lock:
            step = timedelta(seconds=seconds)
            if self._frozen_at is not None:
                self._frozen_at += step
            else:
                self._offset += step
            return self._now_locked()

    def freeze(self) -> datetime:
        """Stop the clock at the current emulated instant."""
        with self._lock:
            self._frozen_at = self._now_locked()
            return self._frozen_at

    def unfreeze(self) -> datetime:
        """Let the clock run with real time again from where it stands."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._source()
                self._frozen_at = None
            return self._now_locked()

    def reset(self) -> datetime:
        """Back to plain real time, not frozen."""
        with self._lock:
            self._offset = timedelta(0)
            self._frozen_at = None
            return self._now_locked()

    def snapshot(self) -> dict[str, Any]:
        """JSON-safe state for ``--db``: the offset from real time, or where it stands frozen."""
        with self._lock:
            frozen_at = self._frozen_at.isoformat() if self._frozen_at else None
            return {"offset_seconds": self._offset.total_seconds(), "frozen_at": frozen_at}

    def restore(self, data: Mapping[str, Any]) -> None:
        with self._lock:
            self._offset = timedelta(seconds=float(data.get("offset_seconds", 0.0)))
            frozen_at = data.get("frozen_at")
            self._frozen_at = datetime.fromisoformat(frozen_at) if frozen_at else None

    def _now_locked(self) -> datetime:
        if self._frozen_at is not None:
            return self._frozen_at
        return self._source() + self._offset


def _aware_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("the clock takes aware datetimes only")
    # A plain datetime whatever was given: pendulum's arithmetic would give intervals, not timedeltas.
    return datetime.fromtimestamp(instant.timestamp(), UTC)

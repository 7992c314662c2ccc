"""The running emulator's parts, without HTTP: one clock, both backends, faults, limits, counts.

The control API, the traffic middleware and the background firing task all act on one
:class:`Emulator`; keeping it free of FastAPI lets tests drive it directly.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from airflow_provider_engage.emulator.clock import Clock
from airflow_provider_engage.emulator.config import EmulatorConfig
from airflow_provider_engage.emulator.engagelab import EngageLabBackend
from airflow_provider_engage.emulator.faults import FaultInjector, FaultRule
from airflow_provider_engage.emulator.pai import PaiBackend
from airflow_provider_engage.emulator.ratelimit import RateLimiter
from airflow_provider_engage.emulator.store import SnapshotStore


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


class Emulator:
    """Everything one emulator instance holds, and the operations the control API offers."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.clock = Clock(config.start_time, frozen=config.frozen)
        self.engagelab = EngageLabBackend(
            self.clock,
            seed=config.seed,
            site_tz=config.site_tz,
            max_schedules=config.max_schedules,
            plan_permission=not config.no_plan_permission,
        )
        self.pai = PaiBackend(self.clock, seed=config.seed)
        self.faults = FaultInjector(config.seed)
        self.engagelab_limiter = RateLimiter(config.engagelab_qps)
        self.pai_limiter = RateLimiter(config.pai_qps)
        # Keyed by AppKey and path: each push-plan query endpoint has its own allowance.
        self.plan_query_limiter = RateLimiter(config.plan_query_qps)
        self.connections = ConnectionRegistry()
        self.store = SnapshotStore(config.db) if config.db else None
        self._requests: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._requests_lock = threading.Lock()

    # --- time -----------------------------------------------------------------------------------

    def fire_due(self) -> datetime:
        """Fire what both services owe up to the emulated now, and save it before anything can read
        it (with ``--db``), so a crash never makes an occurrence fire twice; answers that now."""
        now = self.clock.now()
        self.engagelab.fire_due(now)
        self.pai.fire_due(now)
        self.save()
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

    # --- persistence ----------------------------------------------------------------------------

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
        if self.store is not None:
            clock, engagelab, pai = self.clock.snapshot(), self.engagelab.snapshot(), self.pai.snapshot()
            self.store.save({"clock": clock, "engagelab": engagelab, "pai": pai})

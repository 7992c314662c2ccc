"""What every deferral trigger of this provider does: sleep until a look is worth making, look,
and end with exactly one event.

A vendor trigger names its async hook and its watch; the loop is here. Its kwargs are plain JSON
with absolute instants (the watch's, and the sensor's deadline), so a trigger rebuilt from
:meth:`WaitingTrigger.serialize` on any triggerer, after any restart, waits for the same thing
and ends at the same deadline. Transient failures (throttling, 5xx, 28203, timeouts, dropped
connections) are logged and waited through; a refusal no retry can change, or a schedule that
is gone, ends the wait with an event saying so. Cancellation is never turned into an event.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_engage.hooks.calls import ServiceClock
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.service_errors import (
    EngageLabNotFoundError,
    EngageServiceError,
    PaiEngagementNotFoundError,
)
from airflow_provider_engage.watches.verdicts import Verdict, instant, iso

if TYPE_CHECKING:
    from airflow_provider_engage.hooks.transport import EngageAsyncHook
    from airflow_provider_engage.sensors._base import Watch

__all__ = ["LONGEST_NAP", "WaitingTrigger", "sleep_until"]

LONGEST_NAP = 60.0
"""Sleeps are taken in naps this long at most, so a moved machine clock is noticed."""


class WaitingTrigger(BaseTrigger):
    """Shared by the deferral triggers; not one itself."""

    watch_class: ClassVar[type[Any]]

    def __init__(
        self,
        *,
        conn_id: str,
        watch: dict[str, Any],
        deadline: str,
        poke_interval: float = 60.0,
        clock_offset: float = 0.0,
        clock_sync_interval: float | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.conn_id = conn_id
        self.watch = watch
        self.deadline = deadline
        self.poke_interval = poke_interval
        self.clock_offset = clock_offset
        self.clock_sync_interval = clock_sync_interval
        self._hook: EngageAsyncHook | None = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        cls = type(self)
        return f"{cls.__module__}.{cls.__qualname__}", {
            "conn_id": self.conn_id,
            "watch": self.watch,
            "deadline": self.deadline,
            "poke_interval": self.poke_interval,
            "clock_offset": self.clock_offset,
            "clock_sync_interval": self.clock_sync_interval,
        }

    def _new_hook(self) -> EngageAsyncHook:
        raise NotImplementedError

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = self._hook = self._new_hook()
        hook.service_clock = clock = ServiceClock(self.clock_offset)
        watch: Watch = self.watch_class.from_json(self.watch)
        cadence = watch.cadence(self.poke_interval)
        deadline = instant(self.deadline)
        assert deadline is not None
        while True:
            now = clock.local_now()
            look_at = clock.local_time(cadence.next_look(clock.now()))
            if not clock.agrees and self.clock_sync_interval:
                look_at = min(look_at, now + dt.timedelta(seconds=self.clock_sync_interval))
            await sleep_until(min(look_at, deadline), clock)
            if clock.local_now() >= deadline:
                event = _event("timeout", f"the wait timed out at {self.deadline}")
            else:
                verdict = await self._look(hook, watch)
                if verdict is None or not verdict.done:
                    if verdict is not None:
                        self.log.info("%s", verdict.message)
                    continue
                event = _event(verdict.status, verdict.message, verdict.result, detected_at=iso(clock.now()))
            # Closed before the event: a consumer that takes one event and stops (``dag.test()``)
            # never resumes this generator, and a triggerer's cleanup() then finds nothing open.
            await self.cleanup()
            yield event
            return

    async def _look(self, hook: EngageAsyncHook, watch: Watch) -> Verdict | None:
        """One look; None after a transient failure (the next look comes by the cadence)."""
        try:
            answers = [await getattr(hook, name)(*args) for name, args in watch.calls()]
        except (EngageLabNotFoundError, PaiEngagementNotFoundError):
            return watch.gone()
        except EngageServiceError as err:
            if err.transient:
                self.log.warning("Waiting through a transient failure: %s", err)
                return None
            return Verdict("error", f"the service refused the wait: {err}")
        except InvalidFieldError as err:
            return Verdict("error", f"invalid input: {err}")
        return watch.judge_answers(answers, hook.service_clock.now())

    async def cleanup(self) -> None:
        """Close the HTTP session, however the trigger ends (event, cancellation, triggerer stop)."""
        hook, self._hook = self._hook, None
        if hook is not None:
            await hook.close()


def _event(status: str, message: str, result: Any = None, **more: Any) -> TriggerEvent:
    payload = {"status": status, "message": message, "result": result, **more}
    return TriggerEvent(payload)  # type: ignore[no-untyped-call]


async def sleep_until(moment: dt.datetime, clock: ServiceClock) -> None:
    """Sleep until ``moment`` (this machine's clock), in naps, so a clock change is noticed."""
    while (left := (moment - clock.local_now()).total_seconds()) > 0:  # noqa: ASYNC110 (a deadline, no event)
        await asyncio.sleep(min(left, LONGEST_NAP))

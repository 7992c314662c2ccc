"""What every deferral trigger of this provider does: sleep until a look is worth making, look,
and end with exactly one event.

A vendor trigger names its async hook and its watch; the look and its cadence are the wait
engine's (:mod:`airflow_provider_engage.waits.engine`), the loop is here. Its kwargs are plain
JSON with absolute instants (the watch's, and the sensor's deadline), so a trigger rebuilt from
:meth:`WaitingTrigger.serialize` on any triggerer, after any restart, waits for the same thing
and ends at the same deadline. Transient failures (throttling, 5xx, 28203, timeouts, dropped
connections) are logged and waited through; a refusal no retry can change, or a schedule that
is gone, ends the wait with an event saying so. Cancellation is never turned into an event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_engage.waits import engine
from airflow_provider_engage.waits.engine import Watch, imported, instant, iso, look_async, next_look_at

__all__ = ["WaitingTrigger"]


class WaitingTrigger(BaseTrigger):
    """Shared by the deferral triggers; not one itself."""

    hook_path: ClassVar[str]  # the vendor's async hook, imported when the trigger runs
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
        self._hook: Any = None

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

    def _new_hook(self) -> Any:
        return imported(self.hook_path)(self.conn_id)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = self._hook = self._new_hook()
        clock = hook.service_clock
        clock.offset = self.clock_offset  # as the sensor last saw the service's clock
        watch: Watch = self.watch_class.from_json(self.watch)
        cadence = watch.cadence(self.poke_interval)
        deadline = instant(self.deadline)
        assert deadline is not None
        while True:
            await engine.sleep_until(next_look_at(cadence, clock, self.clock_sync_interval, deadline), clock)
            if clock.local_now() >= deadline:
                event = _event("timeout", f"the wait timed out at {self.deadline}")
            else:
                verdict = await look_async(hook, watch, self.log)
                if not verdict.done:
                    self.log.info("%s", verdict.message)
                    continue
                event = _event(verdict.status, verdict.message, verdict.result, detected_at=iso(clock.now()))
            # Closed before the event: a consumer that takes one event and stops (``dag.test()``)
            # never resumes this generator, and a triggerer's cleanup() then finds nothing open.
            await self.cleanup()
            yield event
            return

    async def cleanup(self) -> None:
        """Close the HTTP session, however the trigger ends (event, cancellation, triggerer stop)."""
        hook, self._hook = self._hook, None
        if hook is not None:
            await hook.close()


def _event(status: str, message: str, result: Any = None, **more: Any) -> TriggerEvent:
    payload = {"status": status, "message": message, "result": result, **more}
    return TriggerEvent(payload)  # type: ignore[no-untyped-call]

"""The event triggers' loop: sleep until a feed's look is due, look, announce, keep the cursor.

:class:`FeedsTrigger` is what the ``AssetWatcher`` triggers share. Its feeds (what each vendor
follows: :mod:`airflow_provider_engage.waits.engagelab`, ``.pai``) judge their answers with the
same watches, looks and cadence as the sensors (:mod:`airflow_provider_engage.waits.engine`);
where a deferral trigger ends with one verdict, a feed announces each firing and moves its
cursor. Its kwargs hold only what is watched (connection, ids, cadence): nothing like "now", so
the dag-processor, which re-creates a watcher's trigger whenever its kwargs change, never does
so for no reason. What was announced
lives in each feed's cursor, saved after every event in Airflow 3.3's asset state store (the
triggerer hands it to the trigger before ``run()``), so a trigger re-created after a restart
resumes after its last announcement: it neither repeats one nor misses a firing that came while
it was down. A cursor is saved before its events are handed over, with nothing awaited between:
an event is never announced twice, and one handed over is then the triggerer's to keep.

Watchers of one connection share one poll (:meth:`FeedsTrigger.shared_stream_key`): each asks a
shared poller for the looks its feeds want, the poller makes each distinct look once, when it is
due, and every watcher takes the answers meant for it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from airflow.providers.common.compat.triggers import BaseEventTrigger
from airflow.triggers.base import TriggerEvent

from airflow_provider_engage.service_errors import EngageServiceError
from airflow_provider_engage.waits import engine
from airflow_provider_engage.waits.engine import Call, Feed, Verdict, fetch_async, imported, next_wake

__all__ = ["FeedsTrigger", "airflow_3_only"]

POLL_LOG = logging.getLogger(__name__)
GONE = Verdict("failed", "what the feed follows no longer exists")
"""What a feed's failed look means when the service no longer knows what it follows."""


def airflow_3_only(name: str) -> None:
    """Refuse plainly, on Airflow 2.11, a trigger that only an ``AssetWatcher`` can run."""
    from airflow import __version__

    if not __version__.startswith(("3.", "4.")):
        raise RuntimeError(
            f"{name} is an event trigger for an AssetWatcher, which needs Airflow 3 (this is "
            f"Airflow {__version__}); on Airflow 2 wait with the provider's sensors instead"
        )


class CursorStore:
    """Where the feeds' cursors are kept: every watched asset's state store (Airflow 3.3), or this
    process's memory when there is none (a trigger run outside a watcher, as in a test)."""

    def __init__(self, accessors: Any) -> None:
        # One accessor per watched asset. Their public get/set need exactly one; with several the
        # cursor goes to each, so any of them tells where the watch stands.
        found = [*getattr(accessors, "_by_name", {}).values(), *getattr(accessors, "_by_uri", {}).values()]
        self._accessors = found
        self._memory: dict[str, Any] = {}

    async def load(self, key: str) -> dict[str, Any] | None:
        for accessor in self._accessors:
            value = await accessor.aget(key)
            if isinstance(value, dict):
                return value
        value = self._memory.get(key)
        return value if isinstance(value, dict) else None

    async def save(self, key: str, cursor: dict[str, Any]) -> None:
        for accessor in self._accessors:
            await accessor.aset(key, cursor)
        self._memory[key] = cursor


class FeedsTrigger(BaseEventTrigger):
    """Shared by the event triggers: a vendor trigger names its async hook and opens its feeds."""

    hook_path: ClassVar[str]  # the vendor's async hook, imported when the trigger runs
    stream_name: ClassVar[str]

    def __init__(
        self,
        *,
        conn_id: str,
        poke_interval: float = 60.0,
        grace: float = 600.0,
        clock_sync_interval: float | None = None,
    ) -> None:
        airflow_3_only(type(self).__name__)
        super().__init__()  # type: ignore[no-untyped-call]
        self.conn_id = conn_id
        self.poke_interval = poke_interval
        self.grace = grace
        self.clock_sync_interval = clock_sync_interval
        self._hook: Any = None

    def _kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "conn_id": self.conn_id,
            "poke_interval": self.poke_interval,
            "grace": self.grace,
        }
        # Left out when unset, so a watcher serialized before the setting existed is not recreated.
        if self.clock_sync_interval is not None:
            kwargs["clock_sync_interval"] = self.clock_sync_interval
        return kwargs

    def serialize(self) -> tuple[str, dict[str, Any]]:
        cls = type(self)
        return f"{cls.__module__}.{cls.__qualname__}", self._kwargs()

    def _new_hook(self) -> Any:
        return imported(self.hook_path)(self.conn_id)

    async def _open_feeds(self, hook: Any, cursors: dict[str, dict[str, Any] | None]) -> list[Feed]:
        """The feeds, resumed from their saved cursors (``cursors``: by feed key)."""
        raise NotImplementedError

    def feed_keys(self) -> list[str]:
        raise NotImplementedError

    # --- one poll of its own ------------------------------------------------------------------------

    async def run(self) -> AsyncIterator[TriggerEvent]:
        hook = self._hook = self._new_hook()
        store = CursorStore(self.asset_state_store)
        feeds = await self._start(hook, store)
        while True:
            planned = [(feed.next_look(hook.service_clock.now()), feed) for feed in feeds]
            wake, syncing = next_wake(
                [look for look, _ in planned], hook.service_clock, self.clock_sync_interval
            )
            await engine.sleep_until(hook.service_clock.local_time(wake), hook.service_clock)
            for look, feed in planned:
                if look is None or (look > wake and not syncing):  # due by the instant slept to
                    continue
                answers = await fetch_async(hook, feed.calls(hook.service_clock.now()), GONE, self.log)
                for event in await self._announced(feed, answers, hook.service_clock.now(), store):
                    yield event

    async def _start(self, hook: Any, store: CursorStore) -> list[Feed]:
        """The feeds from their cursors; a feed seen for the first time starts from the service's now,
        saved at once, so that a restart before its first firing resumes from the same instant.

        Reading what is watched (a schedule's trigger) is tried again every ``poke_interval`` until
        it succeeds, whatever the failure, as every later look is: a watcher lives for months."""
        await hook.load_connection()
        cursors = {key: await store.load(key) for key in self.feed_keys()}
        while True:
            try:
                feeds = await self._open_feeds(hook, cursors)
                break
            except EngageServiceError as err:  # reading what is watched failed: a watcher lives on
                log = self.log.warning if err.transient else self.log.error
                log("Could not open the watch (trying again in %g s): %s", self.poke_interval, err)
                clock = hook.service_clock
                await engine.sleep_until(clock.local_now() + dt.timedelta(seconds=self.poke_interval), clock)
        for feed in feeds:
            if cursors.get(feed.key) is None:
                await store.save(feed.key, feed.cursor())
        return feeds

    async def _announced(
        self, feed: Feed, answers: list[Any] | Verdict, now: dt.datetime, store: CursorStore
    ) -> list[TriggerEvent]:
        """The events a look announces (after a failed look, none: what the failure means for the
        feed), its cursor saved before they leave (see the module)."""
        events: list[dict[str, Any]] = []
        if answers is GONE:
            self.log.warning("%s no longer exists: its watch stops", feed.key)
            feed.gone()
        elif isinstance(answers, Verdict):
            if answers.status == "error":
                self.log.error("A look failed (trying again later): %s", answers.message)
            feed.failed(now)  # a watcher lives for months: it tries again by its cadence
        else:
            events = feed.take(answers, now)
        await store.save(feed.key, feed.cursor())
        return [TriggerEvent(payload) for payload in events]  # type: ignore[no-untyped-call]

    async def cleanup(self) -> None:
        hook, self._hook = self._hook, None
        if hook is not None:
            await hook.close()

    # --- one poll shared by the watchers of a connection --------------------------------------------

    def shared_stream_key(self) -> Hashable | None:
        return ("airflow_provider_engage", self.stream_name, self.conn_id)

    @classmethod
    async def open_shared_stream(cls, kwargs: dict[str, Any]) -> AsyncIterator[Any]:
        poller = _Poller.of(("airflow_provider_engage", cls.stream_name, kwargs["conn_id"]))
        hook = cls(**kwargs)._new_hook()
        try:
            async for result in poller.poll(hook, kwargs.get("clock_sync_interval")):
                yield result
        finally:
            await hook.close()

    async def filter_shared_stream(self, shared_stream: AsyncIterator[Any]) -> AsyncIterator[TriggerEvent]:
        key = self.shared_stream_key()
        assert key is not None
        poller = _Poller.of(key)
        hook = self._hook = self._new_hook()  # the connection's settings; the poller sends
        store = CursorStore(self.asset_state_store)
        feeds = await self._start(hook, store)
        asked = poller.want(self, feeds, hook.service_clock)
        try:
            async for result in shared_stream:
                hook.service_clock.offset = result["clock_offset"]
                for feed in feeds:
                    if asked.get(feed.key) != result["calls"]:
                        continue
                    for event in await self._announced(
                        feed, result["fetched"], hook.service_clock.now(), store
                    ):
                        yield event
                asked = poller.want(self, feeds, hook.service_clock)
        finally:
            poller.forget(self)


def _call_key(calls: list[Call]) -> str:
    return json.dumps(calls, sort_keys=True, default=str)


@dataclass
class _Poller:
    """One poll for the watchers of one connection: each distinct look made once, when due."""

    wanted: dict[int, dict[str, tuple[dt.datetime, list[Call]]]] = field(default_factory=dict)
    earlier: asyncio.Event = field(default_factory=asyncio.Event)
    target: dt.datetime | None = None  # the instant the poll sleeps to
    clock_offset: float = 0.0  # the service's clock, as the watchers last saw it

    _all: ClassVar[dict[tuple[int, Hashable], _Poller]] = {}

    @classmethod
    def of(cls, key: Hashable) -> _Poller:
        """The poll of ``key`` in the running event loop (a triggerer has one; its event and
        sleeps belong to that loop)."""
        return cls._all.setdefault((id(asyncio.get_running_loop()), key), cls())

    def want(self, watcher: object, feeds: list[Feed], clock: Any) -> dict[str, str]:
        """Ask for what ``watcher``'s feeds want next (a look at a service instant, by its calls);
        answers which look each feed asked for (feed key -> call key)."""
        now = clock.now()
        looks, asked = {}, {}
        for feed in feeds:
            due = feed.next_look(now)
            if due is not None:
                calls = feed.calls(due)
                asked[feed.key] = key = _call_key(calls)
                looks[key] = (due, calls)
        self.wanted[id(watcher)] = looks
        self.clock_offset = clock.offset
        if self.target is None or any(due < self.target for due, _ in looks.values()):
            self.earlier.set()  # the poll plans again
        return asked

    def forget(self, watcher: object) -> None:
        self.wanted.pop(id(watcher), None)

    def _merged(self) -> dict[str, tuple[dt.datetime, list[Call]]]:
        merged: dict[str, tuple[dt.datetime, list[Call]]] = {}
        for looks in self.wanted.values():
            for key, (due, calls) in looks.items():
                if key not in merged or due < merged[key][0]:
                    merged[key] = (due, calls)
        return merged

    async def poll(self, hook: Any, clock_sync_interval: float | None) -> AsyncIterator[dict[str, Any]]:
        await hook.load_connection()
        clock = hook.service_clock
        while True:
            merged = self._merged()
            self.target = None
            self.earlier.clear()
            if not merged:
                await self.earlier.wait()
                continue
            clock.offset = self.clock_offset
            self.target, syncing = next_wake([due for due, _ in merged.values()], clock, clock_sync_interval)
            sleeper = asyncio.ensure_future(engine.sleep_until(clock.local_time(self.target), clock))
            woken = asyncio.ensure_future(self.earlier.wait())
            done, _ = await asyncio.wait({sleeper, woken}, return_when=asyncio.FIRST_COMPLETED)
            if sleeper not in done:  # a watcher wants something sooner: plan again
                sleeper.cancel()
                continue
            woken.cancel()
            # The looks as wanted now, not when the sleep began: a watcher may have moved one later.
            for key, (due, calls) in self._merged().items():
                if due <= self.target or syncing:
                    result = await _shared_look(hook, key, calls)
                    # Answered: also what a watcher asked again while the look was out (it had not
                    # had this answer yet). Every watcher asks anew once it has taken the answer.
                    for looks in self.wanted.values():
                        looks.pop(key, None)
                    self.clock_offset = clock.offset
                    yield result


async def _shared_look(hook: Any, key: str, calls: list[Call]) -> dict[str, Any]:
    """One look for every watcher that asked for it; the stream stays in this process, so its
    answers (or what their failure meant) go to the watchers as they are."""
    fetched = await fetch_async(hook, calls, GONE, POLL_LOG)
    return {"calls": key, "fetched": fetched, "clock_offset": hook.service_clock.offset}

"""The wait engine: one look and one cadence for every wait of this provider.

Sensors (poke, reschedule, defer), deferral triggers and event triggers wait the same way. A
*watch* says what is awaited: the hook calls a look makes, how their answers are judged into a
:class:`Verdict` (by the one deadline rule, :func:`verdict_by`), and the :class:`Cadence` of its
looks. This module makes a look with a sync hook or an async one (:func:`fetch`,
:func:`fetch_async`: they differ only in the send), tells a transient failure from a final one
(:func:`failed_look`), and says when the next look is due (:func:`next_wake`,
:func:`next_look_at`, :func:`sleep_until`). What a sensor or trigger does with a verdict is
theirs: a deferral trigger ends with one event, an event trigger's feeds announce firings.

Instants here are the service's (its clock judges "before the fire time"); the hook's
``service_clock`` turns them into this machine's for sleeping.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, Self

from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.plain_json import dump, load_record
from airflow_provider_engage.service_errors import (
    EngageLabNotFoundError,
    EngageServiceError,
    PaiEngagementNotFoundError,
)

__all__ = [
    "LONGEST_NAP",
    "WAITING_THROUGH",
    "Cadence",
    "Call",
    "Feed",
    "FiringsFeed",
    "JsonRecord",
    "Verdict",
    "Watch",
    "failed_look",
    "fetch",
    "fetch_async",
    "imported",
    "instant",
    "iso",
    "judged",
    "look",
    "look_async",
    "next_look_at",
    "next_wake",
    "sleep_until",
    "verdict_by",
]

Status = Literal["waiting", "success", "failed", "error"]
Call = tuple[str, tuple[Any, ...], dict[str, Any]]
"""A hook call by name (the sync and async hooks share names), positional and keyword arguments."""

SETTLE_SECONDS = 2.0
"""The first look comes this long after the instant a firing is due: the service needs a moment."""
SPREAD_SECONDS = 2.0
"""Looks at one instant are spread over this long, each wait by its own key: 1,000 schedules that
fire in the same second are looked at over two seconds (the service's 500 a second), not at once."""
FIRST_STEP_SECONDS = 5.0
"""Then the looks back off from this step up to the sensor's ``poke_interval``."""
LONGEST_NAP = 60.0
"""Sleeps are taken in naps this long at most, so a moved machine clock is noticed."""


@dataclass(frozen=True)
class Verdict:
    """What one look found: still ``waiting``, or an end: ``success``, ``failed`` (what was
    awaited will not come) or ``error`` (the service refused the wait)."""

    status: Status
    message: str
    result: Any = None  # JSON: what the sensor returns on success

    @property
    def done(self) -> bool:
        return self.status != "waiting"


WAITING_THROUGH = Verdict("waiting", "the last look met a transient failure; waiting on")


def verdict_by(
    met: bool, now: dt.datetime, ends: dt.datetime, *, success: str, result: Any, failed: str, waiting: str
) -> Verdict:
    """The deadline rule every watch judges by: ``success`` once what is awaited is ``met``; else
    ``failed`` once its window (grace included) ``ends``; else still ``waiting``."""
    if met:
        return Verdict("success", success, result)
    if now >= ends:
        return Verdict("failed", failed)
    return Verdict("waiting", waiting)


@dataclass(frozen=True)
class Cadence:
    """When to look: at ``due`` (plus a moment to settle), then backing off up to ``poke_interval``.

    The step after ``due`` is the time already waited since it, between 5 s and ``poke_interval``
    (looks at +2, +7, +14, +28, +56 s, then every ``poke_interval``): the backoff of a doubling
    step, with no count to keep, so a rescheduled or restarted wait picks it up where it stands.
    """

    due: dt.datetime  # service time of the first instant worth a look
    poke_interval: float
    last: dt.datetime | None = None  # no look is worth making after this (the window's end)
    key: str = ""  # spreads the first look (see SPREAD_SECONDS)

    def next_look(self, now: dt.datetime) -> dt.datetime:
        if now < self.due:
            return self.due + dt.timedelta(seconds=SETTLE_SECONDS + spread(self.key))
        waited = (now - self.due).total_seconds()
        step = max(FIRST_STEP_SECONDS, min(self.poke_interval, waited))
        following = now + dt.timedelta(seconds=step)
        if self.last is not None and now < self.last < following:
            return self.last  # one last look as the window closes, not a step past it
        return following


class Watch(Protocol):
    """What one wait is for (see :mod:`airflow_provider_engage.waits.engagelab` and ``.pai``)."""

    def cadence(self, poke_interval: float) -> Cadence: ...

    def calls(self) -> list[Call]: ...

    def judge_answers(self, answers: list[Any], now: dt.datetime) -> Verdict: ...

    def gone(self) -> Verdict: ...

    def to_json(self) -> dict[str, Any]: ...


class Feed(Protocol):
    """What an event trigger follows (a schedule's occurrences, push plans' ids, a PAI plan's
    sendings) through a plain-JSON *cursor*: what it has announced so far."""

    key: str  # where its cursor is kept

    def next_look(self, now: dt.datetime) -> dt.datetime | None:
        """When a look is next worth making (service time); None: nothing more will come."""
        ...

    def calls(self, now: dt.datetime) -> list[Call]: ...

    def take(self, answers: list[Any], now: dt.datetime) -> list[dict[str, Any]]:
        """The events the answers announce (the cursor moves past them)."""
        ...

    def gone(self) -> None:
        """What the feed watches no longer exists: it stops."""
        ...

    def failed(self, now: dt.datetime) -> None:
        """A look failed (transient, or refused): the next comes by the cadence."""
        ...

    def cursor(self) -> dict[str, Any]: ...


class FiringsFeed:
    """A feed that follows firings one watch at a time: the next firing's watch, judged as a
    sensor's is, announced once it has succeeded; then the watch of the firing after it. A
    vendor's feed says which watch comes next, what its event says and what its cursor keeps."""

    key: str
    poke_interval: float
    announced: str | None  # the last firing announced, as the cursor keeps it
    watch: Any

    def _next_watch(self) -> Any:
        """The watch of the first firing after the last announced (None: nothing more will come)."""
        raise NotImplementedError

    def _event(self, watch: Any, verdict: Verdict, answers: list[Any]) -> tuple[str | None, dict[str, Any]]:
        """What the cursor keeps of a firing that ended, and the event announcing it."""
        raise NotImplementedError

    def next_look(self, now: dt.datetime) -> dt.datetime | None:
        return None if self.watch is None else self.watch.cadence(self.poke_interval).next_look(now)

    def calls(self, now: dt.datetime) -> list[Call]:
        return [] if self.watch is None else self.watch.calls()

    def take(self, answers: list[Any], now: dt.datetime) -> list[dict[str, Any]]:
        watch = self.watch
        verdict = watch.judge_answers(answers, now) if watch is not None else None
        if verdict is None or not verdict.done:
            return []
        self.announced, event = self._event(watch, verdict, answers)
        self.watch = self._next_watch()
        return [event] if verdict.status == "success" else []

    def gone(self) -> None:
        self.watch = None

    def failed(self, now: dt.datetime) -> None:
        return None  # the cadence already looks again later: it counts from the due instant


class JsonRecord:
    """A watch as plain JSON (trigger kwargs, the task state store) and back, by its fields."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = dump(self)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return load_record(cls, data)


# --- one look -------------------------------------------------------------------------------------


def failed_look(err: Exception, gone: Verdict, log: Any) -> Verdict:
    """What a look's failure means: a not-found is the watched thing ``gone``; a transient failure
    (the hook's retries spent) is waited through, the cadence bringing the next look; a refusal no
    retry can change, or input the service cannot take, is an ``error``."""
    if isinstance(err, EngageLabNotFoundError | PaiEngagementNotFoundError):
        return gone
    if isinstance(err, InvalidFieldError):
        return Verdict("error", f"invalid input: {err}")
    if isinstance(err, EngageServiceError) and err.transient:
        log.warning("Waiting through a transient failure: %s", err)
        return WAITING_THROUGH
    return Verdict("error", f"the service refused the wait: {err}")


def fetch(hook: Any, calls: list[Call], gone: Verdict, log: Any) -> list[Any] | Verdict:
    """The answers to a look's calls with a sync hook, or what their failure means (:func:`failed_look`)."""
    try:
        return [getattr(hook, name)(*args, **kwargs) for name, args, kwargs in calls]
    except (EngageServiceError, InvalidFieldError) as err:
        return failed_look(err, gone, log)


async def fetch_async(hook: Any, calls: list[Call], gone: Verdict, log: Any) -> list[Any] | Verdict:
    """The same as :func:`fetch`, with an async hook."""
    try:
        return [await getattr(hook, name)(*args, **kwargs) for name, args, kwargs in calls]
    except (EngageServiceError, InvalidFieldError) as err:
        return failed_look(err, gone, log)


def judged(watch: Watch, fetched: list[Any] | Verdict, now: dt.datetime) -> Verdict:
    """A look's verdict: the watch's judgement of its answers, or what their failure meant."""
    return fetched if isinstance(fetched, Verdict) else watch.judge_answers(fetched, now)


def look(hook: Any, watch: Watch) -> Verdict:
    """One look with a sync hook: the watch's calls, judged by the service's clock."""
    fetched = fetch(hook, watch.calls(), watch.gone(), hook.log)
    return judged(watch, fetched, hook.service_clock.now())


async def look_async(hook: Any, watch: Watch, log: Any) -> Verdict:
    """One look with an async hook: the same as :func:`look`, awaited."""
    fetched = await fetch_async(hook, watch.calls(), watch.gone(), log)
    return judged(watch, fetched, hook.service_clock.now())


# --- one cadence ----------------------------------------------------------------------------------


def next_wake(
    looks: list[dt.datetime | None], clock: Any, clock_sync_interval: float | None
) -> tuple[dt.datetime, bool]:
    """The service instant to sleep to: the soonest look; or sooner, to re-read a service clock
    that disagrees with this machine's (an emulator's moved by hand), when told to. True when it
    is the re-read: every planned look is then made, early, for the answers' clock."""
    now = clock.now()
    planned = [due for due in looks if due is not None]
    soonest = min(planned) if planned else now + dt.timedelta(seconds=LONGEST_NAP)
    if clock_sync_interval and not clock.agrees and planned:
        sync_at = now + dt.timedelta(seconds=clock_sync_interval)
        if sync_at < soonest:
            return sync_at, True
    return soonest, False


def next_look_at(
    cadence: Cadence, clock: Any, clock_sync_interval: float | None, deadline: dt.datetime
) -> dt.datetime:
    """When, by this machine's clock, one wait's next look is due: by its cadence (sooner to re-read
    a disagreeing clock, when told to), never past its deadline."""
    wake, _ = next_wake([cadence.next_look(clock.now())], clock, clock_sync_interval)
    due: dt.datetime = clock.local_time(wake)
    return min(due, deadline)


async def sleep_until(moment: dt.datetime, clock: Any) -> None:
    """Sleep until ``moment`` (this machine's clock), in naps, so a clock change is noticed."""
    while (left := (moment - clock.local_now()).total_seconds()) > 0:  # noqa: ASYNC110 (a deadline, no event)
        await asyncio.sleep(min(left, LONGEST_NAP))


def imported(path: str) -> Any:
    """What a dotted path names, imported when first needed: a hook or trigger class, so that
    importing a sensor or trigger module (DAG parsing, the triggerer's loop) stays light."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def spread(key: str) -> float:
    """A stable share of :data:`SPREAD_SECONDS` for ``key`` (the same after any restart)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 * SPREAD_SECONDS


def instant(value: str | None) -> dt.datetime | None:
    """An ISO-8601 instant read back from JSON."""
    return dt.datetime.fromisoformat(value) if value else None


def iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None

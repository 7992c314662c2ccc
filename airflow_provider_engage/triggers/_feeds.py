"""What an event trigger (an ``AssetWatcher``'s) watches: feeds of firings, each announced once.

A feed follows one thing (a schedule's occurrences, push plans' message ids, a PAI plan's
sendings) through a *cursor*: what it has announced so far. It says when its next look is
worth making (around occurrences only: the watches' cadence), which hook calls that look makes,
and what their answers announce; the cursor is plain JSON, kept where it survives a restart
(Airflow 3.3's asset state store). Pure: the loop that sleeps and sends is
:mod:`~airflow_provider_engage.triggers._watching`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from airflow_provider_engage import timing
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.watches.engagelab import ScheduleWatch
from airflow_provider_engage.watches.pai import PaiScheduleWatch
from airflow_provider_engage.watches.verdicts import Verdict, instant, iso

__all__ = ["Call", "Feed", "PaiSendingsFeed", "PlanIdsFeed", "ScheduleFeed"]

Call = tuple[str, tuple[Any, ...], dict[str, Any]]
"""A hook call by name (the sync and async hooks share names), positional and keyword arguments."""

PLAN_LOOKBACK = dt.timedelta(days=1)
"""Push plans' ids are asked for over yesterday and today (the service's, in the site zone)."""
PLAN_IDS_KEPT = 5000
"""Announced ids remembered per plan (enough for days of firings; older ones leave the range)."""


class Feed(Protocol):
    """One watched thing; its cursor is all it needs to resume after a restart."""

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


class ScheduleFeed:
    """A schedule's occurrences in order; each announced once, when its ids are all in (zone_type 2:
    at its window's end plus grace), with the ids, the failed count and the UTC window.

    The cursor keeps the schedule's trigger too: a one-off push expires once it has fired, so a
    watcher restarted after a firing it had not announced yet (its triggerer was down) can no
    longer read the schedule, and still knows which occurrence to look for."""

    def __init__(
        self,
        schedule_id: str,
        trigger: Mapping[str, Any] | None,
        *,
        site_tz: str,
        grace: float,
        poke_interval: float,
        cursor: Mapping[str, Any],
    ) -> None:
        self.schedule_id, self.key = schedule_id, f"schedule:{schedule_id}"
        self.trigger = trigger if trigger is not None else cursor.get("trigger")  # None: gone
        self.site_tz, self.grace, self.poke_interval = site_tz, grace, poke_interval
        self.since = instant(cursor.get("since"))  # the service's now when watching began
        self.announced: str | None = cursor.get("announced")  # the last announced wall time
        self.watch = self._next_watch()

    def _next_watch(self) -> ScheduleWatch | None:
        if self.trigger is None:
            return None
        if self.announced is not None:
            after = timing.parse_api_datetime(self.announced, "UTC").add(seconds=1)
            occurrence: object = after.format("YYYY-MM-DD HH:mm:ss")
        else:
            occurrence = "next"
        try:
            return ScheduleWatch.of_schedule(
                self.schedule_id,
                self.trigger,
                site_tz=self.site_tz,
                occurrence=occurrence,
                now=self.since or dt.datetime.now(dt.UTC),
                grace=self.grace,
                all_zones=_zone_type(self.trigger) == timing.ZONE_TYPE_DEVICE,
                min_messages=1,
            )
        except InvalidFieldError:  # no occurrence left: the schedule has ended
            return None

    def next_look(self, now: dt.datetime) -> dt.datetime | None:
        return None if self.watch is None else self.watch.cadence(self.poke_interval).next_look(now)

    def calls(self, now: dt.datetime) -> list[Call]:
        return [("get_schedule_msg_ids", (self.schedule_id,), {})]

    def take(self, answers: list[Any], now: dt.datetime) -> list[dict[str, Any]]:
        watch = self.watch
        if watch is None:
            return []
        verdict = watch.judge_answers(answers, now)
        if not verdict.done:
            return []
        self.announced = (watch.occurrence or {}).get("wall_time")
        self.watch = self._next_watch()
        return [_schedule_event(watch, verdict)] if verdict.status == "success" else []

    def gone(self) -> None:
        self.watch = self.trigger = None

    def failed(self, now: dt.datetime) -> None:
        return None  # the cadence already looks again later: it counts from the due instant

    def cursor(self) -> dict[str, Any]:
        return {"since": iso(self.since), "announced": self.announced, "trigger": self.trigger}


def _zone_type(trigger: Mapping[str, Any]) -> object:
    kind = timing.trigger_kind(trigger)
    return trigger[kind].get("zone_type") if kind else None


def _schedule_event(watch: ScheduleWatch, verdict: Verdict) -> dict[str, Any]:
    records = list(verdict.result or [])
    occurrence = watch.occurrence or {}
    return {
        "event_id": f"schedule:{watch.schedule_id}:{occurrence.get('wall_time')}",
        "kind": "schedule",
        "schedule_id": watch.schedule_id,
        "occurrence": occurrence,
        "window": {"start": iso(watch.window_start), "end": iso(watch.window_end)},
        "msg_ids": [record["msg_id"] for record in records if record["ok"]],
        "failed": sum(1 for record in records if not record["ok"]),
        "records": records,
    }


class PlanIdsFeed:
    """Push plans' message ids: every ``poke_interval``, the ids not announced yet, per plan.

    A plan is not a calendar (any push may be tagged with it), so this feed looks at a steady
    pace instead of around occurrences; watch the schedules themselves for that.
    """

    def __init__(
        self, plan_ids: Sequence[str], *, site_tz: str, poke_interval: float, cursor: Mapping[str, Any]
    ) -> None:
        self.plan_ids, self.site_tz, self.poke_interval = list(plan_ids), site_tz, poke_interval
        self.key = "plans:" + ",".join(sorted(self.plan_ids))
        self.since = instant(cursor.get("since"))
        known = cursor.get("announced") or {}
        self.announced: dict[str, list[str]] = {plan: list(known.get(plan, [])) for plan in self.plan_ids}
        self.last_look = instant(cursor.get("last_look"))

    def next_look(self, now: dt.datetime) -> dt.datetime | None:
        if self.last_look is None:
            return now
        return self.last_look + dt.timedelta(seconds=self.poke_interval)

    def calls(self, now: dt.datetime) -> list[Call]:
        zone = timing.resolve_zone(self.site_tz)
        first = timing.format_api_date(now - PLAN_LOOKBACK, zone)
        return [("get_plan_msg_ids", (self.plan_ids, first, timing.format_api_date(now, zone)), {})]

    def take(self, answers: list[Any], now: dt.datetime) -> list[dict[str, Any]]:
        first_look, self.last_look = self.last_look is None, now
        events = []
        for plan_id in self.plan_ids:
            seen = set(self.announced[plan_id])
            fresh = [msg_id for msg_id in answers[0].get(plan_id, []) if msg_id not in seen]
            if fresh and not first_look:
                events.append(
                    {
                        "event_id": f"plan:{plan_id}:{fresh[0]}",
                        "kind": "plan",
                        "plan_id": plan_id,
                        "msg_ids": fresh,
                        "failed": 0,
                    }
                )
            self.announced[plan_id] = (self.announced[plan_id] + fresh)[-PLAN_IDS_KEPT:]
        return events  # the first look takes stock: what was there before watching is not news

    def gone(self) -> None:
        return None  # plans' ids are asked for by id: unknown plans simply have none

    def failed(self, now: dt.datetime) -> None:
        self.last_look = now  # the next look comes a poke_interval later, not at once

    def cursor(self) -> dict[str, Any]:
        return {"since": iso(self.since), "last_look": iso(self.last_look), "announced": self.announced}


class PaiSendingsFeed:
    """A PAI plan's sendings in order (roa): each announced once it has completed, with its
    status, the day's metrics and the day's message records (their ``Id``)."""

    def __init__(
        self,
        schedule: Mapping[str, Any] | None,
        schedule_id: str,
        *,
        grace: float,
        poke_interval: float,
        cursor: Mapping[str, Any],
    ) -> None:
        self.schedule, self.schedule_id, self.key = schedule, schedule_id, f"pai:{schedule_id}"
        self.grace, self.poke_interval = grace, poke_interval
        self.since = instant(cursor.get("since"))
        self.announced: str | None = cursor.get("announced")  # the last announced sending (UTC)
        self.watch = self._next_watch()

    def _next_watch(self) -> PaiScheduleWatch | None:
        if self.schedule is None:
            return None
        after = instant(self.announced)
        sending: object = iso(after + dt.timedelta(seconds=1)) if after else "next"
        try:
            return PaiScheduleWatch.of_schedule(
                self.schedule, sending=sending, now=self.since or dt.datetime.now(dt.UTC), grace=self.grace
            )
        except InvalidFieldError:  # no sending left
            return None

    def next_look(self, now: dt.datetime) -> dt.datetime | None:
        return None if self.watch is None else self.watch.cadence(self.poke_interval).next_look(now)

    def calls(self, now: dt.datetime) -> list[Call]:
        if self.watch is None:
            return []
        watched: list[Call] = [(name, args, {}) for name, args in self.watch.calls()]
        return [*watched, ("list_messages", (self.schedule_id, self.watch.day), {"page_size": 100})]

    def take(self, answers: list[Any], now: dt.datetime) -> list[dict[str, Any]]:
        watch = self.watch
        if watch is None:
            return []
        verdict = watch.judge_answers(answers[:-1], now)
        if not verdict.done:
            return []
        self.announced = iso(watch.sending)
        self.watch = self._next_watch()
        if verdict.status != "success":
            return []
        messages = answers[-1].get("Messages") or []
        return [
            {
                "event_id": f"pai:{watch.schedule_id}:{iso(watch.sending)}",
                "kind": "pai_sending",
                "schedule_id": watch.schedule_id,
                "sending": iso(watch.sending),
                "status": (verdict.result or {}).get("status"),
                "metrics": (verdict.result or {}).get("metrics"),
                "msg_ids": [str(message.get("Id")) for message in messages],
                "failed": sum(1 for message in messages if message.get("Status") == 2),
            }
        ]

    def gone(self) -> None:
        self.watch = None

    def failed(self, now: dt.datetime) -> None:
        return None  # the cadence already looks again later: it counts from the sending

    def cursor(self) -> dict[str, Any]:
        return {"since": iso(self.since), "announced": self.announced}

"""Triggers for EngageLab: deferral triggers (a schedule's occurrence fired, push plans have ids)
and an event trigger for ``AssetWatcher`` (Airflow 3): one event per new firing.

The deferral triggers are the shared wait (:mod:`~airflow_provider_engage.triggers.deferral`)
with EngageLab's async hook and the watch their sensor fixed; the event trigger is the shared
loop over feeds (:mod:`~airflow_provider_engage.triggers.events`). Both serialize to plain JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_engage.triggers.deferral import WaitingTrigger
from airflow_provider_engage.triggers.events import FeedsTrigger
from airflow_provider_engage.waits.engagelab import (
    PlanIdsFeed,
    PlanMessagesWatch,
    ScheduleFeed,
    ScheduleWatch,
)
from airflow_provider_engage.waits.engine import Feed, iso

__all__ = [
    "EngageLabMessagesEventTrigger",
    "EngageLabPushPlanMessagesTrigger",
    "EngageLabScheduleFiredTrigger",
]

ASYNC_HOOK = "airflow_provider_engage.hooks.engagelab.EngageLabAsyncHook"


class EngageLabScheduleFiredTrigger(WaitingTrigger):
    """Wait until the watched occurrence of a schedule has fired (see the sensor of that name)."""

    hook_path = ASYNC_HOOK
    watch_class = ScheduleWatch


class EngageLabPushPlanMessagesTrigger(WaitingTrigger):
    """Wait until each push plan has message ids in the watched date range."""

    hook_path = ASYNC_HOOK
    watch_class = PlanMessagesWatch


class EngageLabMessagesEventTrigger(FeedsTrigger):
    """An event trigger for an ``AssetWatcher`` (Airflow 3): one event per new firing of the given
    schedules and push plans of one connection.

    A schedule's occurrences are taken from its trigger (read once, as the sensors do) and looked
    at only around their instants, so watching a weekly schedule costs a handful of calls a week;
    each is announced once its ids are in (a zone_type 2 occurrence at its window's end plus
    grace). Push plans are not calendars: their new ids are asked for every
    ``plan_poke_interval`` seconds. Each event's payload: ``event_id``, ``kind`` (``schedule`` or
    ``plan``), ``schedule_id`` or ``plan_id``, ``occurrence`` (wall time and UTC instants) and
    ``window``, ``msg_ids``, ``failed``, ``records``.

    :param schedule_ids: the schedules to watch.
    :param plan_ids: the push plans to watch.
    :param conn_id: the ``engagelab`` connection.
    :param poke_interval: the longest pause between looks once a firing is due.
    :param plan_poke_interval: the pause between looks for push plans' new ids.
    :param grace: seconds after an occurrence's last instant in which its ids may still arrive.
    :param clock_sync_interval: between answers the service's clock is taken to run with this
        machine's; when the two disagree (an emulator's clock moved by hand), look at least this
        often to notice a move. Off by default: a real service's clock agrees, so it costs nothing.
    """

    hook_path = ASYNC_HOOK
    stream_name = "engagelab"

    def __init__(
        self,
        *,
        schedule_ids: Sequence[str] = (),
        plan_ids: Sequence[str] = (),
        conn_id: str = "engagelab_default",
        poke_interval: float = 60.0,
        plan_poke_interval: float = 900.0,
        grace: float = 600.0,
        clock_sync_interval: float | None = None,
    ) -> None:
        super().__init__(
            conn_id=conn_id, poke_interval=poke_interval, grace=grace, clock_sync_interval=clock_sync_interval
        )
        if not schedule_ids and not plan_ids:
            raise ValueError("give schedule_ids, plan_ids or both: there is nothing to watch")
        self.schedule_ids = sorted(schedule_ids)
        self.plan_ids = sorted(plan_ids)
        self.plan_poke_interval = plan_poke_interval

    def _kwargs(self) -> dict[str, Any]:
        return {
            **super()._kwargs(),
            "schedule_ids": self.schedule_ids,
            "plan_ids": self.plan_ids,
            "plan_poke_interval": self.plan_poke_interval,
        }

    def feed_keys(self) -> list[str]:
        keys = [f"schedule:{schedule_id}" for schedule_id in self.schedule_ids]
        return keys + (["plans:" + ",".join(self.plan_ids)] if self.plan_ids else [])

    async def _open_feeds(self, hook: Any, cursors: dict[str, dict[str, Any] | None]) -> list[Feed]:
        from airflow_provider_engage.service_errors import EngageLabNotFoundError

        triggers: dict[str, Any] = {}
        for schedule_id in self.schedule_ids:
            try:
                triggers[schedule_id] = (await hook.get_schedule(schedule_id)).get("trigger")
            except EngageLabNotFoundError:
                triggers[schedule_id] = None  # expired or deleted: the cursor may say what is still due
        # Taken after the answers, so it is the service's now (their Date), not this machine's.
        now = {"since": iso(hook.service_clock.now())}
        feeds: list[Feed] = []
        for schedule_id, trigger in triggers.items():
            feeds.append(
                ScheduleFeed(
                    schedule_id,
                    trigger,
                    site_tz=hook.site_timezone,
                    grace=self.grace,
                    poke_interval=self.poke_interval,
                    cursor=cursors.get(f"schedule:{schedule_id}") or now,
                )
            )
        if self.plan_ids:
            cursor = cursors.get("plans:" + ",".join(self.plan_ids)) or now
            feeds.append(
                PlanIdsFeed(
                    self.plan_ids,
                    site_tz=hook.site_timezone,
                    poke_interval=self.plan_poke_interval,
                    cursor=cursor,
                )
            )
        return feeds

"""Triggers for PAI User Engagement (roa style): the deferral trigger for one sending of a reach
plan, and an event trigger for ``AssetWatcher`` (Airflow 3): one event per completed sending."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_engage.triggers.deferral import WaitingTrigger
from airflow_provider_engage.triggers.events import FeedsTrigger
from airflow_provider_engage.waits.engine import Feed, iso
from airflow_provider_engage.waits.pai import PaiScheduleWatch, PaiSendingsFeed

__all__ = ["PaiMessagesEventTrigger", "PaiScheduleTrigger"]

ASYNC_HOOK = "airflow_provider_engage.hooks.pai.PaiEngagementAsyncHook"


class PaiScheduleTrigger(WaitingTrigger):
    """Wait until the watched sending of a PAI plan completed (see :class:`PaiScheduleSensor`)."""

    hook_path = ASYNC_HOOK
    watch_class = PaiScheduleWatch


class PaiMessagesEventTrigger(FeedsTrigger):
    """An event trigger for an ``AssetWatcher`` (Airflow 3): one event per completed sending of the
    given PAI plans (roa style), looked at only around their sendings.

    Each event's payload: ``event_id``, ``kind`` (``pai_sending``), ``schedule_id``, ``sending``
    (UTC), ``status``, ``metrics`` (the day's, for a repeating plan), ``msg_ids`` (the day's
    message records' ``Id``) and ``failed``.

    :param schedule_ids: the plans to watch.
    :param conn_id: the ``pai_engagement`` connection (roa style).
    :param poke_interval: the longest pause between looks once a sending is due.
    :param grace: seconds after a sending in which it may still complete.
    :param clock_sync_interval: as for ``EngageLabMessagesEventTrigger``: look at least this often
        while the service's clock disagrees with this machine's (an emulator's moved by hand).
    """

    hook_path = ASYNC_HOOK
    stream_name = "pai"

    def __init__(
        self,
        *,
        schedule_ids: Sequence[str],
        conn_id: str = "pai_engagement_default",
        poke_interval: float = 60.0,
        grace: float = 600.0,
        clock_sync_interval: float | None = None,
    ) -> None:
        super().__init__(
            conn_id=conn_id, poke_interval=poke_interval, grace=grace, clock_sync_interval=clock_sync_interval
        )
        if not schedule_ids:
            raise ValueError("give schedule_ids: there is nothing to watch")
        self.schedule_ids = sorted(schedule_ids)

    def _kwargs(self) -> dict[str, Any]:
        return {**super()._kwargs(), "schedule_ids": self.schedule_ids}

    def feed_keys(self) -> list[str]:
        return [f"pai:{schedule_id}" for schedule_id in self.schedule_ids]

    async def _open_feeds(self, hook: Any, cursors: dict[str, dict[str, Any] | None]) -> list[Feed]:
        from airflow_provider_engage.service_errors import PaiEngagementNotFoundError

        schedules: dict[str, dict[str, Any] | None] = {}
        for schedule_id in self.schedule_ids:
            try:
                schedules[schedule_id] = await hook.get_schedule(schedule_id)
            except PaiEngagementNotFoundError:
                schedules[schedule_id] = None  # deleted: nothing more will be sent
        # Taken after the answers, so it is the service's now (their Date), not this machine's.
        now = {"since": iso(hook.service_clock.now())}
        feeds: list[Feed] = []
        for schedule_id, schedule in schedules.items():
            cursor = cursors.get(f"pai:{schedule_id}") or now
            feeds.append(
                PaiSendingsFeed(
                    schedule, schedule_id, grace=self.grace, poke_interval=self.poke_interval, cursor=cursor
                )
            )
        return feeds

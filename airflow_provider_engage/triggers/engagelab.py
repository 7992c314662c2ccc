"""Deferral triggers for EngageLab: a schedule's occurrence fired, push plans have message ids.

Each is the shared wait (:mod:`~airflow_provider_engage.triggers._base`) with EngageLab's async
hook and the watch its sensor fixed; :meth:`serialize` gives plain JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_engage.triggers._base import WaitingTrigger
from airflow_provider_engage.watches.engagelab import PlanMessagesWatch, ScheduleWatch

if TYPE_CHECKING:
    from airflow_provider_engage.hooks.engagelab import EngageLabAsyncHook

__all__ = ["EngageLabPushPlanMessagesTrigger", "EngageLabScheduleFiredTrigger"]


class _EngageLabWait(WaitingTrigger):
    def _new_hook(self) -> EngageLabAsyncHook:
        from airflow_provider_engage.hooks.engagelab import EngageLabAsyncHook

        return EngageLabAsyncHook(self.conn_id)


class EngageLabScheduleFiredTrigger(_EngageLabWait):
    """Wait until the watched occurrence of a schedule has fired (see the sensor of that name)."""

    watch_class = ScheduleWatch


class EngageLabPushPlanMessagesTrigger(_EngageLabWait):
    """Wait until each push plan has message ids in the watched date range."""

    watch_class = PlanMessagesWatch

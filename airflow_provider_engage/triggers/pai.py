"""The deferral trigger for PAI User Engagement: one sending of a reach plan (roa style)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_engage.triggers._base import WaitingTrigger
from airflow_provider_engage.watches.pai import PaiScheduleWatch

if TYPE_CHECKING:
    from airflow_provider_engage.hooks.pai import PaiEngagementAsyncHook

__all__ = ["PaiScheduleTrigger"]


class PaiScheduleTrigger(WaitingTrigger):
    """Wait until the watched sending of a PAI plan completed (see :class:`PaiScheduleSensor`)."""

    watch_class = PaiScheduleWatch

    def _new_hook(self) -> PaiEngagementAsyncHook:
        from airflow_provider_engage.hooks.pai import PaiEngagementAsyncHook

        return PaiEngagementAsyncHook(self.conn_id)

"""The sensor for PAI User Engagement: until one sending of a reach plan has completed (roa).

The gateway style (the documented CreateSchedule contract) has no read endpoint, so there is
nothing to wait on: the sensor says so plainly before it waits. The hook is imported when a task
runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_engage.hooks.calls import path_id
from airflow_provider_engage.sensors.base import WaitingSensor
from airflow_provider_engage.waits.engine import Verdict
from airflow_provider_engage.waits.pai import (
    DEFAULT_GRACE_SECONDS,
    PaiScheduleWatch,
    day_metrics,
    parse_sending,
)

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_engage.hooks.pai import PaiEngagementHook

__all__ = ["PaiScheduleSensor"]

DEFAULT_CONN_ID = "pai_engagement_default"


class PaiScheduleSensor(WaitingSensor[PaiScheduleWatch]):
    """Wait until one sending of a PAI reach plan has completed.

    A plan that sends once succeeds at ``Status`` 4 (sent) and fails at once at 2 (check failed)
    or 5 (send failed), with the reason the service gives. For a repeating plan the awaited
    sending (``sending="next"``, or the first at or after a given time, such as
    ``{{ data_interval_start }}``) is found in ListMessageMetrics for its day (UTC+8): messages
    sent, none pending. Returns ``{"schedule_id", "sending", "status"}`` (and ``metrics`` for a
    repeating plan). Needs ``api_style: roa``.

    :param schedule_id: the plan's ``Id``.
    :param sending: ``"next"`` or a time (aware, or an ISO-8601 string with an offset).
    :param grace: seconds after the sending in which it may still complete.
    :param pai_engagement_conn_id: the ``pai_engagement`` connection (roa style).
    """

    template_fields: Sequence[str] = ("schedule_id", "sending")
    trigger_path = "airflow_provider_engage.triggers.pai.PaiScheduleTrigger"
    watch_class = PaiScheduleWatch

    def __init__(
        self,
        *,
        schedule_id: str,
        sending: Any = "next",
        grace: float = DEFAULT_GRACE_SECONDS,
        pai_engagement_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(grace=grace, **kwargs)
        self.schedule_id = schedule_id
        self.sending = sending
        self.pai_engagement_conn_id = pai_engagement_conn_id

    def _hook(self) -> PaiEngagementHook:
        from airflow_provider_engage.hooks.pai import PaiEngagementHook

        return PaiEngagementHook(pai_engagement_conn_id=self.pai_engagement_conn_id)

    def _open_watch(self, hook: PaiEngagementHook, context: Context) -> tuple[PaiScheduleWatch, Verdict]:
        from airflow_provider_engage.service_errors import PaiEngagementNotFoundError

        path_id(self.schedule_id, "schedule_id")
        parse_sending(self.sending)  # a form no plan can make right: refused unsent
        if hook.api_style != "roa":
            raise AirflowFailException(
                f"PaiScheduleSensor needs api_style 'roa' on connection {hook.conn_id!r}: the gateway "
                "style (Bearer key, CreateSchedule only) has no endpoint to read a plan's state, so there is "
                "nothing to wait on"
            )
        try:
            schedule = hook.get_schedule(self.schedule_id)
        except PaiEngagementNotFoundError:
            raise AirflowFailException(
                f"PAI plan {self.schedule_id} does not exist (deleted, or a wrong id)"
            ) from None
        watch = PaiScheduleWatch.of_schedule(
            schedule, sending=self.sending, now=self._reference(context, hook), grace=self.grace
        )
        answers: list[Any] = [schedule]
        if watch.repeating:
            answers.append(hook.list_message_metrics(self.schedule_id, watch.day, watch.day))
            watch = watch.with_baseline(day_metrics(answers[1], watch.day), hook.service_clock.now())
        return watch, watch.judge_answers(answers, hook.service_clock.now())

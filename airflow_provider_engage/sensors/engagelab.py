"""Sensors for EngageLab AppPush: until a scheduled task has fired, until push plans have ids.

Both look as little as the firing allows (see :mod:`~airflow_provider_engage.sensors.base`):
before a firing can come they sleep, defer or reschedule; then they read msg-ids with backoff
until the ids of *that* firing are there. The hook (and requests) is imported when a task runs,
the trigger when the sensor defers, so a DAG file that imports a sensor stays light.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_engage import validation
from airflow_provider_engage.hooks.calls import path_id, whole_number
from airflow_provider_engage.sensors.base import WaitingSensor
from airflow_provider_engage.tasks import xcom_push
from airflow_provider_engage.waits.engagelab import (
    DEFAULT_GRACE_SECONDS,
    PlanMessagesWatch,
    ScheduleWatch,
    parse_occurrence,
)
from airflow_provider_engage.waits.engine import Verdict, fetch, look

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_engage.hooks.engagelab import EngageLabHook

__all__ = ["EngageLabPushPlanMessagesSensor", "EngageLabScheduleFiredSensor"]

DEFAULT_CONN_ID = "engagelab_default"
OCCURRENCE_KEY = "occurrence"


def _engagelab_hook(conn_id: str) -> EngageLabHook:
    from airflow_provider_engage.hooks.engagelab import EngageLabHook

    return EngageLabHook(engagelab_conn_id=conn_id)


class EngageLabScheduleFiredSensor(WaitingSensor[ScheduleWatch]):
    """Wait until one occurrence of an EngageLab scheduled task has fired; return its msg-id records.

    Which firing is fixed at the first look and kept across pokes, reschedules, retries and
    deferrals: ``occurrence="next"`` is the first that has not ended then; an aware datetime or
    an ISO-8601 string (``{{ data_interval_start }}`` in a daily DAG) names the first occurrence
    still arriving at or after it; the API's ``yyyy-MM-dd HH:mm:ss`` the first whose wall clock is
    at or after it. Its ids are those whose ``ts`` falls in its window (zone_type 2: from UTC+14
    to UTC-12, about 26 hours) plus ``grace``.

    Succeeds once ``min_messages`` records of that firing are there, or, with
    ``wait_for_all_zones``, at the window's end plus grace with everything that arrived. Fails at
    once, without retries, when the schedule was deleted before it fired, is disabled, or its
    window and grace passed with no ids. A single schedule that already fired (the service no
    longer lists it) succeeds from its msg-ids alone.

    Returns the records as JSON (``msg_id``, ``fired_at`` UTC, ``ok``, ``error_code``,
    ``error_message``, ``meaning``); records that reached nobody (1011) are logged with their
    meaning and returned. Pushes the awaited ``occurrence`` to XCom before it waits.

    :param schedule_id: the schedule (typically the create operator's XCom).
    :param occurrence: ``"next"``, a time, or the API's wall clock (see above).
    :param min_messages: records of the firing that make it "fired".
    :param wait_for_all_zones: zone_type 2: wait for the window's end (plus grace) and return
        everything that arrived, not the first arrival.
    :param fail_on_message_errors: fail when every record of the firing carries an error.
    :param grace: seconds after the window in which ids may still arrive.
    :param engagelab_conn_id: the ``engagelab`` connection.
    """

    template_fields: Sequence[str] = ("schedule_id", "occurrence")
    trigger_path = "airflow_provider_engage.triggers.engagelab.EngageLabScheduleFiredTrigger"
    watch_class = ScheduleWatch

    def __init__(
        self,
        *,
        schedule_id: str,
        occurrence: Any = "next",
        min_messages: int = 1,
        wait_for_all_zones: bool = False,
        fail_on_message_errors: bool = False,
        grace: float = DEFAULT_GRACE_SECONDS,
        engagelab_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(grace=grace, **kwargs)
        whole_number(min_messages, "min_messages", low=1)
        self.schedule_id = schedule_id
        self.occurrence = occurrence
        self.min_messages = min_messages
        self.wait_for_all_zones = wait_for_all_zones
        self.fail_on_message_errors = fail_on_message_errors
        self.engagelab_conn_id = engagelab_conn_id

    def _hook(self) -> EngageLabHook:
        return _engagelab_hook(self.engagelab_conn_id)

    def _open_watch(self, hook: EngageLabHook, context: Context) -> tuple[ScheduleWatch, Verdict]:
        from airflow_provider_engage.service_errors import EngageLabNotFoundError

        path_id(self.schedule_id, "schedule_id")
        parse_occurrence(self.occurrence)  # a form no schedule can make right: refused unsent
        try:
            schedule = hook.get_schedule(self.schedule_id)
        except EngageLabNotFoundError:
            # Gone from the service's list: fired for good (a single push) or deleted; msg-ids says which.
            watch = ScheduleWatch.of_expired(self.schedule_id, min_messages=self.min_messages)
            return watch, look(hook, watch)
        watch = ScheduleWatch.of_schedule(
            self.schedule_id,
            schedule.get("trigger") or {},
            site_tz=hook.site_timezone,
            occurrence=self.occurrence,
            now=self._reference(context, hook),
            grace=self.grace,
            all_zones=self.wait_for_all_zones,
            min_messages=self.min_messages,
        )
        xcom_push(context, OCCURRENCE_KEY, watch.occurrence)
        if schedule.get("enabled") is False:
            return watch, Verdict("failed", f"schedule {self.schedule_id} is disabled: it will not fire")
        answers = fetch(hook, watch.calls(), watch.gone(), self.log)
        if isinstance(answers, Verdict):
            return watch, answers
        now = hook.service_clock.now()
        watch = watch.with_baseline(answers[0], now)  # before the window: what a legacy answer grows over
        return watch, watch.judge_answers(answers, now)

    def _finish(self, context: Context, verdict: Verdict) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = list(verdict.result or [])
        failed = [record for record in records if not record.get("ok")]
        for record in failed:
            self.log.warning(
                "Push %s of schedule %s reached nobody: code %s (%s) %s",
                record.get("msg_id"),
                self.schedule_id,
                record.get("error_code"),
                record.get("meaning") or "no meaning documented",
                record.get("error_message") or "",
            )
        if self.fail_on_message_errors and records and len(failed) == len(records):
            codes = sorted({str(record.get("error_code")) for record in failed})
            raise AirflowFailException(
                f"Every one of the {len(records)} pushes of schedule {self.schedule_id} failed "
                f"(fail_on_message_errors): codes {', '.join(codes)}"
            )
        return records


class EngageLabPushPlanMessagesSensor(WaitingSensor[PlanMessagesWatch]):
    """Wait until each push plan has message ids fired in a date range (the site zone's days).

    The documented date rules (``yyyy-MM-dd``, end not before start, at most 31 days apart) are
    checked before the wait; "within the service's last 30 days" is the service's to judge.
    Looks begin at the range's first day and back off up to ``poke_interval``; when the range's
    last day and ``grace`` have passed with a plan still short, the sensor fails at once.
    Returns ``{plan_id: [msg_id, ...]}``.

    :param plan_ids: the plans (a list, or one comma-separated string).
    :param start_date: the first day (``yyyy-MM-dd`` or a ``date``).
    :param end_date: the last day.
    :param min_messages: message ids each plan needs.
    :param grace: seconds after the range's end in which ids may still arrive.
    :param engagelab_conn_id: the ``engagelab`` connection.
    """

    # Stored as first_day/last_day: start_date and end_date are BaseOperator's own attributes.
    template_fields: Sequence[str] = ("plan_ids", "first_day", "last_day")
    trigger_path = "airflow_provider_engage.triggers.engagelab.EngageLabPushPlanMessagesTrigger"
    watch_class = PlanMessagesWatch

    def __init__(
        self,
        *,
        plan_ids: str | Sequence[str],
        start_date: str | dt.date,
        end_date: str | dt.date,
        min_messages: int = 1,
        grace: float = DEFAULT_GRACE_SECONDS,
        engagelab_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(grace=grace, **kwargs)
        whole_number(min_messages, "min_messages", low=1)
        self.plan_ids = plan_ids
        self.first_day = start_date
        self.last_day = end_date
        self.min_messages = min_messages
        self.engagelab_conn_id = engagelab_conn_id

    def _hook(self) -> EngageLabHook:
        return _engagelab_hook(self.engagelab_conn_id)

    def _open_watch(self, hook: EngageLabHook, context: Context) -> tuple[PlanMessagesWatch, Verdict]:
        plan_ids, start, end = validation.plan_msg_query(self.plan_ids, self.first_day, self.last_day)
        watch = PlanMessagesWatch.of_range(
            plan_ids, start, end, site_tz=hook.site_timezone, grace=self.grace, min_messages=self.min_messages
        )
        # The service refuses a range that starts after its today (21003), so learn its clock
        # first, with the cheapest read there is, and ask for ids only once the range has begun.
        hook.list_push_plans(page_index=1, page_size=1)
        if hook.service_clock.now() < watch.range_start:
            return watch, Verdict("waiting", f"the range {start}..{end} has not begun (service time)")
        return watch, look(hook, watch)

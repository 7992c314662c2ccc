"""Operators for Alibaba Cloud PAI User Engagement: create and delete reach plans (schedules).

All PAI times are UTC+8; the operators take any form :mod:`airflow_provider_engage.timing`
accepts and the hook converts. Retries re-attach where the service lets us look: the real ROA
API lists schedules by Name, so a retried create finds what an earlier try made. The seed's
gateway has no read endpoint; there a create whose answer was lost fails without an automatic
retry, so nothing is sent twice behind anyone's back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pendulum
from airflow.providers.common.compat.sdk import AirflowFailException, BaseOperator

from airflow_provider_engage import timing
from airflow_provider_engage.hooks import pai_spec
from airflow_provider_engage.links import CONSOLE_URL_KEY, PaiScheduleLink, pai_console_url
from airflow_provider_engage.operators._task import (
    delete_allowing_missing,
    is_retry,
    refuse_bad_input,
    xcom_push,
)

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_engage.hooks.pai import PaiEngagementHook

__all__ = ["PaiCreateScheduleOperator", "PaiDeleteScheduleOperator"]

DEFAULT_CONN_ID = "pai_engagement_default"
UI_COLOR = "#fff1e6"
NEXT_SENDINGS_KEY = "next_sendings"

# What identifies "the same plan" when a retry looks for an earlier try's create.
_IDENTITY = {
    "name": "Name",
    "group_id": "GroupId",
    "template_code": "TemplateCode",
    "template_id": "TemplateId",
}


def _pai_hook(conn_id: str) -> PaiEngagementHook:
    from airflow_provider_engage.hooks.pai import PaiEngagementHook

    return PaiEngagementHook(pai_engagement_conn_id=conn_id)


class PaiCreateScheduleOperator(BaseOperator):
    """Create a PAI User Engagement reach plan; returns its ``Id``.

    Times (``execute_time``, ``end_time``) may be aware datetimes, ISO-8601 strings with an offset
    (``{{ data_interval_end }}``) or the API's ``yyyy-MM-dd HH:mm:ss`` in UTC+8; aware values are
    converted to UTC+8 and naive ones refused. Only the fields given are sent. Pushes the next
    sending instants (``next_sendings``) and ``console_url`` to XCom.

    With ``api_style=roa`` a retried task re-attaches to the plan an earlier try created: one with
    the same Name, GroupId and template, created since this DAG run started. The gateway cannot
    be asked, so there a create whose answer was lost fails the task without retrying.

    :param group_id: the audience group (see ListGroups).
    :param name: 2-30 letters, digits, Chinese characters, underscores (hyphens as the seed shows).
    :param execute_time: first sending, UTC+8; empty or ``None`` sends at once.
    :param repeat_cycle: how many units between sendings.
    :param repeat_cycle_unit: 0 never, 1 hour, 2 day, 3 week, 4 month.
    :param repeat_times: -1 no end, 0 no repeat, N repeats after the first sending.
    :param end_time: when repeating stops (UTC+8; a date, a datetime or epoch seconds).
    :param sign_name: signature name (see ListSignatures).
    :param signature_id: signature id.
    :param template_code: template code (see ListTemplates).
    :param template_id: template id.
    :param ai_send_start_date: smart sending start.
    :param ai_send_end_date: smart sending end.
    :param payment_type: ``PayAsYouGo`` (default), ``Subscription`` or ``MixPay``.
    :param preview_count: how many next sendings to push to XCom.
    :param pai_engagement_conn_id: the ``pai_engagement`` connection.
    """

    # Text and times are templated; numbers and the payment choice are not.
    template_fields: Sequence[str] = tuple(
        keyword
        for keyword in pai_spec.FIELD_KEYWORDS
        if keyword in pai_spec.TIME_KEYWORDS or keyword in pai_spec.TEXT_KEYWORDS
        if keyword != "payment_type"
    )
    ui_color = UI_COLOR
    operator_extra_links = (PaiScheduleLink(),)
    name: str  # stored with the other fields by the table; read by name when re-attaching

    def __init__(
        self,
        *,
        group_id: str,
        name: str,
        execute_time: Any = None,
        repeat_cycle: int | None = None,
        repeat_cycle_unit: int | None = None,
        repeat_times: int | None = None,
        end_time: Any = None,
        sign_name: str | None = None,
        signature_id: str | None = None,
        template_code: str | None = None,
        template_id: str | None = None,
        ai_send_start_date: str | None = None,
        ai_send_end_date: str | None = None,
        payment_type: str | None = None,
        preview_count: int = 10,
        pai_engagement_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        # The signature names every field for DAG authors and for .expand(); the table says what
        # they are, so the values are stored by it (templated ones exactly as given).
        given = locals()
        super().__init__(**kwargs)
        for keyword in pai_spec.FIELD_KEYWORDS:
            setattr(self, keyword, given[keyword])
        self.preview_count = preview_count
        self.pai_engagement_conn_id = pai_engagement_conn_id

    def _fields(self) -> dict[str, Any]:
        """The hook's keywords, times in UTC+8 API form whatever form the DAG gave them in."""
        fields = {name: getattr(self, name) for name in pai_spec.FIELD_KEYWORDS}
        for name in pai_spec.TIME_KEYWORDS:
            fields[name] = timing.format_pai_time(fields[name], field=name)
        return fields

    def execute(self, context: Context) -> str:
        from airflow_provider_engage.service_errors import PaiEngagementApiError

        hook = _pai_hook(self.pai_engagement_conn_id)
        with refuse_bad_input():
            fields = self._fields()
        created_after = _run_started(context)
        data: dict[str, Any] | None = None
        if hook.api_style == "roa" and is_retry(context):
            data = self._earlier_create(hook, created_after)
        if data is None:
            try:
                with refuse_bad_input():
                    data = hook.create_schedule(**{k: v for k, v in fields.items() if v is not None})
            except PaiEngagementApiError as err:
                if not err.may_have_taken_effect:
                    raise
                data = self._earlier_create(hook, created_after) if hook.api_style == "roa" else None
                if data is None:
                    raise AirflowFailException(
                        f"Creating PAI plan {self.name!r} got no answer; it may exist. The gateway "
                        f"cannot be asked, so the task fails instead of risking a second plan: {err}"
                    ) from err
        schedule_id = str(data["Id"])
        xcom_push(context, CONSOLE_URL_KEY, pai_console_url(hook.base_url, schedule_id))
        upcoming = self._next_sendings(fields)
        xcom_push(context, NEXT_SENDINGS_KEY, upcoming)
        self.log.info(
            "PAI plan %s (%s) exists; next sendings (UTC+8): %s", schedule_id, self.name, upcoming[:3]
        )
        return schedule_id

    def _next_sendings(self, fields: dict[str, Any]) -> list[str]:
        """The plan's next sending instants (ISO-8601, UTC+8), for XCom and the log."""
        now = pendulum.now("UTC")
        sendings = timing.pai_occurrences(
            fields["execute_time"],
            fields["repeat_cycle"],
            fields["repeat_cycle_unit"],
            fields["repeat_times"],
            fields["end_time"],
            after=now.subtract(seconds=1),
            limit=self.preview_count,
            now=now,
        )
        return [instant.isoformat() for instant in sendings]

    def _earlier_create(
        self, hook: PaiEngagementHook, created_after: pendulum.DateTime | None
    ) -> dict[str, Any] | None:
        """A plan an earlier try of this task created, found by Name and what identifies it."""
        for schedule in hook.iter_schedules(name=self.name):  # Name matches substrings: every page
            same = (
                all(getattr(self, arg) in (None, schedule.get(key)) for arg, key in _IDENTITY.items())
                and schedule.get("Name") == self.name
            )
            created = schedule.get("CreatedTime")
            recent = (
                created_after is None
                or not created
                or (timing.parse_api_datetime(created, timing.PAI_TZ, field="CreatedTime") >= created_after)
            )
            if same and recent:
                self.log.info("Re-attaching to PAI plan %s created by an earlier try", schedule.get("Id"))
                return dict(schedule)
        return None


def _run_started(context: Context) -> pendulum.DateTime | None:
    """When this DAG run started: plans created before it cannot be this task's."""
    dag_run = context.get("dag_run")
    started = getattr(dag_run, "start_date", None)
    return pendulum.instance(started).subtract(seconds=1) if started else None


class PaiDeleteScheduleOperator(BaseOperator):
    """Delete a PAI reach plan (``api_style=roa``); an already deleted one is fine by default.

    :param schedule_id: the plan's ``Id``.
    :param missing_ok: succeed when the plan no longer exists; ``False`` fails the task instead.
    :param pai_engagement_conn_id: the ``pai_engagement`` connection (roa style).
    """

    template_fields: Sequence[str] = ("schedule_id",)
    ui_color = UI_COLOR

    def __init__(
        self,
        *,
        schedule_id: str,
        missing_ok: bool = True,
        pai_engagement_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.schedule_id = schedule_id
        self.missing_ok = missing_ok
        self.pai_engagement_conn_id = pai_engagement_conn_id

    def execute(self, context: Context) -> None:
        from airflow_provider_engage.service_errors import PaiEngagementNotFoundError

        delete_allowing_missing(
            lambda schedule_id: _pai_hook(self.pai_engagement_conn_id).delete_schedule(schedule_id),
            self.schedule_id,
            PaiEngagementNotFoundError,
            missing_ok=self.missing_ok,
            what="PAI plan",
            log_info=self.log.info,
        )

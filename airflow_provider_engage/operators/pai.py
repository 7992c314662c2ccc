"""Operators for Alibaba Cloud PAI User Engagement: create and delete reach plans (schedules), and
read a plan's daily message metrics (optionally written where a warehouse loads them).

All PAI times are UTC+8; the operators take any form :mod:`airflow_provider_engage.timing`
accepts and the hook converts. Creates re-attach where the service lets us look: the real ROA
API lists schedules by Name, so every create (a retry, a task run again) first finds what an
earlier try or run made. The gateway style has no read endpoint, so it cannot look; there a
create whose answer was lost fails without an automatic retry, so nothing is sent twice behind
anyone's back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pendulum
from airflow.providers.common.compat.sdk import AirflowFailException, BaseOperator

from airflow_provider_engage import pai_spec, stats_rows, timing, validation
from airflow_provider_engage.hooks.calls import query_text, whole_number
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.links import PaiScheduleLink, pai_console_url
from airflow_provider_engage.operators import _output
from airflow_provider_engage.operators._idempotent import create_once, one_by_one
from airflow_provider_engage.service_errors import PaiEngagementNotFoundError
from airflow_provider_engage.tasks import (
    DeleteScheduleOperator,
    fail_on_refusal,
    publish_console_url,
    refuse_bad_input,
    xcom_push,
)

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context, ObjectStoragePath

    from airflow_provider_engage.hooks.pai import PaiEngagementHook

__all__ = ["PaiCreateScheduleOperator", "PaiDeleteScheduleOperator", "PaiMessageMetricsOperator"]

DEFAULT_CONN_ID = "pai_engagement_default"
UI_COLOR = "#fff1e6"
NEXT_SENDINGS_KEY = "next_sendings"

# What identifies "the same plan" when a create looks for an earlier one of its task (by API name):
# the audience, the message and when it is sent, so that mapped tasks sharing a Name stay apart.
_IDENTITY = frozenset(
    {
        "GroupId",
        "SignName",
        "SignatureId",
        "TemplateCode",
        "TemplateId",
        "ExecuteTime",
        "RepeatCycle",
        "RepeatCycleUnit",
        "RepeatTimes",
    }
)
# The one plan a PAI create task makes: create_once's key for it.
_PLAN = "plan"


def _pai_hook(conn_id: str) -> PaiEngagementHook:
    from airflow_provider_engage.hooks.pai import PaiEngagementHook

    return PaiEngagementHook(pai_engagement_conn_id=conn_id)


class PaiCreateScheduleOperator(BaseOperator):
    """Create a PAI User Engagement reach plan; returns its ``Id``.

    Times (``execute_time``, ``end_time``) may be aware datetimes, ISO-8601 strings with an offset
    (``{{ data_interval_end }}``) or the API's ``yyyy-MM-dd HH:mm:ss`` in UTC+8; aware values are
    converted to UTC+8 and naive ones refused. Only the fields given are sent. Pushes the next
    sending instants (``next_sendings``) and ``console_url`` to XCom.

    With ``api_style=roa`` every create first looks for the plan an earlier try or run of this
    task created: one of the same Name, created since this DAG run started, whose GroupId,
    signature, template, ExecuteTime and repetition match; it re-attaches to that one. The
    gateway has no read endpoint, so it cannot look: there a create whose answer was lost fails
    the task without retrying.

    :param group_id: the audience group (see ListGroups).
    :param name: 2-30 letters, digits, Chinese characters, underscores (and hyphens, as the
        documentation's own example shows).
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
        self.preview_count = whole_number(preview_count, "preview_count", low=0)
        self.pai_engagement_conn_id = pai_engagement_conn_id

    def _fields(self) -> dict[str, Any]:
        """The hook's keywords, times in UTC+8 API form whatever form the DAG gave them in."""
        fields = {name: getattr(self, name) for name in pai_spec.FIELD_KEYWORDS}
        for name in pai_spec.TIME_KEYWORDS:
            fields[name] = timing.format_pai_time(fields[name], field=name)
        return fields

    def execute(self, context: Context) -> str:
        with fail_on_refusal():
            hook = _pai_hook(self.pai_engagement_conn_id)
            with refuse_bad_input():
                fields = {name: value for name, value in self._fields().items() if value is not None}
                validation.check_pai_schedule(
                    {pai_spec.API_NAMES[name]: value for name, value in fields.items()},
                    names=pai_spec.KEYWORDS,
                )
            created_after = _run_started(context)
            roa = hook.api_style == "roa"

            def find(keys: Collection[str]) -> dict[str, dict[str, Any]]:
                earlier = self._earlier_create(hook, fields, created_after)
                return dict.fromkeys(keys, earlier) if earlier else {}

            def create(_key: str) -> dict[str, Any]:
                with refuse_bad_input():
                    return hook.create_schedule(**fields)

            outcome = create_once(
                [_PLAN],
                find=find if roa else None,
                create=one_by_one(create),
                describe=lambda _key: f"PAI plan {self.name!r}",
                cannot_look="the gateway style has no read endpoint to look for it",
            )[_PLAN]
            if outcome.error is not None:
                raise outcome.error
            data = outcome.value or {}
            schedule_id = str(data["Id"])
            if outcome.created:
                self.log.info("Created PAI plan %s (%s)", schedule_id, self.name)
            else:
                self.log.info(
                    "Re-attached to PAI plan %s (%s), created earlier in this DAG run with the same Name, %s",
                    schedule_id,
                    self.name,
                    ", ".join(sorted(_identity(fields))),
                )
            publish_console_url(self, context, pai_console_url(hook.base_url, schedule_id))
            upcoming = self._next_sendings(self._fields(), now=hook.service_clock.now())
            xcom_push(context, NEXT_SENDINGS_KEY, upcoming)
            self.log.info("Next sendings of PAI plan %s (UTC+8): %s", schedule_id, upcoming[:3])
            return schedule_id

    def _next_sendings(self, fields: dict[str, Any], *, now: dt.datetime) -> list[str]:
        """The plan's next sending instants (ISO-8601, UTC+8) after ``now`` (the service's), for XCom
        and the log."""
        sendings = timing.pai_occurrences(
            fields["execute_time"],
            fields["repeat_cycle"],
            fields["repeat_cycle_unit"],
            fields["repeat_times"],
            fields["end_time"],
            after=now - dt.timedelta(seconds=1),
            limit=self.preview_count,
            now=now,
        )
        return [instant.isoformat() for instant in sendings]

    def _earlier_create(
        self, hook: PaiEngagementHook, fields: Mapping[str, Any], created_after: pendulum.DateTime | None
    ) -> dict[str, Any] | None:
        """A plan an earlier try or run of this task created: same Name and identity, made in this run."""
        for schedule in hook.iter_schedules(name=self.name):  # Name matches substrings: every page
            created = schedule.get("CreatedTime")
            recent = (
                created_after is None
                or not created
                or (timing.parse_api_datetime(created, timing.PAI_TZ, field="CreatedTime") >= created_after)
            )
            if schedule.get("Name") == self.name and recent and _same_plan(fields, schedule):
                return dict(schedule)
        return None


def _identity(fields: Mapping[str, Any]) -> dict[str, Any]:
    """What tells this task's plan from another of the same Name (a mapped sibling, say), by API name."""
    return {
        pai_spec.API_NAMES[name]: value
        for name, value in fields.items()
        if pai_spec.API_NAMES[name] in _IDENTITY and value not in (None, "")
    }


def _same_plan(fields: Mapping[str, Any], schedule: Mapping[str, Any]) -> bool:
    """Every identifying field given equals what the service lists (a field it omits does not count)."""
    for key, value in _identity(fields).items():
        listed = schedule.get(key)
        if listed in (None, "") or _same_value(key, value, listed):
            continue
        return False
    return True


def _same_value(key: str, given: Any, listed: Any) -> bool:
    if key == "ExecuteTime":
        try:
            instants = [timing.parse_api_datetime(str(v), timing.PAI_TZ, field=key) for v in (given, listed)]
            return instants[0] == instants[1]
        except InvalidFieldError:
            pass  # a form the strict parser does not know: compare as written
    return str(given) == str(listed)


def _run_started(context: Context) -> pendulum.DateTime | None:
    """When this DAG run started: plans created before it cannot be this task's."""
    dag_run = context.get("dag_run")
    started = getattr(dag_run, "start_date", None)
    return pendulum.instance(started).subtract(seconds=1) if started else None


class PaiDeleteScheduleOperator(DeleteScheduleOperator):
    """Delete a PAI reach plan (``api_style=roa``); an already deleted one is fine by default.

    :param schedule_id: the plan's ``Id``.
    :param missing_ok: succeed when the plan no longer exists; ``False`` fails the task instead.
    :param pai_engagement_conn_id: the ``pai_engagement`` connection (roa style).
    """

    ui_color = UI_COLOR
    what = "PAI plan"
    not_found = PaiEngagementNotFoundError

    def __init__(
        self,
        *,
        schedule_id: str,
        missing_ok: bool = True,
        pai_engagement_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(schedule_id=schedule_id, missing_ok=missing_ok, **kwargs)
        self.pai_engagement_conn_id = pai_engagement_conn_id

    def delete(self, schedule_id: str) -> None:
        _pai_hook(self.pai_engagement_conn_id).delete_schedule(schedule_id)


class PaiMessageMetricsOperator(BaseOperator):
    """Read a PAI plan's daily message metrics; optionally write them where a warehouse loads them.

    ListMessageMetrics (``api_style=roa``; the gateway style has no read endpoint and is refused
    before anything is sent), every page of it, from ``start_date`` to ``end_date`` (days in
    UTC+8, both included). Returns one row per day with messages (``schedule_id``, ``date``
    ``yyyy-MM-dd``, ``total``, ``success``, ``fail``, ``pending``, ``rate``) as JSON. With
    ``destination`` the rows are also written there as JSON Lines or CSV (see
    :class:`~airflow_provider_engage.operators.engagelab.EngageLabMessageStatsOperator`), and the
    URI written is pushed to XCom as ``destination``.

    The days are kept as ``first_day`` and ``last_day``: ``start_date`` and ``end_date`` are every
    Airflow task's own arguments, and a DAG's ``default_args`` fill any operator argument of those
    names. So both are required, and each must be a day (a ``date``, ``yyyy-MM-dd`` such as
    ``{{ ds }}``, or ``yyyyMMdd``): a datetime, which is what ``default_args`` would bring, is
    refused when the DAG is parsed.

    :param schedule_id: the plan's ``Id`` (templated).
    :param start_date: the first day, UTC+8 (templated).
    :param end_date: the last day, UTC+8 (templated).
    :param destination: where to write the rows (templated); None writes nothing.
    :param format: ``jsonl`` (default) or ``csv``.
    :param page_size: rows asked for a page (the service's largest by default).
    :param pai_engagement_conn_id: the ``pai_engagement`` connection (roa style).
    """

    template_fields: Sequence[str] = ("schedule_id", "first_day", "last_day", "destination")
    ui_color = UI_COLOR

    def __init__(
        self,
        *,
        schedule_id: str,
        start_date: str | dt.date,
        end_date: str | dt.date,
        destination: str | ObjectStoragePath | None = None,
        format: str = "jsonl",
        page_size: int = pai_spec.PAGE_SIZE_MAX,
        pai_engagement_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if type(page_size) is not int or not 1 <= page_size <= pai_spec.PAGE_SIZE_MAX:
            raise InvalidFieldError("page_size", f"must be 1 to {pai_spec.PAGE_SIZE_MAX}, got {page_size!r}")
        for name, value in (("start_date", start_date), ("end_date", end_date)):
            if isinstance(value, dt.datetime):
                raise InvalidFieldError(
                    name,
                    f"must be a day (a date, yyyy-MM-dd or yyyyMMdd), got the datetime "
                    f"{value.isoformat()}; when the operator was not given {name}, it came from the "
                    f"DAG's default_args ({name} is also every Airflow task's own argument)",
                )
        self.schedule_id = schedule_id
        self.first_day = start_date
        self.last_day = end_date
        self.destination = destination
        self.format = _output.check_format(format)
        self.page_size = page_size
        self.pai_engagement_conn_id = pai_engagement_conn_id

    def execute(self, context: Context) -> list[dict[str, Any]]:
        with fail_on_refusal():
            from airflow_provider_engage.hooks.calls import iter_pages

            with refuse_bad_input():
                if not self.schedule_id:
                    raise InvalidFieldError("schedule_id", "is required")
                query_text(self.schedule_id, "schedule_id")
                first = timing.parse_day(self.first_day, field="start_date")
                last = timing.parse_day(self.last_day, field="end_date")
                if last < first:
                    raise InvalidFieldError(
                        "end_date", f"must not be before start_date ({first}), got {last}"
                    )
                path = _output.destination_path(self.destination)
            hook = _pai_hook(self.pai_engagement_conn_id)
            if hook.api_style != "roa":
                raise AirflowFailException(
                    f"PaiMessageMetricsOperator needs api_style 'roa' on connection {hook.conn_id!r}: the "
                    "gateway style (the seed's contract) has no endpoint to read metrics; nothing was sent"
                )

            def page(number: int) -> dict[str, Any]:
                return hook.list_message_metrics(
                    self.schedule_id, first, last, page_number=number, page_size=self.page_size
                )

            metrics = iter_pages(
                page,
                items="Metrics",
                page_size=self.page_size,
                item_id="Date",
                total="TotalCount",
                size="PageSize",
            )
            rows = stats_rows.message_metrics_rows(self.schedule_id, metrics)
            self.log.info(
                "PAI plan %s, %s..%s (UTC+8): %d days with messages; %s",
                self.schedule_id,
                first,
                last,
                len(rows),
                stats_rows.totals_line(rows, stats_rows.METRICS),
            )
            _output.deliver(
                path,
                rows,
                columns=stats_rows.MESSAGE_METRICS_COLUMNS,
                fmt=self.format,
                context=context,
                log=self.log.info,
            )
            return rows

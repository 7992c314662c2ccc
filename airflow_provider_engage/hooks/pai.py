"""PaiEngagementHook: Alibaba Cloud PAI User Engagement reach plans (schedules).

Two styles behind one hook. ``gateway`` (the default) is the documented CreateSchedule
contract: a Bearer API key and ``CreateSchedule`` only. ``roa`` is the real service the vendor
SDK calls: the ``/api/v2`` API signed with ACS3-HMAC-SHA256
(:mod:`~airflow_provider_engage.acs3`), which can also read, list and delete schedules
and report on messages. The transport, retries and error mapping are the shared ones
(:mod:`~airflow_provider_engage.hooks._base`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from functools import cached_property
from typing import Any, ClassVar, Unpack

from airflow.providers.common.compat.sdk import mask_secret

from airflow_provider_engage.connections import PAI
from airflow_provider_engage.hooks import _pai_api as api
from airflow_provider_engage.hooks._async import EngageAsyncHook, endpoint
from airflow_provider_engage.hooks._base import EngageBaseHook
from airflow_provider_engage.hooks._calls import ApiCall
from airflow_provider_engage.hooks._connection import ConnectionSettings, check_credential
from airflow_provider_engage.hooks._paging import iter_pages
from airflow_provider_engage.hooks._sync import EngageSyncHook
from airflow_provider_engage.pai_spec import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, ScheduleFields

__all__ = ["PaiEngagementAsyncHook", "PaiEngagementHook"]


class PaiConnectionMixin(EngageBaseHook):
    """What both PAI hooks know of their connection: the style, the endpoint, Bearer or ACS3."""

    conn_name_attr = "pai_engagement_conn_id"
    default_conn_name = "pai_engagement_default"
    conn_type = "pai_engagement"
    hook_name = "Alibaba Cloud PAI User Engagement"
    spec = PAI
    dialect: ClassVar[api.PaiDialect] = api.DIALECT

    def __init__(self, pai_engagement_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(pai_engagement_conn_id, **kwargs)
        self.pai_engagement_conn_id = pai_engagement_conn_id

    @cached_property
    def api_style(self) -> str:
        """``gateway`` (the documented CreateSchedule gateway) or ``roa`` (the signed /api/v2 API)."""
        return api.api_style_of(self.extra)

    def _resolve_base_url(self, settings: ConnectionSettings) -> str:
        return api.base_url_of(settings.host, settings.extra, settings.port)

    @cached_property
    def api_key(self) -> str | None:
        """The gateway's Bearer key: the connection password, else ``DASHSCOPE_API_KEY``.

        Either is refused, without being quoted, when it holds whitespace or a control character.
        """
        if self.connection.password:
            return self.connection.password  # masked and checked with the connection
        key = os.environ.get(api.API_KEY_ENV) or None
        if key:
            mask_secret(key)
        return check_credential(key, api.API_KEY_ENV, source="the environment")

    @cached_property
    def credentials(self) -> api.Credentials:
        """The style's credentials: the API key (gateway) or the AccessKey and STS token (roa)."""
        conn = self.connection
        if self.api_style == "gateway":
            return api.Credentials(self.conn_id, "gateway", api_key=self.api_key)
        return api.Credentials(
            self.conn_id,
            "roa",
            access_key_id=conn.login or None,
            access_key_secret=conn.password or None,
            security_token=self.extra_value("security_token"),
        )

    def _auth_headers(self, call: ApiCall[Any], body: bytes) -> dict[str, str]:
        """Bearer or an ACS3 signature; a call the gateway style lacks is refused here, unsent."""
        return api.auth_headers(call, body, base_url=self.base_url, credentials=self.credentials)


class PaiEngagementHook(PaiConnectionMixin, EngageSyncHook):
    """PAI User Engagement (PaiPlugin 2022-01-12).

    :param pai_engagement_conn_id: a ``pai_engagement`` connection. Extra ``api_style``:
        ``gateway`` (password = API key, else env ``DASHSCOPE_API_KEY``; extra ``region`` ``cn``
        or ``intl``) or ``roa`` (login = AccessKey ID, password = AccessKey secret, extra
        ``security_token`` for STS). Host, when given, overrides the endpoint (a full URL such as
        ``http://127.0.0.1:8765`` is used as it is).
    """

    # Airflow 2.11 builds the form from these (3.2+ from get_provider_info). It looks for them in
    # the hook's own class, not in a base class, so each hook defines them.
    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        return PAI.form_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return PAI.ui_field_behaviour()

    # --- endpoints ----------------------------------------------------------------------------------

    def create_schedule(self, **fields: Unpack[ScheduleFields]) -> dict[str, Any]:
        """Create a reach plan; returns ``Data`` (``Id``, ``Status``, times in UTC+8).

        The keywords are :class:`~airflow_provider_engage.pai_spec.ScheduleFields`
        (``group_id`` and ``name`` required); only those given are sent. ``execute_time`` and
        ``end_time`` take what :func:`~airflow_provider_engage.timing.format_pai_time` takes: an
        aware datetime or an ISO-8601 string with an offset (converted to UTC+8),
        ``yyyy-MM-dd HH:mm:ss`` (UTC+8), ``""`` (``execute_time``: now), and for ``end_time``
        also a ``date``/``yyyy-MM-dd`` or an epoch (an int or a string of digits). Naive values
        are refused.
        """
        return self._run(api.create_schedule(fields, style=self.api_style))

    def get_schedule(self, schedule_id: str) -> dict[str, Any]:
        """roa only: one schedule (``Status`` 0 checking ... 4 sent, 5 send failed)."""
        return self._run(api.get_schedule(schedule_id))

    def list_schedules(
        self,
        name: str | None = None,
        status: int | None = None,
        page_number: int = 1,
        page_size: int = PAGE_SIZE_DEFAULT,
    ) -> dict[str, Any]:
        """roa only: ``Schedules``, ``TotalCount``, ``PageNumber``, ``PageSize``."""
        return self._run(api.list_schedules(name, status, page_number, page_size))

    def iter_schedules(
        self, name: str | None = None, status: int | None = None, page_size: int = PAGE_SIZE_MAX
    ) -> Iterator[dict[str, Any]]:
        """roa only: every schedule ListSchedules gives for the filters, page after page, each once.

        ``name`` matches any part of a schedule's name, so callers that want one name compare it
        themselves. Pages are read until ``TotalCount`` schedules were seen or a page is short or
        empty. ``page_size`` defaults to :data:`~airflow_provider_engage.hooks._pai_PAGE_SIZE_MAX`
        (100); should the service answer fewer a page (its ``PageSize``), that is followed.
        """

        def page(page_number: int) -> dict[str, Any]:
            return self.list_schedules(name, status, page_number, page_size)

        return iter_pages(
            page, items="Schedules", page_size=page_size, item_id="Id", total="TotalCount", size="PageSize"
        )

    def delete_schedule(self, schedule_id: str) -> None:
        """roa only."""
        self._run(api.delete_schedule(schedule_id))

    def list_messages(
        self,
        schedule_id: str | None = None,
        datetime: str | dt.date | None = None,
        *,
        status: int | None = None,
        message_id: str | None = None,
        page_number: int = 1,
        page_size: int = PAGE_SIZE_DEFAULT,
    ) -> dict[str, Any]:
        """roa only: message records of one send day (``Status`` 0 sending, 1 success, 2 failed)."""
        call = api.list_messages(
            schedule_id,
            datetime,
            status=status,
            message_id=message_id,
            page_number=page_number,
            page_size=page_size,
        )
        return self._run(call)

    def iter_messages(
        self,
        schedule_id: str | None = None,
        datetime: str | dt.date | None = None,
        *,
        status: int | None = None,
        page_size: int = PAGE_SIZE_MAX,
    ) -> Iterator[dict[str, Any]]:
        """roa only: every message record ListMessages gives for one send day, page after page, each once.

        A record holds ``Id`` (the message's serial number: not ``MessageId``), ``ScheduleId``,
        ``GroupId``, ``PhoneNumber``, ``Status`` (0 sending, 1 success, 2 failed), ``ErrorCode``,
        ``Signature``, ``TemplateCode``, ``TemplateType``, ``TemplateParams`` and ``OutId``, as the
        vendor SDK's ``ListMessagesResponseBodyDataMessages`` names them.
        """

        def page(page_number: int) -> dict[str, Any]:
            return self.list_messages(
                schedule_id, datetime, status=status, page_number=page_number, page_size=page_size
            )

        return iter_pages(
            page, items="Messages", page_size=page_size, item_id="Id", total="TotalCount", size="PageSize"
        )

    def list_message_metrics(
        self,
        schedule_id: str | None,
        start_date: str | dt.date,
        end_date: str | dt.date,
        *,
        page_number: int = 1,
        page_size: int = PAGE_SIZE_DEFAULT,
    ) -> dict[str, Any]:
        """roa only: daily Total/Success/Fail/Pending from ``start_date`` to ``end_date``."""
        call = api.list_message_metrics(
            schedule_id, start_date, end_date, page_number=page_number, page_size=page_size
        )
        return self._run(call)

    # --- Airflow ------------------------------------------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        """roa: a real signed read. gateway: there is nothing to read, so only the key is checked."""
        try:
            if self.api_style == "gateway":
                api.auth_headers(api.GATEWAY_PROBE, b"", base_url=self.base_url, credentials=self.credentials)
                return True, (
                    "An API key is set, but the gateway style has no read endpoint, so it could not be "
                    f"verified against {self.base_url}; the first create_schedule will tell."
                )
            answer = self.list_schedules(page_size=1)
        except Exception as err:  # the UI wants a message, not a traceback
            return False, str(err)
        return True, f"Connected to {self.base_url}: {answer.get('TotalCount', 0)} schedules"


class PaiEngagementAsyncHook(PaiConnectionMixin, EngageAsyncHook):
    """The roa reads a trigger waits with, as coroutines; same errors, retries and secrets as
    :class:`PaiEngagementHook`. The gateway style has no read endpoint: these refuse it unsent.

    Close it (``await hook.close()``) when done, as the triggers do in ``cleanup``.
    """

    get_schedule = endpoint(api.get_schedule)
    list_messages = endpoint(api.list_messages)
    list_message_metrics = endpoint(api.list_message_metrics)

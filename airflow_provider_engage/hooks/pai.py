"""PaiEngagementHook and PaiEngagementAsyncHook: Alibaba Cloud PAI User Engagement reach plans.

Everything PAI is here, once: its endpoints (one method each of :class:`PaiEndpoints`, which the
sync hook sends and the async hook awaits), how its answers read (:class:`PaiDialect`), its two
styles' auth and base URLs. ``gateway`` (the default) is the documented contract:
``POST {host}/api/PaiPlugin/2022-01-12/CreateSchedule`` with a Bearer API key and the fields
under ``{"body": ...}``, and nothing else. ``roa`` is the real service the vendor SDK calls: the
``/api/v2`` API with the body as it is, signed with ACS3-HMAC-SHA256
(:mod:`~airflow_provider_engage.acs3`), which can also read, list and delete schedules and report
on messages. Both answer the envelope ``{"Data", "ErrorCode", "ErrorMessage", "RequestId"}`` (a
non-zero ErrorCode fails even on HTTP 200) or, from the gateway itself, ``{"Code", "Message",
"RequestId"}``. Sending, retries and errors are the transport's
(:mod:`airflow_provider_engage.hooks.transport`).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Unpack
from urllib.parse import urlsplit

from airflow.providers.common.compat.sdk import mask_secret

from airflow_provider_engage import acs3, timing, validation
from airflow_provider_engage.connections import (
    PAI,
    PAI_API_STYLES,
    PAI_GATEWAY_HOSTS,
    PAI_ROA_HOST,
    extra_value,
)
from airflow_provider_engage.connections import base_url as url_of_host
from airflow_provider_engage.hooks.calls import (
    ApiCall,
    Dialect,
    Refusal,
    host_header,
    iter_pages,
    object_reader,
    path_id,
    plain_text,
    query_text,
    vendor_code,
    what_json,
    whole_number,
)
from airflow_provider_engage.hooks.connection import ConnectionSettings, check_credential
from airflow_provider_engage.hooks.retry import Failure, header_value
from airflow_provider_engage.hooks.transport import (
    EngageAsyncHook,
    EngageBaseHook,
    EngageSyncHook,
    Service,
    endpoint,
)
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.pai_spec import (
    API_NAMES,
    CODE_MEANINGS,
    GATEWAY_CREATE_PATH,
    KEYWORDS,
    NOT_FOUND,
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    ROA_MESSAGE_METRICS_PATH,
    ROA_MESSAGES_PATH,
    ROA_SCHEDULES_PATH,
    SIGNATURE_REFUSALS,
    TIME_KEYWORDS,
    ScheduleFields,
)
from airflow_provider_engage.service_errors import PaiEngagementApiError, PaiEngagementNotFoundError

__all__ = ["PaiEngagementAsyncHook", "PaiEngagementHook"]

API_KEY_ENV = "DASHSCOPE_API_KEY"


# --- what answers hold -----------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A string the answer gave, as a short string (whatever JSON it is)."""
    return None if value is None or value == "" else str(value)[:100]


class PaiDialect(Dialect):
    """How PAI answers: the envelope (even on errors) or the gateway's own error shape."""

    vendor = "PAI User Engagement"
    not_found_code = NOT_FOUND

    def refusal(self, status: int, headers: Mapping[str, str], payload: Any) -> Refusal | None:
        envelope = payload if isinstance(payload, Mapping) else {}
        error_code = vendor_code(envelope.get("ErrorCode"))
        if error_code is not None and error_code not in (0, "0"):
            message = str(envelope.get("ErrorMessage") or "")
        elif "Code" in envelope and "ErrorCode" not in envelope:
            error_code, message = vendor_code(envelope["Code"]), str(envelope.get("Message") or "")
        elif not 200 <= status < 300:
            message = plain_text(payload)
        elif not isinstance(payload, Mapping):  # a proxy's page, a cut answer: nothing the API sent
            message = f"the answer is not the API's JSON envelope but {what_json(payload)}"
        else:
            return None
        return Refusal(message, status, error_code, self.request_id(headers, payload))

    def data(self, payload: Any) -> Any:
        return payload.get("Data")

    def request_id(self, headers: Mapping[str, str], payload: Any) -> str | None:
        envelope = payload if isinstance(payload, Mapping) else {}
        return _text(envelope.get("RequestId")) or header_value(headers, "x-acs-request-id")

    def error(
        self, call: ApiCall[Any], refusal: Refusal, failure: Failure, *, conn_id: str
    ) -> PaiEngagementApiError:
        code, status = refusal.vendor_code, refusal.status
        # The gateway answers an unknown AccessKey with HTTP 404 too: that is no missing plan.
        not_found = code == NOT_FOUND or (status == NOT_FOUND and code not in SIGNATURE_REFUSALS)
        return self.service_error(
            PaiEngagementNotFoundError if not_found else PaiEngagementApiError,
            call,
            refusal,
            failure,
            meaning=CODE_MEANINGS.get(code) if code is not None else None,
            hint=_credentials_hint(code, status, conn_id),
        )


def _credentials_hint(code: object, status: int | None, conn_id: str) -> str | None:
    """What to check when the service refused the credentials (its own text rarely says)."""
    if code in SIGNATURE_REFUSALS:
        return f"Check the AccessKey ID (login) and AccessKey secret (password) of connection {conn_id!r}"
    if status in (401, 403) or code in (401, 403):
        return f"Check the API key or AccessKey of connection {conn_id!r} (and env {API_KEY_ENV} for gateway)"
    return None


DIALECT = PaiDialect()

_data_object = object_reader("Data")
_created = object_reader("Data", id_key="Id")
_schedules_page = object_reader("Data", listing="Schedules")
_messages_page = object_reader("Data", listing="Messages")
_metrics_page = object_reader("Data", listing="Metrics")


def _nothing(data: Any) -> None:
    return None


# --- where and how requests go ---------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """What signs or authorises a request; secrets are left out of ``repr``."""

    conn_id: str
    style: str
    api_key: str | None = field(default=None, repr=False)
    access_key_id: str | None = None
    access_key_secret: str | None = field(default=None, repr=False)
    security_token: str | None = field(default=None, repr=False)


def auth_headers(
    call: ApiCall[Any], body: bytes, *, base_url: str, credentials: Credentials
) -> dict[str, str]:
    """Bearer for the gateway; an ACS3-HMAC-SHA256 signature of this exact request for roa."""
    if credentials.style == "gateway":
        require_roa(call, credentials)
        if not credentials.api_key:
            raise _credential_error(call, credentials, f"an API key as password (or env {API_KEY_ENV})")
        return {"Authorization": f"Bearer {credentials.api_key}", "Content-Type": "application/json"}
    if not credentials.access_key_id or not credentials.access_key_secret:
        raise _credential_error(
            call, credentials, "the AccessKey ID as login and the AccessKey secret as password"
        )
    return acs3.sign_request(
        method=call.method,
        host=host_header(base_url),
        path=urlsplit(base_url).path.rstrip("/") + call.path,
        query=call.params,
        body=body,
        action=call.action,
        access_key_id=credentials.access_key_id,
        access_key_secret=credentials.access_key_secret,
        security_token=credentials.security_token,
        content_type="application/json" if body else None,
    )


def _credential_error(call: ApiCall[Any], credentials: Credentials, needed: str) -> PaiEngagementApiError:
    return PaiEngagementApiError(
        f"connection {credentials.conn_id!r} ({credentials.style} style) needs {needed}",
        operation=call.operation,
    )


# What the gateway's test_connection "authorises": it checks the key without sending anything.
GATEWAY_PROBE: ApiCall[Any] = ApiCall("test connection", "POST", GATEWAY_CREATE_PATH)


def require_roa(call: ApiCall[Any], credentials: Credentials) -> None:
    """Refuse, before anything is sent, a call the gateway style does not have (all but CreateSchedule)."""
    if credentials.style != "roa" and call.path != GATEWAY_CREATE_PATH:
        raise PaiEngagementApiError(
            f"{call.operation} needs api_style 'roa' on connection {credentials.conn_id!r}: the gateway "
            "style (Bearer key, CreateSchedule only) offers no other call",
            operation=call.operation,
        )


def api_style_of(extra: Mapping[str, Any]) -> str:
    style = extra_value(extra, PAI.conn_type, "api_style") or "gateway"
    if style not in PAI_API_STYLES:
        raise InvalidFieldError("api_style", f"must be one of {', '.join(PAI_API_STYLES)}, got {style!r}")
    return str(style)


def base_url_of(host: str | None, extra: Mapping[str, Any], port: int | None = None) -> str:
    """Host if given; else the gateway of the region (cn, intl) or the ROA endpoint."""
    if api_style_of(extra) == "roa":
        return url_of_host(host, PAI_ROA_HOST, port)
    region = extra_value(extra, PAI.conn_type, "region") or "cn"
    if region not in PAI_GATEWAY_HOSTS:
        raise InvalidFieldError("region", f"must be one of {', '.join(PAI_GATEWAY_HOSTS)}, got {region!r}")
    return url_of_host(host, PAI_GATEWAY_HOSTS[region], port)


# --- the endpoints ---------------------------------------------------------------------------------


def _paging(page_number: int, page_size: int) -> dict[str, str]:
    return {
        "PageNumber": str(whole_number(page_number, "page_number", low=1)),
        "PageSize": str(whole_number(page_size, "page_size", low=1)),
    }


def _api_value(keyword: str, value: Any) -> Any:
    return timing.format_pai_time(value, field=keyword) if keyword in TIME_KEYWORDS else value


class PaiEndpoints(EngageBaseHook):
    """Every PAI endpoint, written once for both hooks; the connection's style, endpoint and auth."""

    conn_name_attr = "pai_engagement_conn_id"
    default_conn_name = "pai_engagement_default"
    conn_type = "pai_engagement"
    hook_name = "Alibaba Cloud PAI User Engagement"
    spec = PAI

    def __init__(self, pai_engagement_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(pai_engagement_conn_id, **kwargs)
        self.pai_engagement_conn_id = pai_engagement_conn_id

    @cached_property
    def api_style(self) -> str:
        """``gateway`` (the documented CreateSchedule gateway) or ``roa`` (the signed /api/v2 API)."""
        return api_style_of(self.extra)

    @cached_property
    def api_key(self) -> str | None:
        """The gateway's Bearer key: the connection password, else ``DASHSCOPE_API_KEY``.

        Either is refused, without being quoted, when it holds whitespace or a control character.
        """
        if self.connection.password:
            return self.connection.password  # masked and checked with the connection
        key = os.environ.get(API_KEY_ENV) or None
        if key:
            mask_secret(key)
        return check_credential(key, API_KEY_ENV, source="the environment")

    @cached_property
    def credentials(self) -> Credentials:
        """The style's credentials: the API key (gateway) or the AccessKey and STS token (roa)."""
        conn = self.connection
        if self.api_style == "gateway":
            return Credentials(self.conn_id, "gateway", api_key=self.api_key)
        return Credentials(
            self.conn_id,
            "roa",
            access_key_id=conn.login or None,
            access_key_secret=conn.password or None,
            security_token=self.extra_value("security_token"),
        )

    def _service_for(self, settings: ConnectionSettings) -> Service:
        """Bearer or an ACS3 signature; a call the gateway style lacks is refused when signed, unsent."""
        url = base_url_of(settings.host, settings.extra, settings.port)
        return Service(
            url, functools.partial(auth_headers, base_url=url, credentials=self.credentials), DIALECT
        )

    @endpoint
    def create_schedule(self, **fields: Unpack[ScheduleFields]) -> ApiCall[dict[str, Any]]:
        """Create a reach plan; returns ``Data`` (``Id``, ``Status``, times in UTC+8).

        The keywords are :class:`~airflow_provider_engage.pai_spec.ScheduleFields`
        (``group_id`` and ``name`` required); only those given (not None) are sent.
        ``execute_time`` and ``end_time`` take what
        :func:`~airflow_provider_engage.timing.format_pai_time` takes: an aware datetime or an
        ISO-8601 string with an offset (converted to UTC+8), ``yyyy-MM-dd HH:mm:ss`` (UTC+8),
        ``""`` (``execute_time``: now), and for ``end_time`` also a ``date``/``yyyy-MM-dd`` or an
        epoch (an int or a string of digits). Naive values are refused. Everything else is the
        validation's to judge, under the names the caller wrote.
        """
        given = {key: value for key, value in fields.items() if value is not None}
        body = {API_NAMES.get(key, key): _api_value(key, value) for key, value in given.items()}
        validation.check_pai_schedule(body, names=KEYWORDS)
        gateway = self.api_style == "gateway"
        return ApiCall(
            "create schedule",
            "POST",
            GATEWAY_CREATE_PATH if gateway else ROA_SCHEDULES_PATH,
            _created,
            body={"body": body} if gateway else body,
            creates=True,
            action="CreateSchedule",
        )

    @endpoint
    def get_schedule(self, schedule_id: str) -> ApiCall[dict[str, Any]]:
        """roa only: one schedule (``Status`` 0 checking ... 4 sent, 5 send failed)."""
        path = f"{ROA_SCHEDULES_PATH}/{path_id(schedule_id)}"
        return ApiCall("get schedule", "GET", path, _data_object, action="GetSchedule")

    @endpoint
    def delete_schedule(self, schedule_id: str) -> ApiCall[None]:
        """roa only."""
        path = f"{ROA_SCHEDULES_PATH}/{path_id(schedule_id)}"
        return ApiCall("delete schedule", "DELETE", path, _nothing, action="DeleteSchedule")

    @endpoint
    def list_schedules(
        self,
        name: str | None = None,
        status: int | None = None,
        page_number: int = 1,
        page_size: int = PAGE_SIZE_DEFAULT,
    ) -> ApiCall[dict[str, Any]]:
        """roa only: ``Schedules``, ``TotalCount``, ``PageNumber``, ``PageSize``."""
        params = _paging(page_number, page_size)
        if name is not None and name != "":
            params["Name"] = query_text(name, "name")
        if status is not None:
            params["Status"] = str(whole_number(status, "status", low=0))
        return ApiCall(
            "list schedules",
            "GET",
            ROA_SCHEDULES_PATH,
            _schedules_page,
            params=params,
            action="ListSchedules",
        )

    @endpoint
    def list_messages(
        self,
        schedule_id: str | None = None,
        datetime: str | dt.date | None = None,
        *,
        status: int | None = None,
        message_id: str | None = None,
        page_number: int = 1,
        page_size: int = PAGE_SIZE_DEFAULT,
    ) -> ApiCall[dict[str, Any]]:
        """roa only: message records of one send day (``Status`` 0 sending, 1 success, 2 failed)."""
        params: dict[str, str] = {}
        if schedule_id is not None and schedule_id != "":
            params["ScheduleId"] = query_text(schedule_id, "schedule_id")
        if datetime is not None:
            params["Datetime"] = timing.format_compact_date(datetime, timing.PAI_TZ, field="datetime")
        if status is not None:
            params["Status"] = str(whole_number(status, "status", low=0))
        if message_id is not None and message_id != "":
            params["MessageId"] = query_text(message_id, "message_id")
        params.update(_paging(page_number, page_size))
        return ApiCall(
            "list messages", "GET", ROA_MESSAGES_PATH, _messages_page, params=params, action="ListMessages"
        )

    @endpoint
    def list_message_metrics(
        self,
        schedule_id: str | None,
        start_date: str | dt.date,
        end_date: str | dt.date,
        *,
        page_number: int = 1,
        page_size: int = PAGE_SIZE_DEFAULT,
    ) -> ApiCall[dict[str, Any]]:
        """roa only: daily Total/Success/Fail/Pending from ``start_date`` to ``end_date`` (inclusive)."""
        start = timing.format_compact_date(start_date, timing.PAI_TZ, field="start_date")
        end = timing.format_compact_date(end_date, timing.PAI_TZ, field="end_date")
        if end < start:
            raise InvalidFieldError(
                "end_date", f"must not be before start_date ({start_date}), got {end_date}"
            )
        params = {"StartDate": start, "EndDate": end}
        if schedule_id is not None and schedule_id != "":
            params["ScheduleId"] = query_text(schedule_id, "schedule_id")
        params.update(_paging(page_number, page_size))
        return ApiCall(
            "list message metrics",
            "GET",
            ROA_MESSAGE_METRICS_PATH,
            _metrics_page,
            params=params,
            action="ListMessageMetrics",
        )


# --- the hooks -------------------------------------------------------------------------------------


class PaiEngagementHook(PaiEndpoints, EngageSyncHook):
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

    def iter_schedules(
        self, name: str | None = None, status: int | None = None, page_size: int = PAGE_SIZE_MAX
    ) -> Iterator[dict[str, Any]]:
        """roa only: every schedule ListSchedules gives for the filters, page after page, each once.

        ``name`` matches any part of a schedule's name, so callers that want one name compare it
        themselves. Pages are read until ``TotalCount`` schedules were seen or a page is short or
        empty. ``page_size`` defaults to :data:`~airflow_provider_engage.pai_spec.PAGE_SIZE_MAX`
        (100); should the service answer fewer a page (its ``PageSize``), that is followed.
        """

        def page(page_number: int) -> dict[str, Any]:
            return self.list_schedules(name, status, page_number, page_size)

        return iter_pages(
            page, items="Schedules", page_size=page_size, item_id="Id", total="TotalCount", size="PageSize"
        )

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

    def test_connection(self) -> tuple[bool, str]:
        """roa: a real signed read. gateway: there is nothing to read, so only the key is checked."""
        try:
            if self.api_style == "gateway":
                auth_headers(GATEWAY_PROBE, b"", base_url=self.base_url, credentials=self.credentials)
                return True, (
                    "An API key is set, but the gateway style has no read endpoint, so it could not be "
                    f"verified against {self.base_url}; the first create_schedule will tell."
                )
            answer = self.list_schedules(page_size=1)
        except Exception as err:  # the UI wants a message, not a traceback
            return False, str(err)
        return True, f"Connected to {self.base_url}: {answer.get('TotalCount', 0)} schedules"


class PaiEngagementAsyncHook(PaiEndpoints, EngageAsyncHook):
    """The endpoints as coroutines, for triggers; same errors, retries and secrets as
    :class:`PaiEngagementHook`. The gateway style has no read endpoint: reads are refused unsent.

    Close it (``await hook.close()``) when done, as the triggers do in ``cleanup``.
    """

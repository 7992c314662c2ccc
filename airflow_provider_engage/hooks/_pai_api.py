"""The PAI User Engagement endpoints, in both styles, and how to read their answers.

``gateway`` is the seed's contract: ``POST {host}/api/PaiPlugin/2022-01-12/CreateSchedule`` with
a Bearer key and the fields under ``{"body": ...}``. ``roa`` is the real service the vendor SDK
calls: ``/api/v2/...`` with the body as it is, signed with an AccessKey. Both answer the envelope
``{"Data", "ErrorCode", "ErrorMessage", "RequestId"}`` (a non-zero ErrorCode fails even on HTTP
200) or, from the gateway itself, ``{"Code", "Message", "RequestId"}``. No I/O here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from airflow_provider_engage import acs3, timing, validation
from airflow_provider_engage.connections import (
    PAI,
    PAI_API_STYLES,
    PAI_GATEWAY_HOSTS,
    PAI_ROA_HOST,
    extra_value,
)
from airflow_provider_engage.connections import base_url as url_of_host
from airflow_provider_engage.hooks._answers import (
    ApiProblem,
    object_reader,
    plain_text,
    service_error,
    vendor_code,
    what_json,
)
from airflow_provider_engage.hooks._calls import (
    ApiCall,
    decode_body,
    host_header,
    path_id,
    query_text,
    whole_number,
)
from airflow_provider_engage.hooks._retry import Failure, header_value
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.pai_spec import (
    API_NAMES,
    CODE_MEANINGS,
    GATEWAY_CREATE_PATH,
    KEYWORDS,
    NOT_FOUND,
    PAGE_SIZE_DEFAULT,
    ROA_MESSAGE_METRICS_PATH,
    ROA_MESSAGES_PATH,
    ROA_SCHEDULES_PATH,
    SIGNATURE_REFUSALS,
    TIME_KEYWORDS,
    ScheduleFields,
)
from airflow_provider_engage.service_errors import PaiEngagementApiError, PaiEngagementNotFoundError

T = TypeVar("T")

VENDOR = "PAI User Engagement"
API_KEY_ENV = "DASHSCOPE_API_KEY"


# --- reading answers ----------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A string the answer gave, as a short string (whatever JSON it is)."""
    return None if value is None or value == "" else str(value)[:100]


def _success_code(code: Any) -> bool:
    return code is None or code in {0, "0"}


class PaiDialect:
    """How PAI answers: the envelope (even on errors) or the gateway's own error shape."""

    def interpret(self, call: ApiCall[T], status: int, headers: Mapping[str, str], raw: bytes) -> T:
        payload = decode_body(raw)
        envelope = payload if isinstance(payload, Mapping) else {}
        request_id = _text(envelope.get("RequestId")) or header_value(headers, "x-acs-request-id")
        if not _success_code(vendor_code(envelope.get("ErrorCode"))):
            message = str(envelope.get("ErrorMessage") or "")
            code = vendor_code(envelope["ErrorCode"])
            raise ApiProblem(message, status=status, vendor_code=code, request_id=request_id)
        if "Code" in envelope and "ErrorCode" not in envelope:
            message = str(envelope.get("Message") or "")
            code = vendor_code(envelope["Code"])
            raise ApiProblem(message, status=status, vendor_code=code, request_id=request_id)
        if not 200 <= status < 300:
            raise ApiProblem(plain_text(payload), status=status, request_id=request_id)
        if not isinstance(payload, Mapping):  # a proxy's page, a cut answer: nothing the API sent
            problem = f"the answer is not the API's JSON envelope but {what_json(payload)}"
            raise ApiProblem(problem, status=status, request_id=request_id)
        try:
            return call.parse(envelope.get("Data"))
        except (ValueError, TypeError, KeyError) as err:
            raise ApiProblem(f"unexpected answer: {err}", status=status, request_id=request_id) from err

    def error(
        self, call: ApiCall[Any], problem: ApiProblem, failure: Failure, *, conn_id: str
    ) -> PaiEngagementApiError:
        code = problem.vendor_code
        # The gateway answers an unknown AccessKey with HTTP 404 too: that is no missing plan.
        not_found = code == NOT_FOUND or (problem.status == NOT_FOUND and code not in SIGNATURE_REFUSALS)
        return service_error(
            PaiEngagementNotFoundError if not_found else PaiEngagementApiError,
            VENDOR,
            call,
            problem,
            failure,
            meaning=CODE_MEANINGS.get(code) if code is not None else None,
            hint=_credentials_hint(code, problem.status, conn_id),
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


def _data_as_is(data: Any) -> Any:
    return data


# --- the endpoints ------------------------------------------------------------------------------


def create_schedule(fields: ScheduleFields, *, style: str) -> ApiCall[dict[str, Any]]:
    """CreateSchedule from snake_case keywords, sending only those given (None = not given).

    Times are converted to what the API takes (:func:`~airflow_provider_engage.timing.format_pai_time`);
    everything else is the validation's to judge, under the names the caller wrote.
    """
    given = {key: value for key, value in fields.items() if value is not None}
    body = {API_NAMES.get(key, key): _api_value(key, value) for key, value in given.items()}
    validation.check_pai_schedule(body, names=KEYWORDS)
    gateway = style == "gateway"
    return ApiCall(
        "create schedule",
        "POST",
        GATEWAY_CREATE_PATH if gateway else ROA_SCHEDULES_PATH,
        _created,
        body={"body": body} if gateway else body,
        creates=True,
        action="CreateSchedule",
    )


def _api_value(keyword: str, value: Any) -> Any:
    return timing.format_pai_time(value, field=keyword) if keyword in TIME_KEYWORDS else value


def get_schedule(schedule_id: str) -> ApiCall[dict[str, Any]]:
    path = f"{ROA_SCHEDULES_PATH}/{path_id(schedule_id)}"
    return ApiCall("get schedule", "GET", path, _data_object, action="GetSchedule")


def delete_schedule(schedule_id: str) -> ApiCall[Any]:
    path = f"{ROA_SCHEDULES_PATH}/{path_id(schedule_id)}"
    return ApiCall("delete schedule", "DELETE", path, _data_as_is, action="DeleteSchedule")


def list_schedules(
    name: str | None = None,
    status: int | None = None,
    page_number: int = 1,
    page_size: int = PAGE_SIZE_DEFAULT,
) -> ApiCall[dict[str, Any]]:
    """``Data``: ``Schedules``, ``TotalCount``, ``PageNumber``, ``PageSize``."""
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


def list_messages(
    schedule_id: str | None = None,
    datetime: str | dt.date | None = None,
    *,
    status: int | None = None,
    message_id: str | None = None,
    page_number: int = 1,
    page_size: int = PAGE_SIZE_DEFAULT,
) -> ApiCall[dict[str, Any]]:
    """Message records (Status 0 sending, 1 success, 2 failed); ``datetime`` is the send day."""
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


def list_message_metrics(
    schedule_id: str | None,
    start_date: str | dt.date,
    end_date: str | dt.date,
    *,
    page_number: int = 1,
    page_size: int = PAGE_SIZE_DEFAULT,
) -> ApiCall[dict[str, Any]]:
    """Daily Total/Success/Fail/Pending between two days (inclusive)."""
    start = timing.format_compact_date(start_date, timing.PAI_TZ, field="start_date")
    end = timing.format_compact_date(end_date, timing.PAI_TZ, field="end_date")
    if end < start:
        raise InvalidFieldError("end_date", f"must not be before start_date ({start_date}), got {end_date}")
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


def _paging(page_number: int, page_size: int) -> dict[str, str]:
    return {
        "PageNumber": str(whole_number(page_number, "page_number", low=1)),
        "PageSize": str(whole_number(page_size, "page_size", low=1)),
    }


# --- the connection ------------------------------------------------------------------------------


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

"""The EngageLab AppPush v4 endpoints this provider calls, and how to read their answers.

One function per endpoint checks its input (:mod:`airflow_provider_engage.validation`) and
returns an :class:`~airflow_provider_engage.hooks._api.ApiCall`; :data:`DIALECT` reads answers,
tolerating what the real service sends besides the seeds' examples (a one-element array for a
schedule, three spellings of the msg-id list, empty or ``success`` bodies). No I/O here, so it
does not depend on the HTTP library that sends the calls.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from airflow_provider_engage import validation
from airflow_provider_engage.connections import ENGAGELAB, ENGAGELAB_BASE_URLS, base_url, extra_value
from airflow_provider_engage.engagelab_spec import (
    AUTH_FAILED,
    MESSAGE_STATS_PATH,
    MSG_IDS_SUFFIX,
    NO_PUSH_TARGET,
    NOT_FOUND_CODES,
    PLAN_MSG_IDS_PATH,
    PUSH_PLAN_LIST_PATH,
    PUSH_PLAN_PATH,
    SCHEDULE_NOT_FOUND,
    SCHEDULES_PATH,
    STATS_IDS_MAX,
    SUCCESS_CODES,
    meaning_of,
)
from airflow_provider_engage.hooks._answers import (
    ApiProblem,
    json_object,
    object_reader,
    plain_text,
    service_error,
    vendor_code,
)
from airflow_provider_engage.hooks._calls import (
    ApiCall,
    decode_body,
    message_id,
    path_id,
    whole_number,
)
from airflow_provider_engage.hooks._retry import Failure, header_value
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.records import MsgIdRecord, read_msg_id_records, read_plan_msg_ids
from airflow_provider_engage.service_errors import EngageLabApiError, EngageLabNotFoundError

T = TypeVar("T")

VENDOR = "EngageLab"


# --- reading answers ----------------------------------------------------------------------------


def _error_of(payload: Any) -> tuple[int | str | None, str] | None:
    """``(code, message)`` from ``{"error": {"code", "message"}}``, if the answer has one."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("error"), Mapping):
        return None
    error = payload["error"]
    return vendor_code(error.get("code")), str(error.get("message") or "")


class EngageLabDialect:
    """How EngageLab answers: 2xx with data, or a status with ``{"error": {...}}``."""

    def interpret(self, call: ApiCall[T], status: int, headers: Mapping[str, str], raw: bytes) -> T:
        payload = decode_body(raw)
        error = _error_of(payload)
        request_id = header_value(headers, "X-Request-Id")
        if 200 <= status < 300 and (error is None or error[0] in SUCCESS_CODES):
            try:
                return call.parse(payload)
            except ApiProblem:
                raise
            except (ValueError, TypeError, KeyError) as err:
                raise ApiProblem(f"unexpected answer: {err}", status=status, request_id=request_id) from err
        code, message = error or (None, plain_text(payload))
        raise ApiProblem(message, status=status, vendor_code=code, request_id=request_id)

    def error(
        self, call: ApiCall[Any], problem: ApiProblem, failure: Failure, *, conn_id: str
    ) -> EngageLabApiError:
        code = problem.vendor_code
        not_found = code in NOT_FOUND_CODES or (problem.status == 404 and code != NO_PUSH_TARGET)
        cls = EngageLabNotFoundError if not_found else EngageLabApiError
        refused = code == AUTH_FAILED or problem.status == 401
        hint = f"Check the AppKey (login) and Master Secret (password) of connection {conn_id!r}"
        return service_error(
            cls, VENDOR, call, problem, failure, meaning=meaning_of(code), hint=hint if refused else None
        )


DIALECT = EngageLabDialect()


def _object_or_nothing(payload: Any) -> dict[str, Any]:
    """An object, or nothing (an empty body, ``null``, ``success``): what the service answers a
    write with at times, and what statistics of no known message are."""
    if payload is None or payload == "success":
        return {}
    return json_object(payload)


_created = object_reader(id_key="schedule_id")
_schedules_page = object_reader(listing="schedules")
_plans_page = object_reader(listing="push_plan_info")


def _one_schedule(payload: Any) -> dict[str, Any]:
    # The seeds show an object; the vendor's SDKs type the answer as an array of one.
    if isinstance(payload, list):
        if not payload:
            raise ApiProblem("the answer holds no schedule", status=404, vendor_code=SCHEDULE_NOT_FOUND)
        payload = payload[0]
    return json_object(payload, "the schedule")


def _nothing(payload: Any) -> None:
    """A delete's answer: nothing, or an object; a page or text in its place is no answer of ours."""
    _object_or_nothing(payload)


def _stats(payload: Any) -> dict[str, Any]:
    """Per-message statistics keyed by message id, whether the answer is an object or a list."""
    if isinstance(payload, list):
        keyed: dict[str, Any] = {}
        for item in payload:
            msg_id = item.get("message_id", item.get("msg_id")) if isinstance(item, Mapping) else None
            if msg_id is None:
                raise ValueError("a statistics entry has no message_id")
            keyed[str(msg_id)] = item
        return keyed
    return _object_or_nothing(payload)


# --- the endpoints ------------------------------------------------------------------------------


def create_schedule(payload: Mapping[str, Any], *, site_tz: str) -> ApiCall[dict[str, Any]]:
    """``POST /v4/schedules`` -> ``{"schedule_id", "name"}``. Time rules relative to now are the
    service's to judge (its clock may differ from ours, as the emulator's does)."""
    validation.check_schedule(payload, creating=True, site_tz=site_tz)
    return ApiCall("create schedule", "POST", SCHEDULES_PATH, _created, body=dict(payload), creates=True)


def get_schedule(schedule_id: str) -> ApiCall[dict[str, Any]]:
    return ApiCall("get schedule", "GET", f"{SCHEDULES_PATH}/{path_id(schedule_id)}", _one_schedule)


def list_schedules(page: int = 1) -> ApiCall[dict[str, Any]]:
    """``GET /v4/schedules?page=N``: unexpired schedules, 50 a page."""
    params = {"page": str(whole_number(page, "page", low=1))}
    return ApiCall("list schedules", "GET", SCHEDULES_PATH, _schedules_page, params=params)


def update_schedule(schedule_id: str, payload: Mapping[str, Any], *, site_tz: str) -> ApiCall[dict[str, Any]]:
    """``PUT /v4/schedules/{id}`` replaces the whole schedule (no partial update)."""
    validation.check_schedule(payload, creating=False, site_tz=site_tz)
    return ApiCall(
        "update schedule",
        "PUT",
        f"{SCHEDULES_PATH}/{path_id(schedule_id)}",
        _object_or_nothing,
        body=dict(payload),
    )


def delete_schedule(schedule_id: str) -> ApiCall[None]:
    return ApiCall("delete schedule", "DELETE", f"{SCHEDULES_PATH}/{path_id(schedule_id)}", _nothing)


def schedule_msg_ids(schedule_id: str) -> ApiCall[list[MsgIdRecord]]:
    return ApiCall(
        "get schedule msg ids",
        "GET",
        f"{SCHEDULES_PATH}/{path_id(schedule_id)}{MSG_IDS_SUFFIX}",
        read_msg_id_records,
    )


def upsert_push_plan(plan_id: str, plan_description: str) -> ApiCall[dict[str, Any]]:
    """``POST /v4/push_plan`` creates or updates: sending it twice is harmless, so it retries."""
    validation.check_plan_id(plan_id)
    validation.check_plan_description(plan_description)
    body = {"plan_id": plan_id, "plan_description": plan_description}
    return ApiCall("upsert push plan", "POST", PUSH_PLAN_PATH, _object_or_nothing, body=body)


def list_push_plans(
    page_index: int = 1,
    page_size: int = 20,
    send_source: int | None = None,
    search_description: str | None = None,
) -> ApiCall[dict[str, Any]]:
    validation.check_plan_list_query(page_index, page_size, send_source, search_description)
    params = {"page_index": str(page_index), "page_size": str(page_size)}
    if send_source is not None:
        params["send_source"] = str(send_source)
    if search_description:
        params["search_description"] = search_description
    return ApiCall("list push plans", "GET", PUSH_PLAN_LIST_PATH, _plans_page, params=params)


def plan_msg_ids(
    plan_ids: str | Sequence[str], start_date: str | date, end_date: str | date
) -> ApiCall[dict[str, list[str]]]:
    """``GET /v4/status/plan/msg/`` (trailing slash and all) -> ``{plan_id: [msg_id, ...]}``."""
    ids, start, end = validation.plan_msg_query(plan_ids, start_date, end_date)
    params = {"plan_ids": ",".join(ids), "start_date": start, "end_date": end}
    return ApiCall("get plan msg ids", "GET", PLAN_MSG_IDS_PATH, read_plan_msg_ids, params=params)


def message_stats(msg_ids: str | Iterable[str | int]) -> list[ApiCall[dict[str, Any]]]:
    """``GET /v4/status/detail?message_ids=...``, one call per 100 ids.

    ``msg_ids`` is a list of ids (strings or integers) or one comma-separated string, as
    ``plan_ids`` elsewhere: a string is never read as a list of its characters.
    """
    if isinstance(msg_ids, str):
        given: list[object] = [part.strip() for part in msg_ids.split(",")]
    elif isinstance(msg_ids, Iterable) and not isinstance(msg_ids, Mapping):
        given = list(msg_ids)
    else:
        raise InvalidFieldError("msg_ids", f"must be a list of message ids, got {msg_ids!r}")
    ids = [message_id(msg_id, f"msg_ids[{index}]") for index, msg_id in enumerate(given)]
    unique = list(dict.fromkeys(ids))
    return [
        ApiCall(
            "get message stats",
            "GET",
            MESSAGE_STATS_PATH,
            _stats,
            params={"message_ids": ",".join(unique[start : start + STATS_IDS_MAX])},
        )
        for start in range(0, len(unique), STATS_IDS_MAX)
    ]


# --- the connection ------------------------------------------------------------------------------


def auth_headers(
    app_key: str | None, master_secret: str | None, body: bytes, *, conn_id: str
) -> dict[str, str]:
    """HTTP Basic with AppKey and Master Secret, and the JSON content type when there is a body."""
    if not app_key or not master_secret:
        raise EngageLabApiError(
            f"connection {conn_id!r} needs the AppKey as login and the Master Secret as password",
            operation="authenticate",
        )
    token = base64.b64encode(f"{app_key}:{master_secret}".encode()).decode("ascii")
    headers = {"Authorization": f"Basic {token}"}
    if body:
        headers["Content-Type"] = "application/json"
    return headers


def base_url_of(host: str | None, extra: Mapping[str, Any], port: int | None = None) -> str:
    """The connection's host if given, else the region's base URL (singapore by default)."""
    region = extra_value(extra, ENGAGELAB.conn_type, "region") or "singapore"
    if region not in ENGAGELAB_BASE_URLS:
        raise InvalidFieldError("region", f"must be one of {', '.join(ENGAGELAB_BASE_URLS)}, got {region!r}")
    return base_url(host, ENGAGELAB_BASE_URLS[region], port)

"""EngageLabHook and EngageLabAsyncHook: EngageLab AppPush scheduled tasks, push plans, statistics.

Everything EngageLab is here, once: each endpoint of the REST v4 API (``POST /v4/schedules`` ...)
as one method of :class:`EngageLabEndpoints` that checks its input
(:mod:`airflow_provider_engage.validation`) and builds the call, which the sync hook sends and
returns the parsed data of and the async hook awaits; how answers read (:class:`EngageLabDialect`,
tolerating what the real service sends besides its documented examples: a one-element array for a
schedule, several spellings of the msg-id list, empty or ``success`` bodies, read into
:class:`MsgIdRecord`); Basic auth and the base URL. Sending, retries and errors are the
transport's (:mod:`airflow_provider_engage.hooks.transport`): a create is never sent twice
unless it certainly did not take effect.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

from airflow_provider_engage import timing, validation
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
    SCHEDULES_PAGE_SIZE,
    SCHEDULES_PATH,
    STATS_IDS_MAX,
    SUCCESS_CODES,
    meaning_of,
    split_ids,
)
from airflow_provider_engage.hooks.calls import (
    ApiCall,
    Dialect,
    NotInAnswer,
    Refusal,
    iter_pages,
    json_object,
    message_id,
    object_reader,
    path_id,
    plain_text,
    vendor_code,
    whole_number,
)
from airflow_provider_engage.hooks.connection import ConnectionSettings
from airflow_provider_engage.hooks.retry import Failure, header_value
from airflow_provider_engage.hooks.transport import (
    EngageAsyncHook,
    EngageBaseHook,
    EngageSyncHook,
    Service,
    endpoint,
)
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.service_errors import EngageLabApiError, EngageLabNotFoundError

__all__ = ["EngageLabAsyncHook", "EngageLabHook", "MsgIdRecord", "read_msg_id_records", "read_plan_msg_ids"]


# --- what answers hold -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MsgIdRecord:
    """One push a schedule fired: its message id, or why it reached nobody."""

    msg_id: str
    error_code: int = 0
    error_message: str = ""
    need_retry: bool = False
    fired_at: datetime | None = None  # aware, UTC; None when the service did not say

    @property
    def ok(self) -> bool:
        return self.error_code == 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (XCom)."""
        return {
            "msg_id": self.msg_id,
            "ok": self.ok,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "need_retry": self.need_retry,
            "fired_at": self.fired_at.isoformat() if self.fired_at else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MsgIdRecord:
        """The inverse of :meth:`to_dict`."""
        fired_at = data.get("fired_at")
        return cls(
            msg_id=str(data["msg_id"]),
            error_code=int(data.get("error_code") or 0),
            error_message=str(data.get("error_message") or ""),
            need_retry=bool(data.get("need_retry")),
            fired_at=datetime.fromisoformat(fired_at).astimezone(UTC) if fired_at else None,
        )


_MSG_ID_LIST_KEYS = ("MsgIds", "msgids", "msg_ids", "msgIds")


def read_msg_id_records(payload: Any) -> list[MsgIdRecord]:
    """Records from a ``GET /v4/schedules/{id}/msg-ids`` answer, failed ones included.

    The list's shape changed over time: ``MsgIds`` of JSON strings since 2024-02-22, ``msgids`` of
    plain ids before, objects or ``msg_ids`` in some clients; every variant yields the same
    records. An empty body or ``success`` means none yet.
    """
    if payload is None or payload == "success":
        return []
    if isinstance(payload, list):
        items: Any = payload
    elif isinstance(payload, Mapping):
        items = next((payload[key] for key in _MSG_ID_LIST_KEYS if payload.get(key) is not None), [])
    else:
        raise ValueError(f"expected an object with MsgIds, got {type(payload).__name__}")
    if not isinstance(items, list):
        raise ValueError(f"expected a list of message ids, got {type(items).__name__}")
    return [_read_item(item) for item in items]


def _read_item(item: Any) -> MsgIdRecord:
    if isinstance(item, str) and item.lstrip().startswith("{"):
        item = json.loads(item)
    if isinstance(item, str | int) and not isinstance(item, bool):
        return MsgIdRecord(msg_id=str(item))
    if not isinstance(item, Mapping):
        raise ValueError(f"expected a message id, got {type(item).__name__}")
    msg_id = next((item[key] for key in ("msg_id", "msgid", "msgId") if item.get(key) is not None), None)
    if msg_id is None:
        raise ValueError("a message id entry has no msg_id")
    error: Mapping[str, Any] = item["error"] if isinstance(item.get("error"), Mapping) else {}
    return MsgIdRecord(
        msg_id=str(msg_id),
        error_code=int(error.get("code") or 0),
        error_message=str(error.get("message") or ""),
        need_retry=bool(item.get("needRetry", item.get("need_retry", False))),
        fired_at=_instant(item.get("ts")),
    )


def _instant(ts: Any) -> datetime | None:
    if ts is None or ts == "" or isinstance(ts, bool):
        return None
    return datetime.fromtimestamp(timing.epoch_seconds(float(ts)), tz=UTC)


def read_plan_msg_ids(payload: Any) -> dict[str, list[str]]:
    """``{"<plan_id>": {"msg_ids": [...]}}`` from ``GET /v4/status/plan/msg/`` as plan -> ids."""
    if payload is None or payload == "success":
        return {}
    if not isinstance(payload, Mapping):
        raise ValueError(f"expected an object keyed by plan id, got {type(payload).__name__}")
    result: dict[str, list[str]] = {}
    for plan_id, entry in payload.items():
        ids = entry.get("msg_ids") if isinstance(entry, Mapping) else entry
        if ids is None:
            ids = []
        if not isinstance(ids, list):
            raise ValueError(f"expected a list of message ids for plan {plan_id!r}")
        result[str(plan_id)] = [str(msg_id) for msg_id in ids]
    return result


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
            raise NotInAnswer("the answer holds no schedule")
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


class EngageLabDialect(Dialect):
    """How EngageLab answers: 2xx with data, or a status with ``{"error": {"code", "message"}}``."""

    vendor = "EngageLab"
    not_found_code = SCHEDULE_NOT_FOUND

    def refusal(self, status: int, headers: Mapping[str, str], payload: Any) -> Refusal | None:
        error = payload.get("error") if isinstance(payload, Mapping) else None
        said = (
            (vendor_code(error.get("code")), str(error.get("message") or ""))
            if isinstance(error, Mapping)
            else None
        )
        if 200 <= status < 300 and (said is None or said[0] in SUCCESS_CODES):
            return None
        code, message = said or (None, plain_text(payload))
        return Refusal(message, status, code, self.request_id(headers, payload))

    def request_id(self, headers: Mapping[str, str], payload: Any) -> str | None:
        return header_value(headers, "X-Request-Id")

    def error(
        self, call: ApiCall[Any], refusal: Refusal, failure: Failure, *, conn_id: str
    ) -> EngageLabApiError:
        code, status = refusal.vendor_code, refusal.status
        not_found = code in NOT_FOUND_CODES or (status == 404 and code != NO_PUSH_TARGET)
        refused = code == AUTH_FAILED or status == 401
        hint = f"Check the AppKey (login) and Master Secret (password) of connection {conn_id!r}"
        return self.service_error(
            EngageLabNotFoundError if not_found else EngageLabApiError,
            call,
            refusal,
            failure,
            meaning=meaning_of(code),
            hint=hint if refused else None,
        )


DIALECT = EngageLabDialect()


# --- where and how requests go ---------------------------------------------------------------------


def basic_auth(
    app_key: str | None, master_secret: str | None, *, conn_id: str
) -> Callable[[ApiCall[Any], bytes], dict[str, str]]:
    """HTTP Basic with AppKey and Master Secret (the JSON content type when there is a body).

    Without either, every call is refused, unsent, naming what the connection lacks.
    """
    if not app_key or not master_secret:

        def refuse(call: ApiCall[Any], body: bytes) -> dict[str, str]:
            raise EngageLabApiError(
                f"connection {conn_id!r} needs the AppKey as login and the Master Secret as password",
                operation="authenticate",
            )

        return refuse
    token = base64.b64encode(f"{app_key}:{master_secret}".encode()).decode("ascii")
    bare = {"Authorization": f"Basic {token}"}
    with_body = {**bare, "Content-Type": "application/json"}
    return lambda call, body: dict(with_body if body else bare)


def base_url_of(host: str | None, extra: Mapping[str, Any], port: int | None = None) -> str:
    """The connection's host (a full URL as it is, a bare host over https), else the region's
    base URL (singapore by default)."""
    region = extra_value(extra, ENGAGELAB.conn_type, "region") or "singapore"
    if region not in ENGAGELAB_BASE_URLS:
        raise InvalidFieldError("region", f"must be one of {', '.join(ENGAGELAB_BASE_URLS)}, got {region!r}")
    return base_url(host, ENGAGELAB_BASE_URLS[region], port)


# --- the endpoints ---------------------------------------------------------------------------------


class EngageLabEndpoints(EngageBaseHook):
    """Every EngageLab endpoint, written once for both hooks; the connection they use."""

    conn_name_attr = "engagelab_conn_id"
    default_conn_name = "engagelab_default"
    conn_type = "engagelab"
    hook_name = "EngageLab AppPush"
    spec = ENGAGELAB

    def __init__(self, engagelab_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(engagelab_conn_id, **kwargs)
        self.engagelab_conn_id = engagelab_conn_id

    def _service_for(self, settings: ConnectionSettings) -> Service:
        return Service(
            base_url_of(settings.host, settings.extra, settings.port),
            basic_auth(settings.login, settings.password, conn_id=self.conn_id),
            DIALECT,
        )

    @cached_property
    def site_timezone(self) -> str:
        """The app's main-site zone: zone_type 1 times are wall clock in it."""
        zone = str(self.extra_value("site_timezone") or timing.SITE_TZ_DEFAULT)
        timing.resolve_zone(zone, field="site_timezone")
        return zone

    # --- scheduled tasks ----------------------------------------------------------------------------

    @endpoint
    def create_schedule(
        self, payload: Mapping[str, Any] | validation.CheckedSchedule
    ) -> ApiCall[dict[str, Any]]:
        """Create a schedule (``POST /v4/schedules``); returns ``{"schedule_id", "name"}``.

        The body is checked here, unless it is a :class:`~airflow_provider_engage.validation.CheckedSchedule`
        checked for this connection's site zone (as the create operators build theirs). Time rules
        relative to now are the service's to judge (its clock may differ from ours, as the
        emulator's does).
        """
        body = validation.checked_schedule(payload, site_tz=self.site_timezone).body
        return ApiCall("create schedule", "POST", SCHEDULES_PATH, _created, body=dict(body), creates=True)

    @endpoint
    def get_schedule(self, schedule_id: str) -> ApiCall[dict[str, Any]]:
        """One schedule; :class:`EngageLabNotFoundError` once it has expired or was deleted."""
        return ApiCall("get schedule", "GET", f"{SCHEDULES_PATH}/{path_id(schedule_id)}", _one_schedule)

    @endpoint
    def list_schedules(self, page: int = 1) -> ApiCall[dict[str, Any]]:
        """One page of unexpired schedules, 50 a page: ``total_count``, ``total_pages``, ``page``,
        ``schedules``."""
        params = {"page": str(whole_number(page, "page", low=1))}
        return ApiCall("list schedules", "GET", SCHEDULES_PATH, _schedules_page, params=params)

    @endpoint
    def update_schedule(self, schedule_id: str, payload: Mapping[str, Any]) -> ApiCall[dict[str, Any]]:
        """Replace a schedule whole (``PUT /v4/schedules/{id}``: the API has no partial update)."""
        validation.check_schedule(payload, creating=False, site_tz=self.site_timezone)
        path = f"{SCHEDULES_PATH}/{path_id(schedule_id)}"
        return ApiCall("update schedule", "PUT", path, _object_or_nothing, body=dict(payload))

    @endpoint
    def delete_schedule(self, schedule_id: str) -> ApiCall[None]:
        return ApiCall("delete schedule", "DELETE", f"{SCHEDULES_PATH}/{path_id(schedule_id)}", _nothing)

    @endpoint
    def get_schedule_msg_ids(self, schedule_id: str) -> ApiCall[list[MsgIdRecord]]:
        """Every push the schedule fired so far, failed ones (``ok`` False) included."""
        path = f"{SCHEDULES_PATH}/{path_id(schedule_id)}{MSG_IDS_SUFFIX}"
        return ApiCall("get schedule msg ids", "GET", path, read_msg_id_records)

    # --- push plans ---------------------------------------------------------------------------------

    @endpoint
    def upsert_push_plan(self, plan_id: str, plan_description: str) -> ApiCall[dict[str, Any]]:
        """Create the plan, or update its description when it exists; returns ``{"plan_id"}``.

        ``POST /v4/push_plan`` creates or updates: sending it twice is harmless, so it retries.
        """
        validation.check_plan_id(plan_id)
        validation.check_plan_description(plan_description)
        body = {"plan_id": plan_id, "plan_description": plan_description}
        return ApiCall("upsert push plan", "POST", PUSH_PLAN_PATH, _object_or_nothing, body=body)

    @endpoint
    def list_push_plans(
        self,
        page_index: int = 1,
        page_size: int = 20,
        send_source: int | None = None,
        search_description: str | None = None,
    ) -> ApiCall[dict[str, Any]]:
        """One page: ``push_plan_info`` and ``total``."""
        validation.check_plan_list_query(page_index, page_size, send_source, search_description)
        params = {"page_index": str(page_index), "page_size": str(page_size)}
        if send_source is not None:
            params["send_source"] = str(send_source)
        if search_description:
            params["search_description"] = search_description
        return ApiCall("list push plans", "GET", PUSH_PLAN_LIST_PATH, _plans_page, params=params)

    @endpoint
    def get_plan_msg_ids(
        self, plan_ids: str | Sequence[str], start_date: str | date, end_date: str | date
    ) -> ApiCall[dict[str, list[str]]]:
        """Message ids per plan (``GET /v4/status/plan/msg/``, trailing slash and all); dates
        ``yyyy-MM-dd``, in order, at most 31 days apart.

        The service also wants the start within its last 30 days; that depends on its clock, so
        it is the service's to judge (code 21003).
        """
        ids, start, end = validation.plan_msg_query(plan_ids, start_date, end_date)
        params = {"plan_ids": ",".join(ids), "start_date": start, "end_date": end}
        return ApiCall("get plan msg ids", "GET", PLAN_MSG_IDS_PATH, read_plan_msg_ids, params=params)


def message_stats_calls(msg_ids: str | Iterable[str | int]) -> list[ApiCall[dict[str, Any]]]:
    """``GET /v4/status/detail?message_ids=...``, one call per 100 ids.

    ``msg_ids`` is a list of ids (strings or integers) or one comma-separated string, as
    ``plan_ids`` elsewhere: a string is never read as a list of its characters.
    """
    if isinstance(msg_ids, str):
        given: list[object] = list(split_ids(msg_ids))
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


# --- the hooks -------------------------------------------------------------------------------------


class EngageLabHook(EngageLabEndpoints, EngageSyncHook):
    """EngageLab AppPush REST API v4 (HTTP Basic auth with AppKey and Master Secret).

    :param engagelab_conn_id: an ``engagelab`` connection: login = AppKey, password = Master
        Secret, host optional (a full URL such as ``http://127.0.0.1:8765`` is used as it is);
        extra ``region``, ``site_timezone``, ``timeout``, ``connect_timeout``, ``max_retries``,
        ``retry_min_wait``, ``retry_max_wait``.
    """

    # Airflow 2.11 builds the form from these (3.2+ from get_provider_info). It looks for them in
    # the hook's own class, not in a base class, so each hook defines them.
    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        return ENGAGELAB.form_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return ENGAGELAB.ui_field_behaviour()

    def iter_schedules(self) -> Iterator[dict[str, Any]]:
        """Every unexpired schedule, page after page, each once.

        Pages are read until one is empty or holds fewer than 50 (the service's page size):
        ``total_pages`` is not trusted, as the service's own example contradicts itself.
        """
        return iter_pages(
            self.list_schedules, items="schedules", page_size=SCHEDULES_PAGE_SIZE, item_id="schedule_id"
        )

    def iter_push_plans(
        self,
        page_size: int = 100,
        send_source: int | None = None,
        search_description: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every plan matching the filters, page after page, until a short page or ``total``."""

        def page(page_index: int) -> dict[str, Any]:
            return self.list_push_plans(page_index, page_size, send_source, search_description)

        return iter_pages(page, items="push_plan_info", page_size=page_size, total="total")

    def get_message_stats(self, msg_ids: str | Iterable[str | int]) -> dict[str, Any]:
        """Delivery statistics per message id (targets, sent, delivered, impressions, clicks)."""
        stats: dict[str, Any] = {}
        for call in message_stats_calls(msg_ids):
            chunk: dict[str, Any] = self._run(call)
            stats.update(chunk)
        return stats

    def test_connection(self) -> tuple[bool, str]:
        """A real authenticated read: the first page of schedules."""
        try:
            answer = self.list_schedules(page=1)
        except Exception as err:  # the UI wants a message, not a traceback
            return False, str(err)
        return True, f"Connected to {self.base_url}: {answer.get('total_count', 0)} unexpired schedules"


class EngageLabAsyncHook(EngageLabEndpoints, EngageAsyncHook):
    """The endpoints as coroutines, for triggers; errors, retries, secrets as :class:`EngageLabHook`'s.

    Close it (``await hook.close()``) when done, as the triggers do in ``cleanup``.
    """

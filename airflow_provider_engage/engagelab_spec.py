"""What EngageLab AppPush v4 is, as facts: paths, page sizes, caps, codes and what they mean.

The hooks call by these facts and the emulator answers by them, so they are written here once
(from EngageLab's documentation and the service's known answers) and both import them; the
emulator never defines its own.
Pure: no Airflow, no HTTP library.
"""

from __future__ import annotations

# --- paths ----------------------------------------------------------------------------------------

SCHEDULES_PATH = "/v4/schedules"
"""``POST`` creates, ``GET`` lists; ``/{id}`` gets, replaces and deletes; ``/{id}/msg-ids``."""
MSG_IDS_SUFFIX = "/msg-ids"
PUSH_PLAN_PATH = "/v4/push_plan"
PUSH_PLAN_LIST_PATH = "/v4/push_plan/list"
PLAN_MSG_IDS_PATH = "/v4/status/plan/msg/"  # the trailing slash is part of the path
MESSAGE_STATS_PATH = "/v4/status/detail"
PATH_PREFIX = "/v4/"


def split_ids(text: str) -> list[str]:
    """The ids of a comma-separated query value (``plan_ids``, ``message_ids``), each trimmed; an
    empty part stays, for the caller to refuse by its place. A blank text lists none."""
    return [part.strip() for part in text.split(",")] if text.strip() else []


# --- sizes and caps -------------------------------------------------------------------------------

SCHEDULES_PAGE_SIZE = 50
"""``GET /v4/schedules`` answers 50 a page; fewer means the last page."""
STATS_IDS_MAX = 100
"""``GET /v4/status/detail`` takes at most 100 message ids a call."""
UNEXPIRED_SCHEDULES_MAX = 1000
"""Unexpired scheduled tasks an app may hold by default; creating more fails (28100)."""
PUSH_PLANS_MAX = 1000
STATS_RETENTION_DAYS = 30
"""Statistics are kept about a month after a message fired."""
PLAN_PAGE_SIZE_MAX = 100
PLAN_IDS_PER_QUERY_MAX = 100
PLAN_ID_MAX_CHARS = 50
PLAN_MSG_LOOKBACK_DAYS = 30
PLAN_MSG_SPAN_MAX_DAYS = 31
SCHEDULE_NAME_MAX_BYTES = 255

# --- codes ----------------------------------------------------------------------------------------

SUCCESS_CODES = frozenset({0, 28000})
SCHEDULE_INVALID = 28100
AUTH_FAILED = 28101
SCHEDULE_NOT_FOUND = 28104
NO_PUSH_TARGET = 28105  # answered with HTTP 404 too, but the schedule exists: it is a bad push
INTERNAL_ERROR = 28200
RETRY_LATER = 28203
NOT_FOUND_CODES = frozenset({SCHEDULE_NOT_FOUND, 28404})
NO_SENDING_TARGET = 1011
"""A msg-id record's error: that firing reached nobody (its targets were gone)."""
RATE_LIMITED = 2002
"""What the emulator answers with HTTP 429 (JPush's "API call frequency exceeds the limit")."""
PLAN_QUERY_OVER_LIMIT = 3010
PLAN_NO_PERMISSION = 21004
PLAN_INTERNAL_FINAL = 21009
PLAN_INTERNAL_ERROR = 27000
PLAN_MSG_NO_PERMISSION = 23001
PLAN_QUERY_INVALID = 1003
PLAN_MSG_DATE_INVALID = 21003
PLAN_BAD_TYPE = 21015
PLAN_MSG_SPAN_TOO_LONG = 21044
PLAN_MSG_IDS_INVALID = 23002  # invalid plan_ids, or missing dates
PLAN_ID_ILLEGAL = 27300
PLAN_DESCRIPTION_ILLEGAL = 27301
PLAN_OVER_LIMIT = 27302
PLAN_ID_EMPTY = 27303
PLAN_ID_TOO_LONG = 27304

CODE_MEANINGS: dict[int, str] = {
    28000: "success",
    SCHEDULE_INVALID: "invalid parameter: the schedule or push is invalid, expired or over a limit",
    AUTH_FAILED: "authentication failed: AppKey and Master Secret do not match",
    SCHEDULE_NOT_FOUND: "the schedule does not exist: already sent, deleted, or a wrong id",
    NO_PUSH_TARGET: "no push target for the set time",
    INTERNAL_ERROR: "internal server error",
    RETRY_LATER: "internal server error, retry later",
    28404: "the schedule does not exist",
    PLAN_QUERY_INVALID: "invalid push plan query parameters (page_index/page_size)",
    NO_SENDING_TARGET: "cannot find sending target",
    RATE_LIMITED: "API call frequency over the limit",
    PLAN_QUERY_OVER_LIMIT: "query API call volume over the limit",
    PLAN_MSG_DATE_INVALID: "illegal date",
    PLAN_NO_PERMISSION: "permission check for push plans failed",
    PLAN_INTERNAL_FINAL: "internal system error, cannot be retried",
    PLAN_BAD_TYPE: "wrong types for plan_id or plan_description",
    PLAN_MSG_SPAN_TOO_LONG: "start and end dates more than one month apart",
    PLAN_MSG_NO_PERMISSION: "permission check for msg ids by push plan failed",
    PLAN_MSG_IDS_INVALID: "invalid plan_ids or missing dates",
    PLAN_INTERNAL_ERROR: "internal server error",
    PLAN_ID_ILLEGAL: "illegal push plan id",
    PLAN_DESCRIPTION_ILLEGAL: "illegal push plan description",
    PLAN_OVER_LIMIT: "push plan usage over the limit",
    PLAN_ID_EMPTY: "empty push plan id",
    PLAN_ID_TOO_LONG: "push plan id too long",
}
"""What each code means: EngageLab's documented tables, and codes the service is known to answer."""

_HTTP_STATUS_OF_CODE = {
    AUTH_FAILED: 401,
    SCHEDULE_NOT_FOUND: 404,
    NO_PUSH_TARGET: 404,
    INTERNAL_ERROR: 500,
    RETRY_LATER: 503,
    PLAN_INTERNAL_ERROR: 500,
    PLAN_INTERNAL_FINAL: 500,
    PLAN_NO_PERMISSION: 403,
    PLAN_MSG_NO_PERMISSION: 403,
    PLAN_QUERY_OVER_LIMIT: 429,
    RATE_LIMITED: 429,
}


def http_status_of(code: int) -> int:
    """The HTTP status the service answers a code with (its documented table; other codes are 400)."""
    return _HTTP_STATUS_OF_CODE.get(code, 400)


def meaning_of(code: object) -> str | None:
    """What a documented code means, or None for a code not documented here."""
    return CODE_MEANINGS.get(code) if isinstance(code, int) and not isinstance(code, bool) else None

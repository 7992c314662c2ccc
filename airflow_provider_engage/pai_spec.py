"""What PAI User Engagement (PaiPlugin 2022-01-12) is, as facts: fields, paths, statuses, codes.

The hook, the operators, the validation and the emulator all read CreateSchedule's fields from
:class:`ScheduleFields`, the one table of them (as CreateSchedule documents them), and call or
answer by the paths, page sizes and codes here. Pure and light: the operators import it while a
DAG is parsed.
"""

# No ``from __future__ import annotations`` here: TypedDict sees ``Required`` only in real annotations.

import datetime as dt
import enum
from typing import Required, TypedDict, get_type_hints

API_VERSION = "2022-01-12"

# --- paths ----------------------------------------------------------------------------------------

GATEWAY_CREATE_PATH = f"/api/PaiPlugin/{API_VERSION}/CreateSchedule"
"""The documented gateway contract: a Bearer key and the fields under ``{"body": ...}``."""
ROA_PREFIX = "/api/v2"
ROA_SCHEDULES_PATH = f"{ROA_PREFIX}/schedules"
ROA_MESSAGES_PATH = f"{ROA_PREFIX}/messages"
ROA_MESSAGE_METRICS_PATH = f"{ROA_MESSAGES_PATH}/metrics"
PATH_PREFIX = "/api/"

PAGE_SIZE_DEFAULT = 10
"""The SDK's documented default PageSize."""
PAGE_SIZE_MAX = 100
"""The PageSize to ask for when walking every page: the emulator's ceiling (it takes 1 to 100).
Alibaba's SDK documents no maximum; should the service answer a smaller PageSize than asked,
a walk follows the one it answers."""

# --- CreateSchedule's fields ----------------------------------------------------------------------

PaiTime = str | int | dt.date | dt.datetime
"""What ExecuteTime and EndTime take from a DAG author (see ``timing.format_pai_time``)."""


class ScheduleFields(TypedDict, total=False):
    """CreateSchedule's fields as snake_case keywords, in the documented order; only those given are sent."""

    group_id: Required[str]
    name: Required[str]
    execute_time: PaiTime | None
    end_time: PaiTime | None
    repeat_cycle: int | None
    repeat_cycle_unit: int | None
    repeat_times: int | None
    sign_name: str | None
    signature_id: str | None
    template_code: str | None
    template_id: str | None
    ai_send_start_date: str | None
    ai_send_end_date: str | None
    payment_type: str | None


def _api_name(keyword: str) -> str:
    # group_id -> GroupId, ai_send_start_date -> AISendStartDate: the seed's names follow this rule.
    return "".join("AI" if part == "ai" else part.capitalize() for part in keyword.split("_"))


FIELD_KEYWORDS: tuple[str, ...] = tuple(ScheduleFields.__annotations__)
API_NAMES: dict[str, str] = {keyword: _api_name(keyword) for keyword in FIELD_KEYWORDS}
"""keyword -> the API's PascalCase name: ``{"group_id": "GroupId", ...}``."""
KEYWORDS: dict[str, str] = {api: keyword for keyword, api in API_NAMES.items()}
"""The API's name -> the keyword a DAG author writes."""
REQUIRED_KEYWORDS = tuple(sorted(ScheduleFields.__required_keys__, key=FIELD_KEYWORDS.index))
TIME_KEYWORDS = ("execute_time", "end_time")
TEXT_KEYWORDS = tuple(
    keyword for keyword, kind in get_type_hints(ScheduleFields).items() if kind in (str, str | None)
)
"""The fields that are plain strings (templated by the operator, type-checked before sending)."""

PAYMENT_TYPES = ("PayAsYouGo", "Subscription", "MixPay")
PAYMENT_TYPE_DEFAULT = "PayAsYouGo"
"""What an absent or empty PaymentType means (documented: "empty means pay-as-you-go")."""


class RepeatCycleUnit(enum.IntEnum):
    NEVER = 0
    HOUR = 1
    DAY = 2
    WEEK = 3
    MONTH = 4


REPEAT_FOREVER = -1
"""RepeatTimes -1 (the default): no end."""

# --- what the API answers -------------------------------------------------------------------------


class ScheduleStatus(enum.IntEnum):
    """A reach plan's ``Status``."""

    CHECKING = 0
    CHECK_PASSED = 1
    CHECK_FAILED = 2
    SENDING = 3
    SENT = 4
    SEND_FAILED = 5

    def is_terminal(self) -> bool:
        return self in (ScheduleStatus.CHECK_FAILED, ScheduleStatus.SENT, ScheduleStatus.SEND_FAILED)

    def is_failure(self) -> bool:
        return self in (ScheduleStatus.CHECK_FAILED, ScheduleStatus.SEND_FAILED)


class MessageStatus(enum.IntEnum):
    """A message record's ``Status`` (ListMessages)."""

    SENDING = 0
    SUCCESS = 1
    FAILED = 2


NOT_FOUND = 404
"""The gateway's HTTP status and the ROA envelope's ErrorCode alike."""
BAD_REQUEST = 400
SIGNATURE_REFUSALS = frozenset(
    {
        "InvalidAccessKeyId.NotFound",
        "InvalidAccessKeyId.Inactive",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAccessKeyId",
    }
)
"""Gateway codes for a request whose AccessKey or signature it refused (ACS3)."""
INTERNAL_ERROR = 500
CODE_MEANINGS: dict[int | str, str] = {
    BAD_REQUEST: "invalid request format or missing required parameters",
    403: "access denied: insufficient permissions or an invalid API key",
    NOT_FOUND: "not found",
    429: "too many requests",
    INTERNAL_ERROR: "internal server error",
}

# Alibaba's gateway answers ``{"Code", "Message", "RequestId"}`` before the API itself is reached.
GATEWAY_THROTTLED = "Throttling.User"
"""Over the caller's request rate (HTTP 429, with ``x-acs-retry-after`` in milliseconds)."""
GATEWAY_INTERNAL_ERROR = "InternalError"
"""A failure inside the gateway or the service; the request may have been applied."""
GATEWAY_UNAVAILABLE = "ServiceUnavailable"
"""The service cannot take requests for the moment."""

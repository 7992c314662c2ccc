"""The PAI User Engagement backend: reach plans (schedules), their firing, and the SMS they send.

State and rules only, no HTTP (:mod:`.responses` is the thin layer over it), so every rule is
testable without a server; each change is saved as it is made
(:mod:`airflow_provider_engage.emulator.store`). Field rules come from
:mod:`airflow_provider_engage.validation`, time rules from :mod:`airflow_provider_engage.timing`,
the service's facts (statuses, page sizes, defaults) from :mod:`airflow_provider_engage.pai_spec`,
and its coded errors from :mod:`.exceptions`; business time is the emulator's :class:`Clock`.

A schedule's life, one step per :meth:`PaiBackend.fire_due` tick:
0 checking -> 1 check passed (the first tick after create) -> 3 sending (an occurrence fired)
-> 4 sent (the last occurrence fired). A GroupId starting with ``fail-check`` ends in 2 (check
failed); one starting with ``fail-send`` sends only failed messages and ends in 5 (send failed).
Occurrences already past at create time (an empty ExecuteTime means "now") collapse into one send
at the first tick; the real service does not back-fill missed sends either.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from airflow_provider_engage import timing
from airflow_provider_engage.emulator.clock import Clock
from airflow_provider_engage.emulator.pai.exceptions import PaiInvalidParameter, PaiScheduleNotFound
from airflow_provider_engage.emulator.store import SnapshotStore, dump_random, load_random, saves_state
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.pai_spec import (
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    PAYMENT_TYPE_DEFAULT,
    REPEAT_FOREVER,
    MessageStatus,
    RepeatCycleUnit,
    ScheduleStatus,
)
from airflow_provider_engage.plain_json import dump, load_record
from airflow_provider_engage.validation import check_pai_schedule

# Emulated seconds a message stays "sending" before it settles; long enough to see Pending in
# metrics, short enough that advancing the clock a minute settles everything.
MESSAGE_SETTLE_SECONDS = 10
MESSAGES_PER_FIRING = (3, 6)
MESSAGE_FAILURE_RATE = 0.2
FAILURE_CODES = ("isv.MOBILE_NUMBER_ILLEGAL", "UNDELIV", "MK:0001", "IC:0055")
# Bounds the work of one tick when the clock jumps far ahead of a frequent schedule.
MAX_FIRINGS_PER_TICK = 10_000
FAIL_CHECK_PREFIX, FAIL_SEND_PREFIX = "fail-check", "fail-send"

# The seed's defaults (RepeatCycle has none documented; 0 is what "never repeats" sends).
_SCHEDULE_DEFAULTS: dict[str, Any] = {
    "RepeatCycle": 0,
    "RepeatCycleUnit": RepeatCycleUnit.NEVER.value,
    "RepeatTimes": REPEAT_FOREVER,
    "PaymentType": PAYMENT_TYPE_DEFAULT,
}


@dataclass
class _Schedule:
    id: str
    fields: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    status: int = ScheduleStatus.CHECKING.value
    history: list[tuple[datetime, int]] = field(default_factory=list)
    # Occurrences strictly after ``cursor`` are still to come; ``next_due`` is the first of them.
    cursor: datetime | None = None
    next_due: datetime | None = None
    catch_up: bool = False
    fired: int = 0
    last_sent_at: datetime | None = None


@dataclass
class _Message:
    id: str
    schedule_id: str
    group_id: str
    phone_number: str
    request_id: str
    signature: str | None
    signature_id: str | None
    template_code: str | None
    template_id: str | None
    sent_at: datetime
    settle_at: datetime
    final_status: int
    final_error_code: str
    status: int = MessageStatus.SENDING.value


class PaiBackend:
    """Schedules and messages of one emulated PAI account; thread-safe."""

    part = "pai"

    def __init__(self, clock: Clock, *, seed: int | None = None, store: SnapshotStore | None = None) -> None:
        self._clock = clock
        self.store = store
        self._seed = seed
        self.lock = threading.RLock()
        self._rng = random.Random(seed)
        self._schedules: dict[str, _Schedule] = {}
        self._messages: list[_Message] = []

    # --- lifecycle -------------------------------------------------------------------------------

    @saves_state
    def reset(self) -> None:
        """Forget everything; ids and messages start again from the seed."""
        with self.lock:
            self._rng = random.Random(self._seed)
            self._schedules.clear()
            self._messages.clear()

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {"schedules": len(self._schedules), "messages": len(self._messages)}

    def snapshot(self) -> dict[str, Any]:
        """Everything, JSON-safe, for :meth:`restore` (the sqlite store keeps this)."""
        with self.lock:
            return {
                "rng": dump_random(self._rng),
                "schedules": dump(list(self._schedules.values())),
                "messages": dump(self._messages),
            }

    def restore(self, data: dict[str, Any]) -> None:
        """Take up a :meth:`snapshot`; an empty one (nothing saved yet) starts afresh."""
        if not data:
            self.reset()
            return
        with self.lock:
            load_random(self._rng, data["rng"])
            self._schedules = {s["id"]: load_record(_Schedule, s) for s in data["schedules"]}
            self._messages = [load_record(_Message, m) for m in data["messages"]]

    @saves_state
    def fire_due(self, now: datetime) -> None:
        """Check new schedules, send every occurrence due by ``now``, settle sent messages."""
        with self.lock:
            for schedule in self._schedules.values():
                self._advance(schedule, now)
            for message in self._messages:
                if message.status == MessageStatus.SENDING and message.settle_at <= now:
                    message.status = message.final_status

    # --- API operations --------------------------------------------------------------------------

    @saves_state
    def create_schedule(self, fields: Any) -> dict[str, Any]:
        """CreateSchedule: validate, store with status 0, answer the new schedule."""
        try:
            check_pai_schedule(fields)
        except InvalidFieldError as err:
            raise PaiInvalidParameter.from_field_error(err) from err
        with self.lock:
            now = self._clock.now()
            stored = {**_SCHEDULE_DEFAULTS, **{k: v for k, v in fields.items() if v is not None}}
            if not stored.get("ExecuteTime"):
                stored["ExecuteTime"] = timing.format_api_datetime(now, timing.PAI_TZ)
            schedule = _Schedule(id=self._new_uuid(), fields=stored, created_at=now, updated_at=now)
            schedule.history.append((now, ScheduleStatus.CHECKING.value))
            try:
                self._plan_first_occurrence(schedule)
            except InvalidFieldError as err:  # e.g. a repeating unit without a RepeatCycle
                raise PaiInvalidParameter.from_field_error(err) from err
            self._schedules[schedule.id] = schedule
            return self._describe(schedule)

    def get_schedule(self, schedule_id: str) -> dict[str, Any]:
        with self.lock:
            schedule = self._find(schedule_id)
            history = [
                {"Time": timing.format_api_datetime(at, timing.PAI_TZ), "Status": status}
                for at, status in schedule.history
            ]
            return {**self._describe(schedule), "History": json.dumps(history, ensure_ascii=False)}

    def list_schedules(
        self,
        *,
        name: str | None = None,
        status: int | None = None,
        page_number: int = 1,
        page_size: int = PAGE_SIZE_DEFAULT,
    ) -> dict[str, Any]:
        """ListSchedules: newest first; ``name`` matches any part of the name."""
        with self.lock:
            found = [
                s
                for s in reversed(self._schedules.values())
                if (name is None or name in s.fields["Name"]) and (status is None or s.status == status)
            ]
            page = _page(found, page_number, page_size)
            return {
                "Schedules": [self._describe(s) for s in page],
                "PageNumber": page_number,
                "PageSize": page_size,
                "TotalCount": len(found),
            }

    @saves_state
    def delete_schedule(self, schedule_id: str) -> str:
        """DeleteSchedule: the schedule stops firing; messages it sent stay queryable."""
        with self.lock:
            self._find(schedule_id)
            del self._schedules[schedule_id]
            return schedule_id

    def list_messages(
        self,
        *,
        day: date | None = None,
        filters: Mapping[str, Any] | None = None,
        page_number: int = 1,
        page_size: int = PAGE_SIZE_DEFAULT,
    ) -> dict[str, Any]:
        """ListMessages: records sent on ``day`` (UTC+8), in sending order.

        ``filters`` are ListMessages query names (ScheduleId, GroupId, Status, MessageId,
        PhoneNumber, RequestId, ErrorCode, Signature, SignatureId, TemplateCode, TemplateId).
        """
        with self.lock:
            accept = _message_filter(filters or {})
            found = [m for m in self._messages if (day is None or _pai_day(m.sent_at) == day) and accept(m)]
            return {
                "Messages": [_describe_message(m) for m in _page(found, page_number, page_size)],
                "PageNumber": page_number,
                "PageSize": page_size,
                "TotalCount": len(found),
            }

    def list_message_metrics(
        self,
        *,
        start_date: date,
        end_date: date,
        filters: Mapping[str, Any] | None = None,
        page_number: int = 1,
        page_size: int = PAGE_SIZE_DEFAULT,
    ) -> dict[str, Any]:
        """ListMessageMetrics: per UTC+8 day, Total/Success/Fail/Pending; empty days left out."""
        if end_date < start_date:
            raise PaiInvalidParameter("EndDate: must not be before StartDate")
        with self.lock:
            accept = _message_filter(filters or {})
            days: dict[date, list[_Message]] = {}
            for message in self._messages:
                day = _pai_day(message.sent_at)
                if start_date <= day <= end_date and accept(message):
                    days.setdefault(day, []).append(message)
            metrics = [_day_metrics(day, days[day]) for day in sorted(days)]
            return {
                "Metrics": _page(metrics, page_number, page_size),
                "PageNumber": page_number,
                "PageSize": page_size,
                "TotalCount": len(metrics),
            }

    # --- rules -----------------------------------------------------------------------------------

    def _find(self, schedule_id: str) -> _Schedule:
        try:
            return self._schedules[schedule_id]
        except KeyError:
            raise PaiScheduleNotFound(f"Id: no schedule {schedule_id!r}") from None

    def _occurrences(self, schedule: _Schedule, after: datetime | None) -> Iterator[datetime]:
        f = schedule.fields
        for instant in timing.pai_occurrences(
            f["ExecuteTime"],
            f["RepeatCycle"],
            f["RepeatCycleUnit"],
            f["RepeatTimes"],
            f.get("EndTime") or None,
            after=after,
            now=schedule.created_at,
        ):
            # A plain datetime: pendulum drops a stdlib tzinfo when a timedelta is added.
            yield datetime.fromtimestamp(instant.timestamp(), UTC)

    def _next_occurrence(self, schedule: _Schedule, after: datetime | None) -> datetime | None:
        return next(self._occurrences(schedule, after), None)

    def _plan_first_occurrence(self, schedule: _Schedule) -> None:
        first = self._next_occurrence(schedule, None)
        if first is not None and first <= schedule.created_at:
            schedule.catch_up = True
            schedule.cursor = schedule.created_at
            schedule.next_due = self._next_occurrence(schedule, schedule.created_at)
        else:
            schedule.next_due = first

    def _set_status(self, schedule: _Schedule, status: ScheduleStatus, at: datetime) -> None:
        if schedule.status != status:
            schedule.status = status.value
            schedule.updated_at = at
            schedule.history.append((at, status.value))

    def _advance(self, schedule: _Schedule, now: datetime) -> None:
        if schedule.status == ScheduleStatus.CHECKING:
            # Dated no later than the first send, so History stays in order when the clock jumps;
            # a plan due at once (empty or past ExecuteTime) is checked and sent as it is created.
            first_send = schedule.created_at if schedule.catch_up else schedule.next_due
            checked_at = max(schedule.created_at, min(now, first_send or now))
            failed = schedule.fields["GroupId"].startswith(FAIL_CHECK_PREFIX)
            checked = ScheduleStatus.CHECK_FAILED if failed else ScheduleStatus.CHECK_PASSED
            self._set_status(schedule, checked, checked_at)
        if schedule.status not in (ScheduleStatus.CHECK_PASSED, ScheduleStatus.SENDING):
            return
        if schedule.catch_up:
            schedule.catch_up = False
            self._fire(schedule, schedule.updated_at)
        for _ in range(MAX_FIRINGS_PER_TICK):
            due = schedule.next_due
            if due is None or due > now:
                break
            self._fire(schedule, due)
            schedule.cursor = due
            schedule.next_due = self._next_occurrence(schedule, due)
        if schedule.next_due is None:
            done = ScheduleStatus.SEND_FAILED if self._sends_fail(schedule) else ScheduleStatus.SENT
            self._set_status(schedule, done, schedule.last_sent_at or schedule.updated_at)

    def _sends_fail(self, schedule: _Schedule) -> bool:
        return str(schedule.fields["GroupId"]).startswith(FAIL_SEND_PREFIX)

    def _fire(self, schedule: _Schedule, at: datetime) -> None:
        """One occurrence: a batch of messages, each settling a little later."""
        self._set_status(schedule, ScheduleStatus.SENDING, at)
        schedule.fired += 1
        schedule.last_sent_at = at
        f = schedule.fields
        request_id = self._new_uuid().upper()
        always_fail = self._sends_fail(schedule)
        for _ in range(self._rng.randint(*MESSAGES_PER_FIRING)):
            failed = always_fail or self._rng.random() < MESSAGE_FAILURE_RATE
            self._messages.append(
                _Message(
                    id=str(self._rng.randrange(10**17, 10**18)),
                    schedule_id=schedule.id,
                    group_id=f["GroupId"],
                    phone_number=f"1{self._rng.choice('3578')}{self._rng.randrange(10**9):09d}",
                    request_id=request_id,
                    signature=f.get("SignName"),
                    signature_id=f.get("SignatureId"),
                    template_code=f.get("TemplateCode"),
                    template_id=f.get("TemplateId"),
                    sent_at=at,
                    settle_at=at + timedelta(seconds=MESSAGE_SETTLE_SECONDS),
                    final_status=(MessageStatus.FAILED if failed else MessageStatus.SUCCESS).value,
                    final_error_code=self._rng.choice(FAILURE_CODES) if failed else "DELIVERED",
                )
            )

    def _new_uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    @staticmethod
    def _describe(schedule: _Schedule) -> dict[str, Any]:
        return {
            **schedule.fields,
            "Id": schedule.id,
            "Status": schedule.status,
            "CreatedTime": timing.format_api_datetime(schedule.created_at, timing.PAI_TZ),
            "UpdatedTime": timing.format_api_datetime(schedule.updated_at, timing.PAI_TZ),
        }


# --- messages --------------------------------------------------------------------------------------


def _error_code(message: _Message) -> str:
    return message.final_error_code if message.status != MessageStatus.SENDING else ""


_MESSAGE_FILTERS: dict[str, Callable[[_Message], Any]] = {
    "ScheduleId": lambda m: m.schedule_id,
    "GroupId": lambda m: m.group_id,
    "MessageId": lambda m: m.id,
    "PhoneNumber": lambda m: m.phone_number,
    "RequestId": lambda m: m.request_id,
    "Status": lambda m: m.status,
    "ErrorCode": _error_code,
    "Signature": lambda m: m.signature,
    "SignatureId": lambda m: m.signature_id,
    "TemplateCode": lambda m: m.template_code,
    "TemplateId": lambda m: m.template_id,
}
MESSAGE_FILTERS = tuple(_MESSAGE_FILTERS)


def _message_filter(filters: Mapping[str, Any]) -> Callable[[_Message], bool]:
    unknown = sorted(set(filters) - set(_MESSAGE_FILTERS))
    if unknown:
        raise PaiInvalidParameter(f"{unknown[0]}: is not a filter; known: {', '.join(MESSAGE_FILTERS)}")
    wanted = {name: value for name, value in filters.items() if value is not None}
    return lambda m: all(_MESSAGE_FILTERS[name](m) == value for name, value in wanted.items())


def _describe_message(message: _Message) -> dict[str, Any]:
    return {
        "Id": message.id,
        "ScheduleId": message.schedule_id,
        "GroupId": message.group_id,
        "PhoneNumber": message.phone_number,
        "Status": message.status,
        "ErrorCode": _error_code(message),
        "Signature": message.signature,
        "TemplateCode": message.template_code,
        "TemplateType": 2,  # promotional SMS: what reach plans send
        "TemplateParams": "{}",
        "OutId": message.request_id,
    }


def _day_metrics(day: date, messages: list[_Message]) -> dict[str, Any]:
    success = sum(m.status == MessageStatus.SUCCESS for m in messages)
    fail = sum(m.status == MessageStatus.FAILED for m in messages)
    return {
        "Date": timing.format_compact_date(day, timing.PAI_TZ),
        "Total": len(messages),
        "Success": success,
        "Fail": fail,
        "Pending": len(messages) - success - fail,
        "Rate": round(success / len(messages), 4),
    }


def parse_compact_date(text: str, *, field: str) -> date:
    """A ``yyyyMMdd`` query date (ListMessages Datetime, metrics StartDate/EndDate), strictly."""
    try:
        return timing.parse_compact_date(text, field=field)
    except InvalidFieldError as err:
        raise PaiInvalidParameter.from_field_error(err) from err


def _pai_day(instant: datetime) -> date:
    return instant.astimezone(timing.PAI_TZ).date()


def _page(items: list[Any], page_number: int, page_size: int) -> list[Any]:
    if page_number < 1:
        raise PaiInvalidParameter(f"PageNumber: must be 1 or more, got {page_number}")
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        raise PaiInvalidParameter(f"PageSize: must be 1 to {PAGE_SIZE_MAX}, got {page_size}")
    start = (page_number - 1) * page_size
    return items[start : start + page_size]

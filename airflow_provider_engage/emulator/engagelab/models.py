"""The emulated EngageLab AppPush app: scheduled tasks, push plans, fired messages and their rules.

The backend in the moto sense: plain methods that the HTTP layer (:mod:`.responses`) calls,
raising the service's coded errors (:mod:`.exceptions`), saving its state after each change
(:mod:`airflow_provider_engage.emulator.store`). Shape
and format rules come from :mod:`airflow_provider_engage.validation`, time rules from
:mod:`airflow_provider_engage.timing`, and the service's facts (page size, caps, codes) from
:mod:`airflow_provider_engage.engagelab_spec`, the module the hooks call by; what only the
server can know lives here (expiry, whether targets exist, what may change on PUT, firing).

Targets (documented in ``docs/emulator.md``): ``to: "all"`` always reaches devices. Any other
audience value (registration id, alias, tag, segment id, live activity id) exists unless it
starts with ``missing`` (never existed: creating a task that names only such targets answers
28105) or ``gone`` (existed when the task was created, uninstalled before it fired: the firing
records error 1011). ``tag_not`` selects nobody.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import math
import random
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from airflow_provider_engage import timing, validation
from airflow_provider_engage.emulator.clock import Clock
from airflow_provider_engage.emulator.engagelab.exceptions import (
    EngageLabError,
    InvalidSchedule,
    ScheduleNotFound,
)
from airflow_provider_engage.emulator.store import SnapshotStore, dump_random, load_random, saves_state
from airflow_provider_engage.engagelab_spec import (
    NO_PUSH_TARGET,
    NO_SENDING_TARGET,
    PLAN_MSG_NO_PERMISSION,
    PLAN_NO_PERMISSION,
    PLAN_OVER_LIMIT,
    PLAN_QUERY_INVALID,
    PUSH_PLAN_PATH,
    PUSH_PLANS_MAX,
    SCHEDULES_PAGE_SIZE,
    STATS_IDS_MAX,
    STATS_RETENTION_DAYS,
    UNEXPIRED_SCHEDULES_MAX,
)
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.plain_json import dump, load_record

__all__ = ["EngageLabBackend", "MsgRecord", "msg_ids_answer"]

# A zone_type 2 occurrence is delivered in this many bands, evenly from its earliest instant
# (UTC+14) to its latest (UTC-12): one every two hours, so msg-ids grow over ~26 hours.
DEVICE_ZONE_BANDS = 14
MESSAGE_RETENTION = timedelta(days=STATS_RETENTION_DAYS)
# The message text of a firing that reached nobody, as the service writes it (code 1011).
NO_TARGET_MESSAGE = "Cannot find sending target"
_FIRST_MSG_ID = 1_088_009
_NEVER_EXISTED = "missing"
_UNINSTALLED = "gone"
# Devices each audience value reaches: one per device id, a crowd per tag, alias or segment.
_DEVICES_PER_VALUE = {
    "registration_id": 1,
    "live_activity_id": 1,
    "alias": 100,
    "tag": 100,
    "tag_and": 100,
    "seg": 100,
}
ALL_DEVICES = 10_000


def _iso_z(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _millis(instant: datetime) -> int:
    return int(instant.timestamp() * 1000)


@dataclass(frozen=True)
class MsgRecord:
    """One push a schedule fired: a message id, or ``"0"`` and the reason it reached nobody."""

    msg_id: str
    ts: int
    code: int = 0
    message: str = ""

    def wire(self) -> str:
        """The element of ``MsgIds``: a JSON *string*, as the service sends it."""
        error = {"code": self.code, "message": self.message}
        return json.dumps({"msg_id": self.msg_id, "error": error, "needRetry": False, "ts": self.ts})


@dataclass
class Message:
    """A fired message, for statistics and push-plan queries."""

    msg_id: str
    schedule_id: str
    fired_at: datetime
    targets: int
    kind: str
    plan_id: str | None = None


@dataclass
class Plan:
    plan_id: str
    description: str
    created_at: datetime
    send_source: int = 0
    count: int = 0
    last_used_at: datetime | None = None

    def info(self) -> dict[str, Any]:
        last_used = self.last_used_at or self.created_at
        return {
            "push_id": self.plan_id,
            "plan_description": self.description,
            "count": self.count,
            "create_time": _iso_z(self.created_at),
            "last_used_time": _iso_z(last_used),
        }


class _Deliveries:
    """The instants one schedule delivers at, strictly after ``cursor``, in time order.

    zone_type 2 occurrences overlap (a 26-hour window, fired daily), so the bands of the next
    occurrences are merged in as soon as they could come first.
    """

    def __init__(self, trigger: Mapping[str, Any], site_tz: str, cursor: datetime) -> None:
        self._source = timing.occurrences(trigger, site_tz=site_tz, after=cursor)
        self._cursor = cursor
        self._lookahead = next(self._source, None)
        self._pending: list[datetime] = []

    def peek(self) -> datetime | None:
        while self._lookahead is not None and (
            not self._pending or self._lookahead.earliest <= self._pending[0]
        ):
            for instant in _bands(self._lookahead):
                if instant > self._cursor:
                    heapq.heappush(self._pending, instant)
            self._lookahead = next(self._source, None)
        return self._pending[0] if self._pending else None

    def pop(self) -> datetime:
        self.peek()
        return heapq.heappop(self._pending)


def _bands(occurrence: timing.Occurrence) -> list[datetime]:
    # Plain datetimes: pendulum's arithmetic on its DateTime gives intervals and naive results.
    earliest = datetime.fromtimestamp(occurrence.earliest.timestamp(), UTC)
    span = datetime.fromtimestamp(occurrence.latest.timestamp(), UTC) - earliest
    if not span:
        return [earliest]
    step = span / (DEVICE_ZONE_BANDS - 1)
    return [earliest + step * band for band in range(DEVICE_ZONE_BANDS)]


@dataclass
class Schedule:
    schedule_id: str
    name: str
    enabled: bool
    trigger: dict[str, Any]
    push: dict[str, Any]
    created_at: datetime
    # Everything due at or before this instant has been delivered.
    cursor: datetime
    records: list[MsgRecord] = field(default_factory=list)
    version: int = 0
    # What is known of expiry: live before ``live_until``, expired from ``expired_from`` on.
    live_until: datetime | None = None
    expired_from: datetime | None = None

    def detail(self) -> dict[str, Any]:
        return {"schedule_id": self.schedule_id, **self.body()}

    def body(self) -> dict[str, Any]:
        return {"name": self.name, "enabled": self.enabled, "trigger": self.trigger, "push": self.push}


class EngageLabBackend:
    """One EngageLab app: its scheduled tasks, push plans and the messages they fired."""

    part = "engagelab"

    def __init__(
        self,
        clock: Clock,
        *,
        seed: int | None = None,
        site_tz: str = timing.SITE_TZ_DEFAULT,
        max_schedules: int = UNEXPIRED_SCHEDULES_MAX,
        max_plans: int = PUSH_PLANS_MAX,
        plan_permission: bool = True,
        store: SnapshotStore | None = None,
    ) -> None:
        self.clock = clock
        self.store = store
        self.site_tz = site_tz
        self.max_schedules = max_schedules
        self.max_plans = max_plans
        # Whether the AppKey may use push plans; without it they answer 21004 (msg ids by plan 23001).
        self.plan_permission = plan_permission
        self._random = random.Random(seed)
        self.lock = threading.RLock()
        self._next_msg_id = _FIRST_MSG_ID
        self._clear()

    def _clear(self) -> None:
        self._schedules: dict[str, Schedule] = {}
        self._plans: dict[str, Plan] = {}
        self._messages: dict[str, Message] = {}
        self._deliveries: dict[str, _Deliveries] = {}
        self._due: list[tuple[datetime, int, str, int]] = []
        self._order = itertools.count()

    # --- scheduled tasks ------------------------------------------------------------------------

    @saves_state
    def create_schedule(self, body: Any) -> dict[str, Any]:
        with self.lock:
            now = self.clock.now()
            self._check_schedule(body, creating=True, now=now)
            unexpired = sum(1 for schedule in self._schedules.values() if not self._expired(schedule, now))
            if unexpired >= self.max_schedules:
                raise InvalidSchedule(
                    f"the app already has {unexpired} unexpired scheduled tasks"
                    f" (the limit is {self.max_schedules})"
                )
            schedule_id = self._new_schedule_id()
            schedule = Schedule(
                schedule_id=schedule_id,
                name=body["name"],
                enabled=body["enabled"],
                trigger=body["trigger"],
                push=body["push"],
                created_at=now,
                cursor=now,
            )
            self._schedules[schedule_id] = schedule
            self._plan_deliveries(schedule)
            return {"schedule_id": schedule_id, "name": schedule.name}

    def get_schedule(self, schedule_id: str) -> dict[str, Any]:
        with self.lock:
            return self._live_schedule(schedule_id).detail()

    def list_schedules(self, page: int) -> dict[str, Any]:
        with self.lock:
            now = self.clock.now()
            live = [s for s in self._schedules.values() if not self._expired(s, now)]
            start = (page - 1) * SCHEDULES_PAGE_SIZE
            return {
                "total_count": len(live),
                "total_pages": math.ceil(len(live) / SCHEDULES_PAGE_SIZE),
                "page": page,
                "schedules": [s.detail() for s in live[start : start + SCHEDULES_PAGE_SIZE]],
            }

    @saves_state
    def update_schedule(self, schedule_id: str, body: Any) -> dict[str, Any]:
        """PUT replaces the whole task; its kind and zone_type stay what they were."""
        with self.lock:
            now = self.clock.now()
            schedule = self._schedules.get(schedule_id)
            if schedule is None:
                raise ScheduleNotFound(f"schedule {schedule_id} does not exist")
            if self._expired(schedule, now):
                raise InvalidSchedule(f"schedule {schedule_id} has expired and can no longer be updated")
            self._check_schedule(body, creating=False, now=now)
            try:
                validation.check_trigger_switch(schedule.trigger, body["trigger"])
            except InvalidFieldError as err:
                raise EngageLabError.from_invalid(err) from err
            schedule.name, schedule.enabled = body["name"], body["enabled"]
            schedule.trigger, schedule.push = body["trigger"], body["push"]
            schedule.cursor = max(schedule.cursor, now)
            schedule.version += 1
            schedule.live_until = schedule.expired_from = None
            self._plan_deliveries(schedule)
            return schedule.body()

    @saves_state
    def delete_schedule(self, schedule_id: str) -> None:
        with self.lock:
            self._live_schedule(schedule_id)
            del self._schedules[schedule_id]
            self._deliveries.pop(schedule_id, None)

    def schedule_msg_ids(self, schedule_id: str) -> list[MsgRecord]:
        """Every firing so far, failed ones included; answered for expired tasks too."""
        with self.lock:
            schedule = self._schedules.get(schedule_id)
            if schedule is None:
                raise ScheduleNotFound(f"schedule {schedule_id} does not exist")
            return list(schedule.records)

    def _live_schedule(self, schedule_id: str) -> Schedule:
        schedule = self._schedules.get(schedule_id)
        if schedule is None:
            raise ScheduleNotFound(f"schedule {schedule_id} does not exist")
        if self._expired(schedule, self.clock.now()):
            raise ScheduleNotFound(f"schedule {schedule_id} has expired (all its pushes were sent)")
        return schedule

    def _expired(self, schedule: Schedule, now: datetime) -> bool:
        """Whether no occurrence of the task still ends after ``now`` (cached: asked per listing)."""
        if schedule.live_until is not None and now < schedule.live_until:
            return False
        if schedule.expired_from is not None and now >= schedule.expired_from:
            return True
        upcoming = next(timing.occurrences(schedule.trigger, site_tz=self.site_tz, after=now, limit=1), None)
        if upcoming is None:
            schedule.expired_from = now
            return True
        schedule.live_until = datetime.fromtimestamp(upcoming.latest.timestamp(), UTC)
        return False

    def _check_schedule(self, body: Any, *, creating: bool, now: datetime) -> None:
        if not isinstance(body, Mapping):
            raise InvalidSchedule("request data is not a JSON object")
        try:
            validation.check_schedule(body, creating=creating, site_tz=self.site_tz, now=now)
        except InvalidFieldError as err:
            raise EngageLabError.from_invalid(err) from err
        plan_id = _plan_id_of(body["push"])
        if plan_id is not None and plan_id not in self._plans:
            raise InvalidSchedule(
                f"push.body.options.plan_id: push plan {plan_id!r} does not exist;"
                f" create it first (POST {PUSH_PLAN_PATH})"
            )
        if _audience_size(body["push"].get("to"), at_fire=False) == 0:
            raise EngageLabError("push.to: no push target exists for the set time", code=NO_PUSH_TARGET)

    def _new_schedule_id(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    # --- firing ---------------------------------------------------------------------------------

    @saves_state
    def fire_due(self, now: datetime) -> None:
        """Deliver every occurrence (or zone band) that is due at ``now``, in time order."""
        with self.lock:
            while self._due and self._due[0][0] <= now:
                instant, _, schedule_id, version = heapq.heappop(self._due)
                schedule = self._schedules.get(schedule_id)
                if schedule is None or schedule.version != version:
                    continue
                self._deliveries[schedule_id].pop()
                self._deliver(schedule, instant)
                schedule.cursor = instant
                self._queue_next(schedule)

    def _plan_deliveries(self, schedule: Schedule) -> None:
        self._deliveries[schedule.schedule_id] = _Deliveries(schedule.trigger, self.site_tz, schedule.cursor)
        self._queue_next(schedule)

    def _queue_next(self, schedule: Schedule) -> None:
        instant = self._deliveries[schedule.schedule_id].peek()
        if instant is not None:
            entry = (instant, next(self._order), schedule.schedule_id, schedule.version)
            heapq.heappush(self._due, entry)

    def _deliver(self, schedule: Schedule, instant: datetime) -> None:
        if not schedule.enabled:
            return
        push = schedule.push
        targets = _audience_size(push.get("to"), at_fire=True)
        if targets == 0:
            schedule.records.append(MsgRecord("0", _millis(instant), NO_SENDING_TARGET, NO_TARGET_MESSAGE))
            return
        msg_id = str(self._next_msg_id)
        self._next_msg_id += 1
        plan_id = _plan_id_of(push)
        self._messages[msg_id] = Message(
            msg_id, schedule.schedule_id, instant, targets, _kind_of(push), plan_id
        )
        schedule.records.append(MsgRecord(msg_id, _millis(instant)))
        plan = self._plans.get(plan_id) if plan_id else None
        if plan is not None:
            plan.count += 1
            plan.last_used_at = instant

    # --- push plans -----------------------------------------------------------------------------

    @saves_state
    def upsert_plan(self, plan_id: Any, description: Any) -> dict[str, Any]:
        self._check_plan_permission()
        try:
            validation.check_plan_id(plan_id)
            validation.check_plan_description(description)
        except InvalidFieldError as err:
            raise EngageLabError.from_invalid(err) from err
        with self.lock:
            plan = self._plans.get(plan_id)
            if plan is not None:
                plan.description = description
            elif len(self._plans) >= self.max_plans:
                raise EngageLabError(f"the app already has {self.max_plans} push plans", code=PLAN_OVER_LIMIT)
            else:
                self._plans[plan_id] = Plan(plan_id, description, self.clock.now())
            return {"plan_id": plan_id}

    def list_plans(
        self, page_index: Any, page_size: Any, send_source: Any = None, search: Any = None
    ) -> dict[str, Any]:
        """Plans in creation order; ``search`` matches id or description, case-insensitively."""
        self._check_plan_permission()
        try:
            validation.check_plan_list_query(page_index, page_size, send_source, search)
        except InvalidFieldError as err:
            raise EngageLabError.from_invalid(err) from err
        needle = (search or "").casefold()
        with self.lock:
            found = [
                plan
                for plan in self._plans.values()
                if (send_source is None or plan.send_source == send_source)
                and (needle in plan.plan_id.casefold() or needle in plan.description.casefold())
            ]
            start = (page_index - 1) * page_size
            return {
                "push_plan_info": [p.info() for p in found[start : start + page_size]],
                "total": len(found),
            }

    def plan_msg_ids(self, plan_ids: Sequence[str], start_date: Any, end_date: Any) -> dict[str, Any]:
        """Message ids each plan's pushes got, fired on ``start_date``..``end_date`` (site zone)."""
        if not self.plan_permission:
            refusal = "the AppKey has no permission to query msg ids by push plan"
            raise EngageLabError(refusal, code=PLAN_MSG_NO_PERMISSION)
        with self.lock:
            today = self._site_date(self.clock.now())
            try:
                validation.check_plan_msg_query(plan_ids, start_date, end_date, today=today)
            except InvalidFieldError as err:
                raise EngageLabError.from_invalid(err) from err
            first, last = date.fromisoformat(start_date), date.fromisoformat(end_date)
            found: dict[str, Any] = {plan_id: {"msg_ids": []} for plan_id in plan_ids}
            for message in self._messages.values():
                if message.plan_id in found and first <= self._site_date(message.fired_at) <= last:
                    found[message.plan_id]["msg_ids"].append(message.msg_id)
            return found

    def _check_plan_permission(self) -> None:
        if not self.plan_permission:
            refusal = "the AppKey has no permission to create or query push plans"
            raise EngageLabError(refusal, code=PLAN_NO_PERMISSION)

    def _site_date(self, instant: datetime) -> date:
        return date.fromisoformat(timing.format_api_date(instant, self.site_tz))

    # --- statistics -----------------------------------------------------------------------------

    def message_stats(self, msg_ids: Sequence[str]) -> dict[str, Any]:
        """Plausible lifecycle counts per fired message (kept a month), the same on every call."""
        if not msg_ids or len(msg_ids) > STATS_IDS_MAX:
            # 1003 "Parameter value is invalid", the code bad push-plan queries get too.
            raise EngageLabError(
                f"message_ids: give 1 to {STATS_IDS_MAX} ids, got {len(msg_ids)}", code=PLAN_QUERY_INVALID
            )
        with self.lock:
            oldest = self.clock.now() - MESSAGE_RETENTION
            found = [self._messages.get(msg_id) for msg_id in msg_ids]
            return {m.msg_id: _stats(m) for m in found if m is not None and m.fired_at >= oldest}

    # --- the five methods every backend has ----------------------------------------------------

    @saves_state
    def reset(self) -> None:
        """Forget everything; message ids keep counting up, as they never repeat on the service."""
        with self.lock:
            self._clear()

    def state(self) -> dict[str, Any]:
        with self.lock:
            now = self.clock.now()
            return {
                "schedules": len(self._schedules),
                "unexpired_schedules": sum(1 for s in self._schedules.values() if not self._expired(s, now)),
                "plans": len(self._plans),
                "messages": len(self._messages),
                "msg_id_records": sum(len(s.records) for s in self._schedules.values()),
            }

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "next_msg_id": self._next_msg_id,
                "random": dump_random(self._random),  # schedule ids go on, never repeat
                "schedules": dump(list(self._schedules.values())),
                "plans": dump(list(self._plans.values())),
                "messages": dump(list(self._messages.values())),
            }

    def restore(self, data: Mapping[str, Any]) -> None:
        with self.lock:
            self._clear()
            self._next_msg_id = max(self._next_msg_id, int(data.get("next_msg_id", _FIRST_MSG_ID)))
            load_random(self._random, data.get("random"))
            for item in data.get("plans", []):
                plan = load_record(Plan, item)
                self._plans[plan.plan_id] = plan
            for item in data.get("messages", []):
                message = load_record(Message, item)
                self._messages[message.msg_id] = message
            for item in data.get("schedules", []):
                schedule = load_record(Schedule, item)
                self._schedules[schedule.schedule_id] = schedule
                self._plan_deliveries(schedule)


# --- triggers and pushes ------------------------------------------------------------------------


def _plan_id_of(push: Mapping[str, Any]) -> str | None:
    body = push.get("body")
    options = body.get("options") if isinstance(body, Mapping) else None
    plan_id = options.get("plan_id") if isinstance(options, Mapping) else None
    return plan_id if isinstance(plan_id, str) and plan_id else None


def _kind_of(push: Mapping[str, Any]) -> str:
    body = push.get("body") or {}
    return next((kind for kind in validation.PUSH_KINDS if body.get(kind)), "notification")


def _audience_size(to: Any, *, at_fire: bool) -> int:
    """How many devices a push reaches now (see the module docstring for the rule)."""
    if to == "all":
        return ALL_DEVICES
    if not isinstance(to, Mapping):
        return 0
    absent = (_NEVER_EXISTED, _UNINSTALLED) if at_fire else (_NEVER_EXISTED,)
    size = 0
    for key, devices in _DEVICES_PER_VALUE.items():
        values = to.get(key)
        if isinstance(values, Mapping):  # seg: {"id": "..."}
            values = [values.get("id")]
        elif not isinstance(values, list | tuple):
            values = [values]
        for value in values:
            if isinstance(value, str) and value and not value.startswith(absent):
                size += devices
    return size


def _stats(message: Message) -> dict[str, Any]:
    """Funnel counts derived from the message id, so every call answers the same."""
    digest = hashlib.sha256(message.msg_id.encode()).digest()
    # sent/targets 0.90-1.00, delivered/sent 0.80-1.00, impressions/delivered 0.50-0.90,
    # clicks/impressions 0.02-0.20
    ratios = [
        0.9 + digest[0] / 2550,
        0.8 + digest[1] / 1275,
        0.5 + digest[2] / 637.5,
        0.02 + digest[3] / 1417,
    ]
    counts = [message.targets]
    for ratio in ratios:
        counts.append(int(counts[-1] * ratio))
    funnel = dict(zip(("targets", "sent", "delivered", "impressions", "clicks"), counts, strict=True))
    return {**funnel, "sub": {message.kind: dict(funnel)}}


def msg_ids_answer(records: Sequence[MsgRecord], *, legacy: bool) -> dict[str, Any]:
    """The msg-ids answer: ``MsgIds`` JSON strings, or the pre-2024 ``msgids`` of plain ids.

    ``count`` is the number of messages sent (failed firings are listed but not counted), as in
    the seed's example where one success and one 1011 record answer ``count: 1``.
    """
    sent = [r for r in records if r.code == 0]
    if legacy:
        return {"count": len(sent), "msgids": [r.msg_id for r in sent]}
    return {"count": len(sent), "MsgIds": [r.wire() for r in records]}

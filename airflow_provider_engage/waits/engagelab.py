"""EngageLab waits: one occurrence of a scheduled task, message ids of push plans, and what the
event trigger follows (a schedule's occurrences, push plans' new ids).

Which firing (:func:`choose_occurrence`) is fixed once. Its ids are recognised by their ``ts``
inside a matching window (:func:`matching_window`): from the occurrence's earliest arrival to its
latest plus ``grace``, made disjoint from its neighbours' windows so that an id is never counted
for two firings (where two zone_type 2 occurrences overlap, the earlier one keeps the id). A
legacy answer (``msgids``, no ``ts``) is read by growth over the count taken before the window
opened; without that count, only a single schedule's ids can be told apart. The feeds
(:class:`ScheduleFeed`, :class:`PlanIdsFeed`) announce each firing once, from a plain-JSON cursor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from typing import TYPE_CHECKING, Any

from airflow_provider_engage import timing
from airflow_provider_engage.engagelab_spec import meaning_of
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.waits.engine import (
    Cadence,
    Call,
    FiringsFeed,
    JsonRecord,
    Verdict,
    instant,
    iso,
    verdict_by,
)

if TYPE_CHECKING:
    from airflow_provider_engage.hooks.engagelab import MsgIdRecord

__all__ = [
    "DEFAULT_GRACE_SECONDS",
    "PlanIdsFeed",
    "PlanMessagesWatch",
    "ScheduleFeed",
    "ScheduleWatch",
    "choose_occurrence",
    "matching_window",
    "parse_occurrence",
    "record_json",
]

DEFAULT_GRACE_SECONDS = 600.0
"""How long after an occurrence's last arrival its ids may still show up."""
EARLY_TOLERANCE = dt.timedelta(seconds=60)
"""An id stamped this much before its occurrence's first instant still counts (clock skew)."""
PLAN_LOOKBACK = dt.timedelta(days=1)
"""Push plans' ids are asked for over yesterday and today (the service's, in the site zone)."""
PLAN_IDS_KEPT = 5000
"""Announced ids remembered per plan (enough for days of firings; older ones leave the range)."""
_NEIGHBOUR_REACH = dt.timedelta(hours=27)  # longer than any occurrence's spread (26 hours)
_MS = dt.timedelta(milliseconds=1)


def parse_occurrence(occurrence: object) -> tuple[str, dt.datetime | None]:
    """What a sensor's ``occurrence`` asks for, its form checked before anything is read:
    ``("next", None)``, ``("wall", naive wall clock)`` or ``("at", UTC instant)``."""
    if occurrence == "next":
        return "next", None
    if isinstance(occurrence, str) and _is_wall_clock(occurrence):
        return "wall", timing.parse_api_datetime(occurrence, "UTC", field="occurrence").naive()
    if isinstance(occurrence, str | dt.datetime):
        return "at", timing.to_utc(occurrence, field="occurrence")
    raise InvalidFieldError(
        "occurrence", f"must be 'next', an aware datetime or an ISO-8601 string, got {occurrence!r}"
    )


def choose_occurrence(
    trigger: Mapping[str, Any],
    *,
    site_tz: str,
    occurrence: object,
    reference: dt.datetime,
    grace: float = DEFAULT_GRACE_SECONDS,
) -> timing.Occurrence:
    """The occurrence a sensor waits for, fixed once.

    ``"next"``: the first that has not ended at ``reference`` (the service's now when the sensor
    first looks), its ``grace`` included: one that fired moments ago is still awaited, and found
    fired at once. An aware datetime or an ISO-8601 string with an offset: the first occurrence
    still arriving at or after that instant (a daily DAG passes its data interval's start). The
    API's ``yyyy-MM-dd HH:mm:ss``: the first occurrence whose wall clock is at or after it.
    """
    form, moment = parse_occurrence(occurrence)
    if form == "next":
        ended = reference - dt.timedelta(seconds=grace) - _MS
        found = next(timing.occurrences(trigger, site_tz=site_tz, after=ended, limit=1), None)
        wanted = f"still arriving at {iso(reference)} (the service's now, {grace:g} s of grace)"
    elif form == "wall":
        assert moment is not None
        found = next((o for o in timing.occurrences(trigger, site_tz=site_tz) if o.wall_time >= moment), None)
        wanted = f"at or after the wall clock {occurrence}"
    else:
        assert moment is not None
        found = next(timing.occurrences(trigger, site_tz=site_tz, after=moment - _MS, limit=1), None)
        wanted = f"at or after {iso(moment)}"
    if found is None:
        raise InvalidFieldError("occurrence", f"the schedule has no occurrence {wanted}: it has ended")
    return found


def _is_wall_clock(text: str) -> bool:
    try:
        timing.parse_api_datetime(text, "UTC", field="occurrence")
    except InvalidFieldError:
        return False
    return True


def matching_window(
    trigger: Mapping[str, Any], *, site_tz: str, occurrence: timing.Occurrence, grace: float
) -> tuple[dt.datetime, dt.datetime]:
    """The instants whose ids count for ``occurrence``: disjoint from its neighbours' windows."""
    start = _utc(occurrence.earliest) - EARLY_TOLERANCE
    end = _utc(occurrence.latest) + dt.timedelta(seconds=grace)
    around = timing.occurrences(trigger, site_tz=site_tz, after=_utc(occurrence.earliest) - _NEIGHBOUR_REACH)
    previous = None
    for candidate in islice(around, 1000):
        if candidate.wall_time < occurrence.wall_time:
            previous = candidate
        elif candidate.wall_time > occurrence.wall_time:
            end = min(end, max(_utc(candidate.earliest) - EARLY_TOLERANCE, _utc(occurrence.latest)))
            break
    if previous is not None:
        start = max(start, _utc(previous.latest) + _MS)
    return start, end


def _utc(moment: dt.datetime) -> dt.datetime:
    return dt.datetime.fromtimestamp(moment.timestamp(), dt.UTC)


def record_json(record: MsgIdRecord, schedule_id: str) -> dict[str, Any]:
    """A fired record as the sensors return it: the message id, when, an error's meaning, and the
    schedule it came from (what a statistics load keys its rows by)."""
    return {**record.to_dict(), "meaning": meaning_of(record.error_code) or "", "schedule_id": schedule_id}


@dataclass(frozen=True)
class ScheduleWatch(JsonRecord):
    """One occurrence of one schedule; ``occurrence`` None when the service no longer knew the
    schedule at the first look (a single push that has fired: every record is its)."""

    schedule_id: str
    occurrence: dict[str, str] | None
    window_start: dt.datetime | None
    window_end: dt.datetime | None
    single: bool
    all_zones: bool = False
    min_messages: int = 1
    baseline: int | None = None  # records counted before the window opened (legacy answers)

    @classmethod
    def of_schedule(
        cls,
        schedule_id: str,
        trigger: Mapping[str, Any],
        *,
        site_tz: str,
        occurrence: object,
        now: dt.datetime,
        grace: float,
        all_zones: bool,
        min_messages: int,
    ) -> ScheduleWatch:
        chosen = choose_occurrence(
            trigger, site_tz=site_tz, occurrence=occurrence, reference=now, grace=grace
        )
        start, end = matching_window(trigger, site_tz=site_tz, occurrence=chosen, grace=grace)
        return cls(
            schedule_id,
            chosen.as_json(),
            start,
            end,
            single=timing.trigger_kind(trigger) == "single",
            all_zones=all_zones,
            min_messages=min_messages,
        )

    @classmethod
    def of_expired(cls, schedule_id: str, *, min_messages: int) -> ScheduleWatch:
        return cls(schedule_id, None, None, None, single=True, min_messages=min_messages)

    def with_baseline(self, records: Sequence[MsgIdRecord], now: dt.datetime) -> ScheduleWatch:
        """The count of records seen before the window opened, for a legacy answer to grow over."""
        opened = self.window_start is not None and now >= self.window_start
        return self if opened else replace(self, baseline=len(records))

    # --- when to look ---------------------------------------------------------------------------

    def cadence(self, poke_interval: float) -> Cadence:
        earliest = instant(self.occurrence["earliest"]) if self.occurrence else None
        if earliest is None or self.window_end is None:  # judged at the first look: never waits
            return Cadence(dt.datetime.min.replace(tzinfo=dt.UTC), poke_interval)
        if self.all_zones:
            return Cadence(self.window_end, poke_interval, last=self.window_end, key=self.schedule_id)
        return Cadence(earliest, poke_interval, last=self.window_end, key=self.schedule_id)

    # --- judging an answer ----------------------------------------------------------------------

    def judge(self, records: Sequence[MsgIdRecord], now: dt.datetime) -> Verdict:
        """What ``records`` (every record of the schedule's msg-ids) say of this occurrence at ``now``."""
        mine = self._records_of(records)
        if mine is None:
            return Verdict(
                "failed",
                f"schedule {self.schedule_id} answers message ids without timestamps (the legacy "
                "'msgids' list) and the sensor first looked after the occurrence's window opened, "
                "so its ids cannot be told from earlier firings'; start the sensor before the window",
            )
        count, need = len(mine), self.min_messages
        result = [record_json(record, self.schedule_id) for record in mine]
        if self.window_end is None:
            if count >= need:
                return Verdict("success", f"schedule {self.schedule_id} has fired: {count} records", result)
            return Verdict(
                "failed",
                f"schedule {self.schedule_id} is no longer listed by the service (expired, or its "
                f"single push fired) and its msg-ids hold {count} of the {need} records awaited",
            )
        when = self._describe()
        return verdict_by(
            count >= need and (not self.all_zones or now >= self.window_end),
            now,
            self.window_end,
            success=f"schedule {self.schedule_id} fired {when}: {count} records",
            result=result,
            failed=f"schedule {self.schedule_id} did not fire {when}: its window and grace ended at "
            f"{iso(self.window_end)} (service time) with {count} of {need} records",
            waiting=f"schedule {self.schedule_id}: {count} of {need} records {when} so far",
        )

    def calls(self) -> list[Call]:
        """The hook calls a look makes (sync and async hooks have the same names)."""
        return [("get_schedule_msg_ids", (self.schedule_id,), {})]

    def judge_answers(self, answers: list[Any], now: dt.datetime) -> Verdict:
        return self.judge(answers[0], now)

    def gone(self) -> Verdict:
        """The service no longer knows the schedule's msg-ids: it was deleted before it fired."""
        return Verdict(
            "failed", f"schedule {self.schedule_id} was deleted (or never existed): it will not fire"
        )

    def _records_of(self, records: Sequence[MsgIdRecord]) -> list[MsgIdRecord] | None:
        if self.window_start is None or self.window_end is None:
            return list(records)
        if any(record.fired_at is not None for record in records) or not records:
            start, end = self.window_start, self.window_end
            return [r for r in records if r.fired_at is not None and start <= r.fired_at <= end]
        if self.baseline is not None:
            return list(records[self.baseline :])
        return list(records) if self.single else None

    def _describe(self) -> str:
        if not self.occurrence:
            return ""
        return f"for its {self.occurrence['wall_time']} occurrence"


@dataclass(frozen=True)
class PlanMessagesWatch(JsonRecord):
    """Message ids of push plans fired in a date range (site zone): every plan needs ``min_messages``."""

    plan_ids: tuple[str, ...]
    start_date: str
    end_date: str
    range_start: dt.datetime  # the start of start_date in the site zone
    range_end: dt.datetime  # the end of end_date in the site zone, plus grace
    min_messages: int = 1

    @classmethod
    def of_range(
        cls,
        plan_ids: Sequence[str],
        start_date: str,
        end_date: str,
        *,
        site_tz: str,
        grace: float,
        min_messages: int,
    ) -> PlanMessagesWatch:
        zone = timing.resolve_zone(site_tz)
        first = timing.parse_api_date(start_date, field="start_date")
        last = timing.parse_api_date(end_date, field="end_date")
        opens = dt.datetime(first.year, first.month, first.day, tzinfo=zone)
        closes = dt.datetime(last.year, last.month, last.day, tzinfo=zone) + dt.timedelta(days=1)
        return cls(
            tuple(plan_ids),
            start_date,
            end_date,
            _utc(opens),
            _utc(closes) + dt.timedelta(seconds=grace),
            min_messages,
        )

    def cadence(self, poke_interval: float) -> Cadence:
        return Cadence(self.range_start, poke_interval, last=self.range_end, key=",".join(self.plan_ids))

    def calls(self) -> list[Call]:
        return [("get_plan_msg_ids", (list(self.plan_ids), self.start_date, self.end_date), {})]

    def judge_answers(self, answers: list[Any], now: dt.datetime) -> Verdict:
        return self.judge(answers[0], now)

    def gone(self) -> Verdict:
        return Verdict("failed", f"push plans {', '.join(self.plan_ids)}: the service knows none of them")

    def judge(self, by_plan: Mapping[str, Sequence[str]], now: dt.datetime) -> Verdict:
        counts = {plan_id: len(by_plan.get(plan_id) or []) for plan_id in self.plan_ids}
        short = sorted(plan_id for plan_id, count in counts.items() if count < self.min_messages)
        span = f"{self.start_date}..{self.end_date}"
        return verdict_by(
            not short,
            now,
            self.range_end,
            success=f"every plan has message ids in {span}: {counts}",
            result={plan_id: list(by_plan.get(plan_id) or []) for plan_id in self.plan_ids},
            failed=f"push plans {', '.join(short)} have fewer than {self.min_messages} message ids in "
            f"{span}, and the range and its grace ended at {iso(self.range_end)} (service time)",
            waiting=f"message ids per plan in {span} so far: {counts}",
        )


# --- what the event trigger follows ---------------------------------------------------------------


class ScheduleFeed(FiringsFeed):
    """A schedule's occurrences in order; each announced once, when its ids are all in (zone_type 2:
    at its window's end plus grace), with the ids, the failed count and the UTC window.

    The cursor keeps the schedule's trigger too: a one-off push expires once it has fired, so a
    watcher restarted after a firing it had not announced yet (its triggerer was down) can no
    longer read the schedule, and still knows which occurrence to look for."""

    def __init__(
        self,
        schedule_id: str,
        trigger: Mapping[str, Any] | None,
        *,
        site_tz: str,
        grace: float,
        poke_interval: float,
        cursor: Mapping[str, Any],
    ) -> None:
        self.schedule_id, self.key = schedule_id, f"schedule:{schedule_id}"
        self.trigger = trigger if trigger is not None else cursor.get("trigger")  # None: gone
        self.site_tz, self.grace, self.poke_interval = site_tz, grace, poke_interval
        self.since = instant(cursor.get("since"))  # the service's now when watching began
        self.announced: str | None = cursor.get("announced")  # the last announced wall time
        self.watch = self._next_watch()

    def _next_watch(self) -> ScheduleWatch | None:
        if self.trigger is None:
            return None
        if self.announced is not None:
            after = timing.parse_api_datetime(self.announced, "UTC").add(seconds=1)
            occurrence: object = after.format("YYYY-MM-DD HH:mm:ss")
        else:
            occurrence = "next"
        try:
            return ScheduleWatch.of_schedule(
                self.schedule_id,
                self.trigger,
                site_tz=self.site_tz,
                occurrence=occurrence,
                now=self.since or dt.datetime.now(dt.UTC),
                grace=self.grace,
                all_zones=_zone_type(self.trigger) == timing.ZONE_TYPE_DEVICE,
                min_messages=1,
            )
        except InvalidFieldError:  # no occurrence left: the schedule has ended
            return None

    def _event(
        self, watch: ScheduleWatch, verdict: Verdict, answers: list[Any]
    ) -> tuple[str | None, dict[str, Any]]:
        records = list(verdict.result or [])
        occurrence = watch.occurrence or {}
        return occurrence.get("wall_time"), {
            "event_id": f"schedule:{watch.schedule_id}:{occurrence.get('wall_time')}",
            "kind": "schedule",
            "schedule_id": watch.schedule_id,
            "occurrence": occurrence,
            "window": {"start": iso(watch.window_start), "end": iso(watch.window_end)},
            "msg_ids": [record["msg_id"] for record in records if record["ok"]],
            "failed": sum(1 for record in records if not record["ok"]),
            "records": records,
        }

    def gone(self) -> None:
        self.watch = self.trigger = None

    def cursor(self) -> dict[str, Any]:
        return {"since": iso(self.since), "announced": self.announced, "trigger": self.trigger}


def _zone_type(trigger: Mapping[str, Any]) -> object:
    kind = timing.trigger_kind(trigger)
    return trigger[kind].get("zone_type") if kind else None


class PlanIdsFeed:
    """Push plans' message ids: every ``poke_interval``, the ids not announced yet, per plan.

    A plan is not a calendar (any push may be tagged with it), so this feed looks at a steady
    pace instead of around occurrences; watch the schedules themselves for that.
    """

    def __init__(
        self, plan_ids: Sequence[str], *, site_tz: str, poke_interval: float, cursor: Mapping[str, Any]
    ) -> None:
        self.plan_ids, self.site_tz, self.poke_interval = list(plan_ids), site_tz, poke_interval
        self.key = "plans:" + ",".join(sorted(self.plan_ids))
        self.since = instant(cursor.get("since"))
        known = cursor.get("announced") or {}
        self.announced: dict[str, list[str]] = {plan: list(known.get(plan, [])) for plan in self.plan_ids}
        self.last_look = instant(cursor.get("last_look"))

    def next_look(self, now: dt.datetime) -> dt.datetime | None:
        if self.last_look is None:
            return now
        return self.last_look + dt.timedelta(seconds=self.poke_interval)

    def calls(self, now: dt.datetime) -> list[Call]:
        zone = timing.resolve_zone(self.site_tz)
        first = timing.format_api_date(now - PLAN_LOOKBACK, zone)
        return [("get_plan_msg_ids", (self.plan_ids, first, timing.format_api_date(now, zone)), {})]

    def take(self, answers: list[Any], now: dt.datetime) -> list[dict[str, Any]]:
        first_look, self.last_look = self.last_look is None, now
        events = []
        for plan_id in self.plan_ids:
            seen = set(self.announced[plan_id])
            fresh = [msg_id for msg_id in answers[0].get(plan_id, []) if msg_id not in seen]
            if fresh and not first_look:
                events.append(
                    {
                        "event_id": f"plan:{plan_id}:{fresh[0]}",
                        "kind": "plan",
                        "plan_id": plan_id,
                        "msg_ids": fresh,
                        "failed": 0,
                    }
                )
            self.announced[plan_id] = (self.announced[plan_id] + fresh)[-PLAN_IDS_KEPT:]
        return events  # the first look takes stock: what was there before watching is not news

    def gone(self) -> None:
        return None  # plans' ids are asked for by id: unknown plans simply have none

    def failed(self, now: dt.datetime) -> None:
        self.last_look = now  # the next look comes a poke_interval later, not at once

    def cursor(self) -> dict[str, Any]:
        return {"since": iso(self.since), "last_look": iso(self.last_look), "announced": self.announced}

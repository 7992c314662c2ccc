"""EngageLab waits: one occurrence of a scheduled task, and message ids of push plans.

Which firing (:func:`choose_occurrence`) is fixed once. Its ids are recognised by their ``ts``
inside a matching window (:func:`matching_window`): from the occurrence's earliest arrival to its
latest plus ``grace``, made disjoint from its neighbours' windows so that an id is never counted
for two firings (where two zone_type 2 occurrences overlap, the earlier one keeps the id). A
legacy answer (``msgids``, no ``ts``) is read by growth over the count taken before the window
opened; without that count, only a single schedule's ids can be told apart.
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
from airflow_provider_engage.watches.verdicts import Cadence, JsonRecord, Verdict, instant, iso

if TYPE_CHECKING:
    from airflow_provider_engage.hooks.engagelab import MsgIdRecord

__all__ = [
    "DEFAULT_GRACE_SECONDS",
    "PlanMessagesWatch",
    "ScheduleWatch",
    "choose_occurrence",
    "matching_window",
    "record_json",
    "wanted_occurrence",
]

DEFAULT_GRACE_SECONDS = 600.0
"""How long after an occurrence's last arrival its ids may still show up."""
EARLY_TOLERANCE = dt.timedelta(seconds=60)
"""An id stamped this much before its occurrence's first instant still counts (clock skew)."""
_NEIGHBOUR_REACH = dt.timedelta(hours=27)  # longer than any occurrence's spread (26 hours)
_MS = dt.timedelta(milliseconds=1)


def wanted_occurrence(occurrence: object) -> tuple[str, dt.datetime | None]:
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
    form, moment = wanted_occurrence(occurrence)
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
        if count >= need and (not self.all_zones or now >= self.window_end):
            return Verdict("success", f"schedule {self.schedule_id} fired {when}: {count} records", result)
        if now >= self.window_end:
            return Verdict(
                "failed",
                f"schedule {self.schedule_id} did not fire {when}: its window and grace ended at "
                f"{iso(self.window_end)} (service time) with {count} of {need} records",
            )
        return Verdict("waiting", f"schedule {self.schedule_id}: {count} of {need} records {when} so far")

    def calls(self) -> list[tuple[str, tuple[Any, ...]]]:
        """The hook calls a look makes (sync and async hooks have the same names)."""
        return [("get_schedule_msg_ids", (self.schedule_id,))]

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

    def calls(self) -> list[tuple[str, tuple[Any, ...]]]:
        return [("get_plan_msg_ids", (list(self.plan_ids), self.start_date, self.end_date))]

    def judge_answers(self, answers: list[Any], now: dt.datetime) -> Verdict:
        return self.judge(answers[0], now)

    def gone(self) -> Verdict:
        return Verdict("failed", f"push plans {', '.join(self.plan_ids)}: the service knows none of them")

    def judge(self, by_plan: Mapping[str, Sequence[str]], now: dt.datetime) -> Verdict:
        counts = {plan_id: len(by_plan.get(plan_id) or []) for plan_id in self.plan_ids}
        short = sorted(plan_id for plan_id, count in counts.items() if count < self.min_messages)
        span = f"{self.start_date}..{self.end_date}"
        if not short:
            result = {plan_id: list(by_plan.get(plan_id) or []) for plan_id in self.plan_ids}
            return Verdict("success", f"every plan has message ids in {span}: {counts}", result)
        if now >= self.range_end:
            return Verdict(
                "failed",
                f"push plans {', '.join(short)} have fewer than {self.min_messages} message ids in "
                f"{span}, and the range and its grace ended at {iso(self.range_end)} (service time)",
            )
        return Verdict("waiting", f"message ids per plan in {span} so far: {counts}")

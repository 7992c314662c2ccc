"""PAI waits: one sending of a reach plan (roa style: the gateway has nothing to read).

A plan that sends once is judged by its ``Status``: 4 (sent) succeeds, 2 (check failed) and
5 (send failed) fail at once. For a repeating plan the status says little about one sending, so
the awaited sending is found in ``ListMessageMetrics`` for its day (UTC+8): messages sent that
day, all settled. An hourly plan sends several times a day; there the day's count must grow over
the count taken before the sending, as a legacy EngageLab answer is read. The event trigger
follows a plan's sendings with :class:`PaiSendingsFeed`, each announced once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from airflow_provider_engage import timing
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.pai_spec import RepeatCycleUnit, ScheduleStatus
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

__all__ = ["DEFAULT_GRACE_SECONDS", "PaiScheduleWatch", "PaiSendingsFeed", "choose_sending", "parse_sending"]

DEFAULT_GRACE_SECONDS = 600.0
"""How long after a sending its plan may still be sending before the wait gives up."""


def parse_sending(sending: object) -> dt.datetime | None:
    """The instant a sensor's ``sending`` names (UTC), None for ``"next"``; its form checked
    before anything is read."""
    if sending == "next":
        return None
    if isinstance(sending, str | dt.datetime):
        return timing.to_utc(sending, field="sending")
    raise InvalidFieldError(
        "sending", f"must be 'next', an aware datetime or an ISO-8601 string, got {sending!r}"
    )


def choose_sending(schedule: Mapping[str, Any], *, sending: object, reference: dt.datetime) -> dt.datetime:
    """The sending a sensor waits for (UTC), fixed once: ``"next"`` (the only one of a plan that
    sends once; else the first at or after ``reference``) or the first at or after a given time."""
    wanted = parse_sending(sending)
    if wanted is None:
        after = None if not _repeats(schedule) else reference - dt.timedelta(microseconds=1)
    else:
        after = wanted - dt.timedelta(microseconds=1)
    found = next(
        timing.pai_occurrences(
            schedule.get("ExecuteTime") or None,
            schedule.get("RepeatCycle"),
            schedule.get("RepeatCycleUnit"),
            schedule.get("RepeatTimes"),
            schedule.get("EndTime") or None,
            after=after,
            limit=1,
        ),
        None,
    )
    if found is None:
        plan = schedule.get("Id")
        raise InvalidFieldError(
            "sending", f"plan {plan} sends nothing at or after {iso(after)}: it has ended"
        )
    return dt.datetime.fromtimestamp(found.timestamp(), dt.UTC)


def _repeats(schedule: Mapping[str, Any]) -> bool:
    return timing.pai_repeat_count(schedule.get("RepeatCycleUnit"), schedule.get("RepeatTimes")) != 0


@dataclass(frozen=True)
class PaiScheduleWatch(JsonRecord):
    """One sending of one plan; ``baseline`` is the day's Total before it (hourly plans)."""

    schedule_id: str
    sending: dt.datetime
    repeating: bool
    hourly: bool
    give_up_at: dt.datetime
    baseline: int | None = None

    @classmethod
    def of_schedule(
        cls, schedule: Mapping[str, Any], *, sending: object, now: dt.datetime, grace: float
    ) -> PaiScheduleWatch:
        at = choose_sending(schedule, sending=sending, reference=now)
        return cls(
            str(schedule["Id"]),
            at,
            repeating=_repeats(schedule),
            hourly=schedule.get("RepeatCycleUnit") == RepeatCycleUnit.HOUR,
            give_up_at=at + dt.timedelta(seconds=grace),
        )

    @property
    def day(self) -> str:
        """The sending's day in UTC+8, as ListMessageMetrics takes it (``yyyyMMdd``)."""
        return timing.format_compact_date(self.sending, timing.PAI_TZ)

    def with_baseline(self, metrics: Mapping[str, Any] | None, now: dt.datetime) -> PaiScheduleWatch:
        if not self.hourly or now >= self.sending:
            return self
        return replace(self, baseline=_total(metrics))

    def cadence(self, poke_interval: float) -> Cadence:
        return Cadence(self.sending, poke_interval, last=self.give_up_at, key=self.schedule_id)

    def calls(self) -> list[Call]:
        """GetSchedule, and for a repeating plan its day's metrics (sync and async hooks alike)."""
        calls: list[Call] = [("get_schedule", (self.schedule_id,), {})]
        if self.repeating:
            calls.append(("list_message_metrics", (self.schedule_id, self.day, self.day), {}))
        return calls

    def judge_answers(self, answers: list[Any], now: dt.datetime) -> Verdict:
        metrics = day_metrics(answers[1], self.day) if self.repeating else None
        return self.judge(answers[0], metrics, now)

    def judge(
        self, schedule: Mapping[str, Any], metrics: Mapping[str, Any] | None, now: dt.datetime
    ) -> Verdict:
        """What the plan (``GetSchedule``'s Data) and its day's metrics say of the sending at ``now``."""
        status = ScheduleStatus(int(schedule.get("Status", ScheduleStatus.CHECKING)))
        label = f"PAI plan {self.schedule_id}"
        if status.is_failure():
            ended = f"{label} ended in status {status.value} ({_words(status)}){_why(schedule)}"
            return Verdict("failed", ended)
        result = {"schedule_id": self.schedule_id, "sending": iso(self.sending), "status": status.value}
        if not self.repeating:
            sent_once = f"{label} sent ({iso(self.sending)})"
            so_far = f"status {status.value} ({_words(status)})"
            return self._by_deadline(
                status is ScheduleStatus.SENT, now, label, so_far, success=sent_once, result=result
            )
        total, pending = _total(metrics), int((metrics or {}).get("Pending") or 0)
        if self.hourly and self.baseline is None and now >= self.sending:
            return Verdict(
                "failed",
                f"{label} sends every hour and the sensor first looked after the sending of "
                f"{iso(self.sending)}, so its messages cannot be told from the day's others",
            )
        sent = total - (self.baseline or 0)
        return self._by_deadline(
            now >= self.sending and sent > 0 and pending == 0,
            now,
            label,
            f"{sent} messages sent and {pending} pending on {self.day}",
            success=f"{label} sent {sent} messages on {self.day}",
            result={**result, "metrics": metrics},
        )

    def _by_deadline(
        self, met: bool, now: dt.datetime, label: str, so_far: str, *, success: str, result: Any
    ) -> Verdict:
        failed = f"{label} did not complete its sending of {iso(self.sending)} by {iso(self.give_up_at)}"
        return verdict_by(
            met,
            now,
            self.give_up_at,
            success=success,
            result=result,
            failed=f"{failed} (service time): {so_far}",
            waiting=f"{label}: {so_far}",
        )

    def gone(self) -> Verdict:
        gone = f"PAI plan {self.schedule_id} was deleted (or never existed): it will not send"
        return Verdict("failed", gone)


def day_metrics(answer: Mapping[str, Any], day: str) -> dict[str, Any] | None:
    """The row of ``day`` in a ListMessageMetrics answer, if the day sent anything."""
    return next((dict(row) for row in answer.get("Metrics") or [] if row.get("Date") == day), None)


def _total(metrics: Mapping[str, Any] | None) -> int:
    return int((metrics or {}).get("Total") or 0)


def _words(status: ScheduleStatus) -> str:
    return status.name.lower().replace("_", " ")


def _why(schedule: Mapping[str, Any]) -> str:
    reason = schedule.get("FailReason") or schedule.get("Reason") or schedule.get("ErrorMessage")
    return f": {reason}" if reason else ""


class PaiSendingsFeed(FiringsFeed):
    """A PAI plan's sendings in order (roa): each announced once it has completed, with its
    status, the day's metrics and the day's message records (their ``Id``)."""

    def __init__(
        self,
        schedule: Mapping[str, Any] | None,
        schedule_id: str,
        *,
        grace: float,
        poke_interval: float,
        cursor: Mapping[str, Any],
    ) -> None:
        self.schedule, self.schedule_id, self.key = schedule, schedule_id, f"pai:{schedule_id}"
        self.grace, self.poke_interval = grace, poke_interval
        self.since = instant(cursor.get("since"))
        self.announced: str | None = cursor.get("announced")  # the last announced sending (UTC)
        self.watch = self._next_watch()

    def _next_watch(self) -> PaiScheduleWatch | None:
        if self.schedule is None:
            return None
        after = instant(self.announced)
        sending: object = iso(after + dt.timedelta(seconds=1)) if after else "next"
        try:
            return PaiScheduleWatch.of_schedule(
                self.schedule, sending=sending, now=self.since or dt.datetime.now(dt.UTC), grace=self.grace
            )
        except InvalidFieldError:  # no sending left
            return None

    def calls(self, now: dt.datetime) -> list[Call]:
        if self.watch is None:
            return []
        return [
            *self.watch.calls(),
            ("list_messages", (self.schedule_id, self.watch.day), {"page_size": 100}),
        ]

    def _event(
        self, watch: PaiScheduleWatch, verdict: Verdict, answers: list[Any]
    ) -> tuple[str | None, dict[str, Any]]:
        messages = answers[-1].get("Messages") or []
        sending = iso(watch.sending)
        return sending, {
            "event_id": f"pai:{watch.schedule_id}:{sending}",
            "kind": "pai_sending",
            "schedule_id": watch.schedule_id,
            "sending": sending,
            "status": (verdict.result or {}).get("status"),
            "metrics": (verdict.result or {}).get("metrics"),
            "msg_ids": [str(message.get("Id")) for message in messages],
            "failed": sum(1 for message in messages if message.get("Status") == 2),
        }

    def cursor(self) -> dict[str, Any]:
        return {"since": iso(self.since), "announced": self.announced}

"""The wait engine: one look (sync or async, failures read one way), the deadline rule, the cadence."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import pytest

from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.service_errors import (
    EngageLabNotFoundError,
    EngageServiceError,
    PaiEngagementNotFoundError,
)
from airflow_provider_engage.waits import engine
from airflow_provider_engage.waits.engine import (
    WAITING_THROUGH,
    Cadence,
    Verdict,
    failed_look,
    fetch,
    look,
    look_async,
    next_look_at,
    next_wake,
    spread,
    verdict_by,
)

NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
LOG = logging.getLogger("tests.waits")


@dataclass
class Clock:
    """A service clock ``offset`` seconds ahead of a machine clock that stands at NOW."""

    offset: float = 0.0

    def local_now(self) -> dt.datetime:
        return NOW

    def now(self) -> dt.datetime:
        return NOW + dt.timedelta(seconds=self.offset)

    def local_time(self, service_instant: dt.datetime) -> dt.datetime:
        return service_instant - dt.timedelta(seconds=self.offset)

    @property
    def agrees(self) -> bool:
        return abs(self.offset) <= 60


@dataclass
class CountWatch:
    """Success once the answer reaches ``need``; the window ends at ``ends``."""

    need: int = 2
    ends: dt.datetime = NOW + dt.timedelta(hours=1)

    def cadence(self, poke_interval: float) -> Cadence:
        return Cadence(NOW, poke_interval, last=self.ends)

    def calls(self) -> list[engine.Call]:
        return [("count", ("thing",), {"fresh": True})]

    def judge_answers(self, answers: list[Any], now: dt.datetime) -> Verdict:
        count = answers[0]
        return verdict_by(
            count >= self.need,
            now,
            self.ends,
            success="there",
            result=count,
            failed="too late",
            waiting="not yet",
        )

    def gone(self) -> Verdict:
        return Verdict("failed", "gone")

    def to_json(self) -> dict[str, Any]:
        return {"need": self.need}


@dataclass
class SyncHook:
    answer: Any = 2
    raises: Exception | None = None
    service_clock: Clock = field(default_factory=Clock)
    log: logging.Logger = LOG
    asked: list[tuple[Any, ...]] = field(default_factory=list)

    def count(self, name: str, *, fresh: bool) -> Any:
        self.asked.append((name, fresh))
        if self.raises is not None:
            raise self.raises
        return self.answer


class AsyncHook(SyncHook):
    async def count(self, name: str, *, fresh: bool) -> Any:  # type: ignore[override]
        return SyncHook.count(self, name, fresh=fresh)


# --- the deadline rule ----------------------------------------------------------------------------


def test_the_deadline_rule_succeeds_when_met_fails_once_the_window_ended_else_waits() -> None:
    ends = NOW + dt.timedelta(minutes=10)
    rule = {"success": "s", "result": 1, "failed": "f", "waiting": "w"}

    assert verdict_by(True, ends, ends, **rule) == Verdict("success", "s", 1)
    assert verdict_by(False, ends, ends, **rule) == Verdict("failed", "f")
    assert verdict_by(False, NOW, ends, **rule) == Verdict("waiting", "w")


# --- one look -------------------------------------------------------------------------------------


def test_a_look_makes_the_watchs_calls_and_judges_them_by_the_services_clock() -> None:
    hook = SyncHook(answer=2)

    assert look(hook, CountWatch()) == Verdict("success", "there", 2)
    assert hook.asked == [("thing", True)]
    late = SyncHook(answer=1, service_clock=Clock(offset=7200))  # the service's clock is past the window
    assert look(late, CountWatch()).status == "failed"


@pytest.mark.parametrize("error", [EngageLabNotFoundError("no"), PaiEngagementNotFoundError("no")])
def test_a_not_found_is_the_watched_thing_gone(error: Exception) -> None:
    assert look(SyncHook(raises=error), CountWatch()) == Verdict("failed", "gone")


def test_a_transient_failure_is_waited_through_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="tests.waits")

    verdict = look(SyncHook(raises=EngageServiceError("throttled", transient=True)), CountWatch())

    assert verdict is WAITING_THROUGH
    assert "Waiting through a transient failure: throttled" in caplog.text


def test_a_refusal_no_retry_can_change_and_bad_input_are_errors() -> None:
    refused = look(SyncHook(raises=EngageServiceError("bad secret")), CountWatch())
    invalid = failed_look(InvalidFieldError("schedule_id", "is empty"), Verdict("failed", "gone"), LOG)

    assert (refused.status, refused.message) == ("error", "the service refused the wait: bad secret")
    assert invalid.status == "error"
    assert invalid.message.startswith("invalid input: ")


def test_fetch_gives_the_answers_or_what_their_failure_means() -> None:
    calls = CountWatch().calls()
    gone = Verdict("failed", "gone")

    assert fetch(SyncHook(answer=5), calls, gone, LOG) == [5]
    assert fetch(SyncHook(raises=EngageLabNotFoundError("no")), calls, gone, LOG) is gone


def test_the_async_look_is_the_same_look_awaited() -> None:
    async def both() -> list[Verdict]:
        watch = CountWatch()
        return [
            await look_async(AsyncHook(answer=1), watch, LOG),
            await look_async(AsyncHook(answer=2), watch, LOG),
            await look_async(AsyncHook(raises=EngageServiceError("down", transient=True)), watch, LOG),
            await look_async(AsyncHook(raises=EngageLabNotFoundError("no")), watch, LOG),
        ]

    assert [verdict.status for verdict in asyncio.run(both())] == ["waiting", "success", "waiting", "failed"]


# --- one cadence ----------------------------------------------------------------------------------


def test_the_next_wake_is_the_soonest_look_and_nothing_planned_is_a_nap() -> None:
    clock = Clock()
    soon, later = NOW + dt.timedelta(minutes=1), NOW + dt.timedelta(hours=1)

    assert next_wake([later, None, soon], clock, None) == (soon, False)
    assert next_wake([None], clock, None) == (NOW + dt.timedelta(seconds=engine.LONGEST_NAP), False)


def test_a_disagreeing_clock_is_re_read_sooner_only_when_asked_and_only_with_looks_planned() -> None:
    moved = Clock(offset=86400)  # an emulator's clock, moved a day ahead by hand
    far = moved.now() + dt.timedelta(hours=1)

    assert next_wake([far], moved, None) == (far, False)
    assert next_wake([far], moved, 30) == (moved.now() + dt.timedelta(seconds=30), True)
    assert next_wake([None], moved, 30)[1] is False
    assert next_wake([far], Clock(offset=5), 30) == (far, False)  # clocks that agree: no re-read


def test_the_next_look_is_by_the_cadence_in_this_machines_time_and_never_past_the_deadline() -> None:
    clock = Clock(offset=3600)  # the service is an hour ahead
    due = clock.now() + dt.timedelta(minutes=10)
    cadence = Cadence(due, 60)

    first = due + dt.timedelta(seconds=engine.SETTLE_SECONDS + spread(""))
    assert next_look_at(cadence, clock, None, NOW + dt.timedelta(days=1)) == first - dt.timedelta(hours=1)
    assert next_look_at(cadence, clock, None, NOW + dt.timedelta(minutes=1)) == NOW + dt.timedelta(minutes=1)


def test_sleep_until_naps_until_the_moment_by_this_machines_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    naps: list[float] = []

    class Moving:
        at = NOW

        def local_now(self) -> dt.datetime:
            return self.at

    clock = Moving()

    async def nap(seconds: float) -> None:
        naps.append(seconds)
        clock.at += dt.timedelta(seconds=seconds)

    monkeypatch.setattr(engine.asyncio, "sleep", nap)
    asyncio.run(engine.sleep_until(NOW + dt.timedelta(seconds=150), clock))

    assert naps == [60.0, 60.0, 30.0]  # naps of a minute at most, so a moved clock is noticed


def test_looks_due_at_one_instant_are_spread_over_two_seconds_each_by_its_own_stable_key() -> None:
    shares = [spread(f"schedule-{index}") for index in range(1000)]
    assert all(0 <= share < 2 for share in shares)
    assert max(shares) - min(shares) > 1.9  # the whole two seconds are used
    assert sum(share < 1 for share in shares) in range(400, 600)  # about evenly
    assert spread("schedule-7") == shares[7]  # the same key, the same place: restarts agree

"""The event triggers for AssetWatcher: one event per new firing, a cursor that survives a
restart, looks only around occurrences, and one poll shared by the watchers of a connection.

Run against the emulator over real HTTP on the simulated clock (see tests/unit/sensors/conftest)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from airflow import __version__ as airflow_version

from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.hooks.engagelab import EngageLabHook
from airflow_provider_engage.hooks.pai import PaiEngagementHook
from airflow_provider_engage.waits import engine as wait_engine
from tests.helpers import service_requests
from tests.unit.sensors.conftest import AssetStore, SimulatedTime, events_of

AIRFLOW_3 = airflow_version.startswith("3.")
PUSH: dict[str, Any] = {"to": "all", "body": {"platform": "all", "notification": {"alert": "weekly"}}}
WEEKLY = {
    "periodical": {
        "start": "2030-01-01 00:00:00",
        "end": "2030-06-30 00:00:00",
        "time": "09:00:00",
        "time_unit": "week",
        "point": ["WED"],  # 2030-01-02 is a Wednesday
        "zone_type": 1,
    }
}


FIRST_FIRING = dt.datetime(2030, 1, 2, 1, tzinfo=dt.UTC)  # WEEKLY's first: Wednesday 09:00 in Shanghai
AFTER_TWO_FIRINGS = dt.datetime(2030, 1, 10, tzinfo=dt.UTC)


def create(trigger: dict[str, Any], *, name: str = "watched", push: dict[str, Any] | None = None) -> str:
    body = {"name": name, "enabled": True, "trigger": trigger, "push": push or PUSH}
    return str(EngageLabHook().create_schedule(body)["schedule_id"])


def calls(control: EmulatorControl) -> int:
    return sum(sum(statuses.values()) for statuses in service_requests(control).values())


def test_a_weekly_schedule_gives_one_event_per_firing_in_a_handful_of_calls(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

    schedule_id = create(WEEKLY)
    before = calls(emulator)

    events = events_of(EngageLabMessagesEventTrigger(schedule_ids=[schedule_id]), 3)

    assert [event["occurrence"]["wall_time"] for event in events] == [
        "2030-01-02 09:00:00",
        "2030-01-09 09:00:00",
        "2030-01-16 09:00:00",
    ]
    first = events[0]
    assert first["kind"] == "schedule"
    assert first["schedule_id"] == schedule_id
    assert first["event_id"] == f"schedule:{schedule_id}:2030-01-02 09:00:00"
    assert first["window"]["start"] <= first["occurrence"]["earliest"] <= first["window"]["end"]
    assert len(first["msg_ids"]) == 1
    assert first["failed"] == 0
    assert len({event["msg_ids"][0] for event in events}) == 3  # each firing's own id
    assert calls(emulator) - before <= 1 + 3 * 2  # the schedule once, then a look or two a firing


def test_a_device_zone_occurrence_is_announced_once_all_its_zones_are_in(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

    schedule_id = create({"single": {"time": "2030-01-03 09:00:00", "zone_type": 2}})

    (event,) = events_of(EngageLabMessagesEventTrigger(schedule_ids=[schedule_id], grace=300), 1)

    assert len(event["msg_ids"]) == 14  # every band, UTC+14 to UTC-12
    assert event["window"]["end"] == "2030-01-03T21:05:00+00:00"


def test_a_push_plans_new_ids_are_announced_and_what_was_there_before_is_not(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

    hook = EngageLabHook()
    hook.upsert_push_plan("spring", "spring")
    tagged = {**PUSH, "body": {**PUSH["body"], "options": {"plan_id": "spring"}}}
    create({"single": {"time": "2030-01-01 09:00:00", "zone_type": 1}}, push=tagged, name="before")
    emulator.set_clock("2030-01-01T01:00:05+00:00")  # fired before the watch began
    create({"single": {"time": "2030-01-01 10:00:00", "zone_type": 1}}, push=tagged, name="after")

    (event,) = events_of(EngageLabMessagesEventTrigger(plan_ids=["spring"], plan_poke_interval=600), 1)

    assert event["kind"] == "plan"
    assert event["plan_id"] == "spring"
    assert len(event["msg_ids"]) == 1  # the 10:00 push's id only


def test_transient_faults_are_ridden_through(emulator: EmulatorControl, simulated: SimulatedTime) -> None:
    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

    schedule_id = create(WEEKLY)
    storm = [{"kind": "status", "status": 503, "code": 28203, "probability": 0.6, "method": "GET"}]
    simulated.when_waiting.append(lambda: emulator.faults(storm, seed=9))

    events = events_of(EngageLabMessagesEventTrigger(schedule_ids=[schedule_id]), 2)

    assert [event["occurrence"]["wall_time"][:10] for event in events] == ["2030-01-02", "2030-01-09"]
    assert emulator.state()["faults"]["injected"]["status"] > 0


def test_a_trigger_rebuilt_after_a_firing_does_not_announce_it_again_nor_miss_the_next(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

    schedule_id = create(WEEKLY)
    store = AssetStore()
    watcher = EngageLabMessagesEventTrigger(schedule_ids=[schedule_id])
    _, kwargs = watcher.serialize()
    (first,) = events_of(watcher, 1, store)
    emulator.advance(10 * 86400)  # the triggerer is down while the 2030-01-09 firing goes out

    rebuilt = EngageLabMessagesEventTrigger(**kwargs)
    following = events_of(rebuilt, 2, store)

    assert first["occurrence"]["wall_time"] == "2030-01-02 09:00:00"
    assert [event["occurrence"]["wall_time"] for event in following] == [
        "2030-01-09 09:00:00",  # fired while it was down: announced, not missed
        "2030-01-16 09:00:00",
    ]
    assert store.values[f"schedule:{schedule_id}"]["announced"] == "2030-01-16 09:00:00"


def test_a_one_off_push_that_fired_and_expired_while_no_triggerer_ran_is_still_announced(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    from airflow_provider_engage.service_errors import EngageLabNotFoundError
    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

    early = create({"single": {"time": "2030-01-01 09:00:00", "zone_type": 1}}, name="early")
    late = create({"single": {"time": "2030-01-01 10:00:00", "zone_type": 1}}, name="late")
    store = AssetStore()
    watcher = EngageLabMessagesEventTrigger(schedule_ids=[early, late])
    _, kwargs = watcher.serialize()
    (first,) = events_of(watcher, 1, store)
    emulator.advance(86400)  # the triggerer is down while the late push fires; then it expires
    with pytest.raises(EngageLabNotFoundError):
        EngageLabHook().get_schedule(late)

    (following,) = events_of(EngageLabMessagesEventTrigger(**kwargs), 1, store)

    assert (first["schedule_id"], following["schedule_id"]) == (early, late)
    assert following["occurrence"]["wall_time"] == "2030-01-01 10:00:00"
    assert len(following["msg_ids"]) == 1


@pytest.mark.parametrize("shared", [False, True], ids=["own poll", "shared poll"])
def test_a_clock_moved_by_hand_is_noticed_by_a_watcher_told_to_sync(
    emulator: EmulatorControl, shared: bool
) -> None:
    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

    # No simulated sleeps: the emulator's clock runs with real time, years from this machine's.
    schedule_id = create(WEEKLY)
    emulator.set_clock(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), frozen=False)  # a day before it fires
    watcher = EngageLabMessagesEventTrigger(schedule_ids=[schedule_id], clock_sync_interval=1)

    async def first_event() -> dict[str, Any]:
        stream = _shared_stream_of(watcher) if shared else watcher.run()
        waiting = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(2)  # watching: by its clock the firing is a day away
        assert not waiting.done()
        await asyncio.to_thread(emulator.set_clock, FIRST_FIRING - dt.timedelta(seconds=1), frozen=False)
        event = await asyncio.wait_for(waiting, 30)
        await stream.aclose()
        await watcher.cleanup()
        return dict(event.payload)

    event = asyncio.run(first_event())

    assert event["occurrence"]["wall_time"] == "2030-01-02 09:00:00"
    assert len(event["msg_ids"]) == 1


def _shared_stream_of(watcher: Any) -> Any:
    """``watcher``'s events through the shared poll, as Airflow's triggerer runs a lone member."""

    async def events() -> Any:
        raw = type(watcher).open_shared_stream(watcher.serialize()[1])
        try:
            async for event in watcher.filter_shared_stream(raw):
                yield event
        finally:
            await raw.aclose()

    return events()


def test_kwargs_stay_the_same_across_parses_so_the_watcher_is_never_recreated_for_nothing(
    emulator: EmulatorControl,
) -> None:
    from airflow.triggers.base import BaseEventTrigger

    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

    parses = [EngageLabMessagesEventTrigger(schedule_ids=["b", "a"], plan_ids=["p"]) for _ in range(2)]

    (path, kwargs), (path_again, kwargs_again) = (trigger.serialize() for trigger in parses)
    assert (path, kwargs) == (path_again, kwargs_again)
    assert kwargs["schedule_ids"] == ["a", "b"]  # order given does not matter
    assert BaseEventTrigger.hash(path, kwargs) == BaseEventTrigger.hash(path_again, kwargs_again)
    assert "since" not in str(kwargs)


def test_watchers_of_one_connection_share_one_poll(
    emulator: EmulatorControl, simulated: SimulatedTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

    shared, own = create(WEEKLY, name="shared"), create(WEEKLY, name="own")
    first = EngageLabMessagesEventTrigger(schedule_ids=[shared])
    second = EngageLabMessagesEventTrigger(schedule_ids=[shared, own])
    assert first.shared_stream_key() == second.shared_stream_key()
    before = emulator.state()["requests"].get("GET /v4/schedules/{schedule_id}/msg-ids", {})
    simulated_nap = wait_engine.sleep_until

    async def two_firings_only(moment: dt.datetime, clock: Any) -> None:
        if moment + dt.timedelta(seconds=clock.offset) > AFTER_TWO_FIRINGS:
            await asyncio.Event().wait()  # the third is never reached: the count below is exact
        await simulated_nap(moment, clock)

    monkeypatch.setattr(wait_engine, "sleep_until", two_firings_only)

    async def both() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        queues: list[asyncio.Queue[Any]] = [asyncio.Queue(), asyncio.Queue()]

        async def fan_out() -> None:  # what Airflow's SharedStreamManager does for the group
            async for raw in EngageLabMessagesEventTrigger.open_shared_stream(first.serialize()[1]):
                for queue in queues:
                    await queue.put(raw)

        async def stream(queue: asyncio.Queue[Any]) -> Any:
            while True:
                yield await queue.get()

        async def take(trigger: Any, queue: asyncio.Queue[Any], count: int) -> list[dict[str, Any]]:
            found = []
            async for event in trigger.filter_shared_stream(stream(queue)):
                found.append(dict(event.payload))
                if len(found) == count:
                    break
            await trigger.cleanup()
            return found

        poll = asyncio.create_task(fan_out())
        result = await asyncio.gather(take(first, queues[0], 2), take(second, queues[1], 4))
        poll.cancel()
        with pytest.raises(asyncio.CancelledError):
            await poll
        return result

    one, two = asyncio.run(both())

    assert [event["schedule_id"] for event in one] == [shared, shared]
    assert sorted(event["schedule_id"] for event in two) == sorted([shared, shared, own, own])
    assert {event["msg_ids"][0] for event in one} <= {event["msg_ids"][0] for event in two}
    reads = emulator.state()["requests"]["GET /v4/schedules/{schedule_id}/msg-ids"]
    # Two firings of two schedules: four looks, each made once although two watchers wanted `shared`.
    assert sum(reads.values()) - sum(before.values()) == 4


class _OneLookFeed:
    """A feed that wants one look (due already) until it has had an answer."""

    key = "schedule:s"

    def __init__(self) -> None:
        self.answered = False

    def next_look(self, now: dt.datetime) -> dt.datetime | None:
        return None if self.answered else now - dt.timedelta(seconds=1)

    def calls(self, now: dt.datetime) -> list[Any]:
        return [("get_schedule_msg_ids", ("s",), {})]


class _SlowHook:
    """Looks that stay out until let go, counted."""

    def __init__(self) -> None:
        from airflow_provider_engage.hooks.calls import ServiceClock

        self.service_clock = ServiceClock()
        self.looks = 0
        self.out = asyncio.Event()
        self.let_go = asyncio.Event()

    async def load_connection(self) -> None:
        return None

    async def get_schedule_msg_ids(self, schedule_id: str) -> list[Any]:
        self.looks += 1
        self.out.set()
        await self.let_go.wait()
        return []


def test_a_look_asked_for_again_while_it_is_out_is_made_once() -> None:
    """A watcher asks again for a look whose answer it has not had yet (another feed's answer came
    first); the poll must not make that look a second time once the first answer is out."""
    from airflow_provider_engage.triggers.events import _Poller

    async def run() -> int:
        poller, hook, feed = _Poller(), _SlowHook(), _OneLookFeed()
        watcher = object()
        answers: asyncio.Queue[Any] = asyncio.Queue()

        async def fan_out() -> None:  # hands each answer on and asks for the next at once
            async for result in poller.poll(hook, None):
                await answers.put(result)

        poller.want(watcher, [feed], hook.service_clock)
        poll = asyncio.create_task(fan_out())
        await hook.out.wait()
        poller.want(watcher, [feed], hook.service_clock)  # again, the answer still out
        hook.let_go.set()
        await answers.get()
        feed.answered = True  # the watcher takes the answer and asks anew: nothing more
        poller.want(watcher, [feed], hook.service_clock)
        await asyncio.sleep(0.2)
        poll.cancel()
        with pytest.raises(asyncio.CancelledError):
            await poll
        return hook.looks

    assert asyncio.run(run()) == 1


def test_a_pai_plans_sendings_give_one_event_each(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    from airflow_provider_engage.triggers.pai import PaiMessagesEventTrigger

    plan = PaiEngagementHook().create_schedule(
        group_id="g",
        name="Daily_recall",
        execute_time="2030-01-02 10:00:00",
        repeat_cycle=1,
        repeat_cycle_unit=2,
        repeat_times=-1,
    )

    events = events_of(PaiMessagesEventTrigger(schedule_ids=[plan["Id"]]), 2)

    assert [event["sending"] for event in events] == [
        "2030-01-02T02:00:00+00:00",
        "2030-01-03T02:00:00+00:00",
    ]
    assert all(event["metrics"]["Pending"] == 0 for event in events)
    assert all(len(event["msg_ids"]) == event["metrics"]["Total"] for event in events)


def test_a_firing_before_the_watch_began_is_not_news_whatever_this_machines_clock_says(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

    daily = {"periodical": {**WEEKLY["periodical"], "time_unit": "day", "point": []}}
    schedule_id = create(daily)
    emulator.set_clock("2030-01-01T02:00:00+00:00")  # the service's clock: the first firing is an hour old

    (event,) = events_of(EngageLabMessagesEventTrigger(schedule_ids=[schedule_id]), 1)

    # The watch begins at the service's now (2030), not at this machine's, years earlier.
    assert event["occurrence"]["wall_time"] == "2030-01-02 09:00:00"


def test_a_transient_failure_while_the_watch_opens_is_waited_through(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

    schedule_id = create(WEEKLY)
    # More 503s than the hook's own retries (2 in tests) on the read that opens the watch.
    emulator.faults([{"kind": "status", "status": 503, "next": 4, "path": f"/v4/schedules/{schedule_id}"}])

    (event,) = events_of(EngageLabMessagesEventTrigger(schedule_ids=[schedule_id]), 1)

    assert event["occurrence"]["wall_time"] == "2030-01-02 09:00:00"
    assert emulator.state()["faults"]["injected"]["status"] == 4

"""Sensors and triggers run against a real emulator over HTTP, on a simulated clock.

The emulator's clock stands still until a test moves it; whatever a sensor or trigger would
sleep (poke mode's ``time.sleep``, a trigger's naps) advances the emulator's clock instead, so a
week of waiting takes a second, and the service's ``Date`` header tells the sensor where the
clock stands, as it would on a real service. ``drive`` plays the scheduler's part for reschedule
and deferrable sensors: it re-runs a rescheduled sensor at its reschedule date and runs a
deferred sensor's trigger to its event.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from airflow.exceptions import AirflowRescheduleException
from airflow.providers.common.compat.sdk import TaskDeferred

from airflow_provider_engage.emulator import running_emulator
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.sensors import base as sensor_base
from airflow_provider_engage.waits import engine as wait_engine
from tests.helpers import TaskInstanceStandIn, connection

START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def emulator_base_url() -> Iterator[str]:
    with running_emulator(seed=21, start_time=START, frozen=True, engagelab_qps=0, pai_qps=0) as url:
        yield url


@pytest.fixture
def emulator(emulator_base_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorControl]:
    control = EmulatorControl(emulator_base_url)
    control.reset()
    control.clear_faults()
    control.set_clock(START, frozen=True)
    monkeypatch.setenv("AIRFLOW_CONN_ENGAGELAB_DEFAULT", connection(emulator_base_url))
    monkeypatch.setenv(
        "AIRFLOW_CONN_PAI_ENGAGEMENT_DEFAULT",
        connection(
            emulator_base_url,
            "pai_engagement",
            login="demo-ak-id",
            password="demo-ak-secret",
            api_style="roa",
        ),
    )
    yield control
    control.close()


@dataclass
class SimulatedTime:
    """Sleeps that move the emulator's clock; what was slept, for the tests to read."""

    control: EmulatorControl
    slept: list[float] = field(default_factory=list)
    when_waiting: list[Any] = field(default_factory=list)  # called at the first sleep: trouble starts

    def sleep(self, seconds: float) -> None:
        self._trouble_starts()
        self.slept.append(seconds)
        if seconds > 0:
            self.control.advance(seconds)

    def sleep_to(self, service_instant: dt.datetime) -> None:
        """A trigger's nap: to the service instant it sleeps to, however long the look before took
        in real time (the frozen emulator did not move meanwhile; the trigger's estimate did)."""
        self._trouble_starts()
        before = dt.datetime.fromisoformat(self.control.clock()["now"])
        self.slept.append(max(0.0, (service_instant - before).total_seconds()))
        self.control.advance_to(service_instant)

    def _trouble_starts(self) -> None:
        if not self.slept:
            for start_trouble in self.when_waiting:
                start_trouble()


def simulate_trigger_naps(clock: SimulatedTime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Triggers' sleeps move the emulator's clock instead (``sleep_until`` is where they all sleep)."""

    async def nap_until(moment: dt.datetime, service_clock: Any) -> None:
        service_instant = moment + dt.timedelta(seconds=service_clock.offset)
        await asyncio.to_thread(clock.sleep_to, service_instant)

    monkeypatch.setattr(wait_engine, "sleep_until", nap_until)


def simulate_time(control: EmulatorControl, monkeypatch: pytest.MonkeyPatch) -> SimulatedTime:
    """Sensors' and triggers' sleeps move ``control``'s emulator clock from now on."""
    clock = SimulatedTime(control)
    monkeypatch.setattr(sensor_base.WaitingSensor, "_sleep", lambda self, seconds: clock.sleep(seconds))
    simulate_trigger_naps(clock, monkeypatch)
    return clock


@pytest.fixture
def simulated(emulator: EmulatorControl, monkeypatch: pytest.MonkeyPatch) -> SimulatedTime:
    return simulate_time(emulator, monkeypatch)


@dataclass
class Rescheduling(TaskInstanceStandIn):
    """A task instance that knows when its reschedules began, as Airflow's does."""

    first_reschedule: dt.datetime | None = None
    max_tries: int = 1

    def get_first_reschedule_date(self, context: Any) -> dt.datetime | None:
        return self.first_reschedule


@dataclass
class Store:
    """Airflow 3.3's task state store, for one task instance."""

    values: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        import json

        self.values[key] = json.loads(json.dumps(value))


@dataclass
class DagRunStandIn:
    """The DAG run's start, which every try of a run shares (what 2.11 counts "next" from)."""

    start_date: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def run_context(**more: Any) -> dict[str, Any]:
    return {"ti": Rescheduling(), "dag_run": DagRunStandIn(), **more}


@dataclass
class Outcome:
    result: Any
    deferrals: int = 0
    reschedules: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)


def drive(sensor: Any, clock: SimulatedTime, context: dict[str, Any] | None = None) -> Outcome:
    """Run ``sensor`` to its end as the scheduler and triggerer would, on the simulated clock."""
    context = context if context is not None else run_context()
    outcome = Outcome(None)
    while True:
        try:
            outcome.result = sensor.execute(context)
            return outcome
        except AirflowRescheduleException as rescheduled:
            outcome.reschedules += 1
            ti = context["ti"]
            if ti.first_reschedule is None:
                ti.first_reschedule = dt.datetime.now(dt.UTC)
            wait = (rescheduled.reschedule_date - dt.datetime.now(dt.UTC)).total_seconds()
            clock.sleep(max(0.0, wait))
        except TaskDeferred as deferred:
            outcome.deferrals += 1
            event = run_trigger(deferred.trigger)
            outcome.events.append(event)
            outcome.result = getattr(sensor, deferred.method_name)(context, event)
            return outcome


def run_trigger(trigger: Any) -> dict[str, Any]:
    """The trigger's one event, the trigger rebuilt from its ``serialize()`` as a triggerer does."""
    from airflow_provider_engage.triggers.deferral import WaitingTrigger

    path, kwargs = trigger.serialize()
    module, _, name = path.rpartition(".")
    import importlib

    rebuilt: WaitingTrigger = getattr(importlib.import_module(module), name)(**kwargs)

    async def only_event() -> dict[str, Any]:
        events = rebuilt.run()
        try:
            event = await events.__anext__()
            # A triggerer takes the first event and stops; going on proves there is no second.
            extra = [more.payload async for more in events]
        finally:
            await events.aclose()
            await rebuilt.cleanup()
        assert not extra, f"the trigger yielded more than one event: {event.payload} then {extra}"
        return dict(event.payload)

    return asyncio.run(only_event())


@dataclass
class AssetStore:
    """An asset's state store (Airflow 3.3), as the triggerer hands it to an event trigger."""

    values: dict[str, Any] = field(default_factory=dict)

    async def aget(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    async def aset(self, key: str, value: Any) -> None:
        import json

        self.values[key] = json.loads(json.dumps(value))


@dataclass
class Accessors:
    _by_name: dict[str, AssetStore]
    _by_uri: dict[str, AssetStore] = field(default_factory=dict)


def events_of(trigger: Any, count: int, store: AssetStore | None = None) -> list[dict[str, Any]]:
    """An event trigger's first ``count`` events, as a triggerer running it would see them."""
    if store is not None:
        trigger.asset_state_store = Accessors({"campaign": store})

    async def first() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        stream = trigger.run()
        try:
            async for event in stream:
                found.append(dict(event.payload))
                if len(found) == count:
                    break
        finally:
            await stream.aclose()
            await trigger.cleanup()
        return found

    return asyncio.run(first())


@pytest.fixture(scope="module")
def legacy_emulator_url() -> Iterator[str]:
    with running_emulator(seed=22, start_time=START, frozen=True, engagelab_qps=0, legacy_msgids=True) as url:
        yield url


@pytest.fixture
def legacy_emulator(
    legacy_emulator_url: str, emulator: EmulatorControl, monkeypatch: pytest.MonkeyPatch
) -> Iterator[EmulatorControl]:
    """An emulator answering msg-ids the pre-2024 way (``msgids``, no ``ts``); it is the one the
    connection points at, and the one ``simulated`` moves."""
    control = EmulatorControl(legacy_emulator_url)
    control.reset()
    control.set_clock(START, frozen=True)
    monkeypatch.setenv("AIRFLOW_CONN_ENGAGELAB_DEFAULT", connection(legacy_emulator_url))
    emulator.base_url = legacy_emulator_url  # the simulated clock now moves this one
    yield control
    control.close()

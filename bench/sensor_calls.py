"""Catching one firing 1 hour, 1 day and 1 week away: EngageLabScheduleFiredSensor vs HttpSensor.

Both watch the same kind of schedule on one emulator whose clock stands still until something
sleeps: every sleep a sensor makes (poke mode's, or a deferred trigger's naps) moves the
emulator's clock on instead, so a week of waiting takes seconds, and both sensors read the same
simulated time. The peer is Airflow's ``HttpSensor`` on the msg-ids URL with ``poke_interval=60``,
the naive way. The firing is 17 s past a whole minute, as a real one lands anywhere in a minute.

Figures: the API calls each made (requests the emulator saw on the services' paths) and how long
after the firing each noticed it (emulated seconds).

    .venv/bin/python -m bench.sensor_calls [--json bench/sensor_calls.json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from airflow_provider_engage.emulator import running_emulator
from airflow_provider_engage.emulator.client import EmulatorControl
from bench.figures import Figure, Goal, report

COMMAND = ".venv/bin/python -m bench.sensor_calls"
PEER = "HttpSensor, poke_interval 60"
POKE_INTERVAL = 60
CALLS_GOAL = Goal("<=", 5)
DELAY_GOAL = Goal("<=", POKE_INTERVAL)
START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
WAITS = {"1 hour": 3600, "1 day": 86400, "1 week": 7 * 86400}
OFF_THE_MINUTE = 17
PUSH = {"to": "all", "body": {"platform": "all", "notification": {"alert": "benchmark"}}}


def calls(control: EmulatorControl) -> int:
    requests = control.state()["requests"]
    return sum(sum(statuses.values()) for route, statuses in requests.items() if "/_emulator" not in route)


def schedule_at(fire: dt.datetime) -> str:
    from airflow_provider_engage.hooks.engagelab import EngageLabHook

    wall = fire.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    body = {
        "name": "bench",
        "enabled": True,
        "trigger": {"single": {"time": wall, "zone_type": 1}},
        "push": PUSH,
    }
    return str(EngageLabHook().create_schedule(body)["schedule_id"])


@contextlib.contextmanager
def sleeps_move(
    control: EmulatorControl, target: Any, name: str, make: Callable[[Any], Any]
) -> Iterator[None]:
    """While in the block, ``target.name`` sleeps by moving the emulator's clock (``make`` builds it)."""
    original = getattr(target, name)
    setattr(target, name, make(control))
    try:
        yield
    finally:
        setattr(target, name, original)


def advancing(control: EmulatorControl) -> Callable[..., None]:
    def sleep(*args: Any) -> None:
        seconds = float(args[-1])
        if seconds > 0:
            control.advance(seconds)

    return sleep


def napping(control: EmulatorControl) -> Callable[..., Any]:
    """A trigger's nap moves the emulator's clock to the service instant the trigger sleeps to."""

    async def nap_until(moment: dt.datetime, clock: Any) -> None:
        await asyncio.to_thread(control.advance_to, moment + dt.timedelta(seconds=clock.offset))

    return nap_until


def with_our_sensor(control: EmulatorControl, schedule_id: str, mode: str) -> dict[str, Any]:
    from airflow.providers.common.compat.sdk import TaskDeferred

    from airflow_provider_engage.sensors import base as sensor_base
    from airflow_provider_engage.sensors.engagelab import EngageLabScheduleFiredSensor
    from airflow_provider_engage.waits import engine as wait_engine

    sensor = EngageLabScheduleFiredSensor(
        task_id="wait", schedule_id=schedule_id, deferrable=mode == "deferrable", timeout=30 * 86400
    )
    before = calls(control)
    with (
        sleeps_move(control, sensor_base.WaitingSensor, "_sleep", advancing),
        sleeps_move(control, wait_engine, "sleep_until", napping),
    ):
        try:
            records = sensor.execute({})
        except TaskDeferred as deferred:
            _, kwargs = deferred.trigger.serialize()  # rebuilt from its kwargs, as a triggerer does
            trigger = type(deferred.trigger)(**kwargs)

            async def event() -> dict[str, Any]:
                async for each in trigger.run():
                    return dict(each.payload)
                raise RuntimeError("the trigger ended without an event")

            records = sensor.execute_complete({}, asyncio.run(event()))
    seen = dt.datetime.fromisoformat(control.clock()["now"])
    fired = dt.datetime.fromisoformat(records[0]["fired_at"])
    return {"calls": calls(control) - before, "delay_s": (seen - fired).total_seconds()}


def with_http_sensor(
    control: EmulatorControl, schedule_id: str, fire: dt.datetime, wait: int
) -> dict[str, Any]:
    import airflow.sdk.bases.sensor as base_sensor_module
    from airflow.providers.http.sensors.http import HttpSensor

    sensor = HttpSensor(
        task_id="naive",
        http_conn_id="engagelab_http",
        endpoint=f"v4/schedules/{schedule_id}/msg-ids",
        response_check=lambda response: response.json().get("count", 0) > 0,
        poke_interval=POKE_INTERVAL,
        timeout=wait * 3,
        mode="poke",
    )
    before = calls(control)
    with sleeps_move(control, base_sensor_module.time, "sleep", advancing):
        sensor.execute({})
    seen = dt.datetime.fromisoformat(control.clock()["now"])
    return {"calls": calls(control) - before, "delay_s": (seen - fire).total_seconds()}


def run(label: str, wait: int, control: EmulatorControl, contender: str) -> dict[str, Any]:
    control.reset()
    control.set_clock(START, frozen=True)
    fire = START + dt.timedelta(seconds=wait + OFF_THE_MINUTE)
    schedule_id = schedule_at(fire)
    control.set_clock(START, frozen=True)  # the create itself does not count against the wait
    if contender == "HttpSensor":
        return with_http_sensor(control, schedule_id, fire, wait)
    return with_our_sensor(control, schedule_id, contender)


def headline(details: dict[str, dict[str, Any]]) -> list[Figure]:
    """For each wait and mode of our sensor: its calls and its detection delay, beside HttpSensor's."""
    figures = []
    for label, row in details.items():
        naive = row["HttpSensor"]
        for mode in ("deferrable", "poke"):
            figures.append(
                Figure(
                    f"{label}: API calls, {mode}",
                    row[mode]["calls"],
                    "calls",
                    PEER,
                    naive["calls"],
                    CALLS_GOAL,
                )
            )
            figures.append(
                Figure(
                    f"{label}: detection delay, {mode}",
                    row[mode]["delay_s"],
                    "s",
                    PEER,
                    naive["delay_s"],
                    DELAY_GOAL,
                )
            )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"  # 10,000 "Poking" lines bury the figures
    started = time.monotonic()
    details: dict[str, dict[str, Any]] = {}
    with running_emulator(seed=3, start_time=START, frozen=True, engagelab_qps=0) as url:
        os.environ["AIRFLOW_CONN_ENGAGELAB_DEFAULT"] = json.dumps(
            {"conn_type": "engagelab", "host": url, "login": "demo-app-key", "password": "demo-master-secret"}
        )
        os.environ["AIRFLOW_CONN_ENGAGELAB_HTTP"] = json.dumps(
            {"conn_type": "http", "host": url, "login": "demo-app-key", "password": "demo-master-secret"}
        )
        control = EmulatorControl(url)
        for label, wait in WAITS.items():
            details[label] = {
                contender: run(label, wait, control, contender)
                for contender in ("deferrable", "poke", "HttpSensor")
            }
    print("Catching one firing: API calls and detection delay (emulated seconds after the firing)\n")
    heading = ("wait", "sensor, deferrable", "sensor, poke", "HttpSensor, 60 s", "calls saved")
    print(f"  {heading[0]:<8} {heading[1]:>22} {heading[2]:>18} {heading[3]:>20} {heading[4]:>12}")
    for label, row in details.items():
        ours, poke, naive = row["deferrable"], row["poke"], row["HttpSensor"]
        print(
            f"  {label:<8} {ours['calls']:>6} calls {ours['delay_s']:>5.0f} s "
            f"{poke['calls']:>6} calls {poke['delay_s']:>3.0f} s "
            f"{naive['calls']:>7} calls {naive['delay_s']:>4.0f} s "
            f"{naive['calls'] / max(ours['calls'], 1):>10.0f}x"
        )
    took = time.monotonic() - started
    goals = f"at most {CALLS_GOAL.target:g} calls for each wait, detection within one poke interval"
    print(f"\n  (goal: {goals}; ran {took:.0f} s)")
    report(args.json, "sensor_calls", COMMAND, headline(details), details)


if __name__ == "__main__":
    main()

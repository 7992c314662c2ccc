"""One simulated week of a weekly schedule: an AssetWatcher's event trigger vs an hourly sensor DAG.

The schedule fires every Wednesday at 09:17 Asia/Shanghai (off the hour, as a real one may be).
Both watch it on one emulator whose clock stands still until something sleeps, so a week takes
seconds:

- ``EngageLabMessagesEventTrigger``, run as a triggerer runs a watcher's trigger (rebuilt from
  its kwargs); each of its sleeps moves the emulator's clock on.
- The peer: a DAG scheduled ``@hourly`` whose one task is Airflow's ``HttpSensor`` on the
  schedule's msg-ids URL; each of the week's 168 runs pokes once (the clock is set to the run's
  hour first). That is the least such a DAG can do; it also still needs its own state to tell a
  new firing from last week's, which the watcher keeps for it.

Figures: API calls over the week (requests the emulator saw on the services' paths), the firings
announced, and how long after the firing each side first knew of it (emulated seconds).

    .venv/bin/python -m bench.watcher_calls [--json bench/watcher_calls.json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import time
from typing import Any

from airflow_provider_engage.emulator import running_emulator
from airflow_provider_engage.emulator.client import EmulatorControl
from bench.figures import Figure, Goal, report
from bench.sensor_calls import calls, napping, sleeps_move

COMMAND = ".venv/bin/python -m bench.watcher_calls"
PEER = "an @hourly DAG of HttpSensor"

START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)  # a Tuesday, 08:00 in Shanghai
WEEK = dt.timedelta(days=7)
FIRING = dt.datetime(2030, 1, 2, 1, 17, tzinfo=dt.UTC)  # Wednesday 09:17 in Shanghai
WEEKLY = {
    "periodical": {
        "start": "2030-01-01 00:00:00",
        "end": "2030-12-31 00:00:00",
        "time": "09:17:00",
        "time_unit": "week",
        "point": ["WED"],
        "zone_type": 1,
    }
}
PUSH = {"to": "all", "body": {"platform": "all", "notification": {"alert": "benchmark"}}}


class WeekOver(Exception):
    """The simulated week has passed: the watcher is stopped where it sleeps."""


def create_weekly() -> str:
    from airflow_provider_engage.hooks.engagelab import EngageLabHook

    body = {"name": "weekly", "enabled": True, "trigger": WEEKLY, "push": PUSH}
    return str(EngageLabHook().create_schedule(body)["schedule_id"])


def with_watcher(control: EmulatorControl, schedule_id: str) -> dict[str, Any]:
    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger
    from airflow_provider_engage.waits import engine as wait_engine

    end = START + WEEK
    announced: list[dict[str, Any]] = []

    def napping_within_the_week(control: EmulatorControl) -> Any:
        nap = napping(control)

        async def nap_until(moment: dt.datetime, clock: Any) -> None:
            if moment + dt.timedelta(seconds=clock.offset) >= end:
                await asyncio.to_thread(control.advance_to, end)
                raise WeekOver
            await nap(moment, clock)

        return nap_until

    made = EngageLabMessagesEventTrigger(schedule_ids=[schedule_id], conn_id="engagelab_default")
    _, kwargs = made.serialize()
    watcher = EngageLabMessagesEventTrigger(**kwargs)  # as the triggerer re-creates it

    async def watch() -> None:
        stream = watcher.run()
        try:
            async for event in stream:
                seen = dt.datetime.fromisoformat(control.clock()["now"])
                announced.append({"payload": event.payload, "seen": seen})
        except WeekOver:
            pass
        finally:
            await stream.aclose()
            await watcher.cleanup()

    before = calls(control)
    with sleeps_move(control, wait_engine, "sleep_until", napping_within_the_week):
        asyncio.run(watch())
    delays = [(item["seen"] - FIRING).total_seconds() for item in announced]
    return {"calls": calls(control) - before, "firings": len(announced), "delay_s": min(delays, default=None)}


def with_hourly_sensor_dag(control: EmulatorControl, schedule_id: str) -> dict[str, Any]:
    from airflow.providers.http.sensors.http import HttpSensor

    sensor = HttpSensor(
        task_id="poll",
        http_conn_id="engagelab_http",
        endpoint=f"v4/schedules/{schedule_id}/msg-ids",
        response_check=lambda response: response.json().get("count", 0) > 0,
    )
    before, first_seen = calls(control), None
    hours = int(WEEK.total_seconds() // 3600)
    for hour in range(hours):
        run_at = START + dt.timedelta(hours=hour)
        control.set_clock(run_at, frozen=True)
        if sensor.poke({}) and first_seen is None:
            first_seen = run_at
    delay = (first_seen - FIRING).total_seconds() if first_seen else None
    return {"calls": calls(control) - before, "firings": int(first_seen is not None), "delay_s": delay}


def headline(details: dict[str, dict[str, Any]]) -> list[Figure]:
    ours, peer = details["watcher"], details["hourly sensor DAG"]
    return [
        Figure(
            "API calls over one week",
            ours["calls"],
            "calls",
            PEER,
            peer["calls"],
            Goal("<", 1, of_ratio=True),
        ),
        Figure("firings announced", ours["firings"], "", PEER, peer["firings"], Goal(">=", 1)),
        Figure("first knew of the firing", ours["delay_s"], "s after it", PEER, peer["delay_s"]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
    started = time.monotonic()
    figures: dict[str, dict[str, Any]] = {}
    with running_emulator(seed=4, start_time=START, frozen=True, engagelab_qps=0) as url:
        secrets = {"login": "demo-app-key", "password": "demo-master-secret"}
        for name, conn_type in (("ENGAGELAB_DEFAULT", "engagelab"), ("ENGAGELAB_HTTP", "http")):
            os.environ[f"AIRFLOW_CONN_{name}"] = json.dumps({"conn_type": conn_type, "host": url, **secrets})
        control = EmulatorControl(url)
        for name, contender in (("watcher", with_watcher), ("hourly sensor DAG", with_hourly_sensor_dag)):
            control.reset()
            control.set_clock(START, frozen=True)
            schedule_id = create_weekly()
            control.set_clock(START, frozen=True)
            figures[name] = contender(control, schedule_id)
    ours, peer = figures["watcher"], figures["hourly sensor DAG"]
    print("One week of a weekly schedule (fires Wednesday 09:17 Asia/Shanghai): API calls and detection\n")
    print(f"  {'':<20} {'calls':>6} {'firings':>8} {'first knew (s after firing)':>29}")
    for name, row in figures.items():
        print(f"  {name:<20} {row['calls']:>6} {row['firings']:>8} {row['delay_s']:>29.0f}")
    ratio = peer["calls"] / max(ours["calls"], 1)
    print(f"\n  the watcher made {ratio:.0f}x fewer calls (ran {time.monotonic() - started:.0f} s)")
    report(args.json, "watcher_calls", COMMAND, headline(figures), figures)


if __name__ == "__main__":
    main()

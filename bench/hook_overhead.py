"""Per-request overhead: EngageLabHook vs a bare requests.Session, EngageLabAsyncHook vs bare aiohttp.

Each pair makes the same call to one emulator in its own process (so client and server share no
GIL): the same URL, Basic auth and JSON, one request after another on a kept-alive connection.
The hooks add what a DAG gets from them (input checks, retries, error mapping, the service's
clock); the bare clients only send and decode. Short rounds alternate between the two, so a busy
machine slows both alike; each figure is the median of the rounds, in wall-clock and in this
process's CPU time per request.

    .venv/bin/python -m bench.hook_overhead [--calls 50] [--rounds 21] [--json bench/hook_overhead.json]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pendulum

from airflow_provider_engage.emulator import EmulatorConfig, emulator_process
from airflow_provider_engage.emulator.client import EmulatorControl
from bench.figures import Figure, Goal, interleaved_medians, report

COMMAND = ".venv/bin/python -m bench.hook_overhead"
APP_KEY, MASTER_SECRET = "demo-app-key", "demo-master-secret"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{APP_KEY}:{MASTER_SECRET}".encode()).decode()}
GOAL = Goal("<=", 1.2, of_ratio=True)
PUSH = {"from": "push", "to": "all", "body": {"platform": "all", "notification": {"alert": "overhead"}}}


def schedule_body(index: int) -> dict[str, Any]:
    send_at = pendulum.now("Asia/Shanghai").add(days=1).format("YYYY-MM-DD HH:mm:ss")
    return {
        "name": f"Overhead_{index}",
        "enabled": True,
        "trigger": {"single": {"time": send_at, "zone_type": 1}},
        "push": PUSH,
    }


def timed(calls: int, call: Callable[[int], Any]) -> dict[str, float]:
    """Microseconds per call, wall clock and this process's CPU, after one call that opens the
    connection (and, for a hook, reads the Airflow connection)."""
    call(0)
    wall, cpu = time.perf_counter(), time.process_time()
    for index in range(calls):
        call(index)
    return {
        "wall_us": (time.perf_counter() - wall) / calls * 1e6,
        "cpu_us": (time.process_time() - cpu) / calls * 1e6,
    }


async def timed_async(calls: int, call: Callable[[int], Awaitable[Any]]) -> dict[str, float]:
    """:func:`timed` for coroutines, inside one event loop."""
    await call(0)
    wall, cpu = time.perf_counter(), time.process_time()
    for index in range(calls):
        await call(index)
    return {
        "wall_us": (time.perf_counter() - wall) / calls * 1e6,
        "cpu_us": (time.process_time() - cpu) / calls * 1e6,
    }


Contenders = dict[str, Callable[[], dict[str, float]]]


def sync_contenders(url: str, control: EmulatorControl, calls: int) -> Contenders:
    """``create_schedule`` (a POST with a JSON body) through the hook and through a bare session."""
    import requests

    from airflow_provider_engage.hooks.engagelab import EngageLabHook

    hook = EngageLabHook()
    session = requests.Session()
    bodies = [schedule_body(index) for index in range(calls)]

    def bare(index: int) -> Any:
        response = session.post(
            f"{url}/v4/schedules",
            data=json.dumps(bodies[index]),
            headers={**AUTH, "Content-Type": "application/json"},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def fresh(call: Callable[[int], Any]) -> Callable[[], dict[str, float]]:
        def measure() -> dict[str, float]:
            control.reset()  # each round creates into an empty app, so the server does the same work
            return timed(calls, call)

        return measure

    return {
        "EngageLabHook": fresh(lambda index: hook.create_schedule(bodies[index])),
        "requests.Session": fresh(bare),
    }


def async_contenders(url: str, schedule_id: str, calls: int) -> Contenders:
    """``get_schedule`` (a GET answered with JSON) through the async hook and a bare aiohttp session,
    each opened and closed in its own event loop, as a trigger's are."""
    import aiohttp

    from airflow_provider_engage.hooks.engagelab import EngageLabAsyncHook

    async def with_hook() -> dict[str, float]:
        hook = EngageLabAsyncHook()
        try:
            return await timed_async(calls, lambda index: hook.get_schedule(schedule_id))
        finally:
            await hook.close()

    async def bare() -> dict[str, float]:
        async with aiohttp.ClientSession() as session:

            async def call(index: int) -> Any:
                async with session.get(f"{url}/v4/schedules/{schedule_id}", headers=AUTH) as response:
                    response.raise_for_status()
                    return await response.json()

            return await timed_async(calls, call)

    return {
        "EngageLabAsyncHook": lambda: asyncio.run(with_hook()),
        "aiohttp.ClientSession": lambda: asyncio.run(bare()),
    }


def medians(contenders: Contenders, rounds: int) -> dict[str, dict[str, float]]:
    """Both figures of each contender, the median of ``rounds`` alternating rounds."""
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in contenders}

    def recording(name: str) -> Callable[[], float]:
        def run() -> float:
            samples[name].append(contenders[name]())
            return samples[name][-1]["wall_us"]

        return run

    interleaved_medians({name: recording(name) for name in contenders}, rounds)
    return {
        name: {key: round(statistics.median(run[key] for run in runs), 1) for key in ("wall_us", "cpu_us")}
        for name, runs in samples.items()
    }


def headline(details: dict[str, dict[str, dict[str, float]]]) -> list[Figure]:
    figures = []
    for (ours, peer), measured in zip(PAIRS, details.values(), strict=True):
        for key, what in (("wall_us", "wall clock"), ("cpu_us", "client CPU")):
            figures.append(
                Figure(
                    name=f"{ours} per request, {what}",
                    value=measured[ours][key],
                    unit="µs",
                    peer=f"bare {peer}",
                    peer_value=measured[peer][key],
                    goal=GOAL,
                )
            )
    return figures


PAIRS = (("EngageLabHook", "requests.Session"), ("EngageLabAsyncHook", "aiohttp.ClientSession"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50, help="requests per round")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
    config = EmulatorConfig(engagelab_qps=0, max_schedules=10 * args.calls)
    with emulator_process(config) as url:
        os.environ["AIRFLOW_CONN_ENGAGELAB_DEFAULT"] = json.dumps(
            {"conn_type": "engagelab", "login": APP_KEY, "password": MASTER_SECRET, "host": url}
        )
        control = EmulatorControl(url)
        details = {"sync create_schedule": medians(sync_contenders(url, control, args.calls), args.rounds)}
        control.reset()
        from airflow_provider_engage.hooks.engagelab import EngageLabHook

        schedule_id = str(EngageLabHook().create_schedule(schedule_body(0))["schedule_id"])
        details["async get_schedule"] = medians(async_contenders(url, schedule_id, args.calls), args.rounds)
    figures = headline(details)
    print(f"Per-request cost against the emulator, median of {args.rounds} rounds of {args.calls} requests\n")
    print(f"  {'call':<38} {'wall µs':>9} {'CPU µs':>8}")
    for call, measured in details.items():
        for name, row in measured.items():
            print(f"  {call + ', ' + name:<38} {row['wall_us']:>9.0f} {row['cpu_us']:>8.0f}")
    report(args.json, "hook_overhead", COMMAND, figures, details)


if __name__ == "__main__":
    main()

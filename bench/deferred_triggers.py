"""1,000 deferred triggers in one event loop, all awaiting firings in the same second.

What a triggerer at its default capacity (1,000) does when a campaign's 1,000 schedules (the
service's cap on unexpired ones) fire at once: every ``EngageLabScheduleFiredTrigger`` sleeps until
its push is due, then looks, under EngageLab's 500 requests a second limit (the emulator's, in its
own process, as a remote service is). Each trigger has its own hook and session, as in Airflow.

Figures: memory the 1,000 waiting triggers add to the process (RSS), the longest stall of the
event loop (measured as Airflow's triggerer watchdog does: a heartbeat that should wake every
0.1 s, compared with the 0.2 s it warns at), and how long after the firing the last one reported
(poke_interval 60, so the goal is within 120 s).

    .venv/bin/python -m bench.deferred_triggers [--count 1000] [--lead 30] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import time
from typing import Any

from airflow_provider_engage.emulator import EmulatorConfig, emulator_process
from airflow_provider_engage.emulator.client import EmulatorControl
from bench.figures import Figure, Goal, report

COMMAND = ".venv/bin/python -m bench.deferred_triggers"
PUSH = {"to": "all", "body": {"platform": "all", "notification": {"alert": "same second"}}}
HEARTBEAT = 0.1
STALL_WARNING = 0.2  # Airflow's [triggerer] blocked_main_thread_warning_threshold
MEMORY_GOAL = Goal("<", 64)
REPORT_GOAL = Goal("<", 120)  # two poke intervals


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def create_all(count: int, fire: dt.datetime) -> list[dict[str, Any]]:
    """The schedules (through the bulk operator, under the rate limit) and their triggers' watches."""
    from airflow_provider_engage.hooks.engagelab import EngageLabHook
    from airflow_provider_engage.operators.engagelab import EngageLabCreateSchedulesOperator
    from airflow_provider_engage.waits.engagelab import ScheduleWatch

    wall = fire.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    items = [{"name": f"Same_second_{index:04d}", "send_at": wall, "push": PUSH} for index in range(count)]
    ids = EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items).execute({})
    trigger = {"single": {"time": wall, "zone_type": 1}}
    hook = EngageLabHook()
    return [
        ScheduleWatch.of_schedule(
            schedule_id,
            trigger,
            site_tz=hook.site_timezone,
            occurrence="next",
            now=fire - dt.timedelta(seconds=60),
            grace=600,
            all_zones=False,
            min_messages=1,
        ).to_json()
        for schedule_id in ids
    ]


async def wait_for_all(watches: list[dict[str, Any]], offset: float, fire: dt.datetime) -> dict[str, Any]:
    from airflow_provider_engage.triggers.engagelab import EngageLabScheduleFiredTrigger

    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    triggers = [
        EngageLabScheduleFiredTrigger(
            conn_id="engagelab_default", watch=watch, deadline=deadline, poke_interval=60, clock_offset=offset
        )
        for watch in watches
    ]
    stalls: list[float] = []
    memory: list[float] = []
    reported: list[float] = []
    done = asyncio.Event()

    async def heartbeat() -> None:
        loop = asyncio.get_running_loop()
        while not done.is_set():
            before = loop.time()
            await asyncio.sleep(HEARTBEAT)
            stalls.append(loop.time() - before - HEARTBEAT)
            memory.append(rss_mb())

    async def one(trigger: EngageLabScheduleFiredTrigger) -> str:
        try:
            async for event in trigger.run():
                reported.append(time.time())
                return str(event.payload["status"])
        finally:
            await trigger.cleanup()
        return "no event"

    beat = asyncio.create_task(heartbeat())
    memory_before = rss_mb()
    tasks = [asyncio.create_task(one(trigger)) for trigger in triggers]
    await asyncio.sleep(1)  # every trigger started and asleep until its push is due
    memory_waiting = rss_mb() - memory_before
    statuses = await asyncio.gather(*tasks)
    done.set()
    await beat
    fired_local = fire.timestamp() - offset
    return {
        "triggers": len(triggers),
        "succeeded": statuses.count("success"),
        "memory_added_mb": round(memory_waiting, 1),
        "peak_memory_added_mb": round(max(memory) - memory_before, 1),
        "worst_stall_s": round(max(stalls), 3),
        "stalls_over_warning": sum(stall > STALL_WARNING for stall in stalls),
        "last_report_after_firing_s": round(max(reported) - fired_local, 2),
        "first_report_after_firing_s": round(min(reported) - fired_local, 2),
    }


def headline(details: dict[str, Any]) -> list[Figure]:
    count = details["triggers"]
    return [
        Figure(
            f"{count} triggers: reported success", details["succeeded"], "triggers", goal=Goal(">=", count)
        ),
        Figure("memory added while waiting", details["memory_added_mb"], "MB", goal=MEMORY_GOAL),
        Figure(
            "memory added at the peak (the looks)", details["peak_memory_added_mb"], "MB", goal=MEMORY_GOAL
        ),
        Figure("worst event-loop stall", details["worst_stall_s"], "s", goal=Goal("<=", STALL_WARNING)),
        Figure(
            f"event-loop stalls over {STALL_WARNING} s",
            details["stalls_over_warning"],
            "",
            goal=Goal("<=", 0),
        ),
        Figure("last report after the firing", details["last_report_after_firing_s"], "s", goal=REPORT_GOAL),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--lead", type=float, default=30.0, help="seconds from the creates to the firing")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
    resource.setrlimit(resource.RLIMIT_NOFILE, (8192, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    config = EmulatorConfig(engagelab_qps=500.0, max_schedules=max(1000, args.count))
    with emulator_process(config) as url:
        os.environ["AIRFLOW_CONN_ENGAGELAB_DEFAULT"] = json.dumps(
            {
                "conn_type": "engagelab",
                "host": url,
                "login": "demo-app-key",
                "password": "demo-master-secret",
                "extra": {"max_retries": 8, "retry_max_wait": 5},
            }
        )
        control = EmulatorControl(url)
        fire = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(microsecond=0)
        control.set_clock(fire - dt.timedelta(seconds=args.lead + 15), frozen=False)
        watches = create_all(args.count, fire)
        offset = (dt.datetime.fromisoformat(control.clock()["now"]) - dt.datetime.now(dt.UTC)).total_seconds()
        figures = asyncio.run(wait_for_all(watches, offset, fire))
        throttled = (
            control.state()["requests"].get("GET /v4/schedules/{schedule_id}/msg-ids", {}).get("429", 0)
        )
    figures["throttled_looks_429"] = throttled
    print(f"{figures['triggers']} deferred triggers in one event loop, all firing in the same second\n")
    print(f"  first report after the firing: {figures['first_report_after_firing_s']} s")
    print(f"  looks throttled (429) and retried: {throttled}")
    report(args.json, "deferred_triggers", COMMAND, headline(figures), figures)


if __name__ == "__main__":
    main()

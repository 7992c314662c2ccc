"""Bulk create: 1,000 schedules through EngageLabCreateSchedulesOperator vs the vendor client one by one.

Both run against one emulator in its own process (as a remote service would be), under the same
conditions: EngageLab's rate limit of 500 requests a second per AppKey on, and 50 ms added to
every request (a client far from the data centre). The floor is the rate limit: 1,000 creates
cannot take less than 2 s. The operator's figure is the median of ``--runs`` runs; the vendor
client, at one create per round trip, creates ``--vendor-count`` (its rate does not depend on
how many).

    .venv/bin/python -m bench.bulk_create [--count 1000] [--latency-ms 50] [--vendor-count 200]
        [--runs 3] [--json bench/bulk_create.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import engagelab
import pendulum
from engagelab.schedule import SchedulePushParam, ScheduleTrigger, TriggerSingle

from airflow_provider_engage.emulator import EmulatorConfig, emulator_process
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.operators.engagelab import EngageLabCreateSchedulesOperator
from bench.figures import Figure, Goal, report

COMMAND = ".venv/bin/python -m bench.bulk_create"
SERVICE_QPS = 500.0
FLOOR_GOAL = Goal("<=", 1.2, of_ratio=True)
VENDOR_GOAL = Goal(">=", 10.0, of_ratio=True)


def items(count: int) -> list[dict[str, Any]]:
    send_at = pendulum.now("Asia/Shanghai").add(days=1).replace(hour=9, minute=0, second=0)
    return [
        {
            "name": f"Segment_{index:04d}",
            "push": {
                "from": "push",
                "to": {"tag": [f"segment_{index}"]},
                "body": {"platform": "all", "notification": {"alert": f"Hello segment {index}"}},
            },
            "send_at": send_at.format("YYYY-MM-DD HH:mm:ss"),
        }
        for index in range(count)
    ]


def with_operator(url: str, schedules: list[dict[str, Any]]) -> None:
    os.environ["AIRFLOW_CONN_ENGAGELAB_DEFAULT"] = json.dumps(
        {"conn_type": "engagelab", "login": "demo-app-key", "password": "demo-master-secret", "host": url}
    )
    operator = EngageLabCreateSchedulesOperator(task_id="bulk", schedules=schedules, progress_interval=1.0)
    ids = operator.execute({})
    assert len(set(ids)) == len(schedules)


def with_vendor_client(url: str, schedules: list[dict[str, Any]]) -> None:
    client = engagelab.Client("demo-app-key", "demo-master-secret", base_url=url, timeout=30)
    for item in schedules:
        trigger = ScheduleTrigger(single=TriggerSingle(time=item["send_at"], zone_type=1))
        param = SchedulePushParam(name=item["name"], enabled=True, trigger=trigger, push=item["push"])
        client.schedule.create(param)


def measure(
    control: EmulatorControl, create: Callable[[str, list[dict[str, Any]]], None], count: int, latency_ms: int
) -> tuple[float, int]:
    control.reset()
    control.faults([{"kind": "latency", "probability": 1.0, "path": "/v4/", "latency_ms": latency_ms}])
    started = time.perf_counter()
    create(control.base_url, items(count))
    elapsed = time.perf_counter() - started
    state = control.state()
    created = state["engagelab"]["schedules"]
    assert created == count, f"{created} schedules exist, expected {count}"
    return elapsed, sum(state["requests"].get("POST /v4/schedules", {}).values())


def headline(details: dict[str, Any]) -> list[Figure]:
    ours, vendor = details["operator"], details["vendor client"]
    return [
        Figure(
            name=f"{ours['schedules']} schedules through EngageLabCreateSchedulesOperator, wall time",
            value=ours["wall_s"],
            unit="s",
            peer=f"the floor: the service's {SERVICE_QPS:.0f} requests/s",
            peer_value=details["floor_s"],
            goal=FLOOR_GOAL,
        ),
        Figure(
            name="EngageLabCreateSchedulesOperator, schedules created a second",
            value=ours["created_per_s"],
            unit="/s",
            peer="engagelab-apppush Client, one by one",
            peer_value=vendor["created_per_s"],
            goal=VENDOR_GOAL,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--vendor-count", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3, help="operator runs; the median is the figure")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    with emulator_process(EmulatorConfig(engagelab_qps=SERVICE_QPS)) as url:
        control = EmulatorControl(url)
        runs = [measure(control, with_operator, args.count, args.latency_ms) for _ in range(args.runs)]
        theirs, their_posts = measure(control, with_vendor_client, args.vendor_count, args.latency_ms)
    ours = statistics.median(wall for wall, _ in runs)
    our_posts = max(posts for _, posts in runs)
    floor = args.count / SERVICE_QPS
    details = {
        "service_qps": SERVICE_QPS,
        "latency_ms": args.latency_ms,
        "floor_s": floor,
        "operator": {
            "schedules": args.count,
            "posts": our_posts,
            "wall_s": round(ours, 3),
            "runs_wall_s": [round(wall, 3) for wall, _ in runs],
            "created_per_s": round(args.count / ours, 1),
        },
        "vendor client": {
            "schedules": args.vendor_count,
            "posts": their_posts,
            "wall_s": round(theirs, 3),
            "created_per_s": round(args.vendor_count / theirs, 1),
        },
    }
    print()
    print(
        f"Bulk create against the emulator: {SERVICE_QPS:.0f} req/s limit, {args.latency_ms} ms added latency"
    )
    rows = [
        (f"EngageLabCreateSchedulesOperator (median of {args.runs})", details["operator"]),
        ("engagelab-apppush Client, one by one", details["vendor client"]),
    ]
    print(f"{'client':<44} {'schedules':>9} {'POSTs':>6} {'wall s':>8} {'created/s':>10}")
    for label, row in rows:
        counts = f"{row['schedules']:>9} {row['posts']:>6}"
        print(f"{label:<44} {counts} {row['wall_s']:>8.2f} {row['created_per_s']:>10.1f}")
    print(
        f"floor (the rate limit) for {args.count}: {floor:.2f} s; runs: {details['operator']['runs_wall_s']}"
    )
    report(args.json, "bulk_create", COMMAND, headline(details), details)


if __name__ == "__main__":
    main()

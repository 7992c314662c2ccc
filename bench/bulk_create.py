"""Bulk create: 1,000 schedules through EngageLabCreateSchedulesOperator vs the vendor client one by one.

Both run against one emulator in its own process (as a remote service would be), under the same
conditions: EngageLab's rate limit of 500 requests a second per AppKey on, and 50 ms added to
every request (a client far from the data centre). The floor is the rate limit: 1,000 creates
cannot take less than 2 s.

    .venv/bin/python -m bench.bulk_create [--count 1000] [--latency-ms 50] [--vendor-count 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from typing import Any

import engagelab
import pendulum
from engagelab.schedule import SchedulePushParam, ScheduleTrigger, TriggerSingle

from airflow_provider_engage.emulator import EmulatorConfig, emulator_process
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.operators.engagelab import EngageLabCreateSchedulesOperator

SERVICE_QPS = 500.0


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--vendor-count", type=int, default=None, help="defaults to --count")
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    vendor_count = args.vendor_count or args.count
    with emulator_process(EmulatorConfig(engagelab_qps=SERVICE_QPS)) as url:
        control = EmulatorControl(url)
        ours, our_posts = measure(control, with_operator, args.count, args.latency_ms)
        theirs, their_posts = measure(control, with_vendor_client, vendor_count, args.latency_ms)
    floor = args.count / SERVICE_QPS
    their_rate, our_rate = vendor_count / theirs, args.count / ours
    print()
    print(
        f"Bulk create against the emulator: {SERVICE_QPS:.0f} req/s limit, {args.latency_ms} ms added latency"
    )
    rows = [
        ("EngageLabCreateSchedulesOperator", args.count, our_posts, ours, our_rate),
        ("engagelab-apppush Client, one by one", vendor_count, their_posts, theirs, their_rate),
    ]
    print(f"{'client':<40} {'schedules':>9} {'POSTs':>6} {'wall s':>8} {'created/s':>10}")
    for label, count, posts, wall, rate in rows:
        print(f"{label:<40} {count:>9} {posts:>6} {wall:>8.2f} {rate:>10.1f}")
    print(f"floor (the rate limit) for {args.count}: {floor:.2f} s")
    print(f"operator wall time / floor = {ours / floor:.2f}x (goal <= 1.5x)")
    print(f"operator throughput / vendor client throughput = {our_rate / their_rate:.1f}x (goal >= 10x)")


if __name__ == "__main__":
    main()

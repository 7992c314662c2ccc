"""Where a request's CPU time goes: EngageLabHook.create_schedule vs the vendor's own client.

The vendor client (``engagelab-apppush``, module ``engagelab``) is bare urllib: it builds a JSON
body and sends it, nothing more, so it is the cheapest a call can be in Python. Both create the
same schedules on one emulator in its own process. First the CPU time per call without a
profiler (the median of alternating rounds), then each under cProfile, its time put in groups
(connection and settings, retries, rate limiter, validation, JSON, HTTP library, ...): a
function outside every group counts in the group of the caller that spent most time in it.
What the provider adds, and why, closes the output.

    .venv/bin/python -m bench.cpu_profile [--calls 300] [--rounds 5] [--json bench/cpu_profile.json]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import time
from collections.abc import Callable, Mapping
from typing import Any

from airflow_provider_engage.emulator import EmulatorConfig, emulator_process
from airflow_provider_engage.emulator.client import EmulatorControl
from bench.figures import Figure, interleaved_medians, write_json
from bench.hook_overhead import APP_KEY, MASTER_SECRET, schedule_body

COMMAND = ".venv/bin/python -m bench.cpu_profile"

# (group, the path fragments of its modules); the first that matches a function's file wins.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("retry (tenacity)", ("/tenacity/", "hooks/retry.py")),
    ("rate limiter", ("airflow_provider_engage/ratelimit.py",)),
    ("validation", ("airflow_provider_engage/validation.py", "airflow_provider_engage/timing/")),
    ("connection and settings", ("airflow_provider_engage/connections.py",)),
    ("answers and errors", ("hooks/calls.py",)),
    ("hook (call, request)", ("airflow_provider_engage/hooks/",)),
    ("vendor client", ("/engagelab/",)),
    ("JSON", ("/json/",)),
    ("logging", ("/logging/", "/structlog/")),
    ("Airflow", ("/airflow/",)),
    ("HTTP library", ("/requests/", "/urllib3/", "/urllib/", "/http/", "/email/", "socket.py", "ssl.py")),
)
OTHER = "other"

WHY = {
    "validation": "every body is checked before it is sent (a bad field fails naming it, nothing half-sent)",
    "retry (tenacity)": "each call runs in a retry loop (429, 5xx, dropped connections; creates only when "
    "they certainly did not take effect)",
    "answers and errors": "answers are read tolerantly and the service's clock is taken from their Date",
    "hook (call, request)": "the call is built once (path, query, body bytes, auth) for both transports",
    "connection and settings": "the Airflow connection is read and checked once per hook, not per call",
    "HTTP library": "requests keeps the connection alive (the vendor client's urllib opens one per call)",
    "logging": "one debug line per attempt, skipped unless debug is on",
}


def group_of(filename: str) -> str | None:
    for group, fragments in GROUPS:
        if any(fragment in filename for fragment in fragments):
            return group
    return None


def groups_of(stats: pstats.Stats) -> dict[Any, str]:
    """Each profiled function's group; a function in no group is its busiest caller's."""
    table: Mapping[Any, Any] = stats.stats  # type: ignore[attr-defined]
    resolved: dict[Any, str] = {}

    def resolve(func: Any, seen: frozenset[Any]) -> str:
        if func in resolved:
            return resolved[func]
        group = group_of(func[0])
        if group is None:
            callers = table.get(func, (0, 0, 0, 0, {}))[4]
            busiest = max(callers, key=lambda caller: callers[caller][3], default=None)
            group = OTHER if busiest is None or busiest in seen else resolve(busiest, seen | {func})
        resolved[func] = group
        return group

    return {func: resolve(func, frozenset()) for func in table}


def by_group(stats: pstats.Stats, calls: int) -> dict[str, float]:
    """µs of CPU per call in each group."""
    table: Mapping[Any, Any] = stats.stats  # type: ignore[attr-defined]
    totals: dict[str, float] = {}
    for func, group in groups_of(stats).items():
        totals[group] = totals.get(group, 0.0) + table[func][2]
    return {group: round(seconds / calls * 1e6, 1) for group, seconds in totals.items()}


def top_entries(stats: pstats.Stats, calls: int, count: int) -> list[dict[str, Any]]:
    """The functions with the most own CPU time, in µs per call, with their group."""
    table: Mapping[Any, Any] = stats.stats  # type: ignore[attr-defined]
    groups = groups_of(stats)
    ranked = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:count]
    return [
        {
            "function": f"{_short(func[0])}:{func[1]}({func[2]})",
            "group": groups[func],
            "us_per_call": round(own / calls * 1e6, 1),
        }
        for func, (_, _, own, _, _) in ranked
    ]


def _short(filename: str) -> str:
    for marker in ("site-packages/", "airflow_provider_engage/", "python3.11/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def cpu_per_call(calls: int, call: Callable[[int], Any], control: EmulatorControl) -> float:
    control.reset()
    call(0)  # the connection read and the first connection made before the clock starts
    started = time.process_time()
    for index in range(calls):
        call(index)
    return (time.process_time() - started) / calls * 1e6


def profiled(calls: int, call: Callable[[int], Any], control: EmulatorControl) -> pstats.Stats:
    control.reset()
    call(0)
    profile = cProfile.Profile(time.process_time)  # CPU, not the waits for the server
    profile.enable()
    for index in range(calls):
        call(index)
    profile.disable()
    return pstats.Stats(profile)


def contenders(url: str, calls: int) -> dict[str, Callable[[int], Any]]:
    import engagelab
    from engagelab.schedule import SchedulePushParam, ScheduleTrigger, TriggerSingle

    from airflow_provider_engage.hooks.engagelab import EngageLabHook

    hook = EngageLabHook()
    client = engagelab.Client(APP_KEY, MASTER_SECRET, base_url=url, timeout=30)
    bodies = [schedule_body(index) for index in range(calls)]
    params = [
        SchedulePushParam(
            name=body["name"],
            enabled=True,
            trigger=ScheduleTrigger(single=TriggerSingle(**body["trigger"]["single"])),
            push=body["push"],
        )
        for body in bodies
    ]
    return {
        "EngageLabHook": lambda index: hook.create_schedule(bodies[index]),
        "engagelab-apppush Client": lambda index: client.schedule.create(params[index]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
    with emulator_process(EmulatorConfig(engagelab_qps=0, max_schedules=10 * args.calls)) as url:
        os.environ["AIRFLOW_CONN_ENGAGELAB_DEFAULT"] = json.dumps(
            {"conn_type": "engagelab", "login": APP_KEY, "password": MASTER_SECRET, "host": url}
        )
        control = EmulatorControl(url)
        calls = contenders(url, args.calls)
        cpu = interleaved_medians(
            {name: lambda call=call: cpu_per_call(args.calls, call, control) for name, call in calls.items()},
            args.rounds,
        )
        profiles = {name: profiled(args.calls, call, control) for name, call in calls.items()}
    groups = {name: by_group(stats, args.calls) for name, stats in profiles.items()}
    ours, vendor = calls
    details = {
        "cpu_us_per_call": {name: round(value, 1) for name, value in cpu.items()},
        "profiled_us_per_call_by_group": groups,
        "top_entries": top_entries(profiles[ours], args.calls, args.top),
        "why": WHY,
    }
    print(f"CPU time per create_schedule call, median of {args.rounds} rounds of {args.calls}\n")
    for name, value in cpu.items():
        print(f"  {name:<28} {value:>8.0f} µs")
    print(f"  the hook costs {cpu[ours] / cpu[vendor]:.2f}x the vendor client's CPU per call\n")
    print("Under cProfile, µs per call by group (a profiler slows what makes many small calls most)\n")
    print(f"  {'group':<26} {ours:>14} {vendor:>26}   why the provider spends it")
    for group in sorted(set(groups[ours]) | set(groups[vendor]), key=lambda g: -groups[ours].get(g, 0)):
        print(
            f"  {group:<26} {groups[ours].get(group, 0):>14.0f} {groups[vendor].get(group, 0):>26.0f}"
            f"   {WHY.get(group, '')}"
        )
    print(f"\nThe hook's top {args.top} entries by own time (µs per call, under cProfile)\n")
    for entry in details["top_entries"]:
        print(f"  {entry['us_per_call']:>7.1f}  {entry['group']:<24} {entry['function']}")
    figures = [
        Figure(
            name="EngageLabHook create_schedule, client CPU per call",
            value=round(cpu[ours], 1),
            unit="µs",
            peer="engagelab-apppush Client (bare urllib)",
            peer_value=round(cpu[vendor], 1),
        )
    ]
    if args.json:
        write_json(args.json, "cpu_profile", COMMAND, figures, details)


if __name__ == "__main__":
    main()

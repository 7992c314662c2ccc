"""Faults campaign, event watchers (Airflow 3: AssetWatcher): under the transient faults of
:mod:`tests.proof.faults`, each watcher announces every firing of what it watches once, with that
firing's messages, and nothing else.

Each watcher follows a daily schedule (three firings) and a single push in every device's zone
(one firing spread over 26 hours) on the simulated clock of ``tests/unit/sensors/conftest.py``,
one watcher after another, its cursor in an asset state store as Airflow 3.3 keeps it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pendulum
import pytest

from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.hooks.engagelab import EngageLabHook
from tests.proof.campaign import PUSH, proof_connection, wall
from tests.proof.conftest import TIMEOUT, RecordFigures
from tests.proof.faults import FAULT_KINDS, fault_rules, injected
from tests.unit.sensors.conftest import AssetStore, SimulatedTime, events_of

pytestmark = pytest.mark.timeout(TIMEOUT)

DAILY_FIRINGS = 3


def watched(number: int, now: pendulum.DateTime) -> list[dict[str, Any]]:
    """Watcher ``number``'s two schedules, firing from a few hours after ``now``."""
    first = now.add(hours=3)
    daily = {
        "start": wall(now),
        "end": wall(first.add(days=DAILY_FIRINGS - 1, hours=1)),
        "time": wall(first)[11:],
        "time_unit": "day",
        "point": [],
        "zone_type": 1,
    }
    every_zone = {"time": wall(now.add(days=1)), "zone_type": 2}
    return [
        {"name": f"Daily_{number}", "enabled": True, "trigger": {"periodical": daily}, "push": PUSH},
        {"name": f"Zones_{number}", "enabled": True, "trigger": {"single": every_zone}, "push": PUSH},
    ]


def firings(control: EmulatorControl, schedule_id: str, *, spread: bool) -> list[tuple[str, ...]]:
    """The messages of each firing, as the emulator fired them: one record a firing, or all of
    them for a firing spread over the zones (the truth the announcements are held to)."""
    ids = [
        record["msg_id"] for record in sorted(control.schedule(schedule_id)["msg_ids"], key=lambda r: r["ts"])
    ]
    return [tuple(sorted(ids))] if spread else [(msg_id,) for msg_id in ids]


def test_event_watchers_announce_each_firing_once_through_transient_faults(
    emulator: EmulatorControl,
    simulated: SimulatedTime,
    proof_size: Callable[[int, int], int],
    proof_figures: RecordFigures,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

    monkeypatch.setenv("AIRFLOW_CONN_ENGAGELAB_DEFAULT", proof_connection(emulator.base_url))
    total = proof_size(5, 25)
    hook = EngageLabHook()
    announced, fired, event_ids = [], [], Counter()
    for number in range(total):
        emulator.clear_faults()
        now = pendulum.parse(emulator.clock()["now"])
        daily, zones = (str(hook.create_schedule(body)["schedule_id"]) for body in watched(number, now))
        emulator.faults(fault_rules(), seed=200 + number)

        events = events_of(
            EngageLabMessagesEventTrigger(schedule_ids=[daily, zones]), DAILY_FIRINGS + 1, AssetStore()
        )

        emulator.clear_faults()
        event_ids.update(event["event_id"] for event in events)
        announced.append(sorted(tuple(sorted(event["msg_ids"])) for event in events))
        fired.append(sorted(firings(emulator, daily, spread=False) + firings(emulator, zones, spread=True)))
    state = emulator.state()

    wrong = sum(got != truth for got, truth in zip(announced, fired, strict=True))
    proof_figures(
        "faults_watchers",
        {
            "watchers": total,
            "schedules_watched": 2 * total,
            "events": sum(event_ids.values()),
            "firings": sum(len(truth) for truth in fired),
            "announced_twice": sum(count - 1 for count in event_ids.values()),
            "wrong_announcements": wrong,
            "faults_injected": injected(state),
        },
    )

    assert wrong == 0
    assert all(count == 1 for count in event_ids.values())
    assert sum(event_ids.values()) == total * (DAILY_FIRINGS + 1)
    assert sum(injected(state)[kind] for kind in FAULT_KINDS) > total

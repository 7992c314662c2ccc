"""PaiBackend's rules without HTTP: determinism, snapshots, deletion, clock jumps."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from airflow_provider_engage.emulator.clock import Clock
from airflow_provider_engage.emulator.pai.exceptions import PaiInvalidParameter, PaiScheduleNotFound
from airflow_provider_engage.emulator.pai.models import PaiBackend

START = datetime(2024, 11, 30, 0, 0, 0, tzinfo=UTC)
HOURLY = {
    "GroupId": "g-1",
    "Name": "Hourly",
    "ExecuteTime": "2024-11-30 09:00:00",
    "RepeatCycle": 1,
    "RepeatCycleUnit": 1,
    "RepeatTimes": 47,  # 48 sends: two days of hours
}


def _backend(seed: int | None = 3) -> tuple[PaiBackend, Clock]:
    clock = Clock(START, frozen=True)
    return PaiBackend(clock, seed=seed), clock


def _run(backend: PaiBackend, clock: Clock, seconds: float) -> None:
    backend.fire_due(clock.advance(seconds))


def _all_messages(backend: PaiBackend) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = backend.list_messages(page_size=100)["Messages"]
    return messages


def test_same_seed_same_ids_and_messages() -> None:
    runs = []
    for _ in range(2):
        backend, clock = _backend(seed=11)
        created = backend.create_schedule(HOURLY)
        _run(backend, clock, 4 * 3600)
        runs.append((created["Id"], _all_messages(backend)))
    assert runs[0] == runs[1]
    assert runs[0][1]


def test_a_clock_jump_fires_every_occurrence_on_its_own_day() -> None:
    backend, clock = _backend()
    backend.create_schedule(HOURLY)
    _run(backend, clock, 5 * 86400)
    metrics = backend.list_message_metrics(start_date=date(2024, 11, 30), end_date=date(2024, 12, 31))
    # 09:00..23:00 on the 30th (15 sends), 24 on the 1st, the last 9 on the 2nd.
    per_day = {m["Date"]: m["Total"] for m in metrics["Metrics"]}
    assert list(per_day) == ["20241130", "20241201", "20241202"]
    assert 15 * 3 <= per_day["20241130"] <= 15 * 6
    assert 24 * 3 <= per_day["20241201"] <= 24 * 6
    assert 9 * 3 <= per_day["20241202"] <= 9 * 6


def test_snapshot_restore_carries_on_identically() -> None:
    backend, clock = _backend()
    backend.create_schedule(HOURLY)
    _run(backend, clock, 3600 + 1)
    saved = json.loads(json.dumps(backend.snapshot()))
    twin = PaiBackend(clock, seed=99)
    twin.restore(saved)
    assert twin.snapshot() == backend.snapshot()
    for each in (backend, twin):
        each.fire_due(clock.now().replace(hour=20))
        each.create_schedule({**HOURLY, "Name": "Second"})
    assert twin.snapshot() == backend.snapshot()


def test_reset_forgets_everything_and_restarts_the_sequence() -> None:
    backend, clock = _backend()
    first = backend.create_schedule(HOURLY)["Id"]
    _run(backend, clock, 86400)
    assert backend.state()["messages"] > 0
    backend.reset()
    assert backend.state() == {"schedules": 0, "messages": 0}
    assert backend.create_schedule(HOURLY)["Id"] == first


def test_a_deleted_schedule_stops_sending_but_its_messages_stay() -> None:
    backend, clock = _backend()
    schedule_id = backend.create_schedule(HOURLY)["Id"]
    _run(backend, clock, 3 * 3600)
    sent = backend.state()["messages"]
    backend.delete_schedule(schedule_id)
    _run(backend, clock, 86400)
    assert backend.state() == {"schedules": 0, "messages": sent}
    with pytest.raises(PaiScheduleNotFound):
        backend.get_schedule(schedule_id)
    with pytest.raises(PaiScheduleNotFound):
        backend.delete_schedule(schedule_id)


def test_end_time_stops_a_plan_without_end() -> None:
    backend, clock = _backend()
    plan = {**HOURLY, "RepeatTimes": -1, "EndTime": "2024-11-30 11:30:00"}
    schedule_id = backend.create_schedule(plan)["Id"]
    _run(backend, clock, 86400)
    assert backend.get_schedule(schedule_id)["Status"] == 4
    assert len({m["OutId"] for m in _all_messages(backend)}) == 3  # 09:00, 10:00, 11:00


def test_unknown_message_filter_is_refused() -> None:
    backend, _ = _backend()
    with pytest.raises(PaiInvalidParameter, match=r"^Colour:"):
        backend.list_messages(filters={"Colour": "red"})

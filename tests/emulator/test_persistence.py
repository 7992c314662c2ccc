"""``--db``: a restarted emulator finds its schedules, plans, msg-ids and clock where they were."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from engagelab_harness import START_AT, Api, periodical, single

from airflow_provider_engage.emulator import running_emulator
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.emulator.clock import Clock
from airflow_provider_engage.emulator.engagelab.exceptions import EngageLabError
from airflow_provider_engage.emulator.engagelab.models import EngageLabBackend
from airflow_provider_engage.emulator.pai.models import PaiBackend
from airflow_provider_engage.emulator.store import SnapshotStore


def test_a_restart_with_the_same_db_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "emulator.sqlite"
    with running_emulator(db=db, start_time=START_AT, frozen=True) as url:
        api = Api(url)
        api.post("/v4/push_plan", {"plan_id": "kept", "plan_description": "survives restarts"})
        schedule_id = api.create(periodical(end="2025-01-10 00:00:00", plan_id="kept"))
        EmulatorControl(url).advance(2 * 86400)
        before = api.msg_id_records(schedule_id)
    assert len(before) == 2

    with running_emulator(db=db) as url:
        api, control = Api(url), EmulatorControl(url)
        assert control.clock() == {"now": "2025-01-03T00:00:00Z", "frozen": True}
        assert api.get(f"/v4/schedules/{schedule_id}").status_code == 200
        assert api.msg_id_records(schedule_id) == before
        assert api.get("/v4/push_plan/list", params={"page_index": 1, "page_size": 10}).json()["total"] == 1
        control.advance(86400)
        after = api.msg_id_records(schedule_id)
    assert after[:2] == before
    assert len(after) == 3  # the next day fires once; nothing fired twice
    assert len({r["msg_id"] for r in after}) == 3


def test_a_restart_with_the_same_seed_never_gives_a_new_schedule_an_id_in_use(tmp_path: Path) -> None:
    db = tmp_path / "emulator.sqlite"
    with running_emulator(db=db, seed=3, start_time=START_AT, frozen=True) as url:
        first = Api(url).create(periodical(end="2025-01-10 00:00:00"))

    with running_emulator(db=db, seed=3, start_time=START_AT, frozen=True) as url:
        api = Api(url)
        second = api.create(periodical(end="2025-01-10 00:00:00"))
        listed = {schedule["schedule_id"] for schedule in api.get("/v4/schedules").json()["schedules"]}
        EmulatorControl(url).advance(86400)  # both fire, once each
        fired = [len(api.msg_id_records(schedule_id)) for schedule_id in (first, second)]

    assert second != first
    assert listed == {first, second}
    assert fired == [1, 1]


def test_the_same_command_line_again_keeps_the_saved_clock(tmp_path: Path) -> None:
    db = tmp_path / "emulator.sqlite"
    with running_emulator(db=db, start_time=START_AT, frozen=True) as url:
        EmulatorControl(url).advance(3600)

    with running_emulator(db=db, start_time=START_AT, frozen=True) as url:
        control = EmulatorControl(url)
        assert control.clock() == {"now": "2025-01-01T01:00:00Z", "frozen": True}
        control.reset()  # the flags still say where reset goes
        assert control.clock() == {"now": "2025-01-01T00:00:00Z", "frozen": True}


def test_the_db_holds_one_json_snapshot_per_part(tmp_path: Path) -> None:
    db = tmp_path / "emulator.sqlite"
    with running_emulator(db=db, start_time=START_AT, frozen=True) as url:
        Api(url).create(periodical())
    with sqlite3.connect(db) as connection:
        parts = dict(connection.execute("SELECT part, length(data) FROM snapshots").fetchall())
    assert set(parts) == {"clock", "engagelab", "pai"}
    assert parts["engagelab"] > 100


def test_without_a_db_a_restart_starts_empty() -> None:
    with running_emulator(start_time=START_AT, frozen=True) as url:
        Api(url).create(periodical())
    with running_emulator(start_time=START_AT, frozen=True) as url:
        assert Api(url).get("/v4/schedules").json()["total_count"] == 0


# --- saved where it changes: the backends, without HTTP ---------------------------------------------


def test_a_backend_saves_its_part_as_a_change_returns(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "emulator.sqlite")
    clock = Clock(START_AT, frozen=True)
    backend = EngageLabBackend(clock, seed=1, store=store)
    schedule_id = backend.create_schedule(periodical(end="2025-01-10 00:00:00"))["schedule_id"]
    saved = SnapshotStore(store.path).load()
    assert set(saved) == {"engagelab"}
    assert [s["schedule_id"] for s in saved["engagelab"]["schedules"]] == [schedule_id]

    backend.fire_due(clock.advance(86400))
    assert SnapshotStore(store.path).load()["engagelab"] == backend.snapshot()

    backend.delete_schedule(schedule_id)
    assert SnapshotStore(store.path).load()["engagelab"]["schedules"] == []


def test_a_refused_call_saves_nothing(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "emulator.sqlite")
    backend = EngageLabBackend(Clock(START_AT, frozen=True), store=store)
    with pytest.raises(EngageLabError):
        backend.create_schedule(single("2024-12-31 12:00:00"))  # in the past
    assert SnapshotStore(store.path).load() == {}


def test_the_pai_backend_saves_its_own_part(tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "emulator.sqlite")
    backend = PaiBackend(Clock(START_AT, frozen=True), seed=2, store=store)
    created = backend.create_schedule({"GroupId": "g", "Name": "Once", "ExecuteTime": ""})
    saved = SnapshotStore(store.path).load()
    assert set(saved) == {"pai"}
    assert [s["id"] for s in saved["pai"]["schedules"]] == [created["Id"]]

"""One snapshot convention for both backends: records as JSON objects, read back by their hints."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from engagelab_harness import START_AT, periodical, single

from airflow_provider_engage import plain_json
from airflow_provider_engage.emulator.clock import Clock
from airflow_provider_engage.emulator.engagelab.models import EngageLabBackend
from airflow_provider_engage.emulator.pai.models import PaiBackend

# --- the convention --------------------------------------------------------------------------------


@dataclass
class _Inner:
    at: datetime
    code: int = 0


@dataclass
class _Outer:
    name: str
    when: datetime | None
    inners: list[_Inner] = field(default_factory=list)
    history: list[tuple[datetime, int]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    maybe: _Inner | None = None


AT = datetime(2025, 1, 1, 8, 30, tzinfo=timezone(timedelta(hours=8)))


def test_records_are_plain_json_with_iso_instants() -> None:
    record = _Outer("x", AT, [_Inner(AT, 3)], [(AT, 1)], {"k": [1, "a"]}, _Inner(AT))
    assert plain_json.dump(record) == {
        "name": "x",
        "when": "2025-01-01T08:30:00+08:00",
        "inners": [{"at": "2025-01-01T08:30:00+08:00", "code": 3}],
        "history": [["2025-01-01T08:30:00+08:00", 1]],
        "extra": {"k": [1, "a"]},
        "maybe": {"at": "2025-01-01T08:30:00+08:00", "code": 0},
    }


def test_a_record_reads_back_equal_through_json_text() -> None:
    record = _Outer("x", AT, [_Inner(AT, 3)], [(AT, 1)], {"k": [1, "a"]}, _Inner(AT))
    again = plain_json.load_record(_Outer, json.loads(json.dumps(plain_json.dump(record))))
    assert again == record
    assert isinstance(again.history[0], tuple)
    assert again.when is not None
    assert again.when.utcoffset() == timedelta(hours=8)


def test_missing_fields_take_their_defaults_and_none_stays_none() -> None:
    again = plain_json.load_record(_Outer, {"name": "x", "when": None})
    assert again == _Outer("x", None)


def test_a_hint_reads_plain_values_too() -> None:
    state = (3, (1, 2, 3), None)
    assert plain_json.load(tuple[int, tuple[int, ...], float | None], plain_json.dump(state)) == state


def test_instants_tagged_the_old_pai_way_still_read() -> None:
    assert plain_json.load(datetime, {"$dt": "2025-01-01T00:00:00+00:00"}) == START_AT


def test_only_records_are_loaded_as_records() -> None:
    with pytest.raises(TypeError):
        plain_json.load_record(dict, {})


# --- each backend's snapshot round-trips --------------------------------------------------------


def _through_json(data: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(data))
    return loaded


def test_an_engagelab_snapshot_restores_and_carries_on_identically() -> None:
    clock = Clock(START_AT, frozen=True)
    backend = EngageLabBackend(clock, seed=4)
    backend.upsert_plan("spring", "spring sale")
    backend.create_schedule(periodical(end="2025-01-10 00:00:00", plan_id="spring"))
    backend.create_schedule(single("2025-01-03 12:00:00", to={"registration_id": ["gone-1"]}))
    backend.create_schedule(periodical(zone_type=2))
    backend.fire_due(clock.advance(2 * 86400))
    saved = _through_json(backend.snapshot())
    assert saved["messages"]
    assert saved["plans"][0]["count"] == 2

    twin = EngageLabBackend(clock, seed=99)
    twin.restore(saved)
    assert twin.snapshot() == backend.snapshot()
    assert twin.state() == backend.state()
    for each in (backend, twin):
        each.fire_due(clock.now() + timedelta(days=3))
    assert twin.snapshot() == backend.snapshot()  # the same firings, msg ids and records


def test_a_pai_snapshot_restores_and_carries_on_identically() -> None:
    clock = Clock(datetime(2024, 11, 30, tzinfo=UTC), frozen=True)
    backend = PaiBackend(clock, seed=3)
    backend.create_schedule(
        {"GroupId": "g", "Name": "Hourly", "ExecuteTime": "2024-11-30 09:00:00", "RepeatCycle": 1,
         "RepeatCycleUnit": 1, "RepeatTimes": 5}
    )  # fmt: skip
    backend.fire_due(clock.advance(3 * 3600))
    saved = _through_json(backend.snapshot())
    assert saved["messages"]

    twin = PaiBackend(clock, seed=99)
    twin.restore(saved)
    assert twin.snapshot() == backend.snapshot()
    for each in (backend, twin):
        each.fire_due(clock.now() + timedelta(hours=4))
    assert twin.snapshot() == backend.snapshot()


_PAI_INSTANTS = {"created_at", "updated_at", "cursor", "next_due", "last_sent_at", "sent_at", "settle_at"}


def _tagged(record: dict[str, Any]) -> dict[str, Any]:
    """A record as PAI snapshots wrote it before: instants as ``{"$dt": iso}``."""
    tagged = {k: {"$dt": v} if k in _PAI_INSTANTS and v else v for k, v in record.items()}
    if "history" in tagged:
        tagged["history"] = [[{"$dt": at}, status] for at, status in tagged["history"]]
    return tagged


def test_a_pai_snapshot_in_the_old_tagged_form_restores() -> None:
    clock = Clock(datetime(2024, 11, 30, tzinfo=UTC), frozen=True)
    backend = PaiBackend(clock, seed=3)
    backend.create_schedule({"GroupId": "g", "Name": "Once", "ExecuteTime": ""})
    backend.fire_due(clock.advance(60))
    saved = _through_json(backend.snapshot())
    old = {
        "rng": saved["rng"],
        "schedules": [_tagged(s) for s in saved["schedules"]],
        "messages": [_tagged(m) for m in saved["messages"]],
    }
    twin = PaiBackend(clock)
    twin.restore(old)
    assert twin.snapshot() == backend.snapshot()

"""Restarts campaign: the emulator, in a process of its own with a ``--db`` snapshot file, is
stopped and started again mid-campaign (once cleanly, SIGTERM; once killed, SIGKILL), with the
same command line, while the provider creates schedules and while its sensors wait.

What must hold: every schedule asked for exists exactly once (none lost, none duplicated); what
fired before a restart is still there after it, unchanged; every occurrence fired exactly once,
across restarts (one record per occurrence, message ids never repeated); the clock is where it
was; and the provider's clients ride through the downtime (refused and dropped connections are
transient: the hooks retry them, and a try that fails anyway says so and the next one succeeds).
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pendulum
import pytest
import requests

from airflow_provider_engage import timing
from airflow_provider_engage.emulator import EmulatorConfig
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.emulator.process import EmulatorProcess
from airflow_provider_engage.emulator.store import SnapshotStore
from tests.proof.campaign import PUSH, SITE_TZ, create_schedules, created_ids, proof_connection, wall
from tests.proof.conftest import TIMEOUT, RecordFigures
from tests.proof.faults import count_causes, unexplained
from tests.proof.tries import TaskRun
from tests.proof.waits import wait_for_own_firing
from tests.unit.sensors.conftest import SimulatedTime, simulate_time

pytestmark = pytest.mark.timeout(TIMEOUT)

DAYS = 6  # how long the daily schedules run; the campaign fires three days of them
# Enough patience in the hooks for a restart (about 2 s here): 8 retries, 0.2 s growing to 1 s.
RIDE_THROUGH = {"max_retries": 8, "retry_min_wait": 0.2, "retry_max_wait": 1.0}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Restartable:
    """One emulator at one address with one ``--db`` file, brought back after each stop.

    Every start uses the same config, as a user runs the same command again. It is stopped by
    its pid only: SIGTERM (a clean stop, which saves) or SIGKILL (a crash, which saves nothing).
    """

    config: EmulatorConfig
    process: EmulatorProcess | None = None
    downtimes: list[float] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.config.port}"

    def start(self) -> None:
        self.process = EmulatorProcess(self.config)
        self.process.start()

    def restart(self, *, crash: bool) -> None:
        assert self.process is not None
        assert self.process.pid is not None
        began = time.monotonic()
        if crash:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.stop()  # SIGTERM; after a SIGKILL only the reaping
        self.start()
        self.downtimes.append(time.monotonic() - began)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


def restart_in_background(emulator: Restartable, *, crash: bool, then: threading.Event) -> None:
    def restart() -> None:
        emulator.restart(crash=crash)
        then.set()

    threading.Thread(target=restart, name="restart-emulator", daemon=True).start()


@pytest.fixture
def restartable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Restartable]:
    start = pendulum.now("UTC").replace(second=0, microsecond=0)
    config = EmulatorConfig(
        port=free_port(), db=tmp_path / "state.sqlite", seed=5, engagelab_qps=0, start_time=start, frozen=True
    )
    emulator = Restartable(config)
    emulator.start()
    monkeypatch.setenv("AIRFLOW_CONN_ENGAGELAB_DEFAULT", proof_connection(emulator.url, **RIDE_THROUGH))
    yield emulator
    emulator.stop()


def phase_items(phase: int, count: int, now: pendulum.DateTime) -> list[dict[str, Any]]:
    """Half single pushes over the next day, half daily schedules firing from a few hours on."""
    items: list[dict[str, Any]] = []
    for index in range(count):
        at = now.add(hours=1 + index % 20, minutes=index % 60)
        name = f"Phase{phase}_{index:04d}"
        if index % 2:
            items.append({"name": name, "push": PUSH, "send_at": at.isoformat()})
        else:
            items.append(
                {
                    "name": name,
                    "push": PUSH,
                    "start": wall(now),
                    "end": wall(now.add(days=DAYS)),
                    "time": wall(at)[11:],
                    "time_unit": "day",
                }
            )
    return items


def fired_records(control: EmulatorControl, schedule_ids: list[str]) -> dict[str, list[tuple[int, str]]]:
    """Every schedule's msg-id records as ``(ts, msg_id)``, in firing order; a schedule the
    emulator does not know is left out (the comparisons then find it lost)."""
    found = {}
    for schedule_id in schedule_ids:
        try:
            records = control.schedule(schedule_id)["msg_ids"]
        except requests.HTTPError:
            continue
        found[schedule_id] = sorted((record["ts"], record["msg_id"]) for record in records)
    return found


def saved_schedules(db: Path) -> list[dict[str, Any]]:
    """The schedules in the emulator's ``--db`` snapshot: its state, as a restart finds it."""
    store = SnapshotStore(db)
    try:
        return list(store.load()["engagelab"]["schedules"])
    finally:
        store.close()


def due_occurrences(trigger: dict[str, Any], until: pendulum.DateTime) -> int:
    """How many firings ``trigger`` owes by ``until`` (the emulator fires by the same calendar)."""
    return sum(1 for occurrence in timing.occurrences(trigger, site_tz=SITE_TZ) if occurrence.latest <= until)


def test_restarts_mid_campaign_lose_nothing_and_fire_nothing_twice(
    restartable: Restartable,
    proof_size: Callable[[int, int], int],
    proof_figures: RecordFigures,
    hook_retries: Counter[str],
) -> None:
    per_phase = proof_size(40, 300)
    control = EmulatorControl(restartable.url)
    runs: list[TaskRun] = []
    kept: list[dict[str, Any]] = []  # per restart: what fired before it, and whether it is still there
    for phase, trouble in enumerate([None, "restart", "crash"]):
        now = pendulum.parse(control.clock()["now"])
        items = phase_items(phase, per_phase, now)
        before = fired_records(control, created_ids(runs))
        clock_before = control.clock()
        restarted = threading.Event()

        def make_trouble(
            done: int, trouble: str | None = trouble, restarted: threading.Event = restarted
        ) -> None:
            if trouble is not None and done == 3:  # while the next tasks run
                restart_in_background(restartable, crash=trouble == "crash", then=restarted)

        runs += create_schedules(items, prefix=f"phase{phase}_", retry_delay=0.5, after_each=make_trouble)
        if trouble is not None:
            assert restarted.wait(60), "the emulator did not come back"
            kept.append(
                {
                    "trouble": trouble,
                    "records_before": sum(len(records) for records in before.values()),
                    "unchanged": fired_records(control, list(before)) == before,
                    "clock_kept": control.clock() == clock_before,
                }
            )
        control.advance(86400)  # a day: what this phase and the earlier ones scheduled fires
    final_now = pendulum.parse(control.clock()["now"])
    records = fired_records(control, created_ids(runs))
    restartable.stop()
    saved = saved_schedules(restartable.config.db)
    failures = [message for run in runs for message in run.failures]
    names = Counter(schedule["name"] for schedule in saved)
    expected_names = {f"Phase{phase}_{index:04d}" for phase in range(3) for index in range(per_phase)}
    owed = {schedule["schedule_id"]: due_occurrences(schedule["trigger"], final_now) for schedule in saved}
    fired_twice = sum(len(found) - len({ts for ts, _ in found}) for found in records.values())
    msg_ids = Counter(msg_id for found in records.values() for _, msg_id in found)
    proof_figures(
        "restarts",
        {
            "creations": 3 * per_phase,
            "restarts": [entry["trouble"] for entry in kept],
            "downtime_seconds": [round(seconds, 2) for seconds in restartable.downtimes],
            "tries": sum(run.tries for run in runs),
            "failed_tries": len(failures),
            "failed_tries_by_cause": dict(count_causes(failures)),
            "tasks_failed_for_good": sum(not run.succeeded for run in runs),
            "hook_retries": dict(hook_retries),
            "schedules_found": len(saved),
            "duplicates": sum(count - 1 for count in names.values()),
            "lost": len(expected_names - set(names)),
            "records_before_restarts": [entry["records_before"] for entry in kept],
            "records_kept_across_restarts": all(entry["unchanged"] for entry in kept),
            "occurrences_fired": sum(len(found) for found in records.values()),
            "occurrences_owed": sum(owed.values()),
            "fired_twice": fired_twice,
            "message_ids_repeated": sum(count - 1 for count in msg_ids.values()),
        },
    )

    assert [run.task_id for run in runs if not run.succeeded] == []
    assert unexplained(failures) == []
    assert set(names) == expected_names
    assert all(count == 1 for count in names.values())
    assert len({schedule["push"]["request_id"] for schedule in saved}) == len(saved)
    assert sorted(created_ids(runs)) == sorted(owed)  # every id a task reported exists, and no other
    assert [entry["unchanged"] for entry in kept] == [True, True]
    assert [entry["clock_kept"] for entry in kept] == [True, True]
    assert all(entry["records_before"] > 0 for entry in kept)  # firings to lose were there
    assert sum(hook_retries.values()) > 0  # the downtime was met, and ridden through
    assert fired_twice == 0
    assert all(count == 1 for count in msg_ids.values())
    assert {schedule_id: len(found) for schedule_id, found in records.items()} == owed


def test_sensors_ride_through_a_restart_while_they_wait(
    restartable: Restartable,
    proof_size: Callable[[int, int], int],
    proof_figures: RecordFigures,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    control = EmulatorControl(restartable.url)
    total = proof_size(3, 12)
    waited = []
    for number in range(total):
        clock = simulate_time(control, monkeypatch)  # a fresh clock: its first sleep restarts
        crash = number % 2 == 1

        def restart_at_first_sleep(clock: SimulatedTime = clock, crash: bool = crash) -> None:
            clock.when_waiting.append(lambda: restartable.restart(crash=crash))

        waited.append(wait_for_own_firing(number, control, clock, trouble=restart_at_first_sleep))

    failures = [message for case in waited for message in case.run.failures]
    proof_figures(
        "restarts_sensors",
        {
            "sensors": total,
            "by_mode": dict(Counter(case.mode for case in waited)),
            "restarts": len(restartable.downtimes),
            "crashes": total // 2,
            "tries": sum(case.run.tries for case in waited),
            "failed_tries_by_cause": dict(count_causes(failures)),
            "wrong_firing_reported": sum(not case.right for case in waited),
        },
    )

    assert len(restartable.downtimes) == total  # each sensor waited across one
    assert [case.run.task_id for case in waited if not case.right] == []
    assert unexplained(failures) == []

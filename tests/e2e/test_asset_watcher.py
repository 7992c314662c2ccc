"""Deployment 3: an event-driven DAG. ``campaign_report`` has no sensor and no run schedule: the
asset ``engage://newsletter`` is watched by ``EngageLabMessagesEventTrigger`` in the triggerer,
and each firing of a watched schedule starts one run of it.

Three one-off pushes are created before Airflow starts (their ids go to the DAG through
``ENGAGE_NEWSLETTER_SCHEDULE_IDS``) and fire in real time, some tens of seconds apart. After
the second firing has started its run, the triggerer is killed with SIGKILL (its whole process
group); the third push fires, and expires, while no triggerer runs. Then a new triggerer is
started: it takes the watcher over, reads the cursor the first one kept in the asset's state
store, and must announce the third firing, and nothing it announced before. The DAG must have
run exactly three times, one run per firing, each with that firing's ids.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pendulum
import psycopg2
import pytest

from tests.e2e.dags import EXAMPLES
from tests.e2e.deployment import Deployment, Ports, leaks
from tests.e2e.evidence import Teardown, phase, record
from tests.e2e.processes import Service, wait_until
from tests.e2e.servers import postgres
from tests.e2e.stack import Emulator, emulator, keep_artifacts
from tests.emulator.engagelab_harness import Api, single

DAG_ID = "campaign_report"
ASSET_URI = "engage://newsletter"
TRIGGER_CLASS = "airflow_provider_engage.triggers.engagelab.EngageLabMessagesEventTrigger"
SITE_TZ = "Asia/Shanghai"
# Real seconds from creating the pushes to each one's firing. Airflow's start (components up,
# the DAG parsed, the watcher's trigger picked up) takes 30-50 s here alone, more while the other
# deployments start beside it; each firing's run takes about 5 s; the triggerer is killed after
# the second run and the third push fires while none runs.
FIRE_AFTER = (110, 145, 190)
RUN_TIMEOUT = 300
# After the last run, how long to watch for a run that should not come.
QUIET = 20


@dataclass
class Watched:
    deployment: Deployment
    emulator: Emulator
    db_port: int
    schedules: dict[str, pendulum.DateTime]  # id -> when it fires (UTC)
    triggerer: Service


def _create_pushes(emu: Emulator) -> dict[str, pendulum.DateTime]:
    """The three one-off pushes, through the provider's hook as a user's setup DAG would."""
    from airflow_provider_engage.hooks.engagelab import EngageLabHook

    conn = {
        "conn_type": "engagelab",
        "host": emu.url,
        "login": emu.secrets.app_key,
        "password": emu.secrets.master_secret,
        "extra": {"site_timezone": SITE_TZ},
    }
    key = "AIRFLOW_CONN_ENGAGELAB_DEFAULT"
    os.environ[key] = json.dumps(conn)
    try:
        hook = EngageLabHook()
        now = pendulum.parse(emu.control.clock()["now"])  # the emulator's clock runs with real time
        made = {}
        for number, seconds in enumerate(FIRE_AFTER, start=1):
            fire_at = now.add(seconds=seconds).replace(microsecond=0)
            body = single(fire_at.in_timezone(SITE_TZ).format("YYYY-MM-DD HH:mm:ss"))
            body["name"] = f"Newsletter_{number}"
            made[hook.create_schedule(body)["schedule_id"]] = fire_at
        return made
    finally:
        del os.environ[key]


@pytest.fixture(scope="module")
def watched(ports: Ports, workdir: Path) -> Iterator[Watched]:
    root = workdir / "asset-watcher"
    with contextlib.ExitStack() as stack:
        teardown = Teardown("asset-watcher: everything stopped")
        stack.callback(teardown.end)
        with phase("asset-watcher: PostgreSQL and the emulator up"):
            pg, url = postgres(root / "postgres", ports.postgres, log_dir=root / "components")
            stack.callback(pg.stop)
            emu = stack.enter_context(emulator(ports))
        schedules = _create_pushes(emu)
        deployment = Deployment(
            root,
            ports,
            url,
            dag_files=[EXAMPLES / "campaign_report.py"],
            settings={
                "ENGAGE_NEWSLETTER_SCHEDULE_IDS": ",".join(schedules),
                # Asset-triggered runs are made by the scheduler's DAG-run loop, which this
                # setting also gates; the folder holds no DAG with a time-based schedule.
                "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "True",
            },
        )
        stack.callback(keep_artifacts, deployment)
        stack.callback(deployment.stop)
        with phase("asset-watcher: airflow db migrate"):
            deployment.airflow("db", "migrate")
        with phase("asset-watcher: components up, connection made, watcher running"):
            deployment.start("scheduler", "scheduler", hostname="127.0.1.1")
            deployment.start("dag-processor", "dag-processor", hostname="127.0.1.2")
            triggerer = deployment.start(
                "triggerer-1",
                "triggerer",
                hostname="127.0.3.1",
                AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(ports.trigger_logs[0]),
            )
            deployment.start_api_server()
            emu.secrets.create_connections(deployment.api, emu.url)
            deployment.wait_for_dags([DAG_ID])
            wait_until(lambda: _watcher_holder(ports.postgres) is not None, 120, what="the watcher held")
        too_late = min(schedules.values()).subtract(seconds=10)
        assert pendulum.now("UTC") < too_late, "Airflow started too late for the first firing"
        stack.callback(teardown.start)
        yield Watched(deployment, emu, ports.postgres, schedules, triggerer)


def _query(db_port: int, sql: str) -> list[tuple[Any, ...]]:
    conn = psycopg2.connect(host="127.0.0.1", port=db_port, user="postgres", dbname="airflow")
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())
    finally:
        conn.close()


def _watcher_holder(db_port: int) -> int | None:
    """The job id of the triggerer running the watcher's trigger, if one does."""
    rows = _query(db_port, f"SELECT triggerer_id FROM trigger WHERE classpath = '{TRIGGER_CLASS}'")
    assert len(rows) <= 1, rows  # one watcher, one trigger: a re-parse must not add another
    return rows[0][0] if rows else None


def _runs(watched: Watched) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = watched.deployment.api.json(
        "GET", f"/api/v2/dags/{DAG_ID}/dagRuns", params={"order_by": "id", "limit": 50}
    )["dag_runs"]
    return runs


def _wait_for_runs(watched: Watched, count: int, killed: list[Service]) -> list[dict[str, Any]]:
    def done() -> bool:
        watched.deployment.check_alive(killed)
        runs = _runs(watched)
        return len(runs) >= count and all(run["state"] in ("success", "failed") for run in runs)

    wait_until(done, RUN_TIMEOUT, interval=1, what=f"{count} finished runs of {DAG_ID}")
    return _runs(watched)


@dataclass
class Story:
    runs: list[dict[str, Any]]
    events: list[dict[str, Any]]
    reports: dict[str, dict[str, Any]]
    holders: list[int | None]
    killed_at: pendulum.DateTime
    restarted_at: pendulum.DateTime
    emulator_state: dict[str, Any]
    msg_ids: dict[str, list[str]]


@pytest.fixture(scope="module")
def story(watched: Watched) -> Story:
    deployment, ports = watched.deployment, watched.deployment.ports
    holders = [_watcher_holder(watched.db_port)]
    secrets = watched.emulator.secrets
    client = Api(watched.emulator.url, auth=(secrets.app_key, secrets.master_secret))
    with phase("asset-watcher: two firings, two runs"):
        _wait_for_runs(watched, 2, killed=[])
    with phase("asset-watcher: triggerer SIGKILLed, the third push fires, a new triggerer takes over"):
        third_id, third = max(watched.schedules.items(), key=lambda item: item[1])
        assert pendulum.now("UTC") < third.subtract(seconds=5), "too late to kill before the third firing"
        watched.triggerer.kill_group()
        killed_at = pendulum.now("UTC")
        time.sleep(max(0.0, (third - pendulum.now("UTC")).total_seconds() + 3))  # real time
        assert client.msg_id_records(third_id), "the third push has not fired"  # the test's one read
        restarted_at = pendulum.now("UTC")
        deployment.start(
            "triggerer-2",
            "triggerer",
            hostname="127.0.3.2",
            AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(ports.trigger_logs[1]),
        )
        wait_until(
            lambda: _watcher_holder(watched.db_port) not in (None, holders[0]),
            120,
            what="the watcher's trigger held by the new triggerer",
        )
        holders.append(_watcher_holder(watched.db_port))
    with phase("asset-watcher: the third firing, its run, and quiet after"):
        _wait_for_runs(watched, 3, killed=[watched.triggerer])
        time.sleep(QUIET)
        runs = _runs(watched)
    api = deployment.api
    (asset,) = api.json("GET", "/api/v2/assets", params={"uri_pattern": ASSET_URI})["assets"]
    events = api.json("GET", "/api/v2/assets/events", params={"asset_id": asset["id"], "limit": 50})[
        "asset_events"
    ]
    reports = {
        run["dag_run_id"]: api.json(
            "GET",
            f"/api/v2/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances/report/xcomEntries/return_value",
        )["value"]
        for run in runs
    }
    state = watched.emulator.control.state()  # before the test's own reads below
    msg_ids = {sid: [r["msg_id"] for r in client.msg_id_records(sid)] for sid in watched.schedules}
    result = Story(runs, events, reports, holders, killed_at, restarted_at, state, msg_ids)
    record(
        "asset-watcher",
        {
            "schedules": {sid: at.isoformat() for sid, at in watched.schedules.items()},
            "runs": runs,
            "events": events,
            "reports": reports,
            "triggerer_jobs": holders,
            "killed_at": killed_at.isoformat(),
            "restarted_at": restarted_at.isoformat(),
            "requests": result.emulator_state["requests"],
        },
    )
    return result


def test_one_run_per_firing_each_started_by_its_own_event(story: Story, watched: Watched) -> None:
    assert [run["state"] for run in story.runs] == ["success"] * 3, story.runs
    assert {run["run_type"] for run in story.runs} == {"asset_triggered"}
    assert len(story.events) == 3, story.events
    payloads = [event["extra"]["payload"] for event in story.events]
    announced = sorted(payload["schedule_id"] for payload in payloads)
    assert announced == sorted(watched.schedules), "each schedule's firing announced once"
    for payload in payloads:
        fired_at = watched.schedules[payload["schedule_id"]]
        assert pendulum.parse(payload["occurrence"]["earliest"]) == fired_at
        assert sorted(payload["msg_ids"]) == sorted(story.msg_ids[payload["schedule_id"]])
    # Each run was started by one event and reported that firing's messages.
    by_event = {event["id"]: event for event in story.events}
    for run in story.runs:
        report = story.reports[run["dag_run_id"]]
        (event_id,) = report["event_ids"]
        event = next(e for e in by_event.values() if e["extra"]["payload"]["event_id"] == event_id)
        assert report["messages"] == len(event["extra"]["payload"]["msg_ids"]) > 0


def test_the_new_triggerer_resumed_the_watch_without_repeating_it(story: Story) -> None:
    first, second = story.holders
    assert first is not None
    assert second not in (None, first)
    # Two events before the kill, one after the restart: the new triggerer repeated neither of
    # the first two (the cursor in the asset's state store), and lost not the third, which fired
    # and expired while no triggerer ran.
    times = sorted(dt.datetime.fromisoformat(event["timestamp"]) for event in story.events)
    assert times[1] < story.killed_at < story.restarted_at < times[2], (times, story.killed_at)


def test_the_watcher_looked_only_around_the_firings(story: Story) -> None:
    reads = {
        route: statuses
        for route, statuses in story.emulator_state["requests"].items()
        if route.startswith("GET /v4/schedules/") and route.endswith("msg-ids")
    }
    calls = sum(sum(statuses.values()) for statuses in reads.values()) - 1  # the test's own read
    # Two watchers' lives over three schedules: a look at each firing (plus a few on backing
    # off until the ids are complete) and the new triggerer's look at what is due.
    assert 3 <= calls <= 15, reads


def test_no_log_holds_a_connection_secret(story: Story, watched: Watched) -> None:
    forbidden = watched.emulator.secrets.forbidden()
    assert leaks(watched.deployment.task_log_files(), forbidden) == []
    assert leaks(watched.deployment.component_logs(), forbidden) == []

"""Deployment 2: past one machine. CeleryExecutor, Redis broker, PostgreSQL for the metadata and
Celery's results, two Celery workers and two triggerers, each with a host name of its own.

The examples ``campaign_single_push`` and ``segment_fanout`` (mapped deferrable sensors, each
waiting for its zone_type 2 push in every time zone) run at once. While every sensor is
deferred, the triggerer holding the most of their triggers is killed with SIGKILL (its whole
process group, as if its machine went away). Each trigger must then be taken over by the other
triggerer and every sensor complete exactly once: one try, one trigger event, one resumption;
no schedule created twice; both runs succeed. The single push fires in
real time; once its run is over, the emulator's clock moves past the fan-out's 26-hour window,
which its sensors notice at their next clock check.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pendulum
import psycopg2
import pytest

from airflow_provider_engage.sensors.engagelab import DEFAULT_GRACE_SECONDS
from tests.e2e import netns
from tests.e2e.dags import FANOUT, SINGLE_PUSH
from tests.e2e.deployment import Deployment, Ports, leaks
from tests.e2e.evidence import Teardown, phase, record
from tests.e2e.observe import TRIGGER_CLASS, RunWatch, log_text
from tests.e2e.processes import Service, wait_until
from tests.e2e.servers import postgres, redis
from tests.e2e.stack import Emulator, emulator, keep_artifacts

WORKERS = {"worker-1": "127.0.2.1", "worker-2": "127.0.2.2"}
TRIGGERERS = {"triggerer-1": "127.0.3.1", "triggerer-2": "127.0.3.2"}
# Real seconds from the trigger to the firing: the sensors defer within about 30 s here alone
# (longer while the other deployments run beside it), the kill follows, and the survivor takes
# the triggers over 20-25 s later (health-check threshold), before the push fires.
LEAD = 150
RUN_TIMEOUT = 600


@dataclass
class Celery:
    deployment: Deployment
    emulator: Emulator
    db_port: int
    triggerers: dict[str, Service] = field(default_factory=dict)


@pytest.fixture(scope="module")
def celery(ports: Ports, workdir: Path) -> Iterator[Celery]:
    root = workdir / "celery"
    with contextlib.ExitStack() as stack:
        teardown = Teardown("celery: everything stopped")
        stack.callback(teardown.end)
        with phase("celery: PostgreSQL, Redis and the emulator up"):
            pg, url = postgres(root / "postgres", ports.postgres, log_dir=root / "components")
            stack.callback(pg.stop)
            broker, broker_url = redis(root / "redis", ports.redis, log_dir=root / "components")
            stack.callback(broker.stop)
            emu = stack.enter_context(emulator(ports))
        deployment = Deployment(
            root,
            ports,
            url,
            executor="CeleryExecutor",
            broker_url=broker_url,
            dag_files=[SINGLE_PUSH.file, FANOUT.file],
        )
        stack.callback(keep_artifacts, deployment)
        stack.callback(deployment.stop)
        with phase("celery: airflow db migrate"):
            deployment.airflow("db", "migrate")
        setup = Celery(deployment, emu, ports.postgres)
        with phase("celery: components up, connections made, DAGs parsed"):
            deployment.start("scheduler", "scheduler", hostname="127.0.1.1")
            deployment.start("dag-processor", "dag-processor", hostname="127.0.1.2")
            deployment.start_api_server()
            for (name, host), log_port in zip(WORKERS.items(), ports.worker_logs, strict=True):
                deployment.start(
                    name,
                    "celery",
                    "worker",
                    "--celery-hostname",
                    f"{name}@{host}",
                    hostname=host,
                    AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(log_port),
                )
            for (name, host), log_port in zip(TRIGGERERS.items(), ports.trigger_logs, strict=True):
                setup.triggerers[name] = deployment.start(
                    name, "triggerer", hostname=host, AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(log_port)
                )
            emu.secrets.create_connections(deployment.api, emu.url)
            deployment.wait_for_dags([SINGLE_PUSH.dag_id, FANOUT.dag_id])
            wait_until(
                lambda: (
                    {j["hostname"] for j in deployment.api.jobs("TriggererJob") if j["state"] == "running"}
                    >= set(TRIGGERERS.values())
                ),
                120,
                what="both triggerers heartbeating",
            )
            for name in WORKERS:
                wait_until(
                    lambda name=name: "ready." in deployment.component_logs()[f"{name}.log"],
                    120,
                    what=f"{name} ready",
                )
        stack.callback(teardown.start)
        yield setup


@dataclass
class Failover:
    watches: list[RunWatch]
    runs: dict[str, dict[str, Any]]
    held_at_kill: dict[str, list[tuple[str, int, str]]]
    victim: str
    victim_job: int
    survivor_job: int
    fire_at: pendulum.DateTime
    emulator_state: dict[str, Any]
    triggers_left: int


def _sensor_keys(watches: list[RunWatch]) -> list[tuple[RunWatch, tuple[str, int]]]:
    return [(watch, key) for watch in watches for key in watch.sensors()]


@pytest.fixture(scope="module")
def failover(celery: Celery) -> Failover:
    deployment, control = celery.deployment, celery.emulator.control
    api = deployment.api
    fire_at = SINGLE_PUSH.fire_at
    dags = (SINGLE_PUSH, FANOUT)  # in the order their pushes fire
    watches = [RunWatch(dag.dag_id, f"e2e_{dag.dag_id}") for dag in dags]

    def poll() -> None:
        for watch in watches:
            watch.take(api.task_instances(watch.dag_id, watch.run_id))

    with phase("celery: both DAGs triggered, every sensor deferred"):
        control.set_clock(fire_at.subtract(seconds=LEAD), frozen=False)
        for dag, watch in zip(dags, watches, strict=True):
            api.trigger(dag.dag_id, watch.run_id, logical_date=dag.logical_date, interval=dag.interval)

        def all_held() -> bool:
            poll()
            deployment.check_alive()
            keys = _sensor_keys(watches)
            # The fan-out's sensors exist once its create task has expanded them.
            if len({w.dag_id for w, _ in keys}) < len(watches):
                return False
            return all(
                w.history[k][-1].state == "deferred" and w.history[k][-1].triggerer_job for w, k in keys
            )

        try:
            wait_until(all_held, 180, interval=1, what="every sensor deferred and its trigger claimed")
        except TimeoutError as exc:
            raise AssertionError(f"{exc}: {[w.summary() for w in watches]}") from None

    held: dict[str, list[tuple[str, int, str]]] = {}
    jobs = {}
    for watch, key in _sensor_keys(watches):
        last = watch.history[key][-1]
        held.setdefault(last.triggerer_host or "?", []).append((watch.dag_id, *key))
        jobs[last.triggerer_host] = last.triggerer_job
    victim_host = max(held, key=lambda host: len(held[host]))
    victim = next(name for name, host in TRIGGERERS.items() if host == victim_host)
    survivor_host = next(host for host in TRIGGERERS.values() if host != victim_host)
    (survivor_job,) = [
        j["id"]
        for j in api.jobs("TriggererJob")
        if j["hostname"] == survivor_host and j["state"] == "running"
    ]
    with phase(f"celery: {victim} SIGKILLed, its triggers taken over, runs finished"):
        assert pendulum.parse(control.clock()["now"]) < fire_at.subtract(seconds=20), "too late to kill"
        celery.triggerers[victim].kill_group()
        killed_at = time.monotonic()
        runs = {}
        for dag, watch in zip(dags, watches, strict=True):
            if dag.moves_clock:  # hours pass while its sensors sleep: past every zone and the grace
                control.set_clock(dag.fire_at.add(seconds=DEFAULT_GRACE_SECONDS + 60), frozen=False)
            runs[watch.dag_id] = api.wait_for_run(
                watch.dag_id, watch.run_id, RUN_TIMEOUT - (time.monotonic() - killed_at), lambda _tis: poll()
            )
        poll()
    conn = psycopg2.connect(host="127.0.0.1", port=celery.db_port, user="postgres", dbname="airflow")
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM trigger")
            (triggers_left,) = cursor.fetchone()
    finally:
        conn.close()
    result = Failover(
        watches,
        runs,
        held,
        victim,
        jobs[victim_host],
        survivor_job,
        fire_at,
        control.state(),
        triggers_left,
    )
    record(
        "celery-failover",
        {
            "held_at_kill": held,
            "victim": victim,
            "victim_job": result.victim_job,
            "survivor_job": survivor_job,
            "runs": runs,
            "task_instances": {w.dag_id: w.summary() for w in watches},
            "emulator": result.emulator_state,
        },
    )
    return result


def test_both_runs_succeed(failover: Failover) -> None:
    assert {dag_id: run["state"] for dag_id, run in failover.runs.items()} == {
        SINGLE_PUSH.dag_id: "success",
        FANOUT.dag_id: "success",
    }
    for watch in failover.watches:
        finals = watch.finals()
        assert set(finals.values()) == {"success"}, finals


def test_the_killed_triggerer_held_triggers_and_the_other_took_them_over(failover: Failover) -> None:
    victim_host = TRIGGERERS[failover.victim]
    assert failover.held_at_kill[victim_host], failover.held_at_kill
    survivor_host = next(host for host in TRIGGERERS.values() if host != victim_host)
    moved = 0
    for watch, key in _sensor_keys(failover.watches):
        holders = watch.deferred_on(key)
        assert holders, f"{watch.dag_id} {key} never seen deferred"
        assert {seen.trigger for seen in watch.history[key] if seen.state == "deferred"} == {TRIGGER_CLASS}
        if holders[0][1] == victim_host:
            assert holders == [(failover.victim_job, victim_host), (failover.survivor_job, survivor_host)]
            moved += 1
        else:
            assert holders == [(failover.survivor_job, survivor_host)]
    assert moved == len(failover.held_at_kill[victim_host])
    assert failover.triggers_left == 0  # every trigger ended and was cleaned up


def test_every_sensor_completed_exactly_once(failover: Failover, celery: Celery) -> None:
    api, home = celery.deployment.api, celery.deployment.home
    survivor = next(name for name in TRIGGERERS if name != failover.victim)
    survivor_fired = [
        line for line in celery.triggerers[survivor].log_text().splitlines() if "Trigger fired event" in line
    ]
    for watch, (task_id, map_index) in _sensor_keys(failover.watches):
        tries = api.tries(watch.dag_id, watch.run_id, task_id, map_index)
        assert [(t["try_number"], t["state"]) for t in tries] == [(1, "success")], tries
        entries = api.log(watch.dag_id, watch.run_id, task_id, 1, map_index)
        fired = [e for e in entries if e.get("event") == "Trigger fired event"]
        # Airflow 3.3 sometimes writes a taken-over trigger's lines to the triggerer's own output
        # instead of the try's trigger file (seen once in several runs): the one event is then
        # there, named for this try, and counted the same.
        name = f"name='{watch.dag_id}/{watch.run_id}/{task_id}/{map_index}/1"
        survivor_output = [line for line in survivor_fired if name in line]
        assert len(fired) + len(survivor_output) == 1, log_text(entries)
        assert "'status': 'success'" in (str(fired[0].get("result")) if fired else survivor_output[0])
        resumed = [e for e in entries if "fired for its" in str(e.get("event"))]
        assert len(resumed) == 1, log_text(entries)
        # The triggerers' own log files for this try: the event came from the survivor only.
        folder = home / "logs" / f"dag_id={watch.dag_id}" / f"run_id={watch.run_id}" / f"task_id={task_id}"
        if map_index >= 0:
            folder /= f"map_index={map_index}"
        files = {
            int(p.name.rsplit(".", 2)[-2]): p.read_text() for p in folder.glob("attempt=1.log.trigger.*.log")
        }
        events = Counter({job: text.count("Trigger fired event") for job, text in files.items()})
        # The one event came from the triggerer holding the trigger when the push fired: the
        # survivor, also for the triggers the killed one had held (its own file, if it wrote one
        # before the SIGKILL, has no event).
        tails = {job: text[-2000:] for job, text in files.items()}
        assert events[failover.survivor_job] + len(survivor_output) == 1, tails
        assert sum(events.values()) + len(survivor_output) == 1, events
        # Any other start of the same trigger (Airflow may hand a trigger to a second triggerer
        # around its firing) ended cancelled, without an event of its own.
        for job, text in files.items():
            if events[job] == 0 and job != failover.victim_job:
                assert "Trigger cancelled" in text, text


def test_no_schedule_was_created_twice(failover: Failover) -> None:
    expected = SINGLE_PUSH.schedules + FANOUT.schedules
    state = failover.emulator_state
    assert state["engagelab"]["schedules"] == expected
    assert state["requests"]["POST /v4/schedules"].get("200", 0) == expected, state["requests"]
    assert pendulum.parse(state["now"]) > failover.fire_at


def test_no_log_holds_a_connection_secret(failover: Failover, celery: Celery) -> None:
    deployment, forbidden = celery.deployment, celery.emulator.secrets.forbidden()
    files = deployment.task_log_files()
    assert files
    assert leaks(files, forbidden) == []
    assert leaks(deployment.component_logs(), forbidden) == []


def test_nothing_is_reachable_from_outside_the_namespace(failover: Failover, celery: Celery) -> None:
    ports = celery.deployment.ports
    survivor = next(name for name in TRIGGERERS if name != failover.victim)
    survivor_log_port = ports.trigger_logs[list(TRIGGERERS).index(survivor)]
    expected = [ports.api, ports.postgres, ports.redis, ports.emulator, *ports.worker_logs, survivor_log_port]
    record("celery-isolation", netns.check_isolation(expected))

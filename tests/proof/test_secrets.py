"""Secrets: every example DAG run with distinctive credentials leaves them nowhere.

The example DAG tests of ``tests/dags/test_examples.py`` are run here as they are (their
orchestration of the emulator's clock, their assertions), but against an emulator whose
credentials are distinctive strings and with an Airflow home of this module's own. After each
run the scan of ``secrets_scan`` looks for every secret in the home's database (XCom, rendered
fields, task instances ...), the decrypted kwargs of every trigger the run deferred on, the
task log files and what the run printed, exception texts included: zero occurrences. A run with
a wrong (but as distinctive) Master Secret fails on the service's refusal, and its exception
texts are scanned too. First, a DAG that leaks on purpose proves the scan finds a secret in
each place. Figures: ``secrets_scan``.

Wrong credentials (as distinctive) are refused by the service, and what the refused hooks and
tasks raise and log is scanned too; the event-driven example, which ``airflow dags test`` does
not run (an asset watcher starts it), is scanned as the dag-processor stores it: its serialized
DAG with its event trigger's kwargs.

The short form runs the example that waits for no firing (``maintenance``: creates read back,
updates, deletes) besides the leaking DAG, whose deferral covers the trigger kwargs; the full
form (``ENGAGE_PROOF=full``) runs every example DAG test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import json
import logging
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import TaskDeferred

from airflow_provider_engage.emulator import Credentials, EmulatorConfig, running_emulator
from airflow_provider_engage.hooks.engagelab import EngageLabAsyncHook, EngageLabHook
from airflow_provider_engage.hooks.pai import PaiEngagementHook
from airflow_provider_engage.operators.engagelab import EngageLabUpsertPushPlanOperator
from airflow_provider_engage.operators.pai import PaiCreateScheduleOperator
from airflow_provider_engage.sensors.engagelab import (
    EngageLabPushPlanMessagesSensor,
    EngageLabScheduleFiredSensor,
)
from airflow_provider_engage.sensors.pai import PaiScheduleSensor
from airflow_provider_engage.testing import DagsTest, DagTestResult, EngageEmulator
from tests.dags import test_campaign_report, test_examples
from tests.dags.conftest import dag_emulator, run_dag  # noqa: F401 (the example tests' fixtures)
from tests.helpers import connection
from tests.proof.conftest import FULL
from tests.proof.secrets_scan import Scan, forms, keep_triggers

CREDENTIALS = Credentials(
    app_key="proof-appkey-4c1e",
    master_secret="MS-PROOF-SECRET-9f27c3d1e8",
    pai_api_key="sk-PROOF-SECRET-5b8e2a7d40",
    pai_ak_id="proof-akid-77d0",
    pai_ak_secret="AK-PROOF-SECRET-e61f0c93b2",
)
WRONG_MASTER_SECRET = "MS-PROOF-WRONG-3a9d5e71c6"
SECRETS = forms(
    {
        "master_secret": CREDENTIALS.master_secret,
        "pai_api_key": CREDENTIALS.pai_api_key,
        "pai_ak_secret": CREDENTIALS.pai_ak_secret,
        "wrong_master_secret": WRONG_MASTER_SECRET,
    },
    basic=[(CREDENTIALS.app_key, CREDENTIALS.master_secret), (CREDENTIALS.app_key, WRONG_MASTER_SECRET)],
)
SHORT = {"maintenance"}
"""The examples the short form runs (by a word their tests' names carry): a run of every
example takes minutes (real waits for firings), so ``make test`` runs the one that waits for none."""
PROJECT = Path(__file__).parents[2]
PROOF_DAGS = Path(__file__).parent / "dag_files"
LEAKED = "LEAKED-PROOF-0d4b9e"
RUN_OUTPUT = "run output (logs, exception texts)"


class RecordedDagsTest(DagsTest):
    """``airflow dags test`` that keeps what every run printed, for the scan."""

    runs: list[DagTestResult]

    def __call__(self, dag_id: str, **kwargs: Any) -> DagTestResult:
        done = super().__call__(dag_id, **kwargs)
        self.runs.append(done)
        return done


@pytest.fixture(scope="module")
def secrets_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("airflow-home-secrets")
    DagsTest(home, {}).migrate()
    keep_triggers(home)
    return home


@pytest.fixture(scope="module")
def _secrets_server() -> Iterator[EngageEmulator]:
    with running_emulator(EmulatorConfig(seed=1, credentials=CREDENTIALS)) as url:
        control = EngageEmulator(url, CREDENTIALS)
        yield control
        control.close()


@pytest.fixture
def engage_emulator(_secrets_server: EngageEmulator, monkeypatch: pytest.MonkeyPatch) -> EngageEmulator:
    """The kit's fixture, with this module's credentials."""
    _secrets_server.reset()
    _secrets_server.clear_faults()
    for name, value in _secrets_server.connections().items():
        monkeypatch.setenv(name, value)
    return _secrets_server


@pytest.fixture
def airflow_dags_test(secrets_home: Path, engage_emulator: EngageEmulator) -> RecordedDagsTest:
    recorder = RecordedDagsTest(secrets_home, engage_emulator.connections())
    recorder.runs = []
    return recorder


@pytest.fixture(scope="module")
def totals() -> Scan:
    return Scan(SECRETS)


def scan_after(home: Path, recorder: RecordedDagsTest, secrets: dict[str, str]) -> Scan:
    scan = Scan(secrets)
    scan.home(home, recorder.env(home))
    for done in recorder.runs:
        scan.text(RUN_OUTPUT, done.log)
    return scan


def test_the_scan_finds_a_leaked_secret_in_every_place(
    airflow_dags_test: RecordedDagsTest, secrets_home: Path
) -> None:
    env = {"PROOF_LEAKED": LEAKED, "AIRFLOW_VAR_LEAKED": LEAKED, "PYTHONPATH": str(PROJECT)}
    done = airflow_dags_test("leaky", dags_folder=PROOF_DAGS, env=env)

    assert f"RuntimeError: refused: {LEAKED}" in done.log
    places = {place for place, _ in scan_after(secrets_home, airflow_dags_test, {"leaked": LEAKED}).found}
    assert {"XCom", "rendered template fields", RUN_OUTPUT} <= places
    # Airflow 2.11's `dags test` runs a trigger in-process, storing no row: see the next test.
    assert ("trigger kwargs (decrypted)" in places) == test_campaign_report.AIRFLOW_3


def test_no_secret_in_the_trigger_a_sensor_defers_with(engage_emulator: EngageEmulator, totals: Scan) -> None:
    """Each sensor, deferrable, defers on its trigger: its kwargs, the JSON a triggerer gets."""
    hook, pai = EngageLabHook(), PaiEngagementHook()
    hook.upsert_push_plan("proof_plan", "Proof")
    day = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    body = {
        "name": "Proof_push",
        "enabled": True,
        "trigger": {"single": {"time": day.strftime("%Y-%m-%d %H:%M:%S"), "zone_type": 1}},
        "push": {"to": "all", "body": {"platform": "all", "notification": {"alert": "Proof"}}},
    }
    schedule_id = hook.create_schedule(body)["schedule_id"]
    plan_id = pai.create_schedule(
        group_id="g1", name="Proof_plan", execute_time=day.strftime("%Y-%m-%d %H:%M:%S")
    )["Id"]
    today = dt.datetime.now(dt.UTC).date()
    sensors = [
        EngageLabScheduleFiredSensor(task_id="fired", schedule_id=schedule_id, deferrable=True),
        EngageLabPushPlanMessagesSensor(
            task_id="plans",
            plan_ids=["proof_plan"],
            start_date=today,
            end_date=today + dt.timedelta(days=1),
            deferrable=True,
        ),
        PaiScheduleSensor(task_id="pai", schedule_id=plan_id, deferrable=True),
    ]
    scan = Scan(SECRETS)
    for sensor in sensors:
        with pytest.raises(TaskDeferred) as deferred:
            sensor.execute({})
        classpath, kwargs = deferred.value.trigger.serialize()
        assert kwargs["conn_id"]  # the connection is named, its credentials are not carried
        scan.text("trigger kwargs (sensors deferring)", json.dumps([classpath, kwargs], default=str))
    totals.scanned.update(scan.scanned)
    assert scan.found == []


def _example_tests() -> dict[str, Any]:
    """The example DAG tests that run a DAG, under names of this module."""
    chosen = {}
    for name, test in vars(test_examples).items():
        if not (name.startswith("test_") and "run_dag" in inspect.signature(test).parameters):
            continue
        if FULL or any(word in name for word in SHORT):
            chosen[f"test_no_secret_left_by_{name.removeprefix('test_')}"] = test
    return chosen


globals().update(_example_tests())


@pytest.fixture(autouse=True)
def _scanned(
    airflow_dags_test: RecordedDagsTest, secrets_home: Path, totals: Scan, proof_figures: Any
) -> Iterator[None]:
    """After each test: the whole home and what its runs printed, and not one secret."""
    yield
    scan = scan_after(secrets_home, airflow_dags_test, SECRETS)
    for place, count in scan.scanned.items():
        # The home is scanned whole after each test: its places count once, at their largest.
        totals.scanned[place] = (
            count + totals.scanned[place] if place == RUN_OUTPUT else max(count, totals.scanned[place])
        )
    totals.found += scan.found
    totals.scanned["DAG runs"] += len(airflow_dags_test.runs)
    assert scan.found == [], f"secrets found: {scan.found}"
    proof_figures("secrets_scan", totals.figures())


WRONG_CONNECTIONS = {
    "engagelab_wrong": {"login": CREDENTIALS.app_key, "password": WRONG_MASTER_SECRET},
    "pai_roa_wrong": {
        "conn_type": "pai_engagement",
        "login": CREDENTIALS.pai_ak_id,
        "password": WRONG_MASTER_SECRET,
        "api_style": "roa",
    },
    "pai_gateway_wrong": {"conn_type": "pai_engagement", "login": None, "password": WRONG_MASTER_SECRET},
}


def refused_calls() -> dict[str, Callable[[], object]]:
    """A hook call, an async hook call and a task of each connection style, all refused (401)."""
    engagelab, roa, gateway = "engagelab_wrong", "pai_roa_wrong", "pai_gateway_wrong"

    async def async_read() -> object:
        hook = EngageLabAsyncHook(engagelab)
        try:
            return await hook.get_schedule("a1b2")
        finally:
            await hook.close()

    plan = {"group_id": "g1", "name": "Proof_plan", "execute_time": "2031-01-02 09:30:00"}
    return {
        "EngageLabHook.list_schedules": lambda: EngageLabHook(engagelab).list_schedules(),
        "EngageLabAsyncHook.get_schedule": lambda: asyncio.run(async_read()),
        "EngageLabUpsertPushPlanOperator": lambda: EngageLabUpsertPushPlanOperator(
            task_id="plan", plan_id="proof", plan_description="Proof", engagelab_conn_id=engagelab
        ).execute({}),
        "PaiEngagementHook.list_schedules (roa)": lambda: PaiEngagementHook(roa).list_schedules(),
        "PaiCreateScheduleOperator (roa)": lambda: PaiCreateScheduleOperator(
            task_id="pai", pai_engagement_conn_id=roa, **plan
        ).execute({}),
        "PaiCreateScheduleOperator (gateway)": lambda: PaiCreateScheduleOperator(
            task_id="pai", pai_engagement_conn_id=gateway, **plan
        ).execute({}),
    }


def test_no_secret_in_what_a_refused_call_raises_or_logs(
    engage_emulator: EngageEmulator,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    totals: Scan,
) -> None:
    """Wrong credentials, each as distinctive as the right ones: the service refuses them (401),
    and neither the exception (its text, repr, cause chain and traceback) nor the log names them."""
    for conn_id, settings in WRONG_CONNECTIONS.items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", connection(engage_emulator.url, **settings))
    scan = Scan(SECRETS)
    caplog.set_level(logging.DEBUG)
    for name, call in refused_calls().items():
        with pytest.raises(Exception) as refused:  # noqa: PT011 (each call's own failure, scanned whole)
            call()
        text = "".join(traceback.format_exception(refused.value))
        assert "Check the" in text, name  # the refusal says which credentials to check, not their value
        scan.text("exception texts (refused calls)", f"{text}\n{refused.value!r}")
    scan.text("hook and task logs (refused calls)", caplog.text)
    totals.scanned.update(scan.scanned)
    totals.found += scan.found
    assert scan.found == [], f"secrets found: {scan.found}"


# AssetWatcher is Airflow 3's: on 2.11 the file defines no DAG (tests/dags/test_campaign_report.py
# checks that), so there is nothing stored to scan and the test exists on Airflow 3 only.
if test_campaign_report.AIRFLOW_3:

    def test_no_secret_in_the_event_driven_example_as_stored(
        engage_emulator: EngageEmulator, monkeypatch: pytest.MonkeyPatch, totals: Scan
    ) -> None:
        from airflow.serialization.serialized_objects import DagSerialization

        monkeypatch.setenv("ENGAGE_NEWSLETTER_SCHEDULE_IDS", "a11, b22")
        dags, errors = test_campaign_report.parse(test_campaign_report.REPORT)
        assert errors == {}
        _, watcher = test_campaign_report.watcher_of(dags["campaign_report"])
        scan = Scan(SECRETS)
        scan.text(
            "serialized DAGs",
            json.dumps(DagSerialization.serialize_dag(dags["campaign_report"]), default=str),
        )
        scan.text("event trigger kwargs", json.dumps(watcher.trigger.serialize(), default=str))
        totals.scanned.update(scan.scanned)
        assert scan.found == []

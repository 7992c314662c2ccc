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

The short form runs the examples that, between them, use every kind of task (creates single,
bulk and periodical, updates, deletes, both sensors' waits deferred to the triggerer, the
statistics tasks); the full form runs every example.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_engage.emulator import running_emulator
from airflow_provider_engage.emulator.config import Credentials, EmulatorConfig
from airflow_provider_engage.testing import DagsTest, DagTestResult, EngageEmulator
from tests.dags import test_examples
from tests.dags.conftest import dag_emulator, run_dag  # noqa: F401 (the example tests' fixtures)
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
SHORT = {"engage_campaign", "churn_recall_pai", "maintenance"}
"""The examples the short form runs (by the words their tests' names carry)."""
PROOF_DAGS = Path(__file__).parent / "dag_files"
LEAKED = "LEAKED-PROOF-0d4b9e"


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
        scan.text("run output (logs, exception texts)", done.log)
    return scan


def test_the_scan_finds_a_leaked_secret_in_every_place(
    airflow_dags_test: RecordedDagsTest, secrets_home: Path
) -> None:
    env = {"PROOF_LEAKED": LEAKED, "AIRFLOW_VAR_LEAKED": LEAKED, "PYTHONPATH": str(Path(__file__).parents[2])}
    done = airflow_dags_test("leaky", dags_folder=PROOF_DAGS, env=env)

    assert f"RuntimeError: refused: {LEAKED}" in done.log
    places = {place for place, _ in scan_after(secrets_home, airflow_dags_test, {"leaked": LEAKED}).found}
    assert {
        "XCom",
        "rendered template fields",
        "trigger kwargs (decrypted)",
        "run output (logs, exception texts)",
    } <= places


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
    totals.scanned.update(scan.scanned)
    totals.found += scan.found
    totals.scanned["DAG runs"] += len(airflow_dags_test.runs)
    assert scan.found == [], f"secrets found: {scan.found}"
    proof_figures("secrets_scan", totals.figures())


def test_no_secret_in_the_failure_of_a_refused_run(
    run_dag: Any,
    dag_emulator: EngageEmulator,
    airflow_dags_test: RecordedDagsTest,
    secrets_home: Path,
    totals: Scan,
    proof_figures: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The service refuses a wrong Master Secret (401): the task fails, saying so, and names it not."""
    wrong = {**dag_emulator.connections()}
    wrong["AIRFLOW_CONN_ENGAGELAB_DEFAULT"] = wrong["AIRFLOW_CONN_ENGAGELAB_DEFAULT"].replace(
        CREDENTIALS.master_secret, WRONG_MASTER_SECRET
    )
    airflow_dags_test.connections = wrong
    with pytest.raises(AssertionError, match="failed") as failed:
        run_dag("engage_campaign", dags_folder=test_examples.EXAMPLES, env={"ENGAGE_STATS_DIR": os.devnull})

    assert "401" in str(failed.value) or "28101" in str(failed.value)
    scan = scan_after(secrets_home, airflow_dags_test, SECRETS)
    totals.scanned.update(scan.scanned)
    totals.scanned["refused DAG runs"] += 1
    assert scan.found == [], f"secrets found: {scan.found}"
    proof_figures("secrets_scan", totals.figures())

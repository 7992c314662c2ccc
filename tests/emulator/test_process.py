"""``emulator_process``: an emulator in a child process, started from a config, stopped by its pid."""

from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path

import pytest
import requests
from engagelab_harness import AUTH, START_AT, TIMEOUT, Api, periodical

import airflow_provider_engage.emulator as emulator_package
from airflow_provider_engage.emulator import (
    EmulatorConfig,
    EmulatorProcess,
    EmulatorStartError,
    emulator_process,
)


def test_it_serves_the_config_from_another_process() -> None:
    config = EmulatorConfig(start_time=START_AT, frozen=True, seed=3)
    with EmulatorProcess(config) as child:
        assert child.url is not None
        assert child.pid not in (None, os.getpid())
        clock = requests.get(f"{child.url}/_emulator/clock", timeout=TIMEOUT).json()
        listed = requests.get(f"{child.url}/v4/schedules", auth=AUTH, timeout=TIMEOUT)
        assert child.returncode is None
    assert clock == {"now": "2025-01-01T00:00:00Z", "frozen": True}
    assert listed.json()["total_count"] == 0
    assert child.returncode is not None  # stopped when the block ended


def test_the_context_manager_yields_the_url_and_flags_win_over_the_config() -> None:
    with emulator_process(EmulatorConfig(frozen=True), flags=["--app-key", "other-key"]) as url:
        assert url.startswith("http://127.0.0.1:")
        demo = requests.get(f"{url}/v4/schedules", auth=AUTH, timeout=TIMEOUT)
        other = requests.get(f"{url}/v4/schedules", auth=("other-key", AUTH[1]), timeout=TIMEOUT)
    assert (demo.status_code, other.status_code) == (401, 200)


def test_a_stop_is_a_clean_sigterm_that_keeps_db_state(tmp_path: Path) -> None:
    config = EmulatorConfig(db=tmp_path / "state.sqlite", start_time=START_AT, frozen=True)
    with EmulatorProcess(config) as child:
        assert child.url is not None
        schedule_id = Api(child.url).create(periodical())
    assert child.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it handled
    with emulator_process(EmulatorConfig(db=config.db)) as url:
        assert Api(url).get(f"/v4/schedules/{schedule_id}").status_code == 200


IGNORES_SIGTERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('engage-emulator serving at http://127.0.0.1:9', flush=True); time.sleep(60)"
)


@pytest.mark.skipif(sys.platform == "win32", reason="terminate() is already a kill on Windows")
def test_a_child_that_ignores_sigterm_is_killed_after_the_timeout() -> None:
    child = EmulatorProcess(stop_timeout=0.5)
    child.command = [sys.executable, "-c", IGNORES_SIGTERM]
    assert child.start() == "http://127.0.0.1:9"
    assert child.stop() == -signal.SIGKILL


def test_a_child_that_cannot_start_says_why_from_its_stderr() -> None:
    with pytest.raises(EmulatorStartError) as caught, emulator_process(flags=["--site-tz", "Mars/Olympus"]):
        pytest.fail("it should not have started")
    assert "exited with code 2" in str(caught.value)
    assert "Mars/Olympus" in str(caught.value)
    assert "usage: engage-emulator" in caught.value.stderr


def test_a_taken_port_is_reported_with_the_childs_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(EmulatorStartError, match=r"(?i)address already in use"):
            EmulatorProcess(EmulatorConfig(port=port)).start()


def test_a_child_that_stays_silent_is_stopped_after_the_startup_timeout() -> None:
    child = EmulatorProcess(startup_timeout=0.2)
    child.command = [sys.executable, "-c", "import time; time.sleep(30)"]
    with pytest.raises(EmulatorStartError, match=r"nothing served within 0\.2 s"):
        child.start()
    assert child.returncode is not None


def test_the_package_exports_it_lazily() -> None:
    assert emulator_package.emulator_process is emulator_process
    with pytest.raises(AttributeError):
        _ = emulator_package.no_such_name  # type: ignore[attr-defined]

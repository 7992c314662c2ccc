"""``engage-emulator`` / ``python -m airflow_provider_engage.emulator``: flags, banner, lifecycle."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from airflow_provider_engage.emulator import Credentials, EmulatorConfig
from airflow_provider_engage.emulator.__main__ import banner, build_parser, config_from_args, main

TIMEOUT = 10
SCRIPT = Path(sys.executable).parent / "engage-emulator"


def test_flags_become_the_config() -> None:
    args = build_parser().parse_args(
        [
            "--port", "0", "--app-key", "k", "--master-secret", "s", "--site-tz", "+07:00",
            "--legacy-msgids", "--get-as-array", "--engagelab-qps", "0", "--pai-qps", "7",
            "--max-schedules", "3", "--db", "state.sqlite", "--start-time", "2025-01-01T08:00:00+08:00",
            "--frozen", "--seed", "9",
        ]
    )  # fmt: skip
    config = config_from_args(args)
    assert (config.host, config.port) == ("127.0.0.1", 0)
    assert (config.credentials.app_key, config.credentials.master_secret) == ("k", "s")
    assert config.credentials.pai_api_key == "demo-api-key"
    assert config.site_tz == "+07:00"
    assert config.legacy_msgids
    assert config.get_as_array
    assert (config.engagelab_qps, config.pai_qps, config.max_schedules) == (0, 7, 3)
    assert config.db == Path("state.sqlite")
    assert config.start_time == datetime(2025, 1, 1, tzinfo=UTC)
    assert config.frozen
    assert config.seed == 9


def test_a_config_round_trips_through_its_flags() -> None:
    config = EmulatorConfig(
        host="127.0.0.2", port=9999, credentials=Credentials("k", "s", "a", "i", "x"), site_tz="+07:00",
        legacy_msgids=True, get_as_array=True, engagelab_qps=3, pai_qps=4, plan_query_qps=5,
        max_schedules=6, no_plan_permission=True, db=Path("s.sqlite"),
        start_time=datetime(2025, 1, 1, tzinfo=UTC), frozen=True, seed=9, fire_interval=0.25,
    )  # fmt: skip
    defaults = EmulatorConfig()
    unchanged = [f.name for f in fields(config) if getattr(config, f.name) == getattr(defaults, f.name)]
    assert unchanged == []  # every field has a flag, and this test sets each one
    assert config_from_args(build_parser().parse_args(config.flags())) == config
    assert EmulatorConfig().flags() == ["--host=127.0.0.1", "--port=0"]


def test_defaults_are_loopback_port_8765_and_the_demo_credentials() -> None:
    config = config_from_args(build_parser().parse_args([]))
    assert (config.host, config.port) == ("127.0.0.1", 8765)  # 8080 is Airflow 3's api-server
    assert config.site_tz == "Asia/Shanghai"
    assert (config.engagelab_qps, config.pai_qps) == (500, 100)


def test_help_names_the_default_port_and_why_not_8080() -> None:
    text = build_parser().format_help()
    assert "default 8765" in text
    assert "8080 is Airflow's api-server" in text


@pytest.mark.parametrize(
    "argv",
    [["--site-tz", "Mars/Olympus"], ["--start-time", "2025-01-01T00:00:00"], ["--port", "http"]],
)
def test_bad_flags_exit_with_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "usage: engage-emulator" in capsys.readouterr().err


def test_the_banner_names_url_and_credentials_and_warns_off_loopback() -> None:
    config = config_from_args(build_parser().parse_args(["--host", "0.0.0.0"]))
    text = banner("http://0.0.0.0:8080", config)
    for expected in (
        "http://0.0.0.0:8080",
        "demo-app-key",
        "demo-master-secret",
        "demo-api-key",
        "demo-ak-id",
    ):
        assert expected in text
    assert "WARNING" in text
    assert "WARNING" not in banner("http://127.0.0.1:8080", config_from_args(build_parser().parse_args([])))


@contextmanager
def _serving(command: list[str]) -> Iterator[str]:
    process = subprocess.Popen(
        [*command, "--port", "0", "--log-level", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("engage-emulator serving at http://127.0.0.1:"), first
        yield first.split()[-1]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=TIMEOUT) == 0
        assert process.stderr is not None
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)


@pytest.mark.parametrize(
    "command",
    [[sys.executable, "-m", "airflow_provider_engage.emulator"], [str(SCRIPT)]],
    ids=["python-m", "console-script"],
)
def test_it_serves_on_the_printed_port_and_stops_cleanly_on_ctrl_c(command: list[str]) -> None:
    with _serving(command) as url:
        port = int(url.rsplit(":", 1)[1])
        assert port > 0
        answer = requests.get(
            f"{url}/v4/schedules", auth=("demo-app-key", "demo-master-secret"), timeout=TIMEOUT
        )
        assert answer.json()["total_count"] == 0
        assert requests.get(f"{url}/_emulator/clock", timeout=TIMEOUT).json()["frozen"] is False

"""The seed's contract: POST /api/PaiPlugin/2022-01-12/CreateSchedule with a Bearer key."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pai_harness import CREDENTIALS, PaiEmulator

from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.emulator.server import EmulatorServer

SEED = json.loads((Path(__file__).parent / "fixtures" / "pai_seed_000.json").read_text())
EXAMPLES = SEED["curl_examples"]
VALID = {"GroupId": "group-1", "Name": "Growth_2024", "ExecuteTime": "2024-12-01 09:00:00"}


@pytest.fixture
def pai(emulator: EmulatorControl, emulator_server: EmulatorServer) -> PaiEmulator:
    return PaiEmulator.frozen_at_start(emulator, emulator_server)


def _replay(curl: str, pai: PaiEmulator) -> dict[str, Any]:
    """Run the seed's curl command as written, pointed at the emulator."""
    command = re.sub(r"https://api\.(aliyun|alibabacloud)\.com", pai.url, curl)
    command = command.replace("<your-api-key>", CREDENTIALS.pai_api_key)
    env = {
        "PATH": os.environ["PATH"],
        "DASHSCOPE_API_KEY": CREDENTIALS.pai_api_key,
        "NO_PROXY": "*",
    }
    done = subprocess.run(
        ["bash", "-c", f"{command.rstrip()} --silent --show-error --max-time 10"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def _seed_body(curl: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(curl[curl.index("-d '") + 4 : curl.rindex("'")])["body"]
    return body


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["title"] for e in EXAMPLES])
def test_seed_curl_example_is_accepted(pai: PaiEmulator, example: dict[str, str]) -> None:
    answer = _replay(example["curl"], pai)
    sent = _seed_body(example["curl"])
    assert (answer["ErrorCode"], answer["ErrorMessage"]) == (0, "OK")
    assert re.fullmatch(r"[0-9A-F-]{36}", answer["RequestId"])
    data = answer["Data"]
    assert set(SEED["response_example"]["Data"]) - {"EndTime", "TemplateId"} <= set(data)
    for key, value in sent.items():
        if key != "ExecuteTime" or value:
            assert data[key] == value, key
    assert data["Status"] == 0
    assert data["CreatedTime"] == data["UpdatedTime"] == "2024-11-30 08:00:00"
    assert pai.backend.get_schedule(data["Id"])["Name"] == sent["Name"]


def test_empty_execute_time_means_now(pai: PaiEmulator) -> None:
    immediate = next(e for e in EXAMPLES if '"ExecuteTime": ""' in e["curl"])
    assert _replay(immediate["curl"], pai)["Data"]["ExecuteTime"] == "2024-11-30 08:00:00"


def test_seed_examples_fire_by_the_emulator_clock(pai: PaiEmulator) -> None:
    """Past, immediate, daily-forever and monthly-12 plans, one emulated year later."""
    ids = {_seed_body(e["curl"])["Name"]: _replay(e["curl"], pai)["Data"]["Id"] for e in EXAMPLES}
    pai.advance(1)
    status = {name: pai.backend.get_schedule(i)["Status"] for name, i in ids.items()}
    # The 2020 one-off is past: it sends at once and is done; so is the immediate one.
    assert status == {"Growth-2021-0101": 4, "UrgentAlert": 4, "DailyReminder": 1, "MonthlyNewsletter": 1}
    pai.advance(366 * 86400)
    status = {name: pai.backend.get_schedule(i)["Status"] for name, i in ids.items()}
    # Daily without end keeps sending; 12 repeats after the first send is 13 months, not over yet.
    assert status == {"Growth-2021-0101": 4, "UrgentAlert": 4, "DailyReminder": 3, "MonthlyNewsletter": 3}
    pai.advance(31 * 86400)
    assert pai.backend.get_schedule(ids["MonthlyNewsletter"])["Status"] == 4


def test_missing_authorization_is_403(pai: PaiEmulator) -> None:
    answer = pai.gateway_create(VALID, key=None)
    assert answer.status_code == 403
    assert set(answer.json()) == {"Code", "Message", "RequestId"}
    assert answer.json()["Code"] == "InvalidApiKey"


def test_wrong_key_is_403_and_creates_nothing(pai: PaiEmulator) -> None:
    answer = pai.gateway_create(VALID, key="not-the-key")
    assert answer.status_code == 403
    assert answer.json()["Message"] == "Invalid API-key provided."
    assert pai.backend.state()["schedules"] == 0


def test_a_non_bearer_scheme_is_403(pai: PaiEmulator) -> None:
    answer = pai.gateway(json.dumps({"body": VALID}).encode(), f"Basic {CREDENTIALS.pai_api_key}")
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (b"{not json", "body"),
        (b"", "body"),
        (b'{"GroupId": "g", "Name": "Flat_not_wrapped"}', "body"),
        (b'{"body": []}', "body"),
        (b'{"body": {"GroupId": "g", "Name": "Nan_plan", "RepeatCycle": NaN}}', "body"),
    ],
)
def test_missing_or_invalid_body_is_400(pai: PaiEmulator, payload: bytes, field: str) -> None:
    answer = pai.gateway(payload, f"Bearer {CREDENTIALS.pai_api_key}")
    assert answer.status_code == 400
    body = answer.json()
    assert body["ErrorCode"] != 0
    assert body["Data"] is None
    assert body["ErrorMessage"].startswith(f"{field}:")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"Name": "x"}, "Name"),
        ({"Name": "has space"}, "Name"),
        ({"GroupId": ""}, "GroupId"),
        ({"ExecuteTime": "2024-12-01T09:00:00"}, "ExecuteTime"),
        ({"ExecuteTime": "2024-12-1 09:00:00"}, "ExecuteTime"),
        ({"RepeatCycleUnit": 5}, "RepeatCycleUnit"),
        ({"RepeatTimes": -2}, "RepeatTimes"),
        ({"PaymentType": "Free"}, "PaymentType"),
        ({"EndTime": "2024/12/31"}, "EndTime"),
        ({"RepeatCycleUnit": 2}, "RepeatCycle"),
    ],
)
def test_validation_error_names_the_field(pai: PaiEmulator, change: dict[str, Any], field: str) -> None:
    answer = pai.gateway_create({**VALID, **change})
    assert answer.status_code == 400
    body = answer.json()
    assert body["ErrorCode"] == 400
    assert body["ErrorMessage"].startswith(f"{field}:")
    assert re.fullmatch(r"[0-9A-F-]{36}", body["RequestId"])
    assert pai.backend.state()["schedules"] == 0


def test_end_time_as_date_datetime_or_epoch_is_accepted(pai: PaiEmulator) -> None:
    for end in ("2024-12-31", "2024-12-31 23:00:00", 1735660800):
        answer = pai.gateway_create({**VALID, "RepeatCycle": 1, "RepeatCycleUnit": 2, "EndTime": end})
        assert answer.status_code == 200, answer.text
        assert answer.json()["Data"]["EndTime"] == end

"""A path no route serves answers in the shape of the service whose prefix it carries.

EngageLab (``/v4/``): ``{"error": {"code", "message"}}``, the HTTP status as the code (404 unknown
path, 405 known path with another method). PAI (``/api/``): the gateway's 404
``InvalidAction.NotFound``. The control API and everything else: FastAPI's ``{"detail"}``.
"""

from __future__ import annotations

import pytest
import requests
from engagelab_harness import AUTH, TIMEOUT, Api, error_of

from airflow_provider_engage.emulator.client import EmulatorControl


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v4/push"), ("POST", "/v4/devices/abc"), ("GET", "/v4/"), ("GET", "/v4/status/detail/x")],
)
def test_an_unknown_engagelab_path_is_404_in_engagelab_shape(api: Api, method: str, path: str) -> None:
    status, code, message = error_of(api.call(method, path))
    assert (status, code) == (404, 404)
    assert path in message


def test_an_unknown_engagelab_path_answers_the_same_without_credentials(emulator_url: str) -> None:
    answer = requests.get(emulator_url + "/v4/nothing-here", timeout=TIMEOUT)
    assert error_of(answer)[:2] == (404, 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/v4/schedules", {"GET", "POST"}),
        ("POST", "/v4/schedules/abc", {"GET", "PUT", "DELETE"}),
        ("DELETE", "/v4/push_plan/list", {"GET"}),
    ],
)
def test_a_wrong_method_on_an_engagelab_path_is_405_in_engagelab_shape(
    api: Api, method: str, path: str, allowed: set[str]
) -> None:
    answer = api.call(method, path)
    status, code, message = error_of(answer)
    assert (status, code) == (405, 405)
    assert method in message
    assert {item.strip() for item in answer.headers["Allow"].split(",")} == allowed


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v2/groups"),
        ("POST", "/api/PaiPlugin/2022-01-12/DeleteSchedule"),
        ("GET", "/api/PaiPlugin/2022-01-12/CreateSchedule"),  # the gateway path, another method
        ("PUT", "/api/v2/schedules/abc"),
    ],
)
def test_an_unknown_pai_path_or_method_is_the_gateways_invalid_action(
    emulator_url: str, method: str, path: str
) -> None:
    answer = requests.request(
        method, emulator_url + path, headers={"Authorization": "Bearer demo-api-key"}, timeout=TIMEOUT
    )
    assert answer.status_code == 404
    body = answer.json()
    assert set(body) == {"Code", "Message", "RequestId"}
    assert body["Code"] == "InvalidAction.NotFound"
    assert answer.headers["x-acs-request-id"] == body["RequestId"]


@pytest.mark.parametrize("path", ["/_emulator/nothing", "/", "/v3/push"])
def test_other_paths_keep_fastapis_shape(emulator_url: str, path: str) -> None:
    answer = requests.get(emulator_url + path, auth=AUTH, timeout=TIMEOUT)
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not Found"}


def test_unknown_routes_are_counted_as_no_route(api: Api, emulator: EmulatorControl) -> None:
    api.get("/v4/push")
    assert emulator.state()["requests"]["GET (no route)"] == {"404": 1}

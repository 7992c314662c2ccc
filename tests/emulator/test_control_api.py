"""The control API under /_emulator/: the shapes DESIGN.md fixes, and its refusals."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from engagelab_harness import START, TIMEOUT, Api, single

from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.emulator.server import EmulatorServer


def _post(url: str, path: str, body: Any) -> requests.Response:
    return requests.post(f"{url}/_emulator{path}", json=body, timeout=TIMEOUT)


def test_get_clock_answers_now_and_frozen(emulator: EmulatorControl) -> None:
    answer = emulator.clock()
    assert set(answer) == {"now", "frozen"}
    assert answer["now"].endswith("Z")
    assert answer["frozen"] is False


def test_set_takes_any_offset_and_answers_utc(emulator: EmulatorControl) -> None:
    assert emulator.set_clock("2025-01-01T08:00:00+08:00") == {"now": "2025-01-01T00:00:00Z", "frozen": True}


def test_advance_moves_a_frozen_clock_exactly(emulator: EmulatorControl) -> None:
    emulator.set_clock(START)
    assert emulator.advance(90.5)["now"] == "2025-01-01T00:01:30.500000Z"


def test_frozen_false_lets_the_clock_run_from_the_set_instant(
    emulator: EmulatorControl, emulator_url: str
) -> None:
    answer = _post(emulator_url, "/clock", {"set": START, "frozen": False}).json()
    assert answer["frozen"] is False
    assert answer["now"].startswith("2025-01-01T00:00:00")


def test_frozen_alone_freezes_where_the_clock_is(emulator: EmulatorControl, emulator_url: str) -> None:
    frozen = _post(emulator_url, "/clock", {"frozen": True}).json()
    assert frozen["frozen"] is True
    assert emulator.clock()["now"] == frozen["now"]


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"set": START, "advance_seconds": 1}, "not both"),
        ({"set": "2025-01-01T00:00:00"}, "offset"),
        ({"set": "tomorrow"}, "ISO-8601"),
        ({"advance_seconds": "1h"}, "number"),
        ({"frozen": "yes"}, "true or false"),
        ({"speed": 2}, "unknown"),
        ([1, 2], "object"),
    ],
)
def test_bad_clock_changes_are_400_naming_the_problem(emulator_url: str, body: Any, complaint: str) -> None:
    response = _post(emulator_url, "/clock", body)
    assert response.status_code == 400
    assert complaint in response.json()["detail"]


def test_reset_empties_everything_and_restores_the_clock(
    emulator: EmulatorControl, emulator_url: str
) -> None:
    emulator.set_clock(START)
    api = Api(emulator_url)
    api.create(single())
    api.post("/v4/push_plan", {"plan_id": "p1", "plan_description": "x"})
    emulator.faults([{"kind": "latency", "next": 5, "latency_ms": 1}])
    answer = emulator.reset()
    assert answer["reset"] is True
    assert answer["frozen"] is False
    state = emulator.state()
    assert state["engagelab"]["schedules"] == state["engagelab"]["plans"] == 0
    assert state["faults"]["rules"] == []
    assert state["requests"] == {"POST /_emulator/reset": {"200": 1}}  # counted as it answered


def test_state_counts_backends_and_requests_per_route_and_status(
    emulator: EmulatorControl, emulator_url: str
) -> None:
    emulator.set_clock(START)
    api = Api(emulator_url)
    schedule_id = api.create(single())
    api.get(f"/v4/schedules/{schedule_id}")
    api.get("/v4/schedules/nope")
    requests.get(emulator_url + "/v4/schedules", timeout=TIMEOUT)  # no credentials
    emulator.advance(86400)
    state = emulator.state()
    assert state["engagelab"] == {
        "schedules": 1,
        "unexpired_schedules": 0,
        "plans": 0,
        "messages": 1,
        "msg_id_records": 1,
    }
    assert set(state["pai"]) >= {"schedules"}
    assert state["requests"]["POST /v4/schedules"] == {"200": 1}
    assert state["requests"]["GET /v4/schedules/{schedule_id}"] == {"200": 1, "404": 1}
    assert state["requests"]["GET /v4/schedules"] == {"401": 1}
    assert state["rate_limits"] == {"engagelab_qps": 500.0, "pai_qps": 100.0}


def test_faults_can_be_read_back_and_cleared(emulator: EmulatorControl, emulator_url: str) -> None:
    rule = {
        "kind": "status",
        "probability": 0.5,
        "status": 503,
        "code": 28203,
        "method": "GET",
        "path": "/v4/",
    }
    answer = emulator.faults([rule], seed=3)
    assert answer == {"seed": 3, "rules": [{**rule, "latency_ms": 0}]}
    assert (
        requests.get(emulator_url + "/_emulator/faults", timeout=TIMEOUT).json()["rules"] == answer["rules"]
    )
    assert emulator.clear_faults() == {"rules": []}


@pytest.mark.parametrize(
    "body",
    [{"rules": [{"kind": "drop"}]}, {"rules": "drop"}, {"seed": "one", "rules": []}, {"rules": [1]}],
)
def test_bad_fault_settings_are_400(emulator_url: str, body: dict[str, Any]) -> None:
    assert _post(emulator_url, "/faults", body).status_code == 400


def test_schedule_page_shows_the_schedule_and_what_it_fired(api: Api, emulator: EmulatorControl) -> None:
    created = api.post("/v4/schedules", single(time="2025-01-01 09:00:00")).json()
    page = requests.get(f"{emulator.base_url}/_emulator/schedules/{created['schedule_id']}", timeout=TIMEOUT)
    assert page.status_code == 200
    assert page.json()["schedule"]["name"] == created["name"]
    assert page.json()["msg_ids"] == []

    emulator.advance(86400)
    fired = requests.get(
        f"{emulator.base_url}/_emulator/schedules/{created['schedule_id']}", timeout=TIMEOUT
    ).json()
    assert fired["expired"] is True
    assert fired["schedule"] is None
    assert len(fired["msg_ids"]) == 1
    assert fired["msg_ids"][0]["error"]["code"] == 0
    missing = requests.get(f"{emulator.base_url}/_emulator/schedules/nope", timeout=TIMEOUT)
    assert missing.status_code == 404


def test_a_request_that_crashes_the_emulator_is_counted_as_the_500_its_client_got(
    emulator: EmulatorControl, emulator_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Counted requests are how tests prove nothing was sent: one that crashed must count too.
    def crash(page: int) -> dict[str, Any]:
        raise RuntimeError("a bug in the emulator")

    monkeypatch.setattr(emulator_server.emulator.engagelab, "list_schedules", crash)
    answer = Api(emulator.base_url).get("/v4/schedules")
    assert answer.status_code == 500
    assert emulator.state()["requests"]["GET /v4/schedules"] == {"500": 1}


def test_each_control_call_has_a_connection_of_its_own(
    emulator: EmulatorControl, emulator_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kept-alive connection the server is closing as idle could reset the next call, and a
    call such as ``advance`` cannot be sent again blindly: so none is kept."""
    registry = emulator_server.emulator.connections
    opened: list[tuple[str, int]] = []
    real_opened = registry.opened

    def recorded(peer: tuple[str, int], transport: Any) -> None:
        opened.append(peer)
        real_opened(peer, transport)

    monkeypatch.setattr(registry, "opened", recorded)

    for _ in range(3):
        emulator.clock()

    assert len(set(opened)) == 3

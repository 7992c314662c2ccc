"""Helpers the EngageLab emulator tests share: a Basic-auth session and seed-based payloads."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

AUTH = ("demo-app-key", "demo-master-secret")
TIMEOUT = 10
SEEDS = json.loads((Path(__file__).parents[1] / "fixtures" / "engagelab_schedules.json").read_text())
PLAN_SEEDS = json.loads((Path(__file__).parents[1] / "fixtures" / "engagelab_push_plans.json").read_text())
# 2025-01-01 00:00:00 UTC is 08:00 in the default site zone (Asia/Shanghai).
START = "2025-01-01T00:00:00Z"
START_AT = datetime(2025, 1, 1, tzinfo=UTC)


class Api:
    """``requests`` against one emulator with the demo AppKey; answers are plain Responses."""

    def __init__(self, base_url: str, auth: tuple[str, str] = AUTH) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.auth = auth

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.base_url + path, timeout=TIMEOUT, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, json=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.call("PUT", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("DELETE", path, **kwargs)

    def create(self, body: dict[str, Any]) -> str:
        response = self.post("/v4/schedules", body)
        assert response.status_code == 200, response.text
        schedule_id: str = response.json()["schedule_id"]
        return schedule_id

    def msg_id_records(self, schedule_id: str) -> list[dict[str, Any]]:
        response = self.get(f"/v4/schedules/{schedule_id}/msg-ids")
        assert response.status_code == 200, response.text
        return [json.loads(item) for item in response.json()["MsgIds"]]


def push(to: Any = None, plan_id: str | None = None) -> dict[str, Any]:
    """The seeds' push, optionally aimed elsewhere or tagged with a push plan."""
    made: dict[str, Any] = copy.deepcopy(SEEDS["create_single_request"]["push"])
    if to is not None:
        made["to"] = to
    if plan_id is not None:
        made["body"]["options"]["plan_id"] = plan_id
    return made


def single(time: str = "2025-01-01 12:00:00", *, zone_type: int = 1, **push_args: Any) -> dict[str, Any]:
    """The seeds' single task firing at ``time`` (site zone wall clock)."""
    body: dict[str, Any] = copy.deepcopy(SEEDS["create_single_request"])
    body["trigger"]["single"] = {"time": time, "zone_type": zone_type}
    body["push"] = push(**push_args)
    return body


def periodical(
    start: str = "2025-01-01 00:00:00",
    end: str = "2025-01-31 00:00:00",
    *,
    time: str = "12:00:00",
    time_unit: str = "day",
    point: list[str] | None = None,
    zone_type: int = 1,
    **push_args: Any,
) -> dict[str, Any]:
    """The seeds' periodical task with the given trigger."""
    body: dict[str, Any] = copy.deepcopy(SEEDS["create_periodical_request"])
    body["trigger"]["periodical"] = {
        "start": start,
        "end": end,
        "time": time,
        "time_unit": time_unit,
        "point": point or [],
        "zone_type": zone_type,
    }
    body["push"] = push(**push_args)
    return body


def error_of(response: requests.Response) -> tuple[int, int, str]:
    """``(HTTP status, vendor code, message)`` of an error answer."""
    error = response.json()["error"]
    return response.status_code, error["code"], error["message"]

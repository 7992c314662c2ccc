"""The control API under ``/_emulator/``: clock, reset, faults, state and a read-only view of one
schedule (no auth, loopback only).

Its names and shapes are the ones DESIGN.md fixes and ``docs/emulator.md`` shows users.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from airflow_provider_engage.emulator.core import Emulator
from airflow_provider_engage.emulator.exceptions import PaiScheduleNotFound, ScheduleNotFound
from airflow_provider_engage.emulator.faults import FaultRule, FaultRuleError

PREFIX = "/_emulator"


class _BadControlRequest(ValueError):
    pass


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=400)


async def _object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as err:
        raise _BadControlRequest(f"the body is not JSON: {err}") from None
    if not isinstance(body, dict):
        raise _BadControlRequest("the body must be a JSON object")
    return body


def _instant(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _BadControlRequest(f"'set' must be an ISO-8601 string, got {value!r}")
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise _BadControlRequest(f"'set' must be ISO-8601 with an offset, got {value!r}") from None
    if instant.utcoffset() is None:
        raise _BadControlRequest(f"'set' needs a UTC offset (Z or +08:00), got {value!r}")
    return instant


def _clock_change(body: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(body) - {"set", "advance_seconds", "frozen"})
    if unknown:
        raise _BadControlRequest(f"unknown fields: {', '.join(unknown)}")
    if "set" in body and "advance_seconds" in body:
        raise _BadControlRequest("give 'set' or 'advance_seconds', not both")
    advance = body.get("advance_seconds")
    if advance is not None and (not isinstance(advance, int | float) or isinstance(advance, bool)):
        raise _BadControlRequest(f"'advance_seconds' must be a number, got {advance!r}")
    frozen = body.get("frozen")
    if frozen is not None and not isinstance(frozen, bool):
        raise _BadControlRequest(f"'frozen' must be true or false, got {frozen!r}")
    set_to = _instant(body["set"]) if "set" in body else None
    return {"set_to": set_to, "advance_seconds": advance, "frozen": frozen}


def _fault_rules(body: dict[str, Any]) -> tuple[list[FaultRule], int | None]:
    seed, rules = body.get("seed"), body.get("rules", [])
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise _BadControlRequest(f"'seed' must be an integer, got {seed!r}")
    if not isinstance(rules, list) or not all(isinstance(rule, dict) for rule in rules):
        raise _BadControlRequest("'rules' must be a list of objects")
    try:
        return [FaultRule.parse(rule) for rule in rules], seed
    except FaultRuleError as err:
        raise _BadControlRequest(str(err)) from None


def build_router(emulator: Emulator) -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    @router.get("/clock")
    async def get_clock() -> JSONResponse:
        return JSONResponse(emulator.clock_state())

    @router.post("/clock")
    async def change_clock(request: Request) -> JSONResponse:
        try:
            change = _clock_change(await _object(request))
        except _BadControlRequest as err:
            return _bad(str(err))
        return JSONResponse(emulator.change_clock(**change))

    @router.post("/reset")
    async def reset() -> JSONResponse:
        emulator.reset()
        return JSONResponse({"reset": True, **emulator.clock_state()})

    @router.get("/faults")
    async def get_faults() -> JSONResponse:
        return JSONResponse({"rules": emulator.faults.rules()})

    @router.post("/faults")
    async def set_faults(request: Request) -> JSONResponse:
        try:
            rules, seed = _fault_rules(await _object(request))
        except _BadControlRequest as err:
            return _bad(str(err))
        emulator.set_faults(rules, seed)
        return JSONResponse({"seed": seed, "rules": emulator.faults.rules()})

    @router.delete("/faults")
    async def clear_faults() -> JSONResponse:
        emulator.faults.clear()
        return JSONResponse({"rules": []})

    @router.get("/state")
    async def state() -> JSONResponse:
        return JSONResponse(emulator.state())

    # What the operators' "console" extra link opens offline: one schedule and what it fired.
    @router.get("/schedules/{schedule_id}")
    async def engagelab_schedule(schedule_id: str) -> JSONResponse:
        try:
            records = emulator.engagelab.schedule_msg_ids(schedule_id)
        except ScheduleNotFound as err:
            return JSONResponse({"detail": str(err)}, status_code=404)
        try:
            detail: dict[str, Any] | None = emulator.engagelab.get_schedule(schedule_id)
        except ScheduleNotFound:
            detail = None  # expired: its firings are still worth seeing
        fired = [json.loads(record.wire()) for record in records]
        return JSONResponse(
            {"schedule_id": schedule_id, "schedule": detail, "expired": detail is None, "msg_ids": fired}
        )

    @router.get("/pai/schedules/{schedule_id}")
    async def pai_schedule(schedule_id: str) -> JSONResponse:
        try:
            return JSONResponse(emulator.pai.get_schedule(schedule_id))
        except PaiScheduleNotFound as err:
            return JSONResponse({"detail": str(err)}, status_code=404)

    return router

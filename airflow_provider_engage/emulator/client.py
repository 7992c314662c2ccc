"""A small Python client for the control API, for tests and DAG authors who drive the emulator.

Each method is one call under ``/_emulator/``; the same calls work with curl (see
``docs/emulator.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

TIMEOUT = 30.0


class EmulatorControl:
    """Clock, reset, faults and state of the emulator at ``base_url``."""

    def __init__(self, base_url: str, *, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session or requests.Session()

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.base_url}/_emulator{path}"
        # A connection of its own each time: a kept-alive one the server is closing as idle (its
        # 5 s) can reset the next call, and a control call such as advance cannot simply be sent again.
        headers = {"Connection": "close"}
        response = self._session.request(method, url, json=body, headers=headers, timeout=TIMEOUT)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def clock(self) -> dict[str, Any]:
        """``{"now": iso, "frozen": bool}``."""
        return self._call("GET", "/clock")

    def set_clock(self, instant: datetime | str, *, frozen: bool | None = True) -> dict[str, Any]:
        """Jump to ``instant`` (aware datetime or ISO-8601 with offset), frozen there by default."""
        text = instant.isoformat() if isinstance(instant, datetime) else instant
        body: dict[str, Any] = {"set": text}
        if frozen is not None:
            body["frozen"] = frozen
        return self._call("POST", "/clock", body)

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the clock forward; everything due by then has fired when this returns."""
        return self._call("POST", "/clock", {"advance_seconds": seconds})

    def advance_to(self, instant: datetime) -> dict[str, Any]:
        """Move the clock forward to ``instant`` (never back); everything due by then has fired."""
        now = datetime.fromisoformat(self.clock()["now"])
        left = (instant - now).total_seconds()
        return self.advance(left) if left > 0 else self.clock()

    def reset(self) -> dict[str, Any]:
        return self._call("POST", "/reset")

    def faults(self, rules: Sequence[Mapping[str, Any]], *, seed: int | None = None) -> dict[str, Any]:
        """Replace the fault rules (see ``FaultRule`` for their fields)."""
        body: dict[str, Any] = {"rules": list(rules)}
        if seed is not None:
            body["seed"] = seed
        return self._call("POST", "/faults", body)

    def clear_faults(self) -> dict[str, Any]:
        return self._call("DELETE", "/faults")

    def state(self) -> dict[str, Any]:
        return self._call("GET", "/state")

    def schedule(self, schedule_id: str) -> dict[str, Any]:
        """One EngageLab schedule and every msg-id record it fired: ``{"schedule_id", "schedule",
        "expired", "msg_ids"}`` (the records as objects; ``schedule`` None once it has expired)."""
        return self._call("GET", f"/schedules/{quote(schedule_id, safe='')}")

    def close(self) -> None:
        self._session.close()

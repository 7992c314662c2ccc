"""A look's outcome (:class:`Verdict`), when to look next (:class:`Cadence`), a watch as JSON.

Instants here are the service's (its clock judges "before the fire time"); turning them into
sleeps on this machine is the caller's, with :class:`~airflow_provider_engage.hooks.calls.ServiceClock`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Self

from airflow_provider_engage.plain_json import dump, load_record

Status = Literal["waiting", "success", "failed", "error"]

SETTLE_SECONDS = 2.0
"""The first look comes this long after the instant a firing is due: the service needs a moment."""
SPREAD_SECONDS = 2.0
"""Looks at one instant are spread over this long, each wait by its own key: 1,000 schedules that
fire in the same second are looked at over two seconds (the service's 500 a second), not at once."""
FIRST_STEP_SECONDS = 5.0
"""Then the looks back off from this step up to the sensor's ``poke_interval``."""


@dataclass(frozen=True)
class Verdict:
    """What one look found: still ``waiting`` (look again at ``next_look``), or an end: ``success``,
    ``failed`` (what was awaited will not come) or ``error`` (the service refused the wait)."""

    status: Status
    message: str
    result: Any = None  # JSON: what the sensor returns on success
    next_look: dt.datetime | None = None  # service time; None: the cadence decides

    @property
    def done(self) -> bool:
        return self.status != "waiting"


@dataclass(frozen=True)
class Cadence:
    """When to look: at ``due`` (plus a moment to settle), then backing off up to ``poke_interval``.

    The step after ``due`` is the time already waited since it, between 5 s and ``poke_interval``
    (looks at +2, +7, +14, +28, +56 s, then every ``poke_interval``): the backoff of a doubling
    step, with no count to keep, so a rescheduled or restarted wait picks it up where it stands.
    """

    due: dt.datetime  # service time of the first instant worth a look
    poke_interval: float
    last: dt.datetime | None = None  # no look is worth making after this (the window's end)
    key: str = ""  # spreads the first look (see SPREAD_SECONDS)

    def next_look(self, now: dt.datetime) -> dt.datetime:
        if now < self.due:
            return self.due + dt.timedelta(seconds=SETTLE_SECONDS + spread(self.key))
        waited = (now - self.due).total_seconds()
        step = max(FIRST_STEP_SECONDS, min(self.poke_interval, waited))
        following = now + dt.timedelta(seconds=step)
        if self.last is not None and now < self.last < following:
            return self.last  # one last look as the window closes, not a step past it
        return following


class JsonRecord:
    """A watch as plain JSON (trigger kwargs, the task state store) and back, by its fields."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = dump(self)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return load_record(cls, data)


def spread(key: str) -> float:
    """A stable share of :data:`SPREAD_SECONDS` for ``key`` (the same after any restart)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 * SPREAD_SECONDS


def instant(value: str | None) -> dt.datetime | None:
    """An ISO-8601 instant read back from JSON."""
    return dt.datetime.fromisoformat(value) if value else None


def iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None

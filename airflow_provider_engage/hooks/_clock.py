"""The service's clock, as the ``Date`` header of its latest answer says.

Whether a firing is due is the service's to say: its clock fires the schedules. Every answer
carries ``Date``; between answers the service's clock is taken to run with this machine's (a
real service's agrees with this machine's, NTP, to within seconds; the emulator's runs with real
time at the offset it was set to). A clock moved by hand is noticed at the next answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime

from airflow_provider_engage.hooks._retry import header_value

__all__ = ["AGREEMENT_SECONDS", "ServiceClock"]

AGREEMENT_SECONDS = 60.0
"""Clocks this close are taken to agree (a real service); farther apart, a sensor told to may
re-read the service's now and then (its ``clock_sync_interval``)."""


def _real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ServiceClock:
    """``offset``: the service's clock minus this machine's, in seconds, from the latest ``Date``."""

    def __init__(self, offset: float = 0.0, *, now: Callable[[], dt.datetime] = _real_now) -> None:
        self.offset = offset
        self._now = now
        self._last_date: tuple[str, dt.datetime] | None = None  # answers within a second share one

    def _parse_date(self, text: str) -> dt.datetime:
        if self._last_date is None or self._last_date[0] != text:
            said = parsedate_to_datetime(text)
            self._last_date = (text, said if said.tzinfo is not None else said.replace(tzinfo=dt.UTC))
        return self._last_date[1]

    def observe(self, headers: Mapping[str, str]) -> None:
        """Take the service's time from an answer's ``Date`` header, when it has a readable one."""
        text = header_value(headers, "Date")
        if not text:
            return
        try:
            said = self._parse_date(text)
        except (TypeError, ValueError, IndexError):
            return
        self.offset = (said - self._now()).total_seconds()

    def now(self) -> dt.datetime:
        """The service's now, as best known."""
        return self.local_now() + dt.timedelta(seconds=self.offset)

    def local_now(self) -> dt.datetime:
        """This machine's now (what sleeps and Airflow's timeouts are measured in)."""
        return self._now()

    def local_time(self, service_instant: dt.datetime) -> dt.datetime:
        """When, by this machine's clock, the service's clock will show ``service_instant``."""
        return service_instant - dt.timedelta(seconds=self.offset)

    @property
    def agrees(self) -> bool:
        return abs(self.offset) <= AGREEMENT_SECONDS

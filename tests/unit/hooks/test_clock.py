"""ServiceClock: the service's now from the latest answer's Date, run on with this machine's clock."""

from __future__ import annotations

import datetime as dt

from airflow_provider_engage.hooks._clock import ServiceClock

NOON = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)


def _clock_at(instants: list[dt.datetime]) -> ServiceClock:
    return ServiceClock(now=lambda: instants[0])


def test_the_offset_is_the_service_s_date_minus_this_machine_s_now() -> None:
    clock = _clock_at([NOON])

    clock.observe({"Date": "Tue, 01 Jan 2030 12:00:30 GMT"})

    assert clock.offset == 30.0
    assert clock.now() == NOON + dt.timedelta(seconds=30)


def test_the_same_date_seen_again_later_is_measured_against_the_later_now() -> None:
    instants = [NOON]
    clock = _clock_at(instants)
    clock.observe({"Date": "Tue, 01 Jan 2030 12:00:30 GMT"})

    instants[0] = NOON + dt.timedelta(seconds=10)
    clock.observe({"Date": "Tue, 01 Jan 2030 12:00:30 GMT"})

    assert clock.offset == 20.0


def test_a_new_date_is_read_anew() -> None:
    clock = _clock_at([NOON])
    clock.observe({"Date": "Tue, 01 Jan 2030 12:00:30 GMT"})

    clock.observe({"date": "Tue, 01 Jan 2030 11:59:00 GMT"})  # any case, as a plain dict gives it

    assert clock.offset == -60.0


def test_an_unreadable_or_missing_date_leaves_the_offset_as_it_was() -> None:
    clock = _clock_at([NOON])
    clock.observe({"Date": "Tue, 01 Jan 2030 12:00:30 GMT"})

    clock.observe({"Date": "yesterday"})
    clock.observe({})

    assert clock.offset == 30.0

"""The client-side rate limiter: one rule, a reservation an event loop awaits and a thread sleeps."""

from __future__ import annotations

import threading

import pytest

from airflow_provider_engage.ratelimit import RateLimiter
from tests.helpers import FakeClock


def test_a_reservation_says_how_long_to_wait_and_books_the_slot_without_waiting() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)

    waits = [limiter.reserve() for _ in range(4)]

    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert clock.slept == []  # reserving never sleeps: an event loop awaits the wait itself


def test_idle_time_banks_at_most_the_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, burst=3, clock=clock, sleep=clock.sleep)
    clock.now += 60  # a long idle spell

    assert [limiter.reserve() for _ in range(5)] == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2])


def test_acquire_sleeps_the_reserved_wait_in_the_calling_thread() -> None:
    clock = FakeClock()
    limiter = RateLimiter(4, clock=clock, sleep=clock.sleep)

    assert [limiter.acquire() for _ in range(3)] == pytest.approx([0.0, 0.25, 0.25])
    assert clock.slept == pytest.approx([0.25, 0.25])


def test_threads_reserving_at_once_get_distinct_slots() -> None:
    clock = FakeClock()
    limiter = RateLimiter(100, clock=clock, sleep=clock.sleep)
    start = threading.Barrier(20)
    waits: list[float] = []

    def reserve() -> None:
        start.wait()
        waits.append(limiter.reserve())

    threads = [threading.Thread(target=reserve) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(waits) == pytest.approx([index / 100 for index in range(20)])


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (5, 0)])
def test_a_limiter_that_could_never_let_a_call_through_is_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match=r"rate must be positive|burst must be at least 1"):
        RateLimiter(rate, burst=burst)

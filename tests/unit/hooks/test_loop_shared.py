"""Work shared by the hooks of one event loop: made once for everyone asking meanwhile, never
cancelled by one asker, never keeping a failure, and never shared across loops."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_engage.hooks._loop_shared import shared


class Counted:
    """A piece of work that counts how often it was made and takes a moment to make."""

    def __init__(self, *, fail_first: int = 0) -> None:
        self.made = 0
        self.fail_first = fail_first

    async def __call__(self) -> int:
        self.made += 1
        number = self.made
        await asyncio.sleep(0.01)
        if number <= self.fail_first:
            raise ConnectionError(f"failure {number}")
        return number


def test_askers_at_the_same_time_share_one_making() -> None:
    work = Counted()

    async def ask_many() -> list[int]:
        return await asyncio.gather(*(shared("key", work, reuse_for=5) for _ in range(200)))

    assert asyncio.run(ask_many()) == [1] * 200
    assert work.made == 1


def test_a_result_is_reused_within_its_time_and_made_anew_after_it() -> None:
    work = Counted()

    async def ask_twice(pause: float, reuse_for: float) -> list[int]:
        first = await shared("key", work, reuse_for=reuse_for)
        await asyncio.sleep(pause)
        return [first, await shared("key", work, reuse_for=reuse_for)]

    assert asyncio.run(ask_twice(0.0, reuse_for=5)) == [1, 1]
    assert asyncio.run(ask_twice(0.05, reuse_for=0.02)) == [2, 3]


def test_different_keys_are_made_apart() -> None:
    work = Counted()

    async def ask() -> set[int]:
        return set(await asyncio.gather(shared("a", work, reuse_for=5), shared("b", work, reuse_for=5)))

    assert asyncio.run(ask()) == {1, 2}


def test_a_failure_reaches_every_asker_meanwhile_and_is_not_kept() -> None:
    work = Counted(fail_first=1)

    async def ask() -> tuple[list[BaseException | int], int]:
        together = await asyncio.gather(
            *(shared("key", work, reuse_for=60) for _ in range(3)), return_exceptions=True
        )
        return together, await shared("key", work, reuse_for=60)

    together, later = asyncio.run(ask())

    assert [str(result) for result in together] == ["failure 1"] * 3
    assert later == 2  # made again, not the kept failure


def test_one_asker_cancelled_does_not_cancel_the_work_for_the_others() -> None:
    work = Counted()

    async def ask() -> int:
        first = asyncio.create_task(shared("key", work, reuse_for=5))
        second = asyncio.create_task(shared("key", work, reuse_for=5))
        await asyncio.sleep(0)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        return await second

    assert asyncio.run(ask()) == 1
    assert work.made == 1


def test_each_event_loop_makes_its_own() -> None:
    work = Counted()

    assert asyncio.run(shared("key", work, reuse_for=float("inf"))) == 1
    assert asyncio.run(shared("key", work, reuse_for=float("inf"))) == 2

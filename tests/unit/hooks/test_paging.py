"""The one walk through a paged list, sync (iter_pages) and async (aiter_pages), specified without HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airflow_provider_engage.hooks._paging import aiter_pages, iter_pages


def _pages(*pages: dict[str, Any]) -> tuple[list[int], Any]:
    """A fetch answering ``pages[n-1]`` for page n (an empty page past the end), and its calls."""
    asked: list[int] = []

    def fetch(number: int) -> dict[str, Any]:
        asked.append(number)
        return pages[number - 1] if number <= len(pages) else {"items": []}

    return asked, fetch


def _items(*ids: str) -> list[dict[str, str]]:
    return [{"id": item} for item in ids]


@pytest.fixture(params=["sync", "async"])
def walk(request: pytest.FixtureRequest) -> Any:
    """``walk(fetch, **rule)``: every item, through the sync loop or the async one (same stop rule)."""

    def sync(fetch: Any, **rule: Any) -> list[dict[str, Any]]:
        return list(iter_pages(fetch, **rule))

    def in_a_loop(fetch: Any, **rule: Any) -> list[dict[str, Any]]:
        async def afetch(number: int) -> Any:
            await asyncio.sleep(0)
            return fetch(number)

        async def collect() -> list[dict[str, Any]]:
            return [item async for item in aiter_pages(afetch, **rule)]

        return asyncio.run(collect())

    return sync if request.param == "sync" else in_a_loop


def test_a_full_page_is_followed_by_the_next_and_a_short_one_ends_the_walk(walk: Any) -> None:
    asked, fetch = _pages({"items": _items("a", "b")}, {"items": _items("c")})

    assert walk(fetch, items="items", page_size=2) == _items("a", "b", "c")
    assert asked == [1, 2]


def test_an_empty_page_ends_the_walk(walk: Any) -> None:
    asked, fetch = _pages({"items": _items("a", "b")}, {"items": None})

    assert walk(fetch, items="items", page_size=2) == _items("a", "b")
    assert asked == [1, 2]


@pytest.mark.parametrize("total", [4, "4", " 4 "])
def test_the_stated_total_ends_the_walk_without_asking_for_an_empty_page(walk: Any, total: Any) -> None:
    asked, fetch = _pages({"items": _items("a", "b"), "n": total}, {"items": _items("c", "d"), "n": total})

    assert len(walk(fetch, items="items", page_size=2, total="n")) == 4
    assert asked == [1, 2]


@pytest.mark.parametrize("total", [None, True, "many", "４", -1.5])
def test_a_total_that_is_no_count_is_ignored(walk: Any, total: Any) -> None:
    asked, fetch = _pages({"items": _items("a", "b"), "n": total}, {"items": _items("c"), "n": total})

    assert len(walk(fetch, items="items", page_size=2, total="n")) == 3
    assert asked == [1, 2]


def test_a_smaller_page_size_the_service_states_is_followed(walk: Any) -> None:
    asked, fetch = _pages(
        {"items": _items("a", "b"), "size": 2}, {"items": _items("c", "d"), "size": 2}, {"items": []}
    )

    assert len(walk(fetch, items="items", page_size=100, size="size")) == 4
    assert asked == [1, 2, 3]


def test_items_already_given_are_skipped_and_a_page_of_nothing_new_ends_the_walk(walk: Any) -> None:
    asked, fetch = _pages(
        {"items": _items("a", "b")},
        {"items": _items("b", "c")},  # the list shifted by one between the pages
        {"items": _items("b", "c")},  # the service ignores the page number from here on
        {"items": _items("d", "e")},
    )

    assert walk(fetch, items="items", page_size=2, item_id="id") == _items("a", "b", "c")
    assert asked == [1, 2, 3]

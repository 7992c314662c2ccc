"""iter_pages: the one walk through a paged list both hooks use, specified without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_engage.hooks._paging import iter_pages


def _pages(*pages: dict[str, Any]) -> tuple[list[int], Any]:
    """A fetch answering ``pages[n-1]`` for page n (an empty page past the end), and its calls."""
    asked: list[int] = []

    def fetch(number: int) -> dict[str, Any]:
        asked.append(number)
        return pages[number - 1] if number <= len(pages) else {"items": []}

    return asked, fetch


def _items(*ids: str) -> list[dict[str, str]]:
    return [{"id": item} for item in ids]


def test_a_full_page_is_followed_by_the_next_and_a_short_one_ends_the_walk() -> None:
    asked, fetch = _pages({"items": _items("a", "b")}, {"items": _items("c")})

    assert list(iter_pages(fetch, items="items", page_size=2)) == _items("a", "b", "c")
    assert asked == [1, 2]


def test_an_empty_page_ends_the_walk() -> None:
    asked, fetch = _pages({"items": _items("a", "b")}, {"items": None})

    assert list(iter_pages(fetch, items="items", page_size=2)) == _items("a", "b")
    assert asked == [1, 2]


@pytest.mark.parametrize("total", [4, "4", " 4 "])
def test_the_stated_total_ends_the_walk_without_asking_for_an_empty_page(total: Any) -> None:
    asked, fetch = _pages({"items": _items("a", "b"), "n": total}, {"items": _items("c", "d"), "n": total})

    assert len(list(iter_pages(fetch, items="items", page_size=2, total="n"))) == 4
    assert asked == [1, 2]


@pytest.mark.parametrize("total", [None, True, "many", "４", -1.5])
def test_a_total_that_is_no_count_is_ignored(total: Any) -> None:
    asked, fetch = _pages({"items": _items("a", "b"), "n": total}, {"items": _items("c"), "n": total})

    assert len(list(iter_pages(fetch, items="items", page_size=2, total="n"))) == 3
    assert asked == [1, 2]


def test_a_smaller_page_size_the_service_states_is_followed() -> None:
    asked, fetch = _pages(
        {"items": _items("a", "b"), "size": 2}, {"items": _items("c", "d"), "size": 2}, {"items": []}
    )

    assert len(list(iter_pages(fetch, items="items", page_size=100, size="size"))) == 4
    assert asked == [1, 2, 3]


def test_items_already_given_are_skipped_and_a_page_of_nothing_new_ends_the_walk() -> None:
    asked, fetch = _pages(
        {"items": _items("a", "b")},
        {"items": _items("b", "c")},  # the list shifted by one between the pages
        {"items": _items("b", "c")},  # the service ignores the page number from here on
        {"items": _items("d", "e")},
    )

    assert list(iter_pages(fetch, items="items", page_size=2, item_id="id")) == _items("a", "b", "c")
    assert asked == [1, 2, 3]

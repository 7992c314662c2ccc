"""Walking a paged list: one pure stop rule, and the sync and async loops that follow it.

:class:`PageWalk` says which page to ask for next, which items of an answer are new and when to
stop; :func:`iter_pages` and :func:`aiter_pages` only fetch and hand the items on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

__all__ = ["PageWalk", "aiter_pages", "iter_pages"]

Page = Mapping[str, Any]


class PageWalk:
    """Where a walk through a paged list stands; ``take`` each answer in turn until ``done``.

    Ends at an empty page or a short one (fewer than ``page_size``, or than the page size the
    answer states under ``size`` when the service allows fewer), or once the answer's count under
    ``total`` has been seen. A page count the service states is not trusted (EngageLab's own
    example gives 5 pages of 50 for 1000 schedules). Items whose ``item_id`` was already given
    (a list that shifted between pages) are skipped, and a page that brings nothing new ends the
    walk, so a service that ignores the page number cannot loop it forever.
    """

    def __init__(
        self,
        *,
        items: str,
        page_size: int,
        item_id: str | None = None,
        total: str | None = None,
        size: str | None = None,
    ) -> None:
        self.items, self.page_size, self.item_id, self.total, self.size = (
            items,
            page_size,
            item_id,
            total,
            size,
        )
        self.number = 1  # the page to ask for next
        self.done = False
        self._seen = 0
        self._given: set[object] = set()

    def take(self, answer: Page) -> list[dict[str, Any]]:
        """The new items of page ``number``'s answer; moves on to the next page or ends the walk."""
        page = [item for item in answer.get(self.items) or [] if item]
        fresh = []
        for item in page:
            key = item.get(self.item_id) if self.item_id else None
            if not isinstance(key, str | int):  # an id no service gives (a list): not one to dedupe by
                key = None
            if key is not None and key in self._given:
                continue
            if key is not None:
                self._given.add(key)
            fresh.append(item)
        self._seen += len(page)
        stated_size = _count(answer.get(self.size)) if self.size else None
        full = min(self.page_size, stated_size or self.page_size)
        expected = _count(answer.get(self.total)) if self.total else None
        self.done = len(page) < full or not fresh or (expected is not None and self._seen >= expected)
        self.number += 1
        return fresh


def iter_pages(fetch: Callable[[int], Page], **rule: Any) -> Iterator[dict[str, Any]]:
    """Every item of a paged list; ``fetch(n)`` answers page ``n`` (from 1). ``rule``: :class:`PageWalk`'s."""
    walk = PageWalk(**rule)
    while not walk.done:
        yield from walk.take(fetch(walk.number))


async def aiter_pages(fetch: Callable[[int], Awaitable[Page]], **rule: Any) -> AsyncIterator[dict[str, Any]]:
    """:func:`iter_pages` for a coroutine ``fetch``."""
    walk = PageWalk(**rule)
    while not walk.done:
        for item in walk.take(await fetch(walk.number)):
            yield item


def _count(value: object) -> int | None:
    """A count an answer states (an int or a string of digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isascii() and text.isdigit() else None

"""Work that the async hooks of one event loop share instead of each doing it.

A triggerer runs up to 1,000 triggers in one event loop, and a campaign's schedules often fire
in the same second: each trigger reading its connection (a round trip to Airflow's API server
from a triggerer) and importing aiohttp on its own would hold the loop for longer than the 0.2 s
Airflow's triggerer warns at. :func:`shared` runs such work once, in a task of its own, and
every hook that asks for it meanwhile awaits that one result.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Coroutine, Hashable
from typing import Any, TypeVar

__all__ = ["shared"]

T = TypeVar("T")

_by_loop: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[Hashable, tuple[float, asyncio.Task[Any]]]
]
_by_loop = weakref.WeakKeyDictionary()


async def shared(key: Hashable, make: Callable[[], Coroutine[Any, Any, T]], *, reuse_for: float) -> T:
    """``make()``'s result, made once for everyone in this loop who asks by ``key`` within
    ``reuse_for`` seconds of the first asking. A failure is not kept: the next asking tries anew.

    The work runs in a task of its own, so one asker's cancellation never cancels it for the rest.
    """
    loop = asyncio.get_running_loop()
    entries = _by_loop.setdefault(loop, {})
    found = entries.get(key)
    if found is None or loop.time() - found[0] > reuse_for or _failed(found[1]):
        task = loop.create_task(make())
        task.add_done_callback(_seen)
        entries[key] = found = (loop.time(), task)
    result: T = await asyncio.shield(found[1])
    return result


def _failed(task: asyncio.Task[Any]) -> bool:
    return task.done() and (task.cancelled() or task.exception() is not None)


def _seen(task: asyncio.Task[Any]) -> None:
    # Its askers see the failure; one who was cancelled meanwhile must not leave it "never retrieved".
    if not task.cancelled():
        task.exception()

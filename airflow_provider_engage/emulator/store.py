"""Optional persistence (``--db file.sqlite``): the emulator's state, saved where it changes.

Each part (``clock``, ``engagelab``, ``pai``) is one JSON document in one sqlite table, written
whole, in one transaction, and only when its text changed. A backend marks its mutating methods
with :func:`saves_state`, so every change is on disk before the call returns, and so before any
client is answered: a restart (even after SIGKILL) finds exactly the last state that any request
or firing produced. Records are written in the package's JSON convention
(:mod:`airflow_provider_engage.plain_json`); a backend's random generator is part of its state
too: restarted with the same ``--seed``, it must go on where it stood, not give the same ids again.
"""

from __future__ import annotations

import functools
import json
import random
import sqlite3
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from airflow_provider_engage.plain_json import dump, load

__all__ = ["SnapshotStore", "dump_random", "load_random", "saves_state"]

_SCHEMA = "CREATE TABLE IF NOT EXISTS snapshots (part TEXT PRIMARY KEY, data TEXT NOT NULL)"
# What ``random.Random.getstate()`` gives, so a snapshot reads it back.
_RANDOM_STATE = tuple[int, tuple[int, ...], float | None]


class SnapshotStore:
    """Named JSON documents (``engagelab``, ``pai``, ``clock``) in a sqlite file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._written: dict[str, str] = {}
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def load(self) -> dict[str, Any]:
        with self._lock:
            rows = self._db.execute("SELECT part, data FROM snapshots").fetchall()
        self._written = dict(rows)
        return {part: json.loads(data) for part, data in rows}

    def save(self, parts: Mapping[str, Any]) -> None:
        texts = {part: json.dumps(value, sort_keys=True) for part, value in parts.items()}
        with self._lock:
            changed = {part: text for part, text in texts.items() if self._written.get(part) != text}
            if not changed:
                return
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "INSERT INTO snapshots (part, data) VALUES (?, ?)"
                    " ON CONFLICT(part) DO UPDATE SET data = excluded.data",
                    changed.items(),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._written.update(changed)

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Saved(Protocol):
    """A backend whose state is one part (``part``) of its store, if it has one, guarded by ``lock``."""

    @property
    def part(self) -> str: ...

    @property
    def lock(self) -> AbstractContextManager[Any]: ...

    @property
    def store(self) -> SnapshotStore | None: ...

    def snapshot(self) -> dict[str, Any]: ...


_Backend = TypeVar("_Backend", bound=Saved)
_Args = ParamSpec("_Args")
_Answer = TypeVar("_Answer")


def saves_state(
    method: Callable[Concatenate[_Backend, _Args], _Answer],
) -> Callable[Concatenate[_Backend, _Args], _Answer]:
    """Save the backend's part once ``method`` has changed it (not when it raised: nothing changed).

    Under the backend's (reentrant) lock, so no other change slips in between and a later save of
    an earlier state never overwrites it.
    """

    @functools.wraps(method)
    def saving(backend: _Backend, /, *args: _Args.args, **kwargs: _Args.kwargs) -> _Answer:
        with backend.lock:
            answer = method(backend, *args, **kwargs)
            if backend.store is not None:
                backend.store.save({backend.part: backend.snapshot()})
        return answer

    return saving


def dump_random(generator: random.Random) -> Any:
    return dump(generator.getstate())


def load_random(generator: random.Random, data: Any) -> None:
    """Put ``generator`` where :func:`dump_random` found it (nothing to do for ``None``)."""
    if data is not None:
        generator.setstate(load(_RANDOM_STATE, data))

"""Optional persistence (``--db file.sqlite``): the backends' JSON snapshots in one sqlite table.

A snapshot is written whole, in one transaction, and only when it changed, so a restart finds
exactly the last state that any request or firing produced.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_SCHEMA = "CREATE TABLE IF NOT EXISTS snapshots (part TEXT PRIMARY KEY, data TEXT NOT NULL)"


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

"""Where a DAG run could leave a secret, and a scan of each place for it.

The places, in an Airflow home a run of ``airflow dags test`` used: every text of every table
of its SQLite database (XCom, rendered template fields, task instances with their deferral
kwargs, the audit log, serialized DAGs ...), the kwargs of every trigger a deferral created
(triggers are deleted once done, and stored encrypted: a SQLite trigger keeps a copy of each
row, decrypted after the run with the home's Fernet key), the task log files, and what the run
printed (its log, with the exception texts of failed tasks).

A secret is looked for as it is and as the requests carry it (HTTP Basic's base64 of
``login:password``), so a logged header would be found too.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

KEPT_TRIGGERS = "proof_kept_trigger"
_KEEP = f"""
CREATE TABLE IF NOT EXISTS {KEPT_TRIGGERS} (classpath TEXT, kwargs TEXT);
CREATE TRIGGER IF NOT EXISTS proof_keep_trigger AFTER INSERT ON trigger
BEGIN INSERT INTO {KEPT_TRIGGERS} (classpath, kwargs) VALUES (NEW.classpath, NEW.kwargs); END;
"""
_DECRYPT = """
import json, sys
from airflow.models.crypto import get_fernet
rows = json.load(sys.stdin)
plain = [k if k.startswith("{") else get_fernet().decrypt(k.encode()).decode() for _, k in rows]
json.dump([[c, p] for (c, _), p in zip(rows, plain)], sys.stdout)
"""


def database(home: Path) -> Path:
    return home / "airflow.db"


def keep_triggers(home: Path) -> None:
    """From now on, keep a copy of every trigger row the runs in ``home`` create."""
    with sqlite3.connect(database(home)) as db:
        db.executescript(_KEEP)


def forms(secrets: Mapping[str, str], basic: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """Each secret, and the Basic credentials built from (login, password) pairs, by name."""
    found = dict(secrets)
    for login, password in basic:
        found[f"basic({login})"] = base64.b64encode(f"{login}:{password}".encode()).decode()
    return found


@dataclass
class Scan:
    """What was scanned, by place, and every occurrence of a secret found (place, which secret)."""

    secrets: Mapping[str, str]
    scanned: Counter[str] = field(default_factory=Counter)
    found: list[tuple[str, str]] = field(default_factory=list)

    def text(self, place: str, text: str) -> None:
        self.scanned[place] += 1
        self.found += [(place, name) for name, value in self.secrets.items() if value in text]

    def home(self, home: Path, env: Mapping[str, str]) -> None:
        """The database, the kept triggers (decrypted with ``env``'s Airflow) and the log files."""
        with sqlite3.connect(database(home)) as db:
            tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                place = _place(table)
                for row in db.execute(f'SELECT * FROM "{table}"'):
                    self.text(place, "\x00".join(_as_text(value) for value in row))
            kept = db.execute(f"SELECT classpath, kwargs FROM {KEPT_TRIGGERS}").fetchall()
        for classpath, kwargs in _decrypted(kept, env):
            self.text("trigger kwargs (decrypted)", f"{classpath}\x00{kwargs}")
        for log in sorted((home / "logs").rglob("*")) if (home / "logs").exists() else []:
            if log.is_file():
                self.text("task log files", log.read_text(errors="replace"))

    def figures(self) -> dict[str, object]:
        return {"scanned": dict(sorted(self.scanned.items())), "occurrences": len(self.found)}


def _place(table: str) -> str:
    named = {
        "xcom": "XCom",
        "rendered_task_instance_fields": "rendered template fields",
        "trigger": "triggers (stored)",
        "task_instance": "task instances (deferral kwargs)",
        "log": "audit log",
    }
    return named.get(table, "other database rows")


def _as_text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def _decrypted(rows: list[tuple[str, str]], env: Mapping[str, str]) -> list[tuple[str, str]]:
    if not rows:
        return []
    done = subprocess.run(
        [sys.executable, "-c", _DECRYPT],
        input=json.dumps(rows),
        env=dict(env),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return [(classpath, kwargs) for classpath, kwargs in json.loads(done.stdout)]

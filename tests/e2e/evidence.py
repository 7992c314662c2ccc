"""Timings and evidence of the deployments: phases printed at the end, JSON kept as artefacts."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.e2e.dags import REPO

ARTIFACTS = Path(os.environ.get("ENGAGE_E2E_ARTIFACTS", REPO / "e2e-artifacts" / "adhoc"))
PHASES: list[tuple[str, float]] = []


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    """Time one step of a deployment; the session's summary lists them all."""
    started = time.monotonic()
    try:
        yield
    finally:
        elapsed = time.monotonic() - started
        PHASES.append((name, elapsed))
        print(f"[e2e] {name}: {elapsed:.1f} s", flush=True)


def record(name: str, value: Any) -> None:
    """Keep a piece of evidence (what a test saw) as a JSON artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(value, indent=2, default=str))


class Teardown:
    """Times a fixture's teardown: register :meth:`end` first and :meth:`start` last on its ExitStack."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started = 0.0

    def start(self) -> None:
        self.started = time.monotonic()

    def end(self) -> None:
        elapsed = time.monotonic() - self.started
        PHASES.append((self.name, elapsed))
        print(f"[e2e] {self.name}: {elapsed:.1f} s", flush=True)

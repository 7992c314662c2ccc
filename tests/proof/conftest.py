"""The proof suite: reliability campaigns that measure what they assert.

Each campaign runs in two sizes: the short form ``make test`` runs (bounded, a few minutes in
all), and the full form ``make bench`` runs (``ENGAGE_PROOF=full``). A campaign records the
figures it measured with ``proof_figures``; with ``ENGAGE_PROOF_OUT`` set (``make bench`` sets
it) they are written there as ``<campaign>.json`` for ``bench/results.json`` and the report.

``test_faults_watchers.py`` is collected on Airflow 3 only: its event triggers exist for
AssetWatcher, which Airflow 2 lacks (there the sensors' campaign stands alone).
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from airflow import __version__ as airflow_version

from tests.unit.sensors.conftest import (  # noqa: F401 (the simulated clock harness's fixtures)
    emulator,
    emulator_base_url,
    simulated,
)

FULL = os.environ.get("ENGAGE_PROOF") == "full"
TIMEOUT = 1800 if FULL else 300
"""Seconds a campaign may take (``pytestmark = pytest.mark.timeout(TIMEOUT)``): the full form is
ten times the work."""

collect_ignore = [] if airflow_version.startswith("3.") else ["test_faults_watchers.py"]


@pytest.fixture
def proof_size() -> Callable[[int, int], int]:
    """``proof_size(short, full)``: the count this run uses."""

    def size(short: int, full: int) -> int:
        return full if FULL else short

    return size


RecordFigures = Callable[[str, dict[str, Any]], None]


@pytest.fixture
def proof_figures() -> RecordFigures:
    """``proof_figures(campaign, figures)``: keep what a campaign measured (plain JSON)."""

    def record(campaign: str, figures: dict[str, Any]) -> None:
        text = json.dumps({"size": "full" if FULL else "short", **figures}, indent=2, sort_keys=True)
        out = os.environ.get("ENGAGE_PROOF_OUT")
        if out:
            Path(out).mkdir(parents=True, exist_ok=True)
            (Path(out) / f"{campaign}.json").write_text(text + "\n", encoding="utf-8")
        print(f"{campaign}: {text}")

    return record


@pytest.fixture
def hook_retries(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The hooks' own retries while the test runs, by why (what their log line says): the
    failures that never reached a task."""
    from airflow_provider_engage.hooks import transport

    counted: Counter[str] = Counter()
    lock = threading.Lock()  # a bulk task's threads retry at once
    describe = transport.describe_retry

    def counting(failed: Any) -> str:
        why = describe(failed)
        with lock:
            counted[why] += 1
        return why

    monkeypatch.setattr(transport, "describe_retry", counting)
    return counted


@pytest.fixture(scope="module")
def fuzz() -> Iterator[Any]:
    """A fuzz campaign's emulator and tallies, one per test module (see ``fuzz_harness``)."""
    from tests.proof.fuzz_harness import fuzz_emulator

    with fuzz_emulator() as fuzzing:
        yield fuzzing

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
from collections.abc import Callable
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

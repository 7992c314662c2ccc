"""Run the emulator in its own process, so a benchmark's client does not share a GIL with it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

BANNER_PREFIX = "engage-emulator serving at "


@contextmanager
def emulator_process(flags: Sequence[str] = ()) -> Iterator[str]:
    """``python -m airflow_provider_engage.emulator --port 0 ...``; yields its base URL."""
    command = [
        sys.executable,
        "-m",
        "airflow_provider_engage.emulator",
        "--port",
        "0",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen([*command, *flags], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        if not first.startswith(BANNER_PREFIX):
            raise RuntimeError(f"the emulator did not start: {first!r}")
        yield first.removeprefix(BANNER_PREFIX).strip()
    finally:
        process.terminate()
        process.wait(timeout=30)

"""What the test pipelines in this folder saw, written for the tests to read (ENGAGE_TEST_OUT)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_out(**values: Any) -> None:
    """Merge ``values`` into the JSON file the test reads."""
    path = Path(os.environ["ENGAGE_TEST_OUT"])
    data = json.loads(path.read_text()) if path.exists() else {}
    data.update(values)
    path.write_text(json.dumps(data, default=str))

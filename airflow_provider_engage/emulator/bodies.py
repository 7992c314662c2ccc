"""Request bodies as the services read them: JSON as RFC 8259 defines it, nothing more.

Python's ``json`` reads ``NaN``, ``Infinity`` and ``-Infinity``, which are not JSON; a real
service refuses such a body, so the emulator does too (and never stores a value it could not
send back). Both services' routes read their bodies here.
"""

from __future__ import annotations

import json
from typing import Any


def loads(raw: bytes) -> Any:
    """The JSON value of ``raw``; ``ValueError`` for anything RFC 8259 does not allow."""
    return json.loads(raw, parse_constant=_not_json)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")

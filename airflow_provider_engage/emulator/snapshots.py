"""How both backends write their records as JSON for ``--db``, and read them back.

The convention is the package's one (:mod:`airflow_provider_engage.plain_json`); the sqlite store
(:mod:`airflow_provider_engage.emulator.store`) keeps what :func:`dump` gives. A backend's random
generator is part of its state too: restarted with the same ``--seed``, it must go on where it
stood, not draw the ids it already gave again.
"""

from __future__ import annotations

import random
from typing import Any

from airflow_provider_engage.plain_json import dump, load, load_record

__all__ = ["dump", "dump_random", "load", "load_random", "load_record"]

# What ``random.Random.getstate()`` gives, so a snapshot reads it back.
_RANDOM_STATE = tuple[int, tuple[int, ...], float | None]


def dump_random(generator: random.Random) -> Any:
    return dump(generator.getstate())


def load_random(generator: random.Random, data: Any) -> None:
    """Put ``generator`` where :func:`dump_random` found it (nothing to do for ``None``)."""
    if data is not None:
        generator.setstate(load(_RANDOM_STATE, data))

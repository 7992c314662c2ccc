"""How both backends write their records as JSON for ``--db``, and read them back.

The convention is the package's one (:mod:`airflow_provider_engage.plain_json`); the sqlite store
(:mod:`airflow_provider_engage.emulator.store`) keeps what :func:`dump` gives.
"""

from __future__ import annotations

from airflow_provider_engage.plain_json import dump, load, load_record

__all__ = ["dump", "load", "load_record"]

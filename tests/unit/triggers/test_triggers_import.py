"""Importing the triggers stays light: a DAG file with an ``AssetWatcher`` imports the event
triggers on every parse, and the triggerer imports a trigger's module inside its event loop."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.unit.operators.test_operators_import import _loaded_after


def test_importing_the_triggers_loads_no_http_client() -> None:
    airflow_alone = _loaded_after("from airflow.triggers.base import BaseTrigger, TriggerEvent")
    probe = "import airflow_provider_engage.triggers.engagelab, airflow_provider_engage.triggers.pai"

    assert _loaded_after(probe) - airflow_alone == set()


def test_the_first_request_imports_aiohttp_in_a_worker_thread_not_in_the_event_loop() -> None:
    probe = """
import asyncio, json, sys, threading
from airflow_provider_engage.hooks import _async

importing_threads = []
real_import = _async.importlib.import_module

def watched_import(name):
    importing_threads.append(threading.current_thread() is threading.main_thread())
    return real_import(name)

_async.importlib.import_module = watched_import
asyncio.run(_async._import_aiohttp())
asyncio.run(_async._import_aiohttp())  # loaded once: the second finds it
print(json.dumps({"in_main_thread": importing_threads, "loaded": "aiohttp" in sys.modules}))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, timeout=120
    )

    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"in_main_thread": [False], "loaded": True}

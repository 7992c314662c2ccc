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


def test_the_first_requests_import_aiohttp_once_in_a_worker_thread_not_in_the_event_loop() -> None:
    probe = """
import asyncio, json, sys, threading, time
from airflow_provider_engage.hooks import transport

importing_threads = []
finished = threading.Event()
real_import = transport.importlib.import_module

def watched_import(name):
    importing_threads.append(threading.current_thread() is threading.main_thread())
    module = real_import(name)
    time.sleep(0.3)  # a slow disk: the module is in sys.modules well before its import ends
    finished.set()
    return module

async def many_at_once():
    async def one():
        await transport._import_aiohttp()
        return finished.is_set()
    return await asyncio.gather(*(one() for _ in range(20)))

transport.importlib.import_module = watched_import
ready = asyncio.run(many_at_once())
asyncio.run(transport._import_aiohttp())  # loaded once: a later loop finds it
print(json.dumps({"in_main_thread": importing_threads, "ready": ready, "loaded": "aiohttp" in sys.modules}))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, timeout=120
    )

    # Twenty first requests at once: one import, in a thread, and none goes on before it is whole.
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "in_main_thread": [False],
        "ready": [True] * 20,
        "loaded": True,
    }

"""How many of the package's files one create passes through, from the operator to the socket.

A reader follows a call by opening files, so the count is a cost of the layout (issue 18). The
figure is measured, not read off the imports: one ``EngageLabCreateScheduleOperator.execute``
against the emulator runs under ``sys.setprofile``, after a first create that loads the modules
and reads the connection, and every function call in this thread is noted by its file. The
emulator's own files are left out (they stand for the service). Printed: the files entered, and
the hops between files (consecutive calls in different files), then each file. Run it in two
checkouts (a ``git worktree`` of the old commit with ``PYTHONPATH`` set to it) to compare.

    .venv/bin/python -m bench.call_path
"""

from __future__ import annotations

import json
import os
import sys
import threading
from types import FrameType
from typing import Any

import pendulum

PACKAGE = "/airflow_provider_engage/"
PUSH = {"from": "push", "to": {"tag": ["vip"]}, "body": {"platform": "all", "notification": {"alert": "Hi"}}}


def files_entered(url: str) -> list[str]:
    """The package files one create's calls enter, in order, a file noted again when re-entered."""
    from airflow_provider_engage.operators.engagelab import EngageLabCreateScheduleOperator

    os.environ["AIRFLOW_CONN_ENGAGELAB_DEFAULT"] = json.dumps(
        {"conn_type": "engagelab", "host": url, "login": "demo-app-key", "password": "demo-master-secret"}
    )

    def operator(key: str) -> EngageLabCreateScheduleOperator:
        send_at = pendulum.now("UTC").add(days=1)
        return EngageLabCreateScheduleOperator(
            task_id="create", name="Probe", send_at=send_at, push=PUSH, idempotency_key=key
        )

    operator("warm-up").execute({})  # imports, the connection read: not what a reader follows
    measured = operator("measured")
    thread = threading.get_ident()
    entered: list[str] = []

    def note(frame: FrameType, event: str, _arg: Any) -> None:
        name = frame.f_code.co_filename
        if event == "call" and threading.get_ident() == thread and PACKAGE in name:
            file = name.split(PACKAGE, 1)[1]
            if not file.startswith("emulator/") and (not entered or entered[-1] != file):
                entered.append(file)

    sys.setprofile(note)
    try:
        measured.execute({})
    finally:
        sys.setprofile(None)
    return entered


def main() -> None:
    from airflow_provider_engage.emulator import EmulatorConfig, running_emulator

    with running_emulator(EmulatorConfig(seed=1, host="127.0.0.1", port=0)) as url:
        entered = files_entered(url)
    files = sorted(set(entered))
    hops = len(entered) - 1
    print(f"EngageLabCreateScheduleOperator.execute: {len(files)} files, {hops} hops between files")
    for file in files:
        print(f"  {file}")


if __name__ == "__main__":
    main()

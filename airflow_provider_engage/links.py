"""Operator extra links: a button on the task that opens what the task created.

The operator stores the URL in XCom (``console_url``) when it knows the id, before anything
else can fail, so the link works for retries and for humans investigating a failed run. It also
keeps the URL on itself: Airflow 3 asks for the link in the task's own process as the task ends
(``airflow/sdk/execution_time/task_runner.py``, ``finalize``, which passes the running task
instance as ``ti_key``), success or failure, and asking XCom for a URL a failed task never
pushed logs ``XCom not found`` as an error there. Airflow 2.11 asks only in the webserver, with
a ``TaskInstanceKey``, and reads XCom quietly (``None`` when absent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseOperatorLink, XCom

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import TaskInstanceKey

CONSOLE_URL_KEY = "console_url"

ENGAGELAB_CONSOLE = "https://www.engagelab.com/console"
PAI_CONSOLE = "https://pai.console.aliyun.com/"
_LOOPBACK_PREFIXES = ("http://127.", "http://localhost", "http://[::1]")
_RECORDED = "_engage_console_url"


def engagelab_console_url(base_url: str, schedule_id: str) -> str:
    """Where a person looks at a schedule: the emulator's own page offline, else the console.

    EngageLab's console has no documented deep link to one API-created schedule, so the real
    link opens the console and the id is in the task's XCom.
    """
    if base_url.startswith(_LOOPBACK_PREFIXES):
        return f"{base_url.rstrip('/')}/_emulator/schedules/{schedule_id}"
    return ENGAGELAB_CONSOLE


def pai_console_url(base_url: str, schedule_id: str) -> str:
    if base_url.startswith(_LOOPBACK_PREFIXES):
        return f"{base_url.rstrip('/')}/_emulator/pai/schedules/{schedule_id}"
    return PAI_CONSOLE


def record_console_url(operator: Any, url: str) -> None:
    """Keep ``url`` on the operator that published it, for the link asked for as the task ends."""
    setattr(operator, _RECORDED, url)


class _XComConsoleLink(BaseOperatorLink):
    """The URL the operator published; empty until the task has created something.

    The operators that carry these links finish in the process that ran ``execute`` (none of
    them defers), so there the operator's own record is the whole truth.
    """

    name = "Console"

    def get_link(self, operator: Any, *, ti_key: TaskInstanceKey) -> str:
        if getattr(ti_key, "task", None) is operator:  # Airflow 3, the task's own process
            return str(getattr(operator, _RECORDED, None) or "")
        url = XCom.get_value(key=CONSOLE_URL_KEY, ti_key=ti_key)
        return str(url) if url else ""


class EngageLabScheduleLink(_XComConsoleLink):
    name = "EngageLab schedule"


class PaiScheduleLink(_XComConsoleLink):
    name = "PAI schedule"

"""Operator extra links: a button on the task that opens what the task created.

The operator stores the URL in XCom (``console_url``) when it knows the id, before anything
else can fail, so the link works for retries and for humans investigating a failed run.
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


class _XComConsoleLink(BaseOperatorLink):
    """Reads the URL the operator stored; empty until the task has created something."""

    name = "Console"

    def get_link(self, operator: Any, *, ti_key: TaskInstanceKey) -> str:
        url = XCom.get_value(key=CONSOLE_URL_KEY, ti_key=ti_key)
        return str(url) if url else ""


class EngageLabScheduleLink(_XComConsoleLink):
    name = "EngageLab schedule"


class PaiScheduleLink(_XComConsoleLink):
    name = "PAI schedule"

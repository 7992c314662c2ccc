"""The trigger the leaky proof DAG defers on: its kwargs carry what it is given, on purpose."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent


class LeakyTrigger(BaseTrigger):
    def __init__(self, note: str) -> None:
        super().__init__()
        self.note = note

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{type(self).__module__}.{type(self).__qualname__}", {"note": self.note}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        yield TriggerEvent({"status": "done"})

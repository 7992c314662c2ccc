"""What the tests see of a run through the REST API: each task instance's states, in order."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

TRIGGER_CLASS = "airflow_provider_engage.triggers.engagelab.EngageLabScheduleFiredTrigger"


@dataclass
class Seen:
    """One state of one task instance, with the trigger and triggerer it had then."""

    at: float
    state: str | None
    trigger: str | None = None
    triggerer_job: int | None = None
    triggerer_host: str | None = None


@dataclass
class RunWatch:
    dag_id: str
    run_id: str
    history: dict[tuple[str, int], list[Seen]] = field(default_factory=dict)
    operators: dict[tuple[str, int], str] = field(default_factory=dict)
    # The task instances of the latest poll (a mapped task's placeholder, index -1, goes once
    # the task is expanded).
    current: set[tuple[str, int]] = field(default_factory=set)

    def take(self, task_instances: list[dict[str, Any]]) -> None:
        now = time.monotonic()
        self.current = {(ti["task_id"], ti["map_index"]) for ti in task_instances}
        for ti in task_instances:
            key = (ti["task_id"], ti["map_index"])
            self.operators[key] = ti.get("operator") or ""
            trigger = ti.get("trigger") or {}
            job = ti.get("triggerer_job") or {}
            seen = Seen(now, ti["state"], trigger.get("classpath"), job.get("id"), job.get("hostname"))
            past = self.history.setdefault(key, [])
            last = past[-1] if past else None
            if last is None or (last.state, last.triggerer_job) != (seen.state, seen.triggerer_job):
                past.append(seen)

    def sensors(self) -> list[tuple[str, int]]:
        return sorted(
            key
            for key, operator in self.operators.items()
            if operator.endswith("Sensor") and key in self.current
        )

    def states(self, key: tuple[str, int]) -> list[str | None]:
        return [seen.state for seen in self.history.get(key, [])]

    def deferred_on(self, key: tuple[str, int]) -> list[tuple[int | None, str | None]]:
        """The triggerer jobs (id, host) that held this task instance's trigger, in order."""
        jobs: list[tuple[int | None, str | None]] = []
        for seen in self.history.get(key, []):
            held = seen.state == "deferred" and seen.triggerer_job is not None
            if held and (not jobs or jobs[-1][0] != seen.triggerer_job):
                jobs.append((seen.triggerer_job, seen.triggerer_host))
        return jobs

    def summary(self) -> dict[str, Any]:
        return {
            f"{task}[{index}]": [
                {
                    "state": s.state,
                    "trigger": s.trigger,
                    "triggerer_job": s.triggerer_job,
                    "host": s.triggerer_host,
                }
                for s in seen
            ]
            for (task, index), seen in sorted(self.history.items())
            if (task, index) in self.current
        }

    def finals(self) -> dict[str, str | None]:
        return {
            f"{task}[{index}]": self.history[(task, index)][-1].state for task, index in sorted(self.current)
        }


def log_text(entries: list[dict[str, Any]]) -> str:
    return "\n".join(str(entry.get("event", "")) for entry in entries)

"""Airflow's retry of a failed try, for operators run through ``execute()``.

A retry is a new try of the same task instance: the same dag_id, task_id, run_id and map_index,
``try_number`` one more, and a fresh XCom (Airflow clears a task's XCom before each try). An
``AirflowFailException`` is never retried, as in Airflow, so it ends the task: the campaigns
count it as the failure it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from tests.helpers import TaskInstanceStandIn


@dataclass
class TaskRun:
    """How one task instance went: its result, how many tries, and what each failed try said."""

    task_id: str
    result: Any = None
    tries: int = 0
    failures: list[str] = field(default_factory=list)
    fatal: str | None = None  # an AirflowFailException's text: the task failed for good

    @property
    def succeeded(self) -> bool:
        return self.fatal is None and len(self.failures) < self.tries


def run_with_retries(
    execute: Callable[[dict[str, Any]], Any],
    ti: TaskInstanceStandIn,
    *,
    max_tries: int,
    retry_delay: float = 0.0,
    context: Callable[[TaskInstanceStandIn], dict[str, Any]] | None = None,
) -> TaskRun:
    """Run ``execute(context)`` try after try, as Airflow's ``retries`` would, until one succeeds.

    ``retry_delay`` is the pause before a retry (Airflow's ``retry_delay``); ``context(ti)``
    builds each try's context (default ``{"ti": ti}``).
    """
    run = TaskRun(ti.task_id)
    for try_number in range(1, max_tries + 1):
        if try_number > 1:
            time.sleep(retry_delay)
        this_try = replace(ti, try_number=try_number, xcom={})
        run.tries = try_number
        try:
            run.result = execute(context(this_try) if context else {"ti": this_try})
        except AirflowFailException as err:
            run.fatal = str(err)
            return run
        except AirflowException as err:
            run.failures.append(str(err))
            continue
        return run
    return run

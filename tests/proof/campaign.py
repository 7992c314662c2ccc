"""What the campaigns share: the connection as deployed, a push, the site's wall clock, and
creating schedules as a DAG's tasks would, retried as Airflow retries them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pendulum

from airflow_provider_engage.operators.engagelab import (
    EngageLabCreateScheduleOperator,
    EngageLabCreateSchedulesOperator,
)
from tests.helpers import TaskInstanceStandIn, connection
from tests.proof.tries import TaskRun, run_with_retries

PUSH: dict[str, Any] = {"to": "all", "body": {"platform": "all", "notification": {"alert": "proof"}}}
SITE_TZ = "Asia/Shanghai"  # the emulator's and the connection's default site zone
SECRET = "demo-master-secret"  # the emulator's Master Secret: it must never reach a message


def proof_connection(url: str, **extra: Any) -> str:
    """The ``engagelab`` connection as deployed (5 hook retries, the default), with the short waits
    a test can afford."""
    return connection(url, **{"max_retries": 5, "retry_min_wait": 0.002, "retry_max_wait": 0.02, **extra})


def wall(instant: pendulum.DateTime) -> str:
    """``instant`` as the API's wall clock in the site zone, to the minute."""
    return instant.in_timezone(SITE_TZ).format("YYYY-MM-DD HH:mm:00")


MAX_TRIES = 30  # Airflow's retries for every task of a campaign: far more than any needs
BULK_SIZE = 50  # items per bulk task


def create_schedules(
    items: Sequence[Mapping[str, Any]],
    *,
    prefix: str = "",
    retry_delay: float = 0.0,
    after_each: Callable[[int], None] | None = None,
) -> list[TaskRun]:
    """Create ``items`` as a DAG would: the first half one task each (``EngageLabCreateScheduleOperator``),
    the rest in bulk tasks of ``BULK_SIZE`` (``EngageLabCreateSchedulesOperator``), every task
    retried as Airflow retries a failed try, ``retry_delay`` seconds apart.

    Tasks run one after another (Airflow runs each in a process of its own, and 2.11 refuses an
    operator's ``execute()`` from a thread other than the main one); the single creates come
    first because each of their tries lists every schedule there is. ``after_each(done)`` is
    called after each task, with how many are done (where a campaign makes trouble).
    """
    half = len(items) // 2
    operators: list[Any] = [
        EngageLabCreateScheduleOperator(task_id=f"{prefix}push_{index}", **item)
        for index, item in enumerate(items[:half])
    ]
    operators += [
        EngageLabCreateSchedulesOperator(
            task_id=f"{prefix}bulk_{start}", schedules=list(items[start : start + BULK_SIZE]), max_workers=8
        )
        for start in range(half, len(items), BULK_SIZE)
    ]
    runs = []
    for operator in operators:
        ti = TaskInstanceStandIn(task_id=operator.task_id)
        runs.append(run_with_retries(operator.execute, ti, max_tries=MAX_TRIES, retry_delay=retry_delay))
        if after_each is not None:
            after_each(len(runs))
    return runs


def created_ids(runs: Iterable[TaskRun]) -> list[str]:
    """The schedule ids the tasks returned (a bulk task returns a list)."""
    ids: list[str] = []
    for run in runs:
        ids.extend(run.result if isinstance(run.result, list) else [run.result])
    return ids

"""The operators' extra links (``links.py``): the URL a task published, quietly empty without one."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from airflow_provider_engage import links
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.links import EngageLabScheduleLink, PaiScheduleLink
from airflow_provider_engage.operators.engagelab import EngageLabCreateScheduleOperator
from tests.helpers import TaskInstanceStandIn
from tests.unit.operators.test_engagelab import PUSH, tomorrow_at


class TaskInstanceKey(NamedTuple):
    """What Airflow 2.11's webserver passes: the key alone, no task."""

    dag_id: str
    task_id: str
    run_id: str
    try_number: int = 1
    map_index: int = -1


class RunningTaskInstance(TaskInstanceStandIn):
    """What Airflow 3 passes as the task ends (task_runner.finalize): the running task instance."""

    task: Any = None


class XComAsked:
    def __init__(self, answer: Any = None) -> None:
        self.answer = answer
        self.asked: list[dict[str, Any]] = []

    def get_value(self, **kwargs: Any) -> Any:
        self.asked.append(kwargs)
        return self.answer


@pytest.fixture
def xcom(monkeypatch: pytest.MonkeyPatch) -> XComAsked:
    asked = XComAsked()
    monkeypatch.setattr(links, "XCom", asked)
    return asked


def create_op() -> EngageLabCreateScheduleOperator:
    return EngageLabCreateScheduleOperator(
        task_id="create", name="Spring_sale", push=PUSH, send_at=tomorrow_at(9)
    )


@pytest.mark.parametrize("link", [EngageLabScheduleLink(), PaiScheduleLink()])
def test_a_task_that_failed_before_publishing_shows_an_empty_link_without_asking_xcom(
    xcom: XComAsked, link: Any
) -> None:
    operator = create_op()  # its execute failed before the id was known
    ti = RunningTaskInstance()
    ti.task = operator

    assert link.get_link(operator, ti_key=ti) == ""
    assert xcom.asked == []  # asking would log "XCom not found" as an error in the task's log


def test_a_task_that_published_shows_its_url_without_asking_xcom(
    engagelab_conn: EmulatorControl, xcom: XComAsked
) -> None:
    operator = create_op()
    ti = RunningTaskInstance()
    ti.task = operator
    schedule_id = operator.execute({"ti": ti})

    assert EngageLabScheduleLink().get_link(operator, ti_key=ti) == ti.xcom["console_url"]
    assert ti.xcom["console_url"].endswith(schedule_id)
    assert xcom.asked == []


@pytest.mark.parametrize(
    ("stored", "shown"), [("http://127.0.0.1:1/_emulator/schedules/x", None), (None, "")]
)
def test_elsewhere_the_link_reads_xcom_by_the_key(
    xcom: XComAsked, stored: str | None, shown: str | None
) -> None:
    # Airflow 2.11's webserver, with an operator from the serialized DAG that never ran.
    xcom.answer = stored
    key = TaskInstanceKey("campaign", "create", "manual__1")

    assert EngageLabScheduleLink().get_link(create_op(), ti_key=key) == (stored if shown is None else shown)
    assert xcom.asked == [{"key": "console_url", "ti_key": key}]

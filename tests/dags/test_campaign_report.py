"""dags_examples/campaign_report.py: the event-driven example parses as a DAG on Airflow 3 (an
asset watched by the event trigger, kwargs the same from one parse to the next), its task reads
a real trigger's payload the way Airflow 3.3 stores it, and on Airflow 2.11 it defines no DAG."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from airflow import __version__ as airflow_version

from airflow_provider_engage.testing import EngageEmulator
from tests.dags.conftest import EXAMPLES
from tests.unit.sensors.conftest import SimulatedTime, simulate_trigger_naps

AIRFLOW_3 = airflow_version.startswith("3.")
REPORT = EXAMPLES / "campaign_report.py"


def parse(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The DAGs a dag-processor would find in ``path``, and its import errors."""
    if AIRFLOW_3:
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=str(path))
    else:
        from airflow.models.dagbag import DagBag

        bag = DagBag(dag_folder=str(path), include_examples=False)
    return bag.dags, bag.import_errors


if AIRFLOW_3:

    def watcher_of(dag: Any) -> Any:
        (asset,) = dag.timetable.asset_condition.objects
        (watcher,) = asset.watchers
        return asset, watcher

    def test_the_dag_is_scheduled_on_an_asset_its_event_trigger_watches(
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

        monkeypatch.setenv("ENGAGE_NEWSLETTER_SCHEDULE_IDS", "b22, a11")
        dags, errors = parse(REPORT)

        assert errors == {}
        asset, watcher = watcher_of(dags["campaign_report"])
        assert asset.uri.rstrip("/") == "engage://newsletter"
        assert isinstance(watcher.trigger, EngageLabMessagesEventTrigger)
        assert watcher.trigger.schedule_ids == ["a11", "b22"]
        # A second parse (the dag-processor's next) gives the same trigger: it is not recreated.
        _, again = watcher_of(parse(REPORT)[0]["campaign_report"])
        assert again.trigger.serialize() == watcher.trigger.serialize()
        assert "now" not in json.dumps(watcher.trigger.serialize()[1]).lower()

    def test_without_schedules_to_watch_the_file_defines_no_dag(monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("ENGAGE_NEWSLETTER_SCHEDULE_IDS", raising=False)
        dags, errors = parse(REPORT)

        assert errors == {}
        assert "campaign_report" not in dags

    @dataclass
    class AssetEventStandIn:
        """An asset event as the task sees it in ``triggering_asset_events``."""

        extra: dict[str, Any]

    def test_the_report_sums_the_statistics_of_the_messages_the_trigger_announced(
        engage_emulator: EngageEmulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from airflow_provider_engage.hooks.engagelab import EngageLabHook
        from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

        control = engage_emulator
        start = dt.datetime(2030, 3, 1, tzinfo=dt.UTC)
        control.set_clock(start, frozen=True)
        body = {
            "name": "newsletter",
            "enabled": True,
            "trigger": {"single": {"time": "2030-03-01 09:30:00", "zone_type": 1}},
            "push": {"to": "all", "body": {"platform": "all", "notification": {"alert": "news"}}},
        }
        schedule_id = str(EngageLabHook().create_schedule(body)["schedule_id"])

        simulate_trigger_naps(SimulatedTime(control), monkeypatch)

        async def first_event() -> dict[str, Any]:
            trigger = EngageLabMessagesEventTrigger(schedule_ids=[schedule_id])
            async for event in trigger.run():
                await trigger.cleanup()
                return dict(event.payload)
            raise AssertionError("the trigger ended without an event")

        payload = asyncio.run(first_event())
        monkeypatch.setenv("ENGAGE_NEWSLETTER_SCHEDULE_IDS", schedule_id)
        report = parse(REPORT)[0]["campaign_report"].get_task("report").python_callable
        by_trigger = AssetEventStandIn({"from_trigger": True, "payload": payload})  # models/trigger.py
        by_hand = AssetEventStandIn({"note": "posted through the API"})

        result = report(triggering_asset_events={"engage://newsletter": [by_trigger, by_hand]})

        stats = EngageLabHook().get_message_stats(payload["msg_ids"])
        assert result["occurrences"] == ["2030-03-01 09:30:00"]
        assert result["event_ids"] == [payload["event_id"]]
        assert result["messages"] == len(payload["msg_ids"]) == 1
        assert result["sent"] == sum(int(item["sent"]) for item in stats.values()) > 0
        assert result["failed"] == 0

else:

    def test_on_airflow_2_the_file_parses_and_defines_no_dag(monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ENGAGE_NEWSLETTER_SCHEDULE_IDS", "a11")
        dags, errors = parse(REPORT)

        assert errors == {}
        assert "campaign_report" not in dags

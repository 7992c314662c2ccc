"""On Airflow 2.11, which has no AssetWatcher, the event triggers' modules still import, and the
triggers say plainly that event-driven scheduling needs Airflow 3."""

from __future__ import annotations

import pytest
from airflow import __version__ as airflow_version


def test_the_event_triggers_import_everywhere_and_run_only_on_airflow_3() -> None:
    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger
    from airflow_provider_engage.triggers.pai import PaiMessagesEventTrigger

    for make in (
        lambda: EngageLabMessagesEventTrigger(schedule_ids=["s1"]),
        lambda: PaiMessagesEventTrigger(schedule_ids=["p1"]),
    ):
        if airflow_version.startswith("3."):
            from airflow.triggers.base import BaseEventTrigger

            assert isinstance(make(), BaseEventTrigger)  # what AssetWatcher accepts
        else:
            with pytest.raises(RuntimeError, match=r"needs Airflow 3 .*wait with the provider's sensors"):
                make()


def test_nothing_to_watch_is_refused_and_on_airflow_2_anything_is() -> None:
    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

    refusal = (
        (ValueError, "nothing to watch") if airflow_version.startswith("3.") else (RuntimeError, "Airflow 3")
    )
    with pytest.raises(refusal[0], match=refusal[1]):
        EngageLabMessagesEventTrigger()

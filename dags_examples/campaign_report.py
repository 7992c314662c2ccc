"""When the weekly newsletter has gone out, load its statistics: a DAG started by the firing itself.

No sensor task sits waiting and no run schedule is guessed: the asset ``engage://newsletter`` is
watched by :class:`~airflow_provider_engage.triggers.engagelab.EngageLabMessagesEventTrigger` in
the triggerer (an ``AssetWatcher``, Airflow 3), which looks only around the schedule's
occurrences and announces each firing once. Every announcement queues one run of this DAG,
whose task reads the event's payload (``triggering_asset_events``, under ``extra["payload"]``:
the occurrence, its UTC window, the message ids, how many failed) and fetches the statistics of
those messages.

Which schedules are watched: the ids in the environment variable ``ENGAGE_NEWSLETTER_SCHEDULE_IDS``
(comma-separated; e.g. the id the ``weekly_newsletter_setup`` DAG created). They are read when
the file is parsed and must stay the same from one parse to the next: a watcher whose trigger
arguments change is recreated. To watch the pushes of a push plan instead, give
``plan_ids=["..."]``.

Connections: ``engagelab_default`` (AppKey, Master Secret). Airflow 3 only: on Airflow 2 this
file defines no DAG (wait with ``EngageLabScheduleFiredSensor`` there).
"""

from __future__ import annotations

import os
from typing import Any

import pendulum

try:  # Airflow 3: event-driven scheduling
    from airflow.sdk import Asset, AssetWatcher, dag, task
except ImportError:  # Airflow 2 has no AssetWatcher
    AssetWatcher = None

WATCHED = [item.strip() for item in os.environ.get("ENGAGE_NEWSLETTER_SCHEDULE_IDS", "").split(",")]
WATCHED = [item for item in WATCHED if item]

if AssetWatcher is not None and WATCHED:
    from airflow_provider_engage.triggers.engagelab import EngageLabMessagesEventTrigger

    newsletter_sent = Asset(
        "engage://newsletter",
        watchers=[
            AssetWatcher(
                name="newsletter_fired",
                trigger=EngageLabMessagesEventTrigger(schedule_ids=WATCHED, conn_id="engagelab_default"),
            )
        ],
    )

    @dag(schedule=[newsletter_sent], start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False)
    def campaign_report() -> None:
        @task
        def report(**context: Any) -> dict[str, Any]:
            """The statistics of the messages the firing that started this run sent."""
            from airflow_provider_engage.hooks.engagelab import EngageLabHook

            # An event from a trigger carries the trigger's payload under "payload"; an event
            # posted by hand (API, another DAG) has none and announces no firing.
            events = [event for events in context["triggering_asset_events"].values() for event in events]
            firings = [event.extra["payload"] for event in events if "payload" in (event.extra or {})]
            ids = [msg_id for firing in firings for msg_id in firing.get("msg_ids", [])]
            stats = EngageLabHook().get_message_stats(ids) if ids else {}
            totals = {
                key: sum(int(item.get(key, 0)) for item in stats.values())
                for key in ("targets", "sent", "delivered", "clicks")
            }
            return {
                "occurrences": [firing.get("occurrence", {}).get("wall_time") for firing in firings],
                "event_ids": [firing.get("event_id") for firing in firings],
                "messages": len(ids),
                "failed": sum(int(firing.get("failed", 0)) for firing in firings),
                **totals,
            }

        report()

    campaign_report()

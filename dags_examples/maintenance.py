"""Housekeeping for a running campaign: pause one push, change one field of another, delete the expired.

The campaign is every schedule whose name starts with ``Promo_``. Run by hand (``schedule=None``):

1. three small tasks list the campaign's schedules with ``EngageLabHook`` and pick those each
   step is for (one listing each: a mapped step needs a task whose whole result is its list);
2. ``Promo_reminder`` is paused (``EngageLabUpdateScheduleOperator(enabled=False)``): it stays
   on the service and fires again once enabled;
3. ``Promo_digest`` gets a new alert text in merge mode: the operator reads the schedule and
   sends it back whole with that one field changed (the API only takes complete replacements);
4. the expired ones are deleted (``EngageLabDeleteScheduleOperator``, mapped over them).

What counts as expired: a schedule with no firing left, by the service's clock. The service
drops those itself (it lists unexpired schedules only, and answers a DELETE of an expired one
with 28104, which the delete operator takes as done), so on its own this finds what the listing
still shows. A campaign ends earlier than its schedules, too: trigger the run with
``{"ends_on": "2027-01-31"}`` (the campaign's last day, site time) and every schedule whose next
firing comes after that day has expired for the campaign, and is deleted. The steps map over
what was found, so a campaign with nothing to do leaves them skipped.

Connection: ``engagelab_default`` (AppKey, Master Secret; for the offline emulator its host is
the emulator's URL). Nothing else changes between the emulator and the real service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from airflow.providers.common.compat.sdk import Param, dag, task

from airflow_provider_engage.operators.engagelab import (
    EngageLabDeleteScheduleOperator,
    EngageLabUpdateScheduleOperator,
)

CAMPAIGN = "Promo_"
REMINDER = "Promo_reminder"
DIGEST = "Promo_digest"


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={
        "ends_on": Param(
            None,
            type=["null", "string"],
            format="date",
            description="The campaign's last day (yyyy-MM-dd, site time): schedules firing only "
            "after it are deleted. Empty: only schedules with no firing left.",
        )
    },
    tags=["engage", "example"],
)
def maintenance() -> None:
    @task
    def due(step: str, **context: Any) -> list[str]:
        """The campaign's schedule ids that ``step`` (pause, retitle, expired) is for."""
        return _campaign_by_step(context["params"].get("ends_on"))[step]

    reminders = due.override(task_id="reminders_to_pause")("pause")
    digests = due.override(task_id="digests_to_retitle")("retitle")
    expired = due.override(task_id="expired_schedules")("expired")
    # --8<-- [start:update-and-delete]
    EngageLabUpdateScheduleOperator.partial(task_id="pause_reminder", enabled=False).expand(
        schedule_id=reminders
    )
    EngageLabUpdateScheduleOperator.partial(
        task_id="retitle_digest",
        mode="merge",  # this one field changes, the rest of the schedule is kept
        push={"body": {"notification": {"alert": "Last week of the promotion: 30% off"}}},
    ).expand(schedule_id=digests)
    EngageLabDeleteScheduleOperator.partial(task_id="delete_expired").expand(schedule_id=expired)
    # --8<-- [end:update-and-delete]


def _campaign_by_step(ends_on: str | None) -> dict[str, list[str]]:
    """The campaign's schedules, listed with the hook when a task runs, by the step due for each."""
    from airflow_provider_engage import timing
    from airflow_provider_engage.hooks.engagelab import EngageLabHook

    hook = EngageLabHook()
    last_day = dt.date.fromisoformat(ends_on) if ends_on else None
    by_step: dict[str, list[str]] = {"pause": [], "retitle": [], "expired": []}
    campaign = [s for s in hook.iter_schedules() if str(s.get("name", "")).startswith(CAMPAIGN)]
    now = hook.service_clock.now()  # the service's clock, from the listing's answer
    for schedule in campaign:
        upcoming = next(timing.occurrences(schedule["trigger"], site_tz=hook.site_timezone, after=now), None)
        if upcoming is None or (last_day is not None and upcoming.wall_time.date() > last_day):
            by_step["expired"].append(schedule["schedule_id"])
        elif schedule["name"] == REMINDER and schedule.get("enabled", True):
            by_step["pause"].append(schedule["schedule_id"])
        elif schedule["name"] == DIGEST:
            by_step["retitle"].append(schedule["schedule_id"])
    print(f"{len(campaign)} schedules of the campaign by step: {by_step}")
    return by_step


maintenance()

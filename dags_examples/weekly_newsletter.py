"""A weekly newsletter push: its schedule created once, each week's sending waited for and reported.

Two DAGs:

``weekly_newsletter_setup`` (``schedule=None``: run it once, by hand) creates one periodical
schedule on the service: every Monday at 09:00 in the app's site time zone (Asia/Shanghai by
default, so 01:00 UTC), for 26 weeks from the day after the run. The schedule is the service's
to fire, week after week; Airflow does not re-create it. Its idempotency key is fixed
(``weekly-newsletter``), so running the setup again, on any day, re-attaches to the schedule
already there instead of creating a second newsletter (change it with
``EngageLabUpdateScheduleOperator``, see ``maintenance.py``).

``weekly_newsletter`` (every Monday at 00:00 UTC) finds that schedule by its name, waits with a
deferrable ``EngageLabScheduleFiredSensor`` (in the triggerer, no worker slot) for the sending
of its week, the first at or after the run's ``data_interval_end`` (09:00 Shanghai that Monday),
and writes the statistics of its messages to
``<engage_stats_dir>/weekly_newsletter/<ds>.csv``, one row per message and channel.
``data_interval_end`` rather than ``data_interval_start``: a cron schedule's runs have both at
the cron time on Airflow 3, while Airflow 2.11 gives a run the week that has just ended (its
start a week earlier); the end is the run's Monday on both, so both wait for the same sending.

``engage_stats_dir`` is an Airflow Variable (or the environment variable
``AIRFLOW_VAR_ENGAGE_STATS_DIR``), read when the task runs; without it the file goes under
``file:///tmp/engage_stats``.

Connection: ``engagelab_default`` (AppKey, Master Secret; for the offline emulator its host is
the emulator's URL). Nothing else changes between the emulator and the real service.
"""

from __future__ import annotations

import pendulum
from airflow.providers.common.compat.sdk import AirflowFailException, dag, task

from airflow_provider_engage.operators.engagelab import (
    EngageLabCreateScheduleOperator,
    EngageLabMessageStatsOperator,
)
from airflow_provider_engage.sensors.engagelab import EngageLabScheduleFiredSensor

NEWSLETTER = "Weekly newsletter"
SITE_TZ = "Asia/Shanghai"  # the app's site time zone (the connection's site_timezone)
STATS_DIR = "{{ var.value.get('engage_stats_dir', 'file:///tmp/engage_stats') }}"


@dag(
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["engage", "example"],
)
def weekly_newsletter_setup() -> None:
    @task(multiple_outputs=True)
    def season() -> dict[str, str]:
        """From tomorrow (site time) for 26 weeks: when the weekly schedule is in force."""
        first_day = pendulum.now(SITE_TZ).start_of("day").add(days=1)
        return {"start": first_day.isoformat(), "end": first_day.add(weeks=26).isoformat()}

    weeks = season()
    EngageLabCreateScheduleOperator(
        task_id="create_newsletter",
        name=NEWSLETTER,
        start=weeks["start"],
        end=weeks["end"],
        time="09:00:00",
        time_unit="week",
        point=["MON"],
        idempotency_key="weekly-newsletter",  # one schedule however often the setup runs
        push={
            "from": "push",
            "to": {"tag": ["newsletter"]},
            "body": {"platform": "all", "notification": {"alert": "This week's picks are in"}},
        },
    )


@dag(
    schedule="0 0 * * MON",
    start_date=pendulum.datetime(2026, 1, 5, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": pendulum.duration(seconds=30)},
    tags=["engage", "example"],
)
def weekly_newsletter() -> None:
    @task
    def newsletter_schedule() -> str:
        """The newsletter's schedule id, looked up on the service by its name."""
        from airflow_provider_engage.hooks.engagelab import EngageLabHook

        for schedule in EngageLabHook().iter_schedules():
            if schedule.get("name") == NEWSLETTER:
                return str(schedule["schedule_id"])
        raise AirflowFailException(f"No schedule named {NEWSLETTER!r}: run weekly_newsletter_setup first")

    sent = EngageLabScheduleFiredSensor(
        task_id="wait_for_newsletter",
        schedule_id=newsletter_schedule(),
        occurrence="{{ data_interval_end }}",  # this Monday's sending (see the module docstring)
        deferrable=True,
        poke_interval=30,
        timeout=2 * 86400,
    )
    EngageLabMessageStatsOperator(
        task_id="newsletter_statistics",
        msg_ids=sent.output,
        destination=STATS_DIR + "/weekly_newsletter/{{ ds }}.csv",
        format="csv",
    )


weekly_newsletter_setup()
weekly_newsletter()

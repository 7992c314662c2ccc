"""Run the example campaign DAG through real Airflow against the emulator, then show what happened.

1. starts the emulator in its own process (loopback, demo credentials), its clock set to a
   minute before tomorrow's 09:00 in Shanghai and running with real time;
2. runs ``dags_examples/engage_campaign.py`` with ``airflow dags test`` (SQLite under ``.demo/``):
   it schedules the campaign, then its deferrable sensor waits for the first push to go out and
   hands the message ids to a statistics task, which writes them under ``.demo/stats/``;
3. prints how the wait went (when the push fired, when the sensor saw it, how many looks);
4. prints every schedule created and when it fires, in UTC+8 and UTC;
5. moves the emulator's clock two days on, so the rest fires, and prints the message ids
   collected per schedule and per push plan, their statistics, and the PAI plan's sendings.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pendulum

from airflow_provider_engage import timing
from airflow_provider_engage.emulator import emulator_process
from airflow_provider_engage.emulator.client import EmulatorControl

ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / ".demo" / "airflow"
STATS = ROOT / ".demo" / "stats"
DAGS = ROOT / "dags_examples"
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
DAG_ID = "engage_campaign"
UTC8 = timing.PAI_TZ


def airflow_env(url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(HOME),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW_VAR_ENGAGE_STATS_DIR": STATS.as_uri(),
            "AIRFLOW_CONN_ENGAGELAB_DEFAULT": (
                f'{{"conn_type": "engagelab", "login": "demo-app-key", "password": "demo-master-secret", '
                f'"host": "{url}"}}'
            ),
            "AIRFLOW_CONN_PAI_ENGAGEMENT_DEFAULT": (
                f'{{"conn_type": "pai_engagement", "login": "demo-ak-id", "password": "demo-ak-secret", '
                f'"host": "{url}", "extra": {{"api_style": "roa"}}}}'
            ),
        }
    )
    return env


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def run_airflow(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-6000:] + done.stderr[-6000:])
        raise SystemExit(f"airflow {' '.join(args)} failed ({done.returncode})")
    return done.stdout + done.stderr


def table(headers: list[str], rows: list[list[Any]]) -> None:
    widths = [max(len(str(value)) for value in column) for column in zip(headers, *rows, strict=False)]
    for line in [headers, ["-" * width for width in widths], *rows]:
        print("  " + "  ".join(str(value).ljust(width) for value, width in zip(line, widths, strict=True)))


def schedule_rows(schedules: list[dict[str, Any]], now: pendulum.DateTime) -> list[list[Any]]:
    rows = []
    for schedule in sorted(schedules, key=lambda item: item["name"]):
        trigger = schedule["trigger"]
        kind = "single" if "single" in trigger else "periodical"
        body = trigger[kind]
        occurrences = list(timing.occurrences(trigger, after=now, limit=1))
        count = sum(1 for _ in timing.occurrences(trigger, after=now))
        first = occurrences[0]
        when_utc8 = first.earliest.in_timezone(UTC8).format("YYYY-MM-DD HH:mm")
        when_utc = first.earliest.in_timezone("UTC").format("YYYY-MM-DD HH:mm")
        if first.earliest != first.latest:  # zone_type 2: arrives over ~26 hours
            when_utc8 += " .. " + first.latest.in_timezone(UTC8).format("MM-DD HH:mm")
            when_utc += " .. " + first.latest.in_timezone("UTC").format("MM-DD HH:mm")
        rows.append([schedule["name"], kind, body["zone_type"], count, when_utc8, when_utc])
    return rows


LEAD_SECONDS = 60
WAIT_TASK = "wait_for_first_push"


def xcom(task_id: str, key: str = "return_value") -> Any:
    """A value the demo run left in XCom (Airflow 3 keeps them as JSON in its SQLite database)."""
    import json
    import sqlite3

    with sqlite3.connect(HOME / "airflow.db") as db:
        row = db.execute(
            "SELECT value FROM xcom WHERE dag_id = ? AND task_id = ? AND key = ? ORDER BY timestamp DESC",
            (DAG_ID, task_id, key),
        ).fetchone()
    return json.loads(row[0]) if row else None


def report_the_wait(log: str, control: EmulatorControl) -> None:
    """When the first push fired, when the deferred sensor saw it, and what that cost."""
    records = xcom(WAIT_TASK) or []
    detected = xcom(WAIT_TASK, "detected_at")
    routes = control.state()["requests"]
    looks = sum(routes.get("GET /v4/schedules/{schedule_id}/msg-ids", {}).values())
    step("The wait: a deferrable sensor, its trigger run in-process by airflow dags test")
    deferred = "Pausing task as DEFERRED" in log
    print(f"  sensor deferred to its trigger: {'yes' if deferred else 'no'}")
    if records and detected:
        fired, seen = pendulum.parse(records[0]["fired_at"]), pendulum.parse(detected)
        shown = "YYYY-MM-DD HH:mm:ss"
        delay = (seen - fired).total_seconds()
        print(f"  first push fired at {fired.in_timezone(UTC8).format(shown)} UTC+8 ({fired.isoformat()})")
        print(f"  sensor saw it at    {seen.in_timezone(UTC8).format(shown)} UTC+8 ({delay:.1f} s later)")
        print(f"  msg-ids reads in the whole wait: {looks} (one before deferring, then the looks once due)")
        print(f"  message ids handed on: {', '.join(record['msg_id'] for record in records)}")
    rows = xcom("delivery_statistics") or []
    counts = ("targets", "sent", "delivered", "clicks")
    totals = ", ".join(f"{key} {sum(row.get(key) or 0 for row in rows)}" for key in counts)
    print(f"  delivery statistics: {len(rows)} rows by message and channel ({totals})")
    print(f"  written for a warehouse load to {xcom('delivery_statistics', 'destination')}")


def report_what_fired(
    engagelab: Any, pai: Any, schedules: list[dict[str, Any]], plans: list[dict[str, Any]], today: Any
) -> None:
    """Message ids per schedule and per push plan, their statistics, and the PAI plan's sendings."""
    step("EngageLab: message ids collected per schedule (msg-ids endpoint)")
    rows, fired = [], []
    for schedule in sorted(schedules, key=lambda item: item["name"]):
        records = engagelab.get_schedule_msg_ids(schedule["schedule_id"])
        ok = [record.msg_id for record in records if record.ok]
        fired += ok
        failed = len(records) - len(ok)
        rows.append(
            [schedule["name"], len(records), failed, ", ".join(ok[:3]) + (" ..." if len(ok) > 3 else "")]
        )
    table(["schedule", "pushes", "failed", "msg ids"], rows)
    plan_id = f"reengage_{today.strftime('%Y%m%d')}"
    by_plan = engagelab.get_plan_msg_ids([plan_id], today.isoformat(), today.add(days=2).isoformat())
    print(f"\n  push plan {plan_id}: {len(by_plan.get(plan_id, []))} message ids")
    stats = engagelab.get_message_stats(fired[:100])
    totals = {
        key: sum(int(item.get(key, 0)) for item in stats.values())
        for key in ("targets", "sent", "delivered", "clicks")
    }
    print(
        f"  statistics of {len(stats)} messages: "
        + ", ".join(f"{key} {value}" for key, value in totals.items())
    )
    for plan in plans:
        metrics = pai.list_message_metrics(plan["Id"], today, today.add(days=2))
        total = sum(int(row.get("Total", 0)) for row in metrics.get("Metrics", []))
        status = pai.get_schedule(plan["Id"])["Status"]
        print(f"  PAI plan {plan['Name']}: {total} SMS sent so far, status {status}")


def main() -> None:
    started = time.monotonic()
    HOME.mkdir(parents=True, exist_ok=True)
    with emulator_process() as url:
        print(f"Emulator at {url} (EngageLab + PAI, demo credentials, loopback only)")
        env = airflow_env(url)
        os.environ.update({key: value for key, value in env.items() if key.startswith("AIRFLOW_CONN_")})
        control = EmulatorControl(url)

        step("Airflow: migrating the demo database")
        run_airflow(env, "db", "migrate")
        today = pendulum.now("UTC").date()
        first_push = pendulum.datetime(today.year, today.month, today.day, tz="UTC").add(days=1, hours=1)
        before = first_push.subtract(seconds=LEAD_SECONDS)
        control.set_clock(before, frozen=False)
        print(f"  emulator clock set to {before.isoformat()} (runs with real time)")
        step(f"Airflow: airflow dags test {DAG_ID} {today} (real task runner, operators, sensor, trigger)")
        log = run_airflow(env, "dags", "test", DAG_ID, today.isoformat())
        outcome = "success" if "state=success" in log else "FAILED"
        print(f"  DAG run finished: {outcome}")
        if outcome != "success":
            sys.stderr.write(log[-8000:])
            raise SystemExit(1)
        report_the_wait(log, control)

        from airflow_provider_engage.hooks.engagelab import EngageLabHook
        from airflow_provider_engage.hooks.pai import PaiEngagementHook

        engagelab, pai = EngageLabHook(), PaiEngagementHook()
        # The first pushes have fired and left the service's list: read the campaign as it was.
        control.set_clock(before, frozen=True)
        now = before
        schedules = list(engagelab.iter_schedules())
        step(f"EngageLab: {len(schedules)} schedules created; when each first fires")
        table(
            ["schedule", "trigger", "zone_type", "firings", "first (UTC+8)", "first (UTC)"],
            schedule_rows(schedules, now),
        )
        plans = pai.list_schedules()["Schedules"]
        step(f"PAI User Engagement: {len(plans)} SMS plan(s)")
        for plan in plans:
            sendings = timing.pai_occurrences(
                plan["ExecuteTime"],
                plan.get("RepeatCycle"),
                plan.get("RepeatCycleUnit"),
                plan.get("RepeatTimes"),
            )
            table(
                ["plan", "sending (UTC+8)", "sending (UTC)"],
                [
                    [
                        plan["Name"],
                        at.format("YYYY-MM-DD HH:mm"),
                        at.in_timezone("UTC").format("YYYY-MM-DD HH:mm"),
                    ]
                    for at in sendings
                ],
            )

        step("Emulator: moving the clock two days on, so the rest of the campaign fires")
        print(f"  clock now {control.advance(2 * 86400)['now']}")
        report_what_fired(engagelab, pai, schedules, plans, today)
    print(f"\nDemo finished in {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()

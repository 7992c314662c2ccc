"""The emulator's clock, and the firing it drives: weeks pass in a second, zone_type 2 spreads."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from engagelab_harness import Api, periodical, single

from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.emulator.clock import Clock

T0 = datetime(2025, 1, 1, tzinfo=UTC)


class FakeTime:
    def __init__(self) -> None:
        self.now = datetime(2030, 6, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


# --- Clock ---------------------------------------------------------------------------------------


def test_a_new_clock_follows_real_time() -> None:
    clock = Clock()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=1)
    assert clock.now().tzinfo == UTC
    assert not clock.frozen


def test_a_running_clock_keeps_its_offset_from_real_time() -> None:
    real = FakeTime()
    clock = Clock(T0, time_source=real)
    real.now += timedelta(seconds=30)
    assert clock.now() == T0 + timedelta(seconds=30)


def test_a_frozen_clock_stands_still_until_moved() -> None:
    real = FakeTime()
    clock = Clock(T0, frozen=True, time_source=real)
    real.now += timedelta(hours=1)
    assert clock.now() == T0
    assert clock.advance(90) == T0 + timedelta(seconds=90)
    assert clock.set(datetime(2025, 3, 1, 8, tzinfo=timezone(timedelta(hours=8)))) == datetime(
        2025, 3, 1, tzinfo=UTC
    )
    assert clock.frozen


def test_unfreezing_runs_on_from_where_it_stood() -> None:
    real = FakeTime()
    clock = Clock(T0, frozen=True, time_source=real)
    clock.unfreeze()
    real.now += timedelta(seconds=5)
    assert clock.now() == T0 + timedelta(seconds=5)


def test_reset_returns_to_real_time() -> None:
    real = FakeTime()
    clock = Clock(T0, frozen=True, time_source=real)
    assert clock.reset() == real.now
    assert not clock.frozen


def test_the_clock_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        Clock().set(datetime(2025, 1, 1))


def test_a_snapshot_restores_offset_and_freeze() -> None:
    real = FakeTime()
    frozen = Clock(T0, frozen=True, time_source=real)
    running = Clock(T0, time_source=real)
    copies = [Clock(time_source=real), Clock(time_source=real)]
    copies[0].restore(frozen.snapshot())
    copies[1].restore(running.snapshot())
    real.now += timedelta(minutes=1)
    assert copies[0].now() == T0
    assert copies[0].frozen
    assert copies[1].now() == T0 + timedelta(minutes=1)


# --- firing through HTTP -------------------------------------------------------------------------


def test_a_daily_periodical_fires_seven_times_in_a_simulated_week(
    api: Api, emulator: EmulatorControl
) -> None:
    schedule_id = api.create(
        periodical(start="2025-01-01 00:00:00", end="2025-02-01 00:00:00", time="12:00:00")
    )
    started = time.monotonic()
    emulator.advance(7 * 86400)
    assert time.monotonic() - started < 1.0
    records = api.msg_id_records(schedule_id)
    assert len(records) == 7
    noon_shanghai = datetime(2025, 1, 1, 4, tzinfo=UTC)
    assert [r["ts"] for r in records] == [
        int((noon_shanghai + timedelta(days=day)).timestamp() * 1000) for day in range(7)
    ]
    assert len({r["msg_id"] for r in records}) == 7


def test_the_clock_answer_comes_after_everything_due_has_fired(api: Api, emulator: EmulatorControl) -> None:
    schedule_id = api.create(single("2025-01-01 12:00:00"))
    answer = emulator.advance(4 * 3600)
    assert answer == {"now": "2025-01-01T04:00:00Z", "frozen": True}
    assert len(api.msg_id_records(schedule_id)) == 1


def test_nothing_fires_before_its_time(api: Api, emulator: EmulatorControl) -> None:
    schedule_id = api.create(single("2025-01-01 12:00:00"))
    emulator.advance(4 * 3600 - 1)
    assert api.msg_id_records(schedule_id) == []
    emulator.advance(1)
    assert len(api.msg_id_records(schedule_id)) == 1


def test_weekly_points_fire_only_on_their_days(api: Api, emulator: EmulatorControl) -> None:
    # 2025-01-01 is a Wednesday.
    body = periodical(end="2025-01-31 00:00:00", time_unit="week", point=["mon", "FRI"], time="09:00:00")
    schedule_id = api.create(body)
    emulator.advance(14 * 86400)
    days = [
        datetime.fromtimestamp(r["ts"] / 1000, UTC).strftime("%a %d") for r in api.msg_id_records(schedule_id)
    ]
    assert days == ["Fri 03", "Mon 06", "Fri 10", "Mon 13"]


def test_a_monthly_31st_skips_months_without_one(api: Api, emulator: EmulatorControl) -> None:
    body = periodical(end="2025-06-30 00:00:00", time_unit="month", point=["31"], time="10:00:00")
    schedule_id = api.create(body)
    emulator.set_clock("2025-07-01T00:00:00Z")
    months = [datetime.fromtimestamp(r["ts"] / 1000, UTC).month for r in api.msg_id_records(schedule_id)]
    assert months == [1, 3, 5]


def test_zone_type_2_msg_ids_arrive_over_about_26_hours(api: Api, emulator: EmulatorControl) -> None:
    schedule_id = api.create(single("2025-01-02 09:00:00", zone_type=2))
    # 09:00 wall clock reaches UTC+14 at 2025-01-01 19:00 UTC and UTC-12 at 2025-01-02 21:00 UTC.
    emulator.set_clock("2025-01-01T18:59:59Z")
    assert api.msg_id_records(schedule_id) == []
    counts = []
    for _ in range(27):
        emulator.advance(3600)
        counts.append(len(api.msg_id_records(schedule_id)))
    assert counts[0] == 1
    assert counts == sorted(counts)
    assert counts[12] < counts[-1]
    first_full = counts.index(counts[-1])
    assert first_full == 26  # the last band lands 26 hours after the first
    stamps = [r["ts"] for r in api.msg_id_records(schedule_id)]
    assert (stamps[-1] - stamps[0]) / 3_600_000 == 26
    assert all(r["error"]["code"] == 0 for r in api.msg_id_records(schedule_id))


def test_a_daily_zone_type_2_periodical_overlaps_its_windows_in_time_order(
    api: Api, emulator: EmulatorControl
) -> None:
    schedule_id = api.create(periodical(end="2025-01-04 00:00:00", time="09:00:00", zone_type=2))
    emulator.advance(5 * 86400)
    stamps = [r["ts"] for r in api.msg_id_records(schedule_id)]
    assert stamps == sorted(stamps)
    # Created at 2025-01-01 00:00 UTC: the first day's bands from UTC+14 to UTC+10 had passed.
    assert len(stamps) == 11 + 14 + 14


def test_a_running_clock_fires_in_real_time(emulator: EmulatorControl, emulator_url: str) -> None:
    emulator.set_clock("2025-01-01T03:59:58Z", frozen=False)
    api = Api(emulator_url)
    schedule_id = api.create(single("2025-01-01 12:00:00"))  # 04:00:00 UTC, two seconds away
    assert api.msg_id_records(schedule_id) == []
    deadline = time.monotonic() + 6
    while not api.msg_id_records(schedule_id) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(api.msg_id_records(schedule_id)) == 1


def test_deleted_tasks_do_not_fire(api: Api, emulator: EmulatorControl) -> None:
    schedule_id = api.create(periodical())
    api.delete(f"/v4/schedules/{schedule_id}")
    emulator.advance(3 * 86400)
    assert emulator.state()["engagelab"]["messages"] == 0


def test_a_disabled_task_does_not_send(api: Api, emulator: EmulatorControl) -> None:
    schedule_id = api.create(periodical())
    body = periodical()
    body["enabled"] = False
    assert api.put(f"/v4/schedules/{schedule_id}", body).status_code == 200
    emulator.advance(3 * 86400)
    assert api.msg_id_records(schedule_id) == []


def test_every_answer_is_dated_by_the_emulated_clock() -> None:
    from email.utils import parsedate_to_datetime

    import requests

    from airflow_provider_engage.emulator import running_emulator

    start = datetime(2031, 7, 1, 12, 30, tzinfo=UTC)
    with running_emulator(start_time=start, frozen=True) as url:
        answers = [
            requests.get(f"{url}/v4/schedules", timeout=10),  # refused (no credentials): dated too
            requests.get(f"{url}/_emulator/clock", timeout=10),
            requests.get(f"{url}/api/v2/schedules", timeout=10),
        ]
    for answer in answers:
        assert parsedate_to_datetime(answer.headers["Date"]) == start
        assert answer.raw.headers.getlist("Date") == [answer.headers["Date"]]  # one Date, not uvicorn's too

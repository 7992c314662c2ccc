"""The vendor's own client, ``engagelab-apppush``, run unchanged but for its base URL.

If the emulator spoke anything but EngageLab's protocol (paths, Basic auth, JSON shapes, the
``MsgIds`` key, error bodies) these calls would fail inside the SDK.
"""

from __future__ import annotations

import json

import engagelab
import pytest
from engagelab.plan import PushPlanParam
from engagelab.schedule import SchedulePushParam, ScheduleTrigger, TriggerPeriodical, TriggerSingle
from engagelab_harness import START

from airflow_provider_engage.emulator.client import EmulatorControl


@pytest.fixture
def client(emulator: EmulatorControl, emulator_url: str) -> engagelab.Client:
    emulator.set_clock(START)
    return engagelab.Client("demo-app-key", "demo-master-secret", base_url=emulator_url, timeout=10)


def _push(plan_id: str | None = None) -> engagelab.PushParam:
    return engagelab.PushParam(
        from_="push",
        to=engagelab.PushTo(registration_id=["1a0018970ab49abda3e", "100d85590955c1d2793"]),
        body=engagelab.PushBody(
            platform="android",
            notification=engagelab.NotificationMessage(
                alert="Scheduled task from API",
                android=engagelab.AndroidNotification(
                    title="Scheduled task from API", extras={"key1": "value1"}
                ),
            ),
            options=engagelab.Options(time_to_live=60, plan_id=plan_id),
        ),
        request_id="12345",
        custom_args={"Engagelab": "push to you"},
    )


def _single(time: str) -> SchedulePushParam:
    trigger = ScheduleTrigger(single=TriggerSingle(time=time, zone_type=1))
    return SchedulePushParam(name="SDK single", enabled=True, trigger=trigger, push=_push())


def _periodical(end: str, plan_id: str | None = None) -> SchedulePushParam:
    periodical = TriggerPeriodical(
        start="2025-01-01 00:00:00", end=end, time="12:00:00", time_unit="day", point=[], zone_type=1
    )
    trigger = ScheduleTrigger(periodical=periodical)
    return SchedulePushParam(name="SDK periodical", enabled=True, trigger=trigger, push=_push(plan_id))


def test_single_schedule_lifecycle(client: engagelab.Client, emulator: EmulatorControl) -> None:
    created = client.schedule.create(_single("2025-01-02 12:00:00"))
    assert created.name == "SDK single"
    got = client.schedule.get(created.schedule_id)
    assert got["schedule_id"] == created.schedule_id
    assert got["trigger"] == {"single": {"time": "2025-01-02 12:00:00", "zone_type": 1}}

    updated = client.schedule.update(created.schedule_id, _single("2025-01-03 12:00:00"))
    assert updated.trigger == {"single": {"time": "2025-01-03 12:00:00", "zone_type": 1}}

    listed = client.schedule.list(page=1)
    assert (listed.total_count, listed.total_pages, listed.page) == (1, 1, 1)
    assert listed.schedules is not None
    assert listed.schedules[0]["schedule_id"] == created.schedule_id

    emulator.advance(3 * 86400)
    fired = client.schedule.get_msg_ids(created.schedule_id)
    assert fired.count == 1
    assert fired.msg_ids is not None
    assert json.loads(fired.msg_ids[0])["error"]["code"] == 0


def test_periodical_schedule_fires_and_deletes(client: engagelab.Client, emulator: EmulatorControl) -> None:
    created = client.schedule.create(_periodical("2025-01-20 00:00:00"))
    emulator.advance(5 * 86400)
    fired = client.schedule.get_msg_ids(created.schedule_id)
    assert fired.count == 5
    assert client.schedule.delete(created.schedule_id) is None
    with pytest.raises(engagelab.ApiError) as caught:
        client.schedule.get(created.schedule_id)
    assert (caught.value.status_code, caught.value.error.code) == (404, 28104)


def test_push_plans_and_their_messages(client: engagelab.Client, emulator: EmulatorControl) -> None:
    assert client.plan.create_or_update(PushPlanParam("sdk_plan", "made by the SDK")).plan_id == "sdk_plan"
    listed = client.plan.list(page_index=1, page_size=10, search_description="SDK")
    assert listed.total == 1
    assert listed.push_plan_info is not None
    assert listed.push_plan_info[0]["push_id"] == "sdk_plan"

    created = client.schedule.create(_periodical("2025-01-20 00:00:00", plan_id="sdk_plan"))
    emulator.advance(2 * 86400)
    ids = [
        json.loads(item)["msg_id"] for item in client.schedule.get_msg_ids(created.schedule_id).msg_ids or []
    ]
    by_plan = client.plan.query_msg("sdk_plan", start_date="2025-01-01", end_date="2025-01-03")
    assert by_plan == {"sdk_plan": {"msg_ids": ids}}
    stats = client.status.message_detail(ids)
    assert set(stats) == set(ids)
    assert all(stats[msg_id]["targets"] >= stats[msg_id]["sent"] for msg_id in ids)


def test_the_sdk_sees_the_services_errors(client: engagelab.Client, emulator_url: str) -> None:
    with pytest.raises(engagelab.ApiError) as bad_time:
        client.schedule.create(_single("2025-01-02 12:00"))
    assert (bad_time.value.status_code, bad_time.value.error.code) == (400, 28100)
    assert "trigger.single.time" in bad_time.value.error.message

    with pytest.raises(engagelab.ApiError) as empty_plan:
        client.plan.create_or_update(PushPlanParam("", "no id"))
    assert (empty_plan.value.status_code, empty_plan.value.error.code) == (400, 27303)

    stranger = engagelab.Client("demo-app-key", "wrong", base_url=emulator_url, timeout=10)
    with pytest.raises(engagelab.ApiError) as denied:
        stranger.schedule.list()
    assert (denied.value.status_code, denied.value.error.code) == (401, 28101)

"""Alibaba's own PAI SDK, unchanged but for its endpoint, works against the emulator."""

from __future__ import annotations

import json

import pytest
from alibabacloud_paiplugin20220112 import models
from alibabacloud_paiplugin20220112.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.exceptions import ClientException
from pai_harness import CREDENTIALS, PaiEmulator

from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.emulator.server import EmulatorServer

DAY = 86400


@pytest.fixture
def pai(emulator: EmulatorControl, emulator_server: EmulatorServer) -> PaiEmulator:
    return PaiEmulator.frozen_at_start(emulator, emulator_server)


def _client(pai: PaiEmulator, *, secret: str = CREDENTIALS.pai_ak_secret) -> Client:
    config = open_api_models.Config(
        access_key_id=CREDENTIALS.pai_ak_id, access_key_secret=secret, endpoint=pai.host, protocol="http"
    )
    return Client(config)


def _create(client: Client, **fields: object) -> models.CreateScheduleResponseBodyData:
    request = models.CreateScheduleRequest(
        group_id="group-1",
        name="每日_提醒",
        execute_time="2024-12-01 09:00:00",
        repeat_cycle=1,
        repeat_cycle_unit=2,
        repeat_times=1,
        sign_name="MyApp",
        template_code="SMS_DAILY",
        payment_type="PayAsYouGo",
    )
    for key, value in fields.items():
        setattr(request, key, value)
    body = client.create_schedule(request).body
    assert (body.error_code, body.error_message) == (0, "OK")
    return body.data


def test_create_and_get(pai: PaiEmulator) -> None:
    client = _client(pai)
    created = _create(client)
    assert created.name == "每日_提醒"
    assert created.status == 0
    assert created.created_time == "2024-11-30 08:00:00"
    got = client.get_schedule(created.id).body.data
    assert (got.id, got.group_id, got.repeat_cycle_unit, got.payment_type) == (
        created.id,
        "group-1",
        2,
        "PayAsYouGo",
    )
    assert json.loads(got.history)[0]["Status"] == 0


def test_list_and_delete(pai: PaiEmulator) -> None:
    client = _client(pai)
    keep = _create(client, name="Keep_me")
    drop = _create(client, name="Drop_me")
    listed = client.list_schedules(models.ListSchedulesRequest(name="me", page_size=10)).body.data
    assert listed.total_count == 2
    assert [s.id for s in listed.schedules] == [drop.id, keep.id]
    deleted = client.delete_schedule(drop.id).body
    assert (deleted.error_code, deleted.data) == (0, drop.id)
    listed = client.list_schedules(models.ListSchedulesRequest(name="me")).body.data
    assert [s.id for s in listed.schedules] == [keep.id]
    gone = client.get_schedule(drop.id).body
    assert gone.error_code == 404
    assert gone.data is None


def test_messages_and_metrics_after_the_sends(pai: PaiEmulator) -> None:
    client = _client(pai)
    created = _create(client)
    pai.advance(3 * DAY)
    assert client.get_schedule(created.id).body.data.status == 4
    listed = client.list_messages(
        models.ListMessagesRequest(schedule_id=created.id, datetime="20241201", page_size=50)
    ).body.data
    assert listed.total_count == len(listed.messages) >= 3
    assert {m.schedule_id for m in listed.messages} == {created.id}
    assert {m.signature for m in listed.messages} == {"MyApp"}
    assert all(m.status in (1, 2) and m.phone_number for m in listed.messages)
    metrics = client.list_message_metrics(
        models.ListMessageMetricsRequest(schedule_id=created.id, start_date="20241201", end_date="20241231")
    ).body.data
    assert [m.date for m in metrics.metrics] == ["20241201", "20241202"]
    first = metrics.metrics[0]
    assert first.total == listed.total_count
    assert first.success + first.fail == first.total
    assert first.rate == pytest.approx(first.success / first.total, abs=1e-4)


def test_failed_messages_can_be_filtered(pai: PaiEmulator) -> None:
    client = _client(pai)
    created = _create(client, group_id="fail-send-x", execute_time="", repeat_cycle_unit=0)
    pai.advance(60)
    assert client.get_schedule(created.id).body.data.status == 5
    failed = client.list_messages(models.ListMessagesRequest(schedule_id=created.id, status=2)).body.data
    assert failed.total_count > 0
    assert all(m.error_code not in ("", "DELIVERED") for m in failed.messages)
    ok = client.list_messages(models.ListMessagesRequest(schedule_id=created.id, status=1)).body.data
    assert ok.total_count == 0


def test_validation_error_reaches_the_sdk_in_the_envelope(pai: PaiEmulator) -> None:
    body = _client(pai).create_schedule(models.CreateScheduleRequest(group_id="g", name="x")).body
    assert body.error_code == 400
    assert body.error_message.startswith("Name:")
    assert pai.backend.state()["schedules"] == 0


def test_a_wrong_secret_is_a_client_exception(pai: PaiEmulator) -> None:
    with pytest.raises(ClientException) as caught:
        _client(pai, secret="wrong").list_schedules(models.ListSchedulesRequest())
    assert caught.value.code == "SignatureDoesNotMatch"
    assert caught.value.status_code == 400

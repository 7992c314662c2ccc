"""MsgIdRecord and the tolerant readers of msg-id answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_engage.records import MsgIdRecord, read_msg_id_records, read_plan_msg_ids

FIRED = datetime(2024, 2, 7, 4, 0, 11, 611000, tzinfo=UTC)
FIXTURES = Path(__file__).parents[1] / "fixtures"
SEED_ANSWER = json.loads((FIXTURES / "engagelab_schedules.json").read_text(encoding="utf-8"))[
    "msg_ids_response"
]


def test_the_seed_answer() -> None:
    assert read_msg_id_records(SEED_ANSWER) == [
        MsgIdRecord("1088009", 0, "", False, FIRED),
        MsgIdRecord("0", 1011, "Cannot find sending target", False, FIRED),
    ]


@pytest.mark.parametrize(
    "answer",
    [
        {"msgids": ["1088009"]},
        {"msg_ids": ["1088009"]},
        {"MsgIds": [1088009]},
        {"MsgIds": [{"msg_id": "1088009"}]},
        {"MsgIds": [' {"msgid": "1088009"}']},
        ["1088009"],
    ],
)
def test_every_shape_gives_the_same_record(answer: Any) -> None:
    assert read_msg_id_records(answer) == [MsgIdRecord("1088009")]


@pytest.mark.parametrize("answer", [None, "success", {}, {"count": 0}, {"MsgIds": None}, {"MsgIds": []}])
def test_nothing_yet(answer: Any) -> None:
    assert read_msg_id_records(answer) == []


def test_need_retry_and_seconds_timestamps() -> None:
    (record,) = read_msg_id_records({"MsgIds": [{"msg_id": "7", "need_retry": True, "ts": 1707278411}]})
    assert record.need_retry
    assert record.fired_at == datetime(2024, 2, 7, 4, 0, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ts", "fired_at"),
    [
        (99_999_999_999, datetime.fromtimestamp(99_999_999_999, tz=UTC)),  # seconds: year 5138
        (100_000_000_000, datetime(1973, 3, 3, 9, 46, 40, tzinfo=UTC)),  # milliseconds from here on
    ],
)
def test_ts_is_read_by_the_same_threshold_as_every_epoch(ts: int, fired_at: datetime) -> None:
    from airflow_provider_engage import timing

    (record,) = read_msg_id_records({"MsgIds": [{"msg_id": "7", "ts": ts}]})
    assert record.fired_at == fired_at
    assert record.fired_at.timestamp() == timing.epoch_seconds(ts)


@pytest.mark.parametrize(
    "answer",
    [{"MsgIds": "1088009"}, {"MsgIds": ["{broken"]}, {"MsgIds": [{"error": {}}]}, 42, {"MsgIds": [None]}],
)
def test_unreadable_answers_raise(answer: Any) -> None:
    with pytest.raises(ValueError):  # noqa: PT011  (json's and ours alike)
        read_msg_id_records(answer)


def test_ok_follows_the_error_code() -> None:
    assert MsgIdRecord("1").ok
    assert not MsgIdRecord("0", error_code=1011).ok


def test_to_dict_is_json_and_round_trips() -> None:
    records = [*read_msg_id_records(SEED_ANSWER), MsgIdRecord("9")]
    as_json = json.loads(json.dumps([record.to_dict() for record in records]))
    assert as_json[1] == {
        "msg_id": "0",
        "ok": False,
        "error_code": 1011,
        "error_message": "Cannot find sending target",
        "need_retry": False,
        "fired_at": "2024-02-07T04:00:11.611000+00:00",
    }
    assert [MsgIdRecord.from_dict(item) for item in as_json] == records


def test_plan_msg_ids() -> None:
    answer = {"push_20231101": {"msg_ids": ["msg_001", "msg_002"]}, "push_20231102": {"msg_ids": ["msg_003"]}}
    assert read_plan_msg_ids(answer) == {
        "push_20231101": ["msg_001", "msg_002"],
        "push_20231102": ["msg_003"],
    }
    assert read_plan_msg_ids({"p": {"msg_ids": None}, "q": [1, 2]}) == {"p": [], "q": ["1", "2"]}
    assert read_plan_msg_ids(None) == {}
    with pytest.raises(ValueError, match="plan 'p'"):
        read_plan_msg_ids({"p": {"msg_ids": "x"}})

"""What a DAG's msg_ids names, and the rows of the statistics answers (pure, no service)."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.stats_rows import (
    MESSAGE_STATS_COLUMNS,
    MessageSource,
    message_metrics_rows,
    message_stats_rows,
    read_msg_ids,
    totals_line,
)

RECORDS: list[dict[str, Any]] = [
    {"msg_id": "1088009", "ok": True, "schedule_id": "s-1", "fired_at": "2030-01-08T01:00:00+00:00"},
    {"msg_id": "0", "ok": False, "error_code": 1011, "schedule_id": "s-1"},
    {"msg_id": "1088010", "ok": True, "schedule_id": "s-1", "fired_at": "2030-01-08T01:00:00+00:00"},
]

# EngageLab's own documented answer (Statistics API v4): totals, a kind level with singular
# "target"/"click", and per-platform vendor channels beneath it; an empty kind beside it.
DOCUMENTED = {
    "1613113584": {
        "targets": 300,
        "sent": 270,
        "delivered": 240,
        "impressions": 210,
        "clicks": 3,
        "sub": {
            "notification": {
                "target": 300,
                "sent": 270,
                "delivered": 240,
                "impressions": 210,
                "click": 3,
                "sub_android": {
                    "engageLab_android": {
                        "targets": 100,
                        "sent": 90,
                        "delivered": 80,
                        "impressions": 70,
                        "clicks": 1,
                    },
                    "huawei": {"targets": 100, "sent": 90, "delivered": 80, "impressions": 70, "clicks": 2},
                },
                "sub_ios": {
                    "apns": {"targets": 100, "sent": 90, "delivered": 80, "impressions": 70, "clicks": 0}
                },
            },
            "message": {},
        },
    },
    "1229760629": {
        "targets": 11,
        "sent": 11,
        "delivered": 10,
        "impressions": 8,
        "clicks": 2,
        "sub": {"notification": {}, "message": {}},
    },
}


# --- read_msg_ids -------------------------------------------------------------------------------


def test_a_list_of_ids_strings_or_integers_is_read_in_order_each_once() -> None:
    messages = read_msg_ids(["1088009", 1088010, "1088009"])

    assert messages.ids == ["1088009", "1088010"]
    assert messages.sources[0] == MessageSource("1088009")


def test_one_comma_separated_string_names_several_ids() -> None:
    assert read_msg_ids(" 1088009, 1088010 ").ids == ["1088009", "1088010"]


def test_sensor_records_carry_their_schedule_and_failed_ones_are_left_out() -> None:
    messages = read_msg_ids(RECORDS)

    assert messages.ids == ["1088009", "1088010"]
    assert messages.failed == 1
    assert messages.sources[0] == MessageSource(
        "1088009", schedule_id="s-1", fired_at="2030-01-08T01:00:00+00:00"
    )


def test_a_record_without_ok_counts_as_failed_when_it_carries_an_error_code() -> None:
    messages = read_msg_ids([{"msg_id": "0", "error_code": 1011}, {"msg_id": "7", "error_code": 0}])

    assert (messages.ids, messages.failed) == (["7"], 1)


def test_the_plan_sensors_answer_names_the_plan_of_each_id() -> None:
    messages = read_msg_ids({"spring": ["1", "2"], "autumn": [3]})

    assert [(s.msg_id, s.plan_id) for s in messages.sources] == [
        ("1", "spring"),
        ("2", "spring"),
        ("3", "autumn"),
    ]


def test_the_services_own_plan_answer_is_read_too() -> None:
    assert read_msg_ids({"spring": {"msg_ids": ["1", "2"]}}).ids == ["1", "2"]


def test_a_plan_called_msg_id_is_a_plan_not_a_record() -> None:
    assert [(s.msg_id, s.plan_id) for s in read_msg_ids({"msg_id": ["5"]}).sources] == [("5", "msg_id")]


def test_a_mapped_sensors_outputs_a_list_of_lists_are_read_through() -> None:
    messages = read_msg_ids([RECORDS[:1], [{**RECORDS[2], "schedule_id": "s-2"}], []])

    assert [(s.msg_id, s.schedule_id) for s in messages.sources] == [("1088009", "s-1"), ("1088010", "s-2")]


def test_an_id_given_twice_keeps_its_first_source_and_gains_what_the_second_adds() -> None:
    messages = read_msg_ids([["1088009"], RECORDS[:1], {"spring": ["1088009"]}])

    assert messages.sources == (
        MessageSource("1088009", schedule_id="s-1", plan_id="spring", fired_at="2030-01-08T01:00:00+00:00"),
    )


@pytest.mark.parametrize(
    "rendered",
    [
        '[{"msg_id": "1088009", "ok": true, "schedule_id": "s-1"}]',  # JSON
        "[{'msg_id': '1088009', 'ok': True, 'schedule_id': 's-1'}]",  # what {{ ti.xcom_pull() }} renders
    ],
)
def test_a_rendered_template_is_read_as_json_or_as_a_python_literal(rendered: str) -> None:
    assert read_msg_ids(rendered).sources == (MessageSource("1088009", schedule_id="s-1"),)


def test_nothing_to_read_is_an_empty_result_not_an_error() -> None:
    assert read_msg_ids([]).sources == ()
    assert read_msg_ids({"spring": []}).sources == ()
    assert read_msg_ids(RECORDS[1:2]).failed == 1


@pytest.mark.parametrize(
    ("given", "field"),
    [
        (None, "msg_ids"),
        (["1", True], "msg_ids[1]"),
        (["1", 2.5], "msg_ids[1]"),
        ([{"msg_id": " ", "ok": True}], "msg_ids[0].msg_id"),
        ({"spring": ["1", "2,3"]}, "msg_ids.spring[1]"),
        ({"spring": "1,2"}, "msg_ids.spring"),
        ([["1"], [None]], "msg_ids[1][0]"),
        ("1,,2", "msg_ids[1]"),
        ("[1, 2", "msg_ids"),
        ("None", "msg_ids"),  # {{ ti.xcom_pull(...) }} of an XCom that is not there
        (b"1", "msg_ids"),
        (["1", "12\udce9"], "msg_ids[1]"),  # a lone surrogate cannot go in the query string
    ],
)
def test_what_is_not_a_message_id_is_refused_naming_its_place(given: Any, field: str) -> None:
    with pytest.raises(InvalidFieldError) as refused:
        read_msg_ids(given)

    assert refused.value.field == field


# --- EngageLab rows ---------------------------------------------------------------------------------


def test_the_documented_answer_gives_a_row_per_vendor_channel_with_plural_counts() -> None:
    rows, missing = message_stats_rows(DOCUMENTED, [MessageSource("1613113584", plan_id="spring")])

    assert missing == []
    assert [(r["kind"], r["platform"], r["channel"], r["targets"], r["clicks"]) for r in rows] == [
        ("notification", "android", "engageLab_android", 100, 1),
        ("notification", "android", "huawei", 100, 2),
        ("notification", "ios", "apns", 100, 0),
    ]
    assert all(r["plan_id"] == "spring" and r["msg_id"] == "1613113584" for r in rows)
    assert all(list(r) == list(MESSAGE_STATS_COLUMNS) for r in rows)


def test_a_kind_level_breakdown_is_one_row_per_kind_its_singular_counts_read_as_plural() -> None:
    stats = {"7": {"targets": 5, "sub": {"notification": {"target": 5, "sent": 4, "click": 1}}}}

    rows, _ = message_stats_rows(stats, [MessageSource("7")])

    assert [(r["kind"], r["platform"], r["channel"], r["targets"], r["sent"], r["clicks"]) for r in rows] == [
        ("notification", None, None, 5, 4, 1)
    ]


def test_an_answer_with_empty_breakdowns_is_one_row_of_its_totals() -> None:
    rows, _ = message_stats_rows(DOCUMENTED, [MessageSource("1229760629", schedule_id="s-9")])

    assert rows == [
        {
            "msg_id": "1229760629",
            "schedule_id": "s-9",
            "plan_id": None,
            "fired_at": None,
            "kind": None,
            "platform": None,
            "channel": None,
            "targets": 11,
            "sent": 11,
            "delivered": 10,
            "impressions": 8,
            "clicks": 2,
        }
    ]


def test_ids_the_answer_has_nothing_for_are_reported_not_invented() -> None:
    rows, missing = message_stats_rows(DOCUMENTED, [MessageSource("404"), MessageSource("1229760629")])

    assert missing == ["404"]
    assert [r["msg_id"] for r in rows] == ["1229760629"]


def test_counts_written_as_digit_strings_are_numbers_and_other_values_unknown() -> None:
    rows, _ = message_stats_rows(
        {"7": {"targets": "12", "sent": "n/a", "clicks": True}}, [MessageSource("7")]
    )

    assert (rows[0]["targets"], rows[0]["sent"], rows[0]["clicks"], rows[0]["delivered"]) == (
        12,
        None,
        None,
        None,
    )


def test_totals_line_sums_each_count_over_the_rows() -> None:
    rows = [{"targets": 3, "sent": None}, {"targets": 4, "sent": 2}]

    assert totals_line(rows, ["targets", "sent"]) == "targets 7, sent 2"


# --- PAI rows ----------------------------------------------------------------------------------------


def test_metrics_become_a_row_per_day_in_day_order_with_iso_dates() -> None:
    metrics = [
        {"Date": "20301203", "Total": 4, "Success": 3, "Fail": 1, "Pending": 0, "Rate": 0.75},
        {"Date": "2030-12-02", "Total": "5", "Success": 5, "Fail": 0, "Pending": 0},
    ]

    assert message_metrics_rows("plan-1", metrics) == [
        {
            "schedule_id": "plan-1",
            "date": "2030-12-02",
            "total": 5,
            "success": 5,
            "fail": 0,
            "pending": 0,
            "rate": None,
        },
        {
            "schedule_id": "plan-1",
            "date": "2030-12-03",
            "total": 4,
            "success": 3,
            "fail": 1,
            "pending": 0,
            "rate": 0.75,
        },
    ]


def test_a_date_form_the_service_might_write_otherwise_is_kept_as_written() -> None:
    assert message_metrics_rows("p", [{"Date": "Dec 2", "Total": 1}])[0]["date"] == "Dec 2"

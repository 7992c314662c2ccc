"""EngageLab watches: which firing, which ids are its, and what a look's answer says."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from airflow_provider_engage.hooks.engagelab import MsgIdRecord
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.waits.engagelab import (
    PlanMessagesWatch,
    ScheduleWatch,
    choose_occurrence,
    matching_window,
)
from airflow_provider_engage.waits.engine import spread

UTC = dt.UTC
DAILY_9 = {
    "periodical": {
        "start": "2030-01-01 00:00:00",
        "end": "2030-03-01 00:00:00",
        "time": "09:00:00",
        "time_unit": "day",
        "point": [],
        "zone_type": 1,
    }
}
DEVICE_DAILY_9 = {"periodical": {**DAILY_9["periodical"], "zone_type": 2}}
SINGLE = {"single": {"time": "2030-01-10 09:00:00", "zone_type": 1}}  # 01:00Z in Shanghai
DEVICE_SINGLE = {"single": {"time": "2030-01-05 09:00:00", "zone_type": 2}}
DEVICE_WEEKLY = {
    "periodical": {**DAILY_9["periodical"], "time_unit": "week", "point": ["SAT"], "zone_type": 2}
}  # 2030-01-05 is a Saturday


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def record(msg_id: str, fired: dt.datetime | None, code: int = 0) -> MsgIdRecord:
    return MsgIdRecord(msg_id, code, "" if not code else "Cannot find sending target", False, fired)


def watch(trigger: dict[str, Any], now: dt.datetime, **options: Any) -> ScheduleWatch:
    settings = {"occurrence": "next", "grace": 600.0, "all_zones": False, "min_messages": 1, **options}
    return ScheduleWatch.of_schedule("s1", trigger, site_tz="Asia/Shanghai", now=now, **settings)


# --- which firing ---------------------------------------------------------------------------------


def test_next_is_the_first_occurrence_not_ended_when_the_sensor_first_looks_grace_included() -> None:
    def next_at(*parts: int) -> str:
        chosen = choose_occurrence(
            DAILY_9, site_tz="Asia/Shanghai", occurrence="next", reference=at(*parts), grace=600
        )
        return chosen.as_json()["wall_time"]

    assert next_at(2030, 1, 5, 0, 30) == "2030-01-05 09:00:00"  # before today's 01:00Z firing
    assert next_at(2030, 1, 5, 1, 10) == "2030-01-05 09:00:00"  # fired, its ids may still come
    assert next_at(2030, 1, 5, 1, 10, 1) == "2030-01-06 09:00:00"


@pytest.mark.parametrize(
    ("occurrence", "wall_time"),
    [
        (at(2030, 1, 5), "2030-01-05 09:00:00"),  # a data interval's start: that day's firing
        ("2030-01-05T00:00:00+00:00", "2030-01-05 09:00:00"),
        ("2030-01-05T01:00:01Z", "2030-01-06 09:00:00"),
        ("2030-01-07 08:00:00", "2030-01-07 09:00:00"),  # the API's wall clock
        ("2030-01-07 09:00:00", "2030-01-07 09:00:00"),
    ],
)
def test_an_explicit_time_names_the_occurrence_at_or_after_it(occurrence: Any, wall_time: str) -> None:
    chosen = choose_occurrence(
        DAILY_9, site_tz="Asia/Shanghai", occurrence=occurrence, reference=at(2031, 1, 1)
    )
    assert chosen.as_json()["wall_time"] == wall_time


def test_a_device_zone_occurrence_still_arriving_counts_for_a_time_inside_its_window() -> None:
    chosen = choose_occurrence(
        DEVICE_DAILY_9, site_tz="UTC", occurrence=at(2030, 1, 5), reference=at(2031, 1, 1)
    )
    # 2030-01-05 09:00 device time arrives from 2030-01-04 19:00Z (UTC+14) to 21:00Z the 5th.
    assert chosen.as_json() == {
        "wall_time": "2030-01-05 09:00:00",
        "earliest": "2030-01-04T19:00:00+00:00",
        "latest": "2030-01-05T21:00:00+00:00",
    }


@pytest.mark.parametrize("occurrence", ["soon", dt.datetime(2030, 1, 5), 17, None])
def test_what_is_no_occurrence_is_refused_naming_the_argument(occurrence: Any) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        choose_occurrence(DAILY_9, site_tz="Asia/Shanghai", occurrence=occurrence, reference=at(2030, 1, 1))
    assert caught.value.field == "occurrence"


def test_a_schedule_with_nothing_left_says_it_has_ended() -> None:
    with pytest.raises(InvalidFieldError, match="it has ended"):
        choose_occurrence(SINGLE, site_tz="Asia/Shanghai", occurrence="next", reference=at(2030, 2, 1))


# --- which ids are its ----------------------------------------------------------------------------


def test_a_site_zone_window_runs_from_the_instant_to_its_grace_but_not_into_the_next_firing() -> None:
    chosen = choose_occurrence(DAILY_9, site_tz="Asia/Shanghai", occurrence="next", reference=at(2030, 1, 5))
    start, end = matching_window(DAILY_9, site_tz="Asia/Shanghai", occurrence=chosen, grace=600)
    assert (start, end) == (at(2030, 1, 5, 0, 59), at(2030, 1, 5, 1, 10))
    start, end = matching_window(DAILY_9, site_tz="Asia/Shanghai", occurrence=chosen, grace=7 * 86400)
    assert end == at(2030, 1, 6, 0, 59)  # the grace stops where the next firing's window opens


def test_overlapping_device_zone_windows_are_made_disjoint_the_earlier_keeping_the_overlap() -> None:
    first = choose_occurrence(
        DEVICE_DAILY_9, site_tz="UTC", occurrence="2030-01-05 09:00:00", reference=at(2030, 1, 1)
    )
    second = choose_occurrence(
        DEVICE_DAILY_9, site_tz="UTC", occurrence="2030-01-06 09:00:00", reference=at(2030, 1, 1)
    )
    first_window = matching_window(DEVICE_DAILY_9, site_tz="UTC", occurrence=first, grace=600)
    second_window = matching_window(DEVICE_DAILY_9, site_tz="UTC", occurrence=second, grace=600)
    # Each device-zone occurrence arrives over 26 hours, so daily ones overlap by two: an id
    # stamped in the overlap belongs to the earlier one, and the windows never share an instant.
    assert first_window == (at(2030, 1, 4, 21, 0, 0, 1000), at(2030, 1, 5, 21))
    assert second_window == (at(2030, 1, 5, 21, 0, 0, 1000), at(2030, 1, 6, 21))


def test_a_lone_device_zone_occurrence_keeps_its_whole_window_and_grace() -> None:
    only = choose_occurrence(DEVICE_SINGLE, site_tz="UTC", occurrence="next", reference=at(2030, 1, 1))
    assert matching_window(DEVICE_SINGLE, site_tz="UTC", occurrence=only, grace=600) == (
        at(2030, 1, 4, 18, 59),
        at(2030, 1, 5, 21, 10),
    )


# --- judging an answer ----------------------------------------------------------------------------


def test_ids_of_earlier_firings_are_not_taken_for_the_awaited_one() -> None:
    w = watch(DAILY_9, at(2030, 1, 5, 0, 30))
    earlier = [record("1", at(2030, 1, 3, 1)), record("2", at(2030, 1, 4, 1))]

    assert w.judge(earlier, at(2030, 1, 5, 1, 0, 5)).status == "waiting"
    fired = w.judge([*earlier, record("3", at(2030, 1, 5, 1))], at(2030, 1, 5, 1, 0, 5))
    assert fired.status == "success"
    assert [r["msg_id"] for r in fired.result] == ["3"]


def test_a_window_and_grace_that_passed_with_no_ids_fails_saying_so() -> None:
    w = watch(DAILY_9, at(2030, 1, 5, 0, 30))

    verdict = w.judge([record("1", at(2030, 1, 4, 1))], at(2030, 1, 5, 1, 10, 1))

    assert verdict.status == "failed"
    assert "did not fire for its 2030-01-05 09:00:00 occurrence" in verdict.message


def test_all_zones_waits_for_the_windows_end_and_returns_everything_that_arrived() -> None:
    w = watch(DEVICE_WEEKLY, at(2030, 1, 4, 12), occurrence="2030-01-05 09:00:00", all_zones=True)
    arrivals = [record(str(i), at(2030, 1, 4, 19) + dt.timedelta(hours=2 * i)) for i in range(14)]

    assert w.judge(arrivals[:3], at(2030, 1, 5, 0)).status == "waiting"
    done = w.judge(arrivals, at(2030, 1, 5, 21, 10))
    assert done.status == "success"
    assert len(done.result) == 14
    one_look = at(2030, 1, 5, 21, 10, 2) + dt.timedelta(seconds=spread("s1"))
    assert w.cadence(60).next_look(at(2030, 1, 5)) == one_look  # one look, at the end


def test_the_first_arrival_is_enough_without_all_zones() -> None:
    w = watch(DEVICE_SINGLE, at(2030, 1, 4, 12))
    assert w.judge([record("a", at(2030, 1, 4, 19))], at(2030, 1, 4, 19, 0, 3)).status == "success"


def test_a_daily_device_zone_arrival_in_the_overlap_is_the_earlier_occurrences() -> None:
    w = watch(DEVICE_DAILY_9, at(2030, 1, 4, 12), occurrence="2030-01-05 09:00:00")
    overlap = record("a", at(2030, 1, 4, 19))  # UTC+14 of the 5th, or UTC-10 of the 4th
    assert w.judge([overlap], at(2030, 1, 4, 19, 0, 3)).status == "waiting"
    assert w.judge([overlap, record("b", at(2030, 1, 4, 23))], at(2030, 1, 4, 23, 0, 3)).status == "success"


def test_a_legacy_answer_counts_growth_over_the_count_before_the_window() -> None:
    w = watch(DAILY_9, at(2030, 1, 5, 0, 30))
    before = [record("1", None), record("2", None)]  # the legacy answer: ids, no ts
    w = w.with_baseline(before, at(2030, 1, 5, 0, 30))

    assert w.baseline == 2
    assert w.judge(before, at(2030, 1, 5, 1, 0, 5)).status == "waiting"
    grown = w.judge([*before, record("3", None)], at(2030, 1, 5, 1, 0, 5))
    assert [r["msg_id"] for r in grown.result] == ["3"]


def test_a_legacy_answer_first_read_inside_the_window_of_a_periodical_is_refused_not_guessed() -> None:
    inside = at(2030, 1, 5, 1, 0, 30)
    w = watch(DAILY_9, inside, occurrence="2030-01-05 09:00:00").with_baseline([record("1", None)], inside)

    verdict = w.judge([record("1", None)], at(2030, 1, 5, 1, 0, 30))

    assert w.baseline is None
    assert verdict.status == "failed"
    assert "cannot be told from earlier firings" in verdict.message


def test_a_single_schedule_read_late_with_a_legacy_answer_is_its_one_firing() -> None:
    w = watch(SINGLE, at(2030, 1, 10, 1, 0, 30))
    assert w.judge([record("1", None)], at(2030, 1, 10, 1, 0, 30)).status == "success"


def test_an_expired_schedule_succeeds_from_its_records_alone() -> None:
    w = ScheduleWatch.of_expired("s1", min_messages=1)
    assert w.judge([record("9", at(2030, 1, 1))], at(2030, 2, 1)).status == "success"
    nothing = w.judge([], at(2030, 2, 1))
    assert nothing.status == "failed"
    assert "no longer listed" in nothing.message


def test_failed_records_are_returned_with_the_codes_meaning() -> None:
    w = watch(SINGLE, at(2030, 1, 10))
    verdict = w.judge([record("0", at(2030, 1, 10, 1), code=1011)], at(2030, 1, 10, 1, 0, 5))
    assert verdict.status == "success"
    assert verdict.result[0]["meaning"] == "cannot find sending target"
    assert verdict.result[0]["ok"] is False


def test_a_watch_survives_plain_json() -> None:
    import json

    w = watch(DEVICE_DAILY_9, at(2030, 1, 4), all_zones=True, min_messages=3).with_baseline(
        [], at(2030, 1, 4)
    )
    assert ScheduleWatch.from_json(json.loads(json.dumps(w.to_json()))) == w


def test_looks_wait_for_the_firing_then_back_off_up_to_the_poke_interval() -> None:
    cadence = watch(SINGLE, at(2030, 1, 9)).cadence(60)
    due = at(2030, 1, 10, 1)
    looks = [cadence.next_look(at(2030, 1, 9))]
    while len(looks) < 8:
        looks.append(cadence.next_look(looks[-1]))
    shift = spread("s1")  # this schedule's place in the two seconds looks at one instant share
    assert 0 <= shift < 2
    assert looks[0] == due + dt.timedelta(seconds=2 + shift)
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(looks)]
    # Each step is the time waited since the firing was due, from 5 s up to the poke interval.
    assert gaps[:4] == pytest.approx([5, 7 + shift, 14 + 2 * shift, 28 + 4 * shift])
    assert gaps[4] == pytest.approx(min(60, 56 + 8 * shift))
    assert gaps[5] == 60  # then every poke_interval... until the window's end
    assert looks[-1] <= at(2030, 1, 10, 1, 10)


# --- push plans -----------------------------------------------------------------------------------


def test_a_plan_watch_needs_every_plan_and_gives_up_after_the_range_and_grace() -> None:
    w = PlanMessagesWatch.of_range(
        ["p1", "p2"], "2030-01-05", "2030-01-06", site_tz="Asia/Shanghai", grace=600, min_messages=1
    )
    assert w.range_start == at(2030, 1, 4, 16)  # midnight in Shanghai
    assert w.range_end == at(2030, 1, 6, 16, 10)
    assert w.judge({"p1": ["m1"], "p2": []}, at(2030, 1, 5)).status == "waiting"
    assert w.judge({"p1": ["m1"], "p2": ["m2"]}, at(2030, 1, 5)).result == {"p1": ["m1"], "p2": ["m2"]}
    late = w.judge({"p1": ["m1"]}, at(2030, 1, 6, 16, 10))
    assert late.status == "failed"
    assert "p2" in late.message

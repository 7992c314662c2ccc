"""The one table of CreateSchedule's fields, and everything that reads it."""

from __future__ import annotations

import inspect

from airflow_provider_engage import pai_spec
from airflow_provider_engage.hooks.pai import PaiEngagementHook
from airflow_provider_engage.operators.pai import PaiCreateScheduleOperator
from tests.unit.hooks.test_pai import SNAKE


def test_the_table_names_every_seed_field_as_the_api_spells_it() -> None:
    # SNAKE is written out by hand from seed 000, so a wrong naming rule cannot pass unseen.
    assert {keyword: api for api, keyword in SNAKE.items()} == pai_spec.API_NAMES
    assert pai_spec.KEYWORDS == SNAKE


def test_group_id_and_name_are_the_required_fields() -> None:
    assert pai_spec.REQUIRED_KEYWORDS == ("group_id", "name")


def test_the_operator_takes_exactly_the_tables_fields_as_keywords() -> None:
    parameters = inspect.signature(PaiCreateScheduleOperator.__init__).parameters
    own = [
        name
        for name in parameters
        if name not in ("self", "preview_count", "pai_engagement_conn_id", "kwargs")
    ]
    assert sorted(own) == sorted(pai_spec.FIELD_KEYWORDS)
    assert [name for name in own if parameters[name].default is inspect.Parameter.empty] == [
        "group_id",
        "name",
    ]


def test_the_operator_templates_the_text_and_time_fields() -> None:
    templated = set(PaiCreateScheduleOperator.template_fields)
    assert {"group_id", "name", "execute_time", "end_time", "template_code", "sign_name"} <= templated
    assert not templated & {"repeat_cycle", "repeat_cycle_unit", "repeat_times"}


def test_the_hook_takes_the_tables_fields() -> None:
    hints = inspect.signature(PaiEngagementHook.create_schedule).parameters
    assert list(hints) == ["self", "fields"]
    assert hints["fields"].kind is inspect.Parameter.VAR_KEYWORD


def test_schedule_statuses_say_which_are_final_and_which_failed() -> None:
    status = pai_spec.ScheduleStatus
    assert [s for s in status if s.is_terminal()] == [status.CHECK_FAILED, status.SENT, status.SEND_FAILED]
    assert [s for s in status if s.is_failure()] == [status.CHECK_FAILED, status.SEND_FAILED]

"""The one writer of both statistics operators: JSON Lines or CSV, through Airflow's object storage."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from airflow.providers.common.compat.sdk import ObjectStoragePath

from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.operators import _output
from tests.helpers import TaskInstanceStandIn

COLUMNS = ("msg_id", "channel", "sent")
ROWS = [
    {"msg_id": "1", "channel": "huawei", "sent": 9, "extra": "x"},
    {"msg_id": "2", "channel": None, "sent": 0},
]


def test_json_lines_hold_one_object_a_row_in_column_order_null_where_unknown() -> None:
    text = _output.render_rows(ROWS, columns=COLUMNS, fmt="jsonl").decode()

    lines = text.splitlines()
    assert [json.loads(line) for line in lines] == [
        {"msg_id": "1", "channel": "huawei", "sent": 9},
        {"msg_id": "2", "channel": None, "sent": 0},
    ]
    assert list(json.loads(lines[0])) == list(COLUMNS)
    assert text.endswith("\n")


def test_csv_holds_a_header_and_one_line_a_row_empty_where_unknown() -> None:
    text = _output.render_rows(ROWS, columns=COLUMNS, fmt="csv").decode()

    assert list(csv.reader(text.splitlines())) == [
        ["msg_id", "channel", "sent"],
        ["1", "huawei", "9"],
        ["2", "", "0"],
    ]


def test_no_rows_is_an_empty_jsonl_file_and_a_csv_header() -> None:
    assert _output.render_rows([], columns=COLUMNS, fmt="jsonl") == b""
    assert _output.render_rows([], columns=COLUMNS, fmt="csv").decode().strip() == "msg_id,channel,sent"


def test_a_file_uri_is_written_its_folders_made_and_the_uri_returned(tmp_path: Path) -> None:
    uri = f"file://{tmp_path}/stats/2030-01-08/part.csv"

    written = _output.write_rows(uri, ROWS, columns=COLUMNS, fmt="csv")

    assert written == uri
    assert (tmp_path / "stats/2030-01-08/part.csv").read_text().startswith("msg_id,channel,sent")


def test_writing_again_replaces_the_file_whole_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    uri = f"file://{tmp_path}/stats.jsonl"
    _output.write_rows(uri, ROWS, columns=COLUMNS, fmt="jsonl")

    _output.write_rows(uri, ROWS[:1], columns=COLUMNS, fmt="jsonl")

    assert len((tmp_path / "stats.jsonl").read_text().splitlines()) == 1
    assert [path.name for path in tmp_path.iterdir()] == ["stats.jsonl"]
    assert (tmp_path / "stats.jsonl").stat().st_mode & 0o777 == 0o644


def test_an_object_storage_path_is_taken_as_it_is(tmp_path: Path) -> None:
    path = ObjectStoragePath(f"file://{tmp_path}/out.jsonl")

    assert _output.write_rows(path, ROWS, columns=COLUMNS, fmt="jsonl") == str(path)
    assert (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("destination", ["", "   ", 42, ["file:///tmp/x"]])
def test_a_destination_that_is_no_uri_is_refused_naming_it(destination: object) -> None:
    with pytest.raises(InvalidFieldError, match="destination") as refused:
        _output.storage_path(destination)

    assert refused.value.field == "destination"


def test_a_scheme_no_installed_filesystem_serves_is_refused_before_anything_is_written() -> None:
    with pytest.raises(InvalidFieldError, match="needs its Airflow provider installed") as refused:
        _output.storage_path("nosuchstore://bucket/stats.jsonl")

    assert refused.value.field == "destination"


def test_no_destination_writes_nothing_and_publishes_nothing() -> None:
    ti = TaskInstanceStandIn()

    _output.deliver(
        _output.destination_path(None), ROWS, columns=COLUMNS, fmt="csv", context={"ti": ti}, log=print
    )

    assert ti.xcom == {}


def test_delivering_publishes_the_uri_written(tmp_path: Path) -> None:
    ti, lines = TaskInstanceStandIn(), []

    _output.deliver(
        _output.destination_path(f"file://{tmp_path}/a.csv"),
        ROWS,
        columns=COLUMNS,
        fmt="csv",
        context={"ti": ti},
        log=lambda *args: lines.append(args[0] % args[1:]),
    )

    assert ti.xcom == {"destination": f"file://{tmp_path}/a.csv"}
    assert lines == [f"Wrote 2 rows (csv) to file://{tmp_path}/a.csv"]


def test_only_the_two_formats_are_known() -> None:
    assert _output.check_format("csv") == "csv"
    with pytest.raises(ValueError, match="format must be one of jsonl, csv, got 'parquet'"):
        _output.check_format("parquet")

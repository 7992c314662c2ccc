"""Reading answers: the shape checks every endpoint shares, and excerpts that carry no credential."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_engage.hooks._answers import object_reader, plain_text, vendor_code, what_json


def test_an_answer_must_be_an_object() -> None:
    read = object_reader("Data")
    assert read({"Id": "1", "unknown": [1]}) == {"Id": "1", "unknown": [1]}
    for payload, said in [(None, "empty"), ("<html>", "text '<html>'"), ([1], "an array"), (42, "42")]:
        with pytest.raises(ValueError, match=f"Data is not a JSON object but .*{said}"):
            read(payload)


@pytest.mark.parametrize("items", [None, [], [{"Id": "1"}]])
def test_a_page_whose_list_is_missing_empty_or_of_objects_is_read(items: Any) -> None:
    assert object_reader(listing="Schedules")({"Schedules": items}) == {"Schedules": items}


@pytest.mark.parametrize("items", ["s-1", {"Id": "1"}, [1], [{"Id": "1"}, "2"]])
def test_a_page_whose_list_is_anything_else_is_refused_never_read_as_empty(items: Any) -> None:
    with pytest.raises(ValueError, match="Schedules is not a list of objects"):
        object_reader(listing="Schedules")({"Schedules": items})


@pytest.mark.parametrize("value", [None, "", " ", ["s-1"], {"id": 1}, True])
def test_a_create_answer_must_name_what_it_created(value: Any) -> None:
    with pytest.raises(ValueError, match="the answer has no schedule_id"):
        object_reader(id_key="schedule_id")({"schedule_id": value})
    assert object_reader(id_key="schedule_id")({"schedule_id": 7}) == {"schedule_id": 7}


def test_vendor_codes_of_any_json_kind() -> None:
    assert [vendor_code(v) for v in (28203, "28203", " -1 ", None)] == [28203, 28203, -1, None]
    assert vendor_code([1]) == "[1]"
    assert vendor_code(True) == "true"
    assert vendor_code("x" * 100) == "x" * 64


def test_what_json_is_short() -> None:
    assert what_json({"a": 1}) == "an object"
    assert len(what_json("<" * 10_000)) < 100


def test_an_excerpt_withholds_what_a_page_quotes_of_the_request_credentials() -> None:
    page = (
        "<pre>Host: 127.0.0.1\nAuthorization: Basic ZGVtbzpzZWNyZXQ=\nx-acs-security-token: tok123\n</pre>"
        "<td>Bearer sk-abc123def456</td> ACS3-HMAC-SHA256 Credential=ak/x,Signature=0a1b2c3d4e5f"
    )
    excerpt = plain_text(page, 1000)
    for secret in ("ZGVtbzpzZWNyZXQ=", "tok123", "sk-abc123def456", "0a1b2c3d4e5f"):
        assert secret not in excerpt
    assert "Host: 127.0.0.1" in excerpt
    assert "Authorization: [withheld]" in excerpt
    assert plain_text("Basic authentication failed") == "Basic authentication failed"
    assert len(plain_text("x" * 10_000)) == 200

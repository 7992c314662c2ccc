"""One call without sending it: the shape checks every endpoint's answer shares, excerpts that
carry no credential, the service's clock from each answer's Date, and the one walk through a
paged list, sync and async, specified without HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from airflow_provider_engage.hooks.calls import (
    ServiceClock,
    aiter_pages,
    iter_pages,
    object_reader,
    plain_text,
    vendor_code,
    what_json,
)

# --- answers ---------------------------------------------------------------------------------------


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


# --- clock ---------------------------------------------------------------------------------------


NOON = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)


def _clock_at(instants: list[dt.datetime]) -> ServiceClock:
    return ServiceClock(now=lambda: instants[0])


def test_the_offset_is_the_service_s_date_minus_this_machine_s_now() -> None:
    clock = _clock_at([NOON])

    clock.observe({"Date": "Tue, 01 Jan 2030 12:00:30 GMT"})

    assert clock.offset == 30.0
    assert clock.now() == NOON + dt.timedelta(seconds=30)


def test_the_same_date_seen_again_later_is_measured_against_the_later_now() -> None:
    instants = [NOON]
    clock = _clock_at(instants)
    clock.observe({"Date": "Tue, 01 Jan 2030 12:00:30 GMT"})

    instants[0] = NOON + dt.timedelta(seconds=10)
    clock.observe({"Date": "Tue, 01 Jan 2030 12:00:30 GMT"})

    assert clock.offset == 20.0


def test_a_new_date_is_read_anew() -> None:
    clock = _clock_at([NOON])
    clock.observe({"Date": "Tue, 01 Jan 2030 12:00:30 GMT"})

    clock.observe({"date": "Tue, 01 Jan 2030 11:59:00 GMT"})  # any case, as a plain dict gives it

    assert clock.offset == -60.0


def test_an_unreadable_or_missing_date_leaves_the_offset_as_it_was() -> None:
    clock = _clock_at([NOON])
    clock.observe({"Date": "Tue, 01 Jan 2030 12:00:30 GMT"})

    clock.observe({"Date": "yesterday"})
    clock.observe({})

    assert clock.offset == 30.0


# --- paging --------------------------------------------------------------------------------------


def _pages(*pages: dict[str, Any]) -> tuple[list[int], Any]:
    """A fetch answering ``pages[n-1]`` for page n (an empty page past the end), and its calls."""
    asked: list[int] = []

    def fetch(number: int) -> dict[str, Any]:
        asked.append(number)
        return pages[number - 1] if number <= len(pages) else {"items": []}

    return asked, fetch


def _items(*ids: str) -> list[dict[str, str]]:
    return [{"id": item} for item in ids]


@pytest.fixture(params=["sync", "async"])
def walk(request: pytest.FixtureRequest) -> Any:
    """``walk(fetch, **rule)``: every item, through the sync loop or the async one (same stop rule)."""

    def sync(fetch: Any, **rule: Any) -> list[dict[str, Any]]:
        return list(iter_pages(fetch, **rule))

    def in_a_loop(fetch: Any, **rule: Any) -> list[dict[str, Any]]:
        async def afetch(number: int) -> Any:
            await asyncio.sleep(0)
            return fetch(number)

        async def collect() -> list[dict[str, Any]]:
            return [item async for item in aiter_pages(afetch, **rule)]

        return asyncio.run(collect())

    return sync if request.param == "sync" else in_a_loop


def test_a_full_page_is_followed_by_the_next_and_a_short_one_ends_the_walk(walk: Any) -> None:
    asked, fetch = _pages({"items": _items("a", "b")}, {"items": _items("c")})

    assert walk(fetch, items="items", page_size=2) == _items("a", "b", "c")
    assert asked == [1, 2]


def test_an_empty_page_ends_the_walk(walk: Any) -> None:
    asked, fetch = _pages({"items": _items("a", "b")}, {"items": None})

    assert walk(fetch, items="items", page_size=2) == _items("a", "b")
    assert asked == [1, 2]


@pytest.mark.parametrize("total", [4, "4", " 4 "])
def test_the_stated_total_ends_the_walk_without_asking_for_an_empty_page(walk: Any, total: Any) -> None:
    asked, fetch = _pages({"items": _items("a", "b"), "n": total}, {"items": _items("c", "d"), "n": total})

    assert len(walk(fetch, items="items", page_size=2, total="n")) == 4
    assert asked == [1, 2]


@pytest.mark.parametrize("total", [None, True, "many", "４", -1.5])
def test_a_total_that_is_no_count_is_ignored(walk: Any, total: Any) -> None:
    asked, fetch = _pages({"items": _items("a", "b"), "n": total}, {"items": _items("c"), "n": total})

    assert len(walk(fetch, items="items", page_size=2, total="n")) == 3
    assert asked == [1, 2]


def test_a_smaller_page_size_the_service_states_is_followed(walk: Any) -> None:
    asked, fetch = _pages(
        {"items": _items("a", "b"), "size": 2}, {"items": _items("c", "d"), "size": 2}, {"items": []}
    )

    assert len(walk(fetch, items="items", page_size=100, size="size")) == 4
    assert asked == [1, 2, 3]


def test_items_already_given_are_skipped_and_a_page_of_nothing_new_ends_the_walk(walk: Any) -> None:
    asked, fetch = _pages(
        {"items": _items("a", "b")},
        {"items": _items("b", "c")},  # the list shifted by one between the pages
        {"items": _items("b", "c")},  # the service ignores the page number from here on
        {"items": _items("d", "e")},
    )

    assert walk(fetch, items="items", page_size=2, item_id="id") == _items("a", "b", "c")
    assert asked == [1, 2, 3]

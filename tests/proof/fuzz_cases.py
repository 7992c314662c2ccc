"""What the fuzz campaigns generate: an input with the verdict the seeds give it, known in advance.

A valid input is drawn from the seeds' rules (and ``research/real-apis.md``), never from the
validator under test; an invalid one is a valid input broken at exactly one place by a known
rule, so the field a refusal must name is known before the call. Shared here: the case itself,
how to break a value at one path, and the pools of bad values every surface draws on.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

DELETE = object()
"""Put at a path, removes the key instead."""


@dataclass(frozen=True)
class Case:
    """One input and its verdict: ``refused`` is the field a refusal must name, None if valid.

    ``by_service``: a rule the service judges by its own clock or state (a time in the past, a
    switch of zone_type): a hook sends it and the emulator must refuse it naming that field;
    an operator refuses it before sending. ``reads_first``: the rule is about what the service
    holds, which a task reads (and only reads) before refusing.
    """

    value: Any
    refused: str | None = None
    rule: str = "valid"
    by_service: bool = False
    reads_first: bool = False

    @property
    def valid(self) -> bool:
        return self.refused is None


def broken(value: Any, path: Sequence[str | int], bad: Any, field: str, rule: str, **kw: Any) -> Case:
    """``value`` with ``bad`` put at ``path`` (``DELETE`` removes the key): an invalid case."""
    return Case(put(value, path, bad), field, rule, **kw)


def put(value: Any, path: Sequence[str | int], new: Any) -> Any:
    """A deep copy of ``value`` with ``new`` at ``path`` (keys and list indices)."""
    result = copy.deepcopy(value)
    *parents, last = path
    holder = result
    for key in parents:
        holder = holder[key]
    if new is DELETE:
        del holder[last]
    else:
        holder[last] = new
    return result


def dotted(prefix: str, *keys: str | int) -> str:
    """A field path as the provider names it: ``push.to.tag``, ``point[1]``."""
    text = prefix
    for key in keys:
        text = f"{text}[{key}]" if isinstance(key, int) else (f"{text}.{key}" if text else key)
    return text


def mixed(valid: st.SearchStrategy[Any], breakings: Callable[[Any], list[Case]]) -> st.SearchStrategy[Case]:
    """Valid inputs as drawn, and as often one of them broken once by a rule (``breakings``).

    The rule is picked by a ``random.Random`` seeded with a drawn number (the same under
    ``derandomize``): drawn from hypothesis's own choices, which favour the first options, a list
    of a hundred rules came up a dozen at a time and most inputs were broken.
    """

    def pick(value: Any, seed: int) -> Case:
        chooser = random.Random(seed)
        options = breakings(value)
        return chooser.choice(options) if options and chooser.random() < 0.5 else Case(value)

    return st.builds(pick, valid, st.integers(0, 2**32))


# --- pools of values --------------------------------------------------------------------------------

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
"""Any Unicode text (no lone surrogates: those are not text, see ``NOT_JSON``)."""
HUGE_TEXT = st.builds(lambda piece, times: piece * times, TEXT.filter(bool), st.integers(200, 2000))
ANY_TEXT = st.one_of(TEXT, HUGE_TEXT)

NOT_TEXT: list[Any] = [None, 0, 7, -1, 2.5, True, [], {}, ["x"], b"bytes"]
"""Values that are no string at all (each surface names which of them it refuses)."""

NOT_JSON: list[tuple[str, Any]] = [
    ("a lone surrogate is not Unicode text", "caf\udce9"),
    ("NaN is not JSON", math.nan),
    ("Infinity is not JSON", math.inf),
    ("a datetime is not JSON", dt.datetime(2030, 1, 1, tzinfo=dt.UTC)),
    ("a set is not JSON", {"a"}),
    ("bytes are not JSON", b"raw"),
]
"""Values no JSON request can carry: found anywhere in a body, they are refused by path."""

# Ids go in the path: kept to what fits a URL (real ones are UUIDs); huge values go in bodies.
schedule_ids = TEXT.filter(lambda text: text.strip() and text not in (".", ".."))
BAD_IDS: list[tuple[str, Any]] = [
    ("empty", ""),
    ("blank", "  "),
    ("a dot segment", "."),
    ("a dot-dot segment", ".."),
    *[("not a string", bad) for bad in (None, 5, ["id"], {"id": 1}, True)],
]


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def bad_datetime_texts(good: str) -> list[tuple[str, Any]]:
    """``yyyy-MM-dd HH:mm:ss`` broken the ways seed 002 names ("2014-2-15 13:16:59", "2014-12-15 13:16")
    and the ways people do."""
    date_part, time_part = good.split(" ")
    year, month, day = date_part.split("-")
    return [
        ("unpadded month and day", f"{year}-{int(month)}-{int(day)} {time_part}" if month < "10" else None),
        ("no seconds", good[:-3]),
        ("ISO 'T' separator", good.replace(" ", "T")),
        ("with an offset", good + "+08:00"),
        ("slashes", good.replace("-", "/")),
        ("30 February", f"{year}-02-30 {time_part}"),
        ("month 13", f"{year}-13-01 {time_part}"),
        ("hour 24", f"{date_part} 24:00:00"),
        ("minute 60", f"{date_part} 23:60:00"),
        ("fullwidth digits", good.translate(FULLWIDTH)),
        ("surrounding space", f" {good}"),
        ("trailing newline", good + "\n"),
        ("an epoch", 1893456000),
        ("empty", ""),
    ]


def bad_moments(good: str) -> list[tuple[str, Any]]:
    """What is neither an API string nor an instant: for arguments that take aware datetimes and
    ISO-8601 strings with an offset too (an offset makes a string valid there)."""
    texts = [(rule, value) for rule, value in real(bad_datetime_texts(good)) if rule != "with an offset"]
    return [
        *texts,
        ("a naive datetime", dt.datetime(2031, 1, 2, 9, 30)),
        ("ISO-8601 without an offset", good.replace(" ", "T")),
        ("words", "tomorrow at nine"),
        ("a list", [good]),
    ]


BAD_TIME_TEXTS: list[tuple[str, Any]] = [
    ("unpadded hour", "9:00:00"),
    ("no seconds", "09:00"),
    ("hour 24", "24:00:00"),
    ("minute 60", "09:60:00"),
    ("12-hour clock", "09:00:00 PM"),
    ("fractional seconds", "09:00:00.5"),
    ("a number", 900),
    ("empty", ""),
]


def argument_breakings(table: dict[str, list[tuple[str, Any]]]) -> Callable[[dict[str, Any]], list[Case]]:
    """Keyword arguments broken once each way ``table`` lists, each refused under its own name."""

    def breakings(kwargs: dict[str, Any]) -> list[Case]:
        return [broken(kwargs, [name], bad, name, rule) for name, bads in table.items() for rule, bad in bads]

    return breakings


def real(options: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The options that apply (a rule with nothing to break gives None)."""
    return [(rule, value) for rule, value in options if value is not None]

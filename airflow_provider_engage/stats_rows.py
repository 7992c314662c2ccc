"""Statistics as rows a warehouse loads: EngageLab messages by channel, PAI plans by day.

Owns what the statistics operators read and write, with no Airflow and no HTTP: which message
ids a DAG author's ``msg_ids`` names (and the schedule or push plan each came from), the rows of
EngageLab's ``GET /v4/status/detail`` answer at the finest breakdown it gives, the rows of PAI's
ListMessageMetrics, and the columns of each (one schema for JSON Lines and CSV alike).

EngageLab answers, per message, totals and a ``sub`` breakdown by content kind
(``notification``, ``message``), which may break down again by platform (``sub_android``,
``sub_ios``) into vendor channels (``huawei``, ``xiaomi``, ``apns`` ...). A row is one message on
one channel of the finest level present; a message whose answer has no breakdown is one row of
its totals. Its documentation names two counts in the singular below the top level (``target``,
``click``): they are read as ``targets`` and ``clicks``.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from airflow_provider_engage import timing
from airflow_provider_engage.engagelab_spec import split_ids

# The one reading of a count a service states (an integer, or a string of digits; else None),
# shared with the paged lists' stop rule.
from airflow_provider_engage.hooks.calls import count, message_id
from airflow_provider_engage.input_errors import InvalidFieldError

__all__ = [
    "MESSAGE_METRICS_COLUMNS",
    "MESSAGE_STATS_COLUMNS",
    "MessageSource",
    "Messages",
    "message_metrics_rows",
    "message_stats_rows",
    "read_msg_ids",
    "totals_line",
]

COUNTS = ("targets", "sent", "delivered", "impressions", "clicks")
MESSAGE_STATS_COLUMNS = (
    "msg_id",
    "schedule_id",
    "plan_id",
    "fired_at",
    "kind",
    "platform",
    "channel",
    *COUNTS,
)
METRICS = ("total", "success", "fail", "pending")
MESSAGE_METRICS_COLUMNS = ("schedule_id", "date", *METRICS, "rate")

_COUNT_SPELLINGS = {"targets": ("targets", "target"), "clicks": ("clicks", "click")}
_PLATFORM_PREFIX = "sub_"


@dataclass(frozen=True)
class MessageSource:
    """One message id and what is known of where it came from."""

    msg_id: str
    schedule_id: str | None = None
    plan_id: str | None = None
    fired_at: str | None = None


@dataclass(frozen=True)
class Messages:
    """The messages ``msg_ids`` names, each id once in the order first given, and how many of
    the records given reached nobody (they have no statistics, so they are not asked for)."""

    sources: tuple[MessageSource, ...]
    failed: int = 0

    @property
    def ids(self) -> list[str]:
        return [source.msg_id for source in self.sources]


def read_msg_ids(value: Any, *, field: str = "msg_ids") -> Messages:
    """The messages named by what a DAG author has, checked in full before anything is sent.

    Takes a list of ids (strings or integers; also one comma-separated string); the records
    :class:`~airflow_provider_engage.sensors.engagelab.EngageLabScheduleFiredSensor` returns
    (``msg_id``, ``ok``, ``schedule_id``, ``fired_at`` ...; those not ``ok`` are counted as failed
    and left out); ``{plan_id: [msg_id, ...]}`` as
    :class:`~airflow_provider_engage.sensors.engagelab.EngageLabPushPlanMessagesSensor` returns
    it; or a list of any of these (a mapped sensor's outputs). A string that starts with ``[`` or
    ``{`` is read as JSON, or as the Python literal a ``{{ ti.xcom_pull(...) }}`` template
    renders. Refusals name the place: ``msg_ids[2].msg_id``, ``msg_ids.spring_plan[0]``.
    """
    if value is None:
        raise InvalidFieldError(field, "is required: message ids, sensor records or {plan_id: [msg_id, ...]}")
    found: dict[str, MessageSource] = {}
    failed = 0
    for source in _sources(_parsed(value, field), field):
        if source is None:
            failed += 1
            continue
        known = found.get(source.msg_id)
        found[source.msg_id] = source if known is None else _merged(known, source)
    return Messages(tuple(found.values()), failed)


def _parsed(value: Any, field: str) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text in ("None", "null"):  # what a template renders when the XCom it pulls is missing
        raise InvalidFieldError(field, f"rendered to {text}: the XCom it names holds nothing")
    if not text.startswith(("[", "{")):
        return split_ids(text)
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError) as err:
        raise InvalidFieldError(
            field, f"is neither JSON nor a Python literal (what a rendered XCom gives): {text[:80]!r}"
        ) from err


def _sources(value: Any, field: str) -> Iterator[MessageSource | None]:
    """Each message of ``value`` (None for a record that reached nobody), depth first."""
    if isinstance(value, Mapping):
        if _is_record(value):
            yield _record(value, field)
        else:
            yield from _plans(value, field)
        return
    if isinstance(value, str | int) and not isinstance(value, bool):
        yield MessageSource(_msg_id(value, field))
        return
    if isinstance(value, bytes) or not isinstance(value, Iterable):
        raise InvalidFieldError(
            field, f"must be a message id, a sensor record or a list of them, got {type(value).__name__}"
        )
    for index, item in enumerate(value):
        yield from _sources(item, f"{field}[{index}]")


def _is_record(value: Mapping[str, Any]) -> bool:
    # A plan may be called "msg_id"; its value is a list, a record's is one id.
    return "msg_id" in value and not isinstance(value["msg_id"], list | tuple | Mapping)


def _record(record: Mapping[str, Any], field: str) -> MessageSource | None:
    ok = record.get("ok")
    if ok is None:
        ok = not record.get("error_code")
    if not ok:
        return None
    return MessageSource(
        _msg_id(record["msg_id"], f"{field}.msg_id"),
        schedule_id=_text(record.get("schedule_id")),
        plan_id=_text(record.get("plan_id")),
        fired_at=_text(record.get("fired_at")),
    )


def _plans(plans: Mapping[Any, Any], field: str) -> Iterator[MessageSource]:
    for plan_id, given in plans.items():
        where = f"{field}.{plan_id}"
        ids = given
        if isinstance(given, Mapping) and "msg_ids" in given:  # the service's own answer: {"msg_ids": [...]}
            ids, where = given["msg_ids"], f"{where}.msg_ids"
        if isinstance(ids, str | bytes | Mapping) or not isinstance(ids, Iterable):
            raise InvalidFieldError(where, f"must be a list of message ids, got {type(ids).__name__}")
        for index, msg_id in enumerate(ids):
            yield MessageSource(_msg_id(msg_id, f"{where}[{index}]"), plan_id=str(plan_id))


def _msg_id(value: Any, field: str) -> str:
    """The hook's own check (nothing it would refuse gets this far), on the id as written."""
    return message_id(value.strip() if isinstance(value, str) else value, field)


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _merged(known: MessageSource, other: MessageSource) -> MessageSource:
    """The first mention of an id, with what later mentions add (a plan, a schedule, a time)."""
    return replace(
        known,
        schedule_id=known.schedule_id or other.schedule_id,
        plan_id=known.plan_id or other.plan_id,
        fired_at=known.fired_at or other.fired_at,
    )


def totals_line(rows: Iterable[Mapping[str, Any]], names: Iterable[str]) -> str:
    """``"targets 300, sent 291, ..."``: each count of ``names`` summed over ``rows``, for a log line
    (an unknown count adds nothing)."""
    listed = list(rows)
    return ", ".join(f"{name} {sum(row.get(name) or 0 for row in listed)}" for name in names)


# --- EngageLab: one row per message and channel -----------------------------------------------------


def message_stats_rows(
    stats: Mapping[str, Any], messages: Iterable[MessageSource]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows (:data:`MESSAGE_STATS_COLUMNS`) of ``stats`` (the hook's ``{msg_id: entry}``) for
    ``messages`` in their order, and the ids the answer has nothing for (statistics are kept
    about a month; an id the service does not know is left out of its answer)."""
    rows: list[dict[str, Any]] = []
    missing: list[str] = []
    for source in messages:
        entry = stats.get(source.msg_id)
        if not isinstance(entry, Mapping):
            missing.append(source.msg_id)
            continue
        where = {
            "msg_id": source.msg_id,
            "schedule_id": source.schedule_id,
            "plan_id": source.plan_id,
            "fired_at": source.fired_at,
        }
        for kind, platform, channel, counts in _channels(entry):
            rows.append({**where, "kind": kind, "platform": platform, "channel": channel, **counts})
    return rows, missing


def _channels(entry: Mapping[str, Any]) -> list[tuple[str | None, str | None, str | None, dict[str, Any]]]:
    """(kind, platform, channel, counts) at the finest level of the breakdown; else the totals."""
    found: list[tuple[str | None, str | None, str | None, dict[str, Any]]] = []
    sub = entry.get("sub")
    for kind, detail in sub.items() if isinstance(sub, Mapping) else ():
        if not isinstance(detail, Mapping):
            continue
        leaves = [
            (str(kind), key.removeprefix(_PLATFORM_PREFIX), str(channel), _counts(counts))
            for key, channels in detail.items()
            if isinstance(key, str) and key.startswith(_PLATFORM_PREFIX) and isinstance(channels, Mapping)
            for channel, counts in channels.items()
            if isinstance(counts, Mapping) and _has_counts(counts)
        ]
        if leaves:
            found += leaves
        elif _has_counts(detail):
            found.append((str(kind), None, None, _counts(detail)))
    return found or [(None, None, None, _counts(entry))]


def _has_counts(value: Mapping[str, Any]) -> bool:
    return any(spelling in value for name in COUNTS for spelling in _COUNT_SPELLINGS.get(name, (name,)))


def _counts(value: Mapping[str, Any]) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    for name in COUNTS:
        given = next(
            (value[spelling] for spelling in _COUNT_SPELLINGS.get(name, (name,)) if spelling in value), None
        )
        counts[name] = count(given)
    return counts


# --- PAI: one row per plan and day --------------------------------------------------------------------


def message_metrics_rows(schedule_id: str, metrics: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rows (:data:`MESSAGE_METRICS_COLUMNS`) of ListMessageMetrics' ``Metrics``, by day.

    ``date`` is ``yyyy-MM-dd`` (the service writes ``yyyyMMdd``; a form it does not know is kept
    as written); ``rate`` is the service's ``Rate`` (success over total), when it gives one.
    """
    rows = [
        {
            "schedule_id": schedule_id,
            "date": _day_text(item.get("Date")),
            **{name: count(item.get(name.capitalize())) for name in METRICS},
            "rate": _rate(item.get("Rate")),
        }
        for item in metrics
    ]
    return sorted(rows, key=lambda row: str(row["date"]))


def _day_text(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        return timing.parse_day(value, field="Date").isoformat()
    except InvalidFieldError:
        return str(value)


def _rate(value: Any) -> float | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None

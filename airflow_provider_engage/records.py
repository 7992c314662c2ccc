"""Typed records read from EngageLab answers, and the tolerant readers that build them.

Pure (no Airflow, no I/O; :mod:`~airflow_provider_engage.timing` reads the ``ts`` epoch) so
that the hooks and the emulator share one reading of the msg-id list, whose shape changed over
time: ``MsgIds`` of JSON strings since 2024-02-22, ``msgids`` of plain ids before, objects or
``msg_ids`` in some clients. Every variant yields the same records.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from airflow_provider_engage.timing import epoch_seconds

__all__ = ["MsgIdRecord", "read_msg_id_records", "read_plan_msg_ids"]

_MSG_ID_LIST_KEYS = ("MsgIds", "msgids", "msg_ids", "msgIds")


@dataclass(frozen=True)
class MsgIdRecord:
    """One push a schedule fired: its message id, or why it reached nobody."""

    msg_id: str
    error_code: int = 0
    error_message: str = ""
    need_retry: bool = False
    fired_at: datetime | None = None  # aware, UTC; None when the service did not say

    @property
    def ok(self) -> bool:
        return self.error_code == 0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (XCom)."""
        return {
            "msg_id": self.msg_id,
            "ok": self.ok,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "need_retry": self.need_retry,
            "fired_at": self.fired_at.isoformat() if self.fired_at else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MsgIdRecord:
        """The inverse of :meth:`to_dict`."""
        fired_at = data.get("fired_at")
        return cls(
            msg_id=str(data["msg_id"]),
            error_code=int(data.get("error_code") or 0),
            error_message=str(data.get("error_message") or ""),
            need_retry=bool(data.get("need_retry")),
            fired_at=datetime.fromisoformat(fired_at).astimezone(UTC) if fired_at else None,
        )


def read_msg_id_records(payload: Any) -> list[MsgIdRecord]:
    """Records from a ``GET /v4/schedules/{id}/msg-ids`` answer, failed ones included.

    An empty body or ``success`` means none yet.
    """
    if payload is None or payload == "success":
        return []
    if isinstance(payload, list):
        items: Any = payload
    elif isinstance(payload, Mapping):
        items = next((payload[key] for key in _MSG_ID_LIST_KEYS if payload.get(key) is not None), [])
    else:
        raise ValueError(f"expected an object with MsgIds, got {type(payload).__name__}")
    if not isinstance(items, list):
        raise ValueError(f"expected a list of message ids, got {type(items).__name__}")
    return [_read_item(item) for item in items]


def _read_item(item: Any) -> MsgIdRecord:
    if isinstance(item, str) and item.lstrip().startswith("{"):
        item = json.loads(item)
    if isinstance(item, str | int) and not isinstance(item, bool):
        return MsgIdRecord(msg_id=str(item))
    if not isinstance(item, Mapping):
        raise ValueError(f"expected a message id, got {type(item).__name__}")
    msg_id = next((item[key] for key in ("msg_id", "msgid", "msgId") if item.get(key) is not None), None)
    if msg_id is None:
        raise ValueError("a message id entry has no msg_id")
    error: Mapping[str, Any] = item["error"] if isinstance(item.get("error"), Mapping) else {}
    return MsgIdRecord(
        msg_id=str(msg_id),
        error_code=int(error.get("code") or 0),
        error_message=str(error.get("message") or ""),
        need_retry=bool(item.get("needRetry", item.get("need_retry", False))),
        fired_at=_instant(item.get("ts")),
    )


def _instant(ts: Any) -> datetime | None:
    if ts is None or ts == "" or isinstance(ts, bool):
        return None
    return datetime.fromtimestamp(epoch_seconds(float(ts)), tz=UTC)


def read_plan_msg_ids(payload: Any) -> dict[str, list[str]]:
    """``{"<plan_id>": {"msg_ids": [...]}}`` from ``GET /v4/status/plan/msg/`` as plan -> ids."""
    if payload is None or payload == "success":
        return {}
    if not isinstance(payload, Mapping):
        raise ValueError(f"expected an object keyed by plan id, got {type(payload).__name__}")
    result: dict[str, list[str]] = {}
    for plan_id, entry in payload.items():
        ids = entry.get("msg_ids") if isinstance(entry, Mapping) else entry
        if ids is None:
            ids = []
        if not isinstance(ids, list):
            raise ValueError(f"expected a list of message ids for plan {plan_id!r}")
        result[str(plan_id)] = [str(msg_id) for msg_id in ids]
    return result

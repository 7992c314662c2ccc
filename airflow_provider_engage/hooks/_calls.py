"""The call model: one request to one endpoint, whatever HTTP library sends it.

Each endpoint function (``_engagelab_api``, ``_pai_api``) returns an :class:`ApiCall`: method,
path, query, JSON body, whether it creates, and how to read the answer. The sync and the async
hooks send the same calls. Pure: no I/O, no HTTP library.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.validation import check_text

T = TypeVar("T")

__all__ = [
    "ApiCall",
    "decode_body",
    "host_header",
    "message_id",
    "path_id",
    "query_text",
    "segment",
    "whole_number",
]


def _same(payload: Any) -> Any:
    return payload


@dataclass(frozen=True)
class ApiCall(Generic[T]):
    """One request to one endpoint, and how to turn its decoded answer into the result."""

    operation: str  # names the call in errors and logs: "create schedule"
    method: str
    path: str  # already encoded (see :func:`segment`)
    parse: Callable[[Any], T] = _same
    params: Mapping[str, str] = field(default_factory=dict)
    body: Any = None  # JSON-serialisable, or None for no body
    creates: bool = False  # sending it twice could create two things
    action: str = ""  # the vendor's name for the operation (PAI signs it)

    def body_bytes(self) -> bytes:
        """The body exactly as sent (and, for PAI, hashed and signed)."""
        if self.body is None:
            return b""
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def target(self) -> str:
        """Path and query as they go on the wire (commas kept, as the seeds write them)."""
        if not self.params:
            return self.path
        return f"{self.path}?{urlencode(self.params, quote_via=quote, safe=',')}"


def segment(value: object) -> str:
    """A value as one path segment (``/v4/schedules/{id}``): everything but unreserved encoded."""
    return quote(str(value), safe="")


def path_id(value: object, field: str = "schedule_id") -> str:
    """An id the caller gave, checked and encoded for the path.

    ``.`` and ``..`` are refused: as a path segment they mean "here" and "up" (RFC 3986), so
    ``/v4/schedules/..`` would reach ``/v4/``, another endpoint, however it is encoded.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidFieldError(field, f"must be a non-empty string, got {value!r}")
    if value in (".", ".."):
        raise InvalidFieldError(field, f"{value!r} cannot name anything in a URL path")
    check_text(value, field)
    return segment(value)


def message_id(value: object, field: str) -> str:
    """A message id the caller gave (a string or an integer), as it goes in a comma-joined query."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value.strip() or "," in value:
        raise InvalidFieldError(field, f"must be a message id (a string or an integer), got {value!r}")
    return query_text(value, field)


def query_text(value: object, field: str) -> str:
    """A text query parameter the caller gave: Unicode text (it is sent UTF-8, percent-encoded)."""
    check_text(value, field)
    assert isinstance(value, str)
    return value


def whole_number(value: object, field: str, *, low: int) -> int:
    """A page number or size: an int (not a bool) of at least ``low``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise InvalidFieldError(field, f"must be an integer >= {low}, got {value!r}")
    return value


def positive_number(value: object, field: str) -> float:
    """A rate or a size the caller gave: a finite number (not a bool) above zero."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < float("inf"):
        raise InvalidFieldError(field, f"must be a positive number, got {value!r}")
    return value


def decode_body(raw: bytes) -> Any:
    """JSON when it is JSON; None for an empty body; the text itself otherwise (``success``).

    JSON nested deeper than the parser goes (``[[[[...``) is no answer a service gives: text too.
    """
    try:
        return json.loads(raw)  # the common answer, read straight from the bytes
    except (ValueError, RecursionError):
        pass
    text = raw.decode("utf-8", errors="replace").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def host_header(base_url: str) -> str:
    """The ``Host`` a server sees for ``base_url`` (``host:port`` unless the port is the default)."""
    netloc = urlsplit(base_url).netloc
    return netloc.rpartition("@")[2]

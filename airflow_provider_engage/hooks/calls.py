"""One call to a service, without sending it: how it is built, and what its answer says.

An endpoint (:mod:`.engagelab`, :mod:`.pai`) builds an :class:`ApiCall` from input checked here
(:func:`path_id`, :func:`message_id`, :func:`whole_number` ...). A vendor's :class:`Dialect`
reads the answer into the call's result or raises the vendor's error, which carries the retry
policy's :class:`~airflow_provider_engage.hooks.retry.Failure`: one exception for one failed
attempt. The service's clock (:class:`ServiceClock`, from each answer's ``Date``) and the walk
through a paged list (:class:`PageWalk`) are read from answers too. Pure: no I/O, no HTTP
library, so operators, sensors and triggers import it without loading one.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Generic, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from airflow_provider_engage.hooks.retry import Failure, Transport, header_value
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.service_errors import EngageServiceError
from airflow_provider_engage.validation import check_text

T = TypeVar("T")
E = TypeVar("E", bound=EngageServiceError)

__all__ = [
    "AGREEMENT_SECONDS",
    "ApiCall",
    "Dialect",
    "NotInAnswer",
    "PageWalk",
    "Refusal",
    "ServiceClock",
    "aiter_pages",
    "count",
    "decode_body",
    "host_header",
    "iter_pages",
    "json_object",
    "message_id",
    "object_reader",
    "path_id",
    "plain_text",
    "positive_number",
    "query_text",
    "segment",
    "vendor_code",
    "what_json",
    "whole_number",
]


# --- the call ------------------------------------------------------------------------------------


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


def host_header(base_url: str) -> str:
    """The ``Host`` a server sees for ``base_url`` (``host:port`` unless the port is the default)."""
    netloc = urlsplit(base_url).netloc
    return netloc.rpartition("@")[2]


# --- what an answer holds ------------------------------------------------------------------------


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


def vendor_code(value: Any) -> int | str | None:
    """A vendor's error code as an int or a short string, whatever JSON the answer put there.

    Digits in a string are the number they spell (``"28203"``); a code of another kind (a list, an
    object: no service sends one) is kept as short text, so it can be shown and never breaks a
    look-up.
    """
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    text = value.strip() if isinstance(value, str) else json.dumps(value, default=str)
    if text.isascii() and text.lstrip("-").isdigit():
        return int(text)
    return text[:64]


def what_json(payload: Any) -> str:
    """What an answer holds, for a message: ``an empty answer``, ``text '<html>...'``, ``an array``."""
    if payload is None:
        return "an empty answer (or null)"
    if isinstance(payload, str):
        return f"text {plain_text(payload, 80)!r}"
    kind = "an object" if isinstance(payload, Mapping) else "an array" if isinstance(payload, list) else ""
    return kind or f"{json.dumps(payload)[:40]}"


def json_object(payload: Any, what: str = "the answer") -> dict[str, Any]:
    """``payload`` when it is a JSON object; else ValueError saying what came instead."""
    if not isinstance(payload, Mapping):
        raise ValueError(f"{what} is not a JSON object but {what_json(payload)}")
    return dict(payload)


def object_reader(
    what: str = "the answer", *, listing: str | None = None, id_key: str | None = None
) -> Callable[[Any], dict[str, Any]]:
    """A reader of an answer that must be a JSON object.

    With ``listing``, a page whose list of that name holds objects (missing or null: an empty
    page); never read as empty when it is something else, since a create that took an unreadable
    page for "nothing yet" would make a duplicate. With ``id_key``, a create's answer, which must
    name what it created: without the id nobody can find it again.
    """

    def read(payload: Any) -> dict[str, Any]:
        found = json_object(payload, what)
        if listing is not None:
            items = found.get(listing)
            if items is not None and not (
                isinstance(items, list) and all(isinstance(item, Mapping) for item in items)
            ):
                raise ValueError(f"{listing} is not a list of objects but {what_json(items)}")
        if id_key is not None:
            value = found.get(id_key)
            if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
                raise ValueError(f"{what} has no {id_key}")
        return found

    return read


# What a page may quote of the request that carries a credential: a header line naming one
# (``Authorization: ...``, ``x-acs-security-token: ...``), or a scheme's token anywhere.
_CREDENTIAL_LINE = re.compile(
    r"(?im)^([ \t]*[\w-]*(?:authorization|token|signature|secret|key)[\w-]*[ \t]*[:=]).*$"
)
_CREDENTIAL_TOKEN = re.compile(
    r"(?i)\b(basic\s+|bearer\s+|credential=|signature=)(?=[^\s<>\"',;]*[0-9+/=])[^\s<>\"',;]{8,}"
)
WITHHELD = "[withheld]"


def plain_text(payload: Any, limit: int = 200) -> str:
    """A short excerpt of a non-JSON body (a proxy's HTML page, say), with whatever it quotes of
    the request's credentials withheld: some pages echo the request's headers back."""
    if payload is None:
        return ""
    text = _CREDENTIAL_LINE.sub(rf"\1 {WITHHELD}", str(payload)[: limit * 20])
    return _CREDENTIAL_TOKEN.sub(rf"\1{WITHHELD}", text)[:limit]


# --- reading an answer into a result or the vendor's error -----------------------------------------


@dataclass(frozen=True)
class Refusal:
    """What a failed attempt said, as plain data: the service's refusal, or why none came."""

    message: str
    status: int | None = None
    vendor_code: int | str | None = None
    request_id: str | None = None


class NotInAnswer(ValueError):
    """Raised by a reader whose answer names nothing (an SDK's empty array for one schedule): the
    dialect reads it as the service's not-found."""


class Dialect:
    """How one vendor answers, handed to the transport once: where an answer says it refused
    (:meth:`refusal`), where the result sits (:meth:`data`), and which exception a failure is
    (:meth:`error`). :meth:`read` and :meth:`no_answer` are the same for every vendor."""

    vendor: ClassVar[str]
    not_found_code: ClassVar[int | str]

    def refusal(self, status: int, headers: Mapping[str, str], payload: Any) -> Refusal | None:
        """The service's refusal in this answer; None when it answered the call."""
        raise NotImplementedError

    def data(self, payload: Any) -> Any:
        """The part of a successful answer the call's reader reads."""
        return payload

    def request_id(self, headers: Mapping[str, str], payload: Any) -> str | None:
        raise NotImplementedError

    def error(
        self, call: ApiCall[Any], refusal: Refusal, failure: Failure, *, conn_id: str
    ) -> EngageServiceError:
        """The vendor's exception for ``refusal`` as the retry policy judges it (``failure``).

        ``conn_id`` names the connection to check when the service refused its credentials.
        """
        raise NotImplementedError

    def read(
        self, call: ApiCall[T], status: int, headers: Mapping[str, str], raw: bytes, *, conn_id: str
    ) -> T:
        """The call's result, or the vendor's error carrying the :class:`Failure` to retry by."""
        payload = decode_body(raw)
        refused = self.refusal(status, headers, payload)
        if refused is None:
            try:
                return call.parse(self.data(payload))
            except NotInAnswer as err:
                request_id = self.request_id(headers, payload)
                refused = Refusal(str(err), 404, self.not_found_code, request_id)
            except (ValueError, TypeError, KeyError) as err:
                refused = Refusal(
                    f"unexpected answer: {err}", status, None, self.request_id(headers, payload)
                )
        failure = Failure(call.creates, refused.status, refused.vendor_code, headers=dict(headers))
        raise self.error(call, refused, failure, conn_id=conn_id)

    def no_answer(
        self, call: ApiCall[Any], transport: Transport, detail: str, *, conn_id: str
    ) -> EngageServiceError:
        """The vendor's error for a request that got no HTTP answer."""
        refusal = Refusal(f"no answer from {call.path} ({detail})")
        return self.error(call, refusal, Failure(creates=call.creates, transport=transport), conn_id=conn_id)

    def service_error(
        self,
        cls: type[E],
        call: ApiCall[Any],
        refusal: Refusal,
        failure: Failure,
        *,
        meaning: str | None,
        hint: str | None = None,
    ) -> E:
        """``cls`` carrying everything the refusal says, in one sentence a DAG author can act on
        (never a header or a secret), and ``failure`` for the retry loop; ``hint`` says what to
        do when the vendor's text does not."""
        text = f"{self.vendor} {call.operation} failed: "
        if refusal.status is None:
            text += refusal.message
        else:
            text += f"HTTP {refusal.status}"
            if refusal.vendor_code is not None:
                text += f", code {refusal.vendor_code}" + (f" ({meaning})" if meaning else "")
            if refusal.message:
                text += f": {refusal.message}"
        if refusal.request_id:
            text += f" [request id {refusal.request_id}]"
        if failure.may_have_taken_effect:
            text += ". The request may have taken effect: look for what it created before sending it again"
        error = cls(
            f"{text}. {hint}" if hint else text,
            operation=call.operation,
            status_code=refusal.status,
            vendor_code=refusal.vendor_code,
            vendor_message=refusal.message or None,
            request_id=refusal.request_id,
            may_have_taken_effect=failure.may_have_taken_effect,
            transient=failure.transient,
        )
        error.failure = failure
        return error


# --- the service's clock -------------------------------------------------------------------------

AGREEMENT_SECONDS = 60.0
"""Clocks this close are taken to agree (a real service); farther apart, a sensor told to may
re-read the service's now and then (its ``clock_sync_interval``)."""


def _real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ServiceClock:
    """The service's clock, as the ``Date`` header of its latest answer says.

    Every rule about "now" is the service's to judge, by its clock: whether a firing is due, a
    create's "not in the past" and "a year ahead", a schedule's expiry. Operators, sensors and
    triggers all read "now" here (docs/timing.md lists which rule reads it after which request);
    before any answer it is this machine's. Between answers the service's clock is taken to run
    with this machine's (a real service's agrees, NTP, to within seconds; the emulator's runs with
    real time at the offset it was set to); a clock moved by hand is noticed at the next answer.
    ``offset``: the service's clock minus this machine's.
    """

    def __init__(self, offset: float = 0.0, *, now: Callable[[], dt.datetime] = _real_now) -> None:
        self.offset = offset
        self._now = now
        self._last_date: tuple[str, dt.datetime] | None = None  # answers within a second share one

    def _parse_date(self, text: str) -> dt.datetime:
        if self._last_date is None or self._last_date[0] != text:
            said = parsedate_to_datetime(text)
            self._last_date = (text, said if said.tzinfo is not None else said.replace(tzinfo=dt.UTC))
        return self._last_date[1]

    def observe(self, headers: Mapping[str, str]) -> None:
        """Take the service's time from an answer's ``Date`` header, when it has a readable one."""
        text = header_value(headers, "Date")
        if not text:
            return
        try:
            said = self._parse_date(text)
        except (TypeError, ValueError, IndexError):
            return
        self.offset = (said - self._now()).total_seconds()

    def now(self) -> dt.datetime:
        """The service's now, as best known."""
        return self.local_now() + dt.timedelta(seconds=self.offset)

    def local_now(self) -> dt.datetime:
        """This machine's now (what sleeps and Airflow's timeouts are measured in)."""
        return self._now()

    def local_time(self, service_instant: dt.datetime) -> dt.datetime:
        """When, by this machine's clock, the service's clock will show ``service_instant``."""
        return service_instant - dt.timedelta(seconds=self.offset)

    @property
    def agrees(self) -> bool:
        return abs(self.offset) <= AGREEMENT_SECONDS


# --- paged lists ---------------------------------------------------------------------------------

Page = Mapping[str, Any]


class PageWalk:
    """Where a walk through a paged list stands; ``take`` each answer in turn until ``done``.

    Ends at an empty page or a short one (fewer than ``page_size``, or than the page size the
    answer states under ``size`` when the service allows fewer), or once the answer's count under
    ``total`` has been seen. A page count the service states is not trusted (EngageLab's own
    example gives 5 pages of 50 for 1000 schedules). Items whose ``item_id`` was already given
    (a list that shifted between pages) are skipped, and a page that brings nothing new ends the
    walk, so a service that ignores the page number cannot loop it forever.
    """

    def __init__(
        self,
        *,
        items: str,
        page_size: int,
        item_id: str | None = None,
        total: str | None = None,
        size: str | None = None,
    ) -> None:
        self.items, self.page_size, self.item_id, self.total, self.size = (
            items,
            page_size,
            item_id,
            total,
            size,
        )
        self.number = 1  # the page to ask for next
        self.done = False
        self._seen = 0
        self._given: set[object] = set()

    def take(self, answer: Page) -> list[dict[str, Any]]:
        """The new items of page ``number``'s answer; moves on to the next page or ends the walk."""
        page = [item for item in answer.get(self.items) or [] if item]
        fresh = []
        for item in page:
            key = item.get(self.item_id) if self.item_id else None
            if not isinstance(key, str | int):  # an id no service gives (a list): not one to dedupe by
                key = None
            if key is not None and key in self._given:
                continue
            if key is not None:
                self._given.add(key)
            fresh.append(item)
        self._seen += len(page)
        stated_size = count(answer.get(self.size)) if self.size else None
        full = min(self.page_size, stated_size or self.page_size)
        expected = count(answer.get(self.total)) if self.total else None
        self.done = len(page) < full or not fresh or (expected is not None and self._seen >= expected)
        self.number += 1
        return fresh


def iter_pages(fetch: Callable[[int], Page], **rule: Any) -> Iterator[dict[str, Any]]:
    """Every item of a paged list; ``fetch(n)`` answers page ``n`` (from 1). ``rule``: :class:`PageWalk`'s."""
    walk = PageWalk(**rule)
    while not walk.done:
        yield from walk.take(fetch(walk.number))


async def aiter_pages(fetch: Callable[[int], Awaitable[Page]], **rule: Any) -> AsyncIterator[dict[str, Any]]:
    """:func:`iter_pages` for a coroutine ``fetch``."""
    walk = PageWalk(**rule)
    while not walk.done:
        for item in walk.take(await fetch(walk.number)):
            yield item


def count(value: object) -> int | None:
    """A count an answer states (an int or a string of digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isascii() and text.isdigit() else None

"""The one retry policy every hook follows, sync and async.

The transport (:mod:`~airflow_provider_engage.hooks.transport`) drives it with tenacity's
``Retrying`` and ``AsyncRetrying`` alike; it is pure and stdlib-only, tied to no HTTP or retry
library. Given what went wrong (:class:`Failure`), :func:`should_retry` says whether sending
again is safe and useful, and :func:`wait_seconds` says how long to wait; the transport only
reads its library's outcome into a :class:`Failure` and does the sleeping and sending.

Safety first: a request that creates something is sent again only when it certainly did not take
effect (the connection was refused, the service answered 429/503/28203 or throttled it: a
gateway ``Throttling.*`` code, or EngageLab's 3010 "query call volume over the limit"). Anything
else may have been applied, so the error goes to the caller, who can look for what it created
instead of creating a duplicate.
"""

from __future__ import annotations

import enum
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from airflow_provider_engage.input_errors import InvalidFieldError

__all__ = [
    "Failure",
    "RetrySettings",
    "Transport",
    "header_value",
    "should_retry",
    "wait_seconds",
]


class Transport(enum.Enum):
    """How a request failed without an HTTP answer."""

    NOT_SENT = "not_sent"  # refused, name not resolved, connect timeout: the service never saw it
    AMBIGUOUS = "ambiguous"  # dropped or timed out after sending: it may have taken effect
    FATAL = "fatal"  # TLS or protocol errors that sending again will not fix


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """A response header by case-insensitive name, whatever mapping the HTTP library gives."""
    value = headers.get(name)
    if value is not None or not isinstance(headers, dict):  # requests' and aiohttp's ignore case
        return value
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


# Statuses and vendor codes that mean "not processed, try later".
_NOT_APPLIED_STATUSES = frozenset({429, 503})
_NOT_APPLIED_CODES = frozenset({28203})
# Statuses and vendor codes that mean "failed inside the service": it may have been applied.
_SERVER_ERROR_STATUSES = frozenset({500, 502, 503, 504})
_SERVER_ERROR_CODES = frozenset({28200, 27000, "InternalError", "ServiceUnavailable"})
_THROTTLING_PREFIX = "Throttling"
# EngageLab's "query API call volume exceeds the limit" (seed 001), whatever the status: refused
# before it was applied, like a 429, so it is tried again later (within the wait cap).
_THROTTLING_CODES = frozenset({3010})
# Codes the vendor documents as final whatever the status ("internal system error, cannot be retried").
_FINAL_CODES = frozenset({21009})


@dataclass(frozen=True)
class Failure:
    """What one attempt ended with. ``headers`` keys are matched case-insensitively."""

    creates: bool
    status: int | None = None
    vendor_code: int | str | None = None
    transport: Transport | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    @property
    def statuses(self) -> frozenset[int]:
        """The HTTP status, and the vendor code too when it is one (PAI's envelope says 429, 500)."""
        found = {self.status} if self.status is not None else set()
        code = self.vendor_code
        if isinstance(code, int) and 400 <= code < 600:
            found.add(code)
        return frozenset(found)

    @property
    def throttled(self) -> bool:
        code = self.vendor_code
        return (
            429 in self.statuses
            or code in _THROTTLING_CODES
            or (isinstance(code, str) and code.startswith(_THROTTLING_PREFIX))
        )

    @property
    def certainly_not_applied(self) -> bool:
        return (
            self.transport is Transport.NOT_SENT
            or self.throttled
            or bool(self.statuses & _NOT_APPLIED_STATUSES)
            or self.vendor_code in _NOT_APPLIED_CODES
        )

    @property
    def transient(self) -> bool:
        """Worth another try at all, ignoring whether sending again is safe."""
        if self.vendor_code in _FINAL_CODES:
            return False
        return (
            self.certainly_not_applied
            or self.transport is Transport.AMBIGUOUS
            or bool(self.statuses & _SERVER_ERROR_STATUSES)
            or self.vendor_code in _SERVER_ERROR_CODES
        )

    @property
    def may_have_taken_effect(self) -> bool:
        """A create that failed after the service may have applied it (the answer was lost)."""
        if not self.creates:
            return False
        # A success status we could not read: the service did what we asked.
        unreadable_success = self.status is not None and 200 <= self.status < 300 and self.vendor_code is None
        return unreadable_success or (self.transient and not self.certainly_not_applied)


@dataclass(frozen=True)
class RetrySettings:
    """How many times and how long: from the connection's extra, tiny in tests."""

    max_retries: int = 5
    min_wait: float = 0.5
    max_wait: float = 30.0

    @classmethod
    def from_extra(cls, extra: Mapping[str, Any]) -> RetrySettings:
        """Read ``max_retries``, ``retry_min_wait`` and ``retry_max_wait`` (seconds)."""
        defaults = cls()
        max_retries = _number(extra, "max_retries", defaults.max_retries, integer=True)
        min_wait = _number(extra, "retry_min_wait", defaults.min_wait)
        max_wait = _number(extra, "retry_max_wait", defaults.max_wait)
        if max_wait < min_wait:
            raise InvalidFieldError("retry_max_wait", f"must not be less than retry_min_wait ({min_wait})")
        return cls(max_retries=int(max_retries), min_wait=min_wait, max_wait=max_wait)


def _number(extra: Mapping[str, Any], key: str, default: float, *, integer: bool = False) -> float:
    value = extra.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise InvalidFieldError(key, f"must be a number, got {value!r}")
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise InvalidFieldError(
            key, f"must be a {'whole ' if integer else ''}number, got {value!r}"
        ) from None
    if not 0 <= number < math.inf:
        raise InvalidFieldError(key, f"must be a number >= 0, got {value!r}")
    return number


def should_retry(
    failure: Failure, retries_done: int, settings: RetrySettings, *, now: datetime | None = None
) -> bool:
    """Whether to send again after ``retries_done`` retries (0 after the first attempt)."""
    if retries_done >= settings.max_retries or not failure.transient:
        return False
    if failure.creates and not failure.certainly_not_applied:
        return False
    hint = server_hint(failure, now=now)
    # A service that asks for a longer pause than we may wait gets the error back at once:
    # sleeping less would only spend the remaining tries on more refusals.
    return hint is None or hint <= settings.max_wait


def wait_seconds(
    failure: Failure,
    retries_done: int,
    settings: RetrySettings,
    *,
    now: datetime | None = None,
    rng: Callable[[], float] = random.random,
) -> float:
    """The pause before the next try: the service's hint if any, else capped full-jitter backoff."""
    hint = server_hint(failure, now=now)
    if hint is not None:
        return min(hint, settings.max_wait)
    ceiling = min(settings.max_wait, settings.min_wait * 2.0**retries_done)
    return settings.min_wait + rng() * max(0.0, ceiling - settings.min_wait)


def server_hint(failure: Failure, *, now: datetime | None = None) -> float | None:
    """Seconds the service asked us to wait, from whichever header it sent."""
    retry_after = failure.header("Retry-After")
    if retry_after is not None:
        return _retry_after_seconds(retry_after, now)
    reset = _float(failure.header("X-Rate-Limit-Reset"))
    if reset is not None:
        # JPush sends seconds left in the window; some gateways send an epoch time instead.
        if reset > 1_000_000_000:
            reset -= (now or datetime.now(UTC)).timestamp()
        return max(0.0, reset)
    acs = _float(failure.header("x-acs-retry-after"))
    if acs is not None and acs > 0:
        return acs / 1000  # milliseconds, as the Alibaba Cloud SDKs read it
    return None


def _retry_after_seconds(value: str, now: datetime | None) -> float | None:
    seconds = _float(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when: datetime = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None

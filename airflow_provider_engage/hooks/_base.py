"""What every hook does with a call except send it: the connection, the request, the answer.

A vendor hook says only what differs per vendor: its connection type (``spec``), the
:class:`~airflow_provider_engage.hooks._answers.Dialect` that reads answers, ``base_url`` and the
auth headers (or signature) of one request. A transport, sync (:mod:`._sync`, requests) or async
(:mod:`._async`, aiohttp), adds only the session and the send; preparing a request
(:meth:`EngageBaseHook._outgoing`), reading its answer (:meth:`EngageBaseHook._answer`) and the
retry definition (:meth:`EngageBaseHook._retry_arguments`) are here, once, for both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from airflow.providers.common.compat.sdk import BaseHook

from airflow_provider_engage.hooks._answers import Dialect, FailedAttempt, no_answer, read_answer
from airflow_provider_engage.hooks._clock import ServiceClock
from airflow_provider_engage.hooks._connection import ConnectionSettings, Timeouts
from airflow_provider_engage.hooks._retry import RetrySettings, Transport
from airflow_provider_engage.hooks._tenacity import describe_retry, retry_arguments

if TYPE_CHECKING:
    from airflow_provider_engage.connections import ConnectionSpec
    from airflow_provider_engage.hooks._calls import ApiCall
    from airflow_provider_engage.ratelimit import RateLimiter

T = TypeVar("T")

__all__ = ["EngageBaseHook", "NoAnswer", "Outgoing", "Reply"]


@dataclass(frozen=True)
class Outgoing:
    """One attempt of a call as it goes on the wire."""

    call: ApiCall[Any]
    url: str
    body: bytes
    headers: dict[str, str] = field(repr=False)
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Reply:
    """An HTTP answer, whatever library read it."""

    status: int
    headers: Mapping[str, str]
    raw: bytes


@dataclass(frozen=True)
class NoAnswer:
    """A send that got no HTTP answer: how it failed, and what may be said of it.

    ``cause`` is the library's exception when its text is safe to show (a refused or dropped
    connection names only host and path); None when it may quote a header, so that neither its
    text nor the exception travels in the chain a traceback or Sentry would show.
    """

    transport: Transport
    detail: str
    cause: BaseException | None = None


def lost_send(err: BaseException, transport: Transport, *, quotable: bool) -> NoAnswer:
    """The :class:`NoAnswer` for a library exception, its text kept only when ``quotable``."""
    if quotable:
        return NoAnswer(transport, f"{type(err).__name__}: {str(err)[:300]}", err)
    return NoAnswer(
        transport, f"{type(err).__name__}; its details are withheld as they may quote a credential"
    )


class EngageBaseHook(BaseHook):
    """Shared by the vendor hooks, sync and async; not a connection type of its own."""

    spec: ClassVar[ConnectionSpec]
    dialect: ClassVar[Dialect]

    def __init__(self, conn_id: str, *, rate_limiter: RateLimiter | None = None, **kwargs: Any) -> None:
        """``rate_limiter``: taken before every attempt, retries included, so that the threads or
        coroutines sharing one limiter stay under the service's rate however many tries they need."""
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.rate_limiter = rate_limiter
        self.service_clock = ServiceClock()  # set from every answer's Date header
        self._settings: ConnectionSettings | None = None
        self._base_url_of: tuple[ConnectionSettings, str] | None = None

    # --- the connection -------------------------------------------------------------------------

    @property
    def connection(self) -> ConnectionSettings:
        """The connection as read and checked, its secrets registered with the masker (read once)."""
        if self._settings is None:
            self._settings = self._read_connection()
        return self._settings

    def _read_connection(self) -> ConnectionSettings:
        raise NotImplementedError

    @property
    def extra(self) -> Mapping[str, Any]:
        return self.connection.extra

    def extra_value(self, key: str) -> Any:
        """An extra under its plain key or its ``extra__<type>__`` form name."""
        return self.connection.extra_value(key)

    @property
    def timeouts(self) -> Timeouts:
        return self.connection.timeouts

    @property
    def retry_settings(self) -> RetrySettings:
        return self.connection.retry

    @property
    def base_url(self) -> str:
        """Where the requests go, from the connection; worked out once per connection read, as
        every attempt needs it."""
        settings = self.connection
        known = self._base_url_of
        if known is None or known[0] is not settings:
            known = self._base_url_of = (settings, self._resolve_base_url(settings))
        return known[1]

    def _resolve_base_url(self, settings: ConnectionSettings) -> str:
        raise NotImplementedError

    def _auth_headers(self, call: ApiCall[Any], body: bytes) -> dict[str, str]:
        raise NotImplementedError

    # --- one attempt, without sending it ----------------------------------------------------------

    def _outgoing(self, call: ApiCall[Any]) -> Outgoing:
        """The request for one attempt: signed now, after any wait for the rate limit, so that a
        wait cannot age a signature's timestamp."""
        body = call.body_bytes()
        return Outgoing(call, self.base_url + call.target(), body, self._auth_headers(call, body))

    def _answer(self, outgoing: Outgoing, reply: Reply | NoAnswer) -> Any:
        """The parsed result of an attempt, or :class:`FailedAttempt` for the retry loop."""
        call = outgoing.call
        if isinstance(reply, NoAnswer):
            failed = no_answer(self.dialect, call, reply.transport, reply.detail, conn_id=self.conn_id)
            failed.__cause__ = reply.cause
            raise failed
        self.service_clock.observe(reply.headers)
        # Debug, not info: a bulk task sends a thousand of these; operators log what matters.
        self.log.debug(
            "%s %s %s -> %d (%.2f s)",
            self.spec.hook_name,
            call.method,
            call.path,
            reply.status,
            time.monotonic() - outgoing.started,
        )
        return read_answer(self.dialect, call, reply.status, reply.headers, reply.raw, conn_id=self.conn_id)

    def _retry_arguments(self, call: ApiCall[Any], *, sleep: Callable[[float], Any]) -> dict[str, Any]:
        """tenacity's arguments for sending ``call``: the one retry definition of both transports."""
        settings = self.retry_settings

        def log_retry(failed: FailedAttempt, retry_number: int, pause: float) -> None:
            self.log.warning(
                "%s %s %s: %s; retry %d of %d in %.2f s",
                self.spec.hook_name,
                call.method,
                call.path,
                describe_retry(failed),
                retry_number,
                settings.max_retries,
                pause,
            )

        return retry_arguments(settings, sleep=sleep, on_retry=log_retry)

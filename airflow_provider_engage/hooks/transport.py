"""The transport: one attempt of a call, sent with requests (sync hooks) or aiohttp (async hooks).

A vendor hook hands the transport, once per connection read
(:mod:`~airflow_provider_engage.hooks.connection`), its :class:`Service`: the base URL, how to
sign a request and the :class:`~airflow_provider_engage.hooks.calls.Dialect` that reads answers.
Everything else is here, once for both: the request of an attempt, the reading of its answer, the
service's clock, the retries (the policy is :mod:`~airflow_provider_engage.hooks.retry`'s,
tenacity runs it). :class:`EngageSyncHook` and :class:`EngageAsyncHook` add only a session and
a send. An :class:`endpoint` is written once, in the vendor's module, and is a plain method on
a sync hook and a coroutine on an async one.

aiohttp is imported before the first async request, in a worker thread, never with this module:
a DAG file or a sync task pays nothing for it, and the first trigger to send does not stall its
event loop for the import (a few hundred milliseconds, longer than Airflow's triggerer tolerates).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import threading
import time
import weakref
from collections.abc import Callable, Coroutine, Hashable, Mapping
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Concatenate,
    Generic,
    NamedTuple,
    ParamSpec,
    TypeVar,
    overload,
)

import requests
from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson
from airflow.providers.common.compat.sdk import BaseHook, mask_secret
from requests.adapters import HTTPAdapter
from tenacity import AsyncRetrying, Retrying

from airflow_provider_engage import __version__
from airflow_provider_engage.hooks.calls import ApiCall, Dialect, ServiceClock
from airflow_provider_engage.hooks.connection import ConnectionSettings, Timeouts, settle
from airflow_provider_engage.hooks.retry import Failure, RetrySettings, Transport, should_retry, wait_seconds
from airflow_provider_engage.service_errors import EngageServiceError

if TYPE_CHECKING:
    import aiohttp
    from tenacity import RetryCallState

    from airflow_provider_engage.connections import ConnectionSpec
    from airflow_provider_engage.ratelimit import RateLimiter

T = TypeVar("T")
P = ParamSpec("P")

__all__ = [
    "CONNECTION_REUSE_SECONDS",
    "EngageAsyncHook",
    "EngageBaseHook",
    "EngageSyncHook",
    "Service",
    "endpoint",
    "shared",
]

# --- one attempt ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """What a vendor hands the transport once per connection read: where its requests go, how
    one is signed (``sign(call, body)`` gives its auth headers) and how answers read."""

    base_url: str
    sign: Callable[[ApiCall[Any], bytes], dict[str, str]] = field(repr=False)
    dialect: Dialect


class Outgoing(NamedTuple):
    """One attempt of a call as it goes on the wire, and the dialect that reads its answer."""

    call: ApiCall[Any]
    url: str
    body: bytes
    headers: dict[str, str]
    dialect: Dialect
    started: float

    def __repr__(self) -> str:  # never the headers: they carry the credentials
        return f"Outgoing({self.call.method} {self.url})"


class Reply(NamedTuple):
    """An HTTP answer, whatever library read it."""

    status: int
    headers: Mapping[str, str]
    raw: bytes


class NoAnswer(NamedTuple):
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


# --- retries -------------------------------------------------------------------------------------


def _failure_of(state: RetryCallState) -> Failure | None:
    error = state.outcome.exception() if state.outcome else None
    return error.failure if isinstance(error, EngageServiceError) else None


class Replay:
    """An attempt that failed before tenacity ran, raised again as tenacity's first attempt.

    The first attempt of a call goes outside tenacity, since nearly every call succeeds at once
    and tenacity's loop costs more CPU than the rest of the hook (the async one inspects its
    callbacks on every attempt). When that attempt fails, tenacity takes over: its first attempt
    is this replay of the failure, not a second send, so it decides, waits and logs exactly as
    if it had run the first attempt itself.
    """

    def __init__(self, failed: EngageServiceError) -> None:
        self._failed: EngageServiceError | None = failed

    def take(self) -> None:
        """Raise the first attempt's failure, once; later calls return (the real attempts follow)."""
        failed, self._failed = self._failed, None
        if failed is not None:
            raise failed


def describe_retry(failure: Failure) -> str:
    """Why a try failed, for the log line before the pause."""
    if failure.transport is not None:
        return f"no answer ({failure.transport.value})"
    code = f", code {failure.vendor_code}" if failure.vendor_code is not None else ""
    return f"HTTP {failure.status}{code}"


# --- the hooks -----------------------------------------------------------------------------------


class EngageBaseHook(BaseHook):
    """Shared by the vendor hooks, sync and async; not a connection type of its own.

    A vendor hook says its connection type (``spec``) and gives its :class:`Service` for a
    connection (``_service_for``, called once per connection read).
    """

    spec: ClassVar[ConnectionSpec]

    def __init__(self, conn_id: str, *, rate_limiter: RateLimiter | None = None, **kwargs: Any) -> None:
        """``rate_limiter``: taken before every attempt, retries included, so that the threads or
        coroutines sharing one limiter stay under the service's rate however many tries they need."""
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.rate_limiter = rate_limiter
        self.service_clock = ServiceClock()  # set from every answer's Date header
        self._settings: ConnectionSettings | None = None
        self._service: tuple[ConnectionSettings, Service] | None = None

    @property
    def connection(self) -> ConnectionSettings:
        """The connection as read and checked, its secrets registered with the masker (read once)."""
        if self._settings is None:
            self._settings = self._read_connection()
        return self._settings

    def _read_connection(self) -> ConnectionSettings:
        raise NotImplementedError

    def _service_for(self, settings: ConnectionSettings) -> Service:
        raise NotImplementedError

    @property
    def service(self) -> Service:
        """Where and how requests go, as the vendor gave them for the connection as read now."""
        settings = self.connection
        known = self._service
        if known is None or known[0] is not settings:
            known = self._service = (settings, self._service_for(settings))
        return known[1]

    @property
    def base_url(self) -> str:
        return self.service.base_url

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

    def _outgoing(self, call: ApiCall[Any]) -> Outgoing:
        """The request for one attempt: signed now, after any wait for the rate limit, so that a
        wait cannot age a signature's timestamp."""
        service = self.service
        body = call.body_bytes()
        headers = service.sign(call, body)
        return Outgoing(
            call, service.base_url + call.target(), body, headers, service.dialect, time.monotonic()
        )

    def _answer(self, outgoing: Outgoing, reply: Reply | NoAnswer) -> Any:
        """The parsed result of an attempt, or the vendor's error carrying its ``failure``."""
        call, dialect = outgoing.call, outgoing.dialect
        if isinstance(reply, NoAnswer):
            raise dialect.no_answer(
                call, reply.transport, reply.detail, conn_id=self.conn_id
            ) from reply.cause
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
        return dialect.read(call, reply.status, reply.headers, reply.raw, conn_id=self.conn_id)

    def _retry_arguments(self, call: ApiCall[Any], *, sleep: Callable[[float], Any]) -> dict[str, Any]:
        """tenacity's arguments for sending ``call`` (``Retrying``'s, or ``AsyncRetrying``'s with a
        coroutine ``sleep``): the one retry definition of both sends, the decisions the policy's."""
        settings = self.retry_settings

        def retry(state: RetryCallState) -> bool:
            failure = _failure_of(state)
            return failure is not None and should_retry(failure, state.attempt_number - 1, settings)

        def wait(state: RetryCallState) -> float:
            failure = _failure_of(state)
            return wait_seconds(failure, state.attempt_number - 1, settings) if failure else settings.min_wait

        def log_retry(state: RetryCallState) -> None:
            failure = _failure_of(state)
            if failure is None:
                return
            self.log.warning(
                "%s %s %s: %s; retry %d of %d in %.2f s",
                self.spec.hook_name,
                call.method,
                call.path,
                describe_retry(failure),
                state.attempt_number,
                settings.max_retries,
                state.next_action.sleep if state.next_action else 0.0,
            )

        return {"retry": retry, "wait": wait, "sleep": sleep, "before_sleep": log_retry, "reraise": True}


def _first_failure(err: EngageServiceError) -> Replay:
    """The replay of a first attempt's failure for tenacity; an error no attempt raised (a missing
    credential, refused before sending) goes to the caller as it is."""
    if err.failure is None:
        raise err
    return Replay(err)


# --- requests ------------------------------------------------------------------------------------

USER_AGENT = f"airflow-provider-engage/{__version__} python-requests/{requests.__version__}"


def classify_requests_error(err: requests.RequestException) -> Transport:
    """Whether a request that got no answer can have reached the service."""
    if isinstance(err, requests.exceptions.SSLError):
        return Transport.FATAL
    if isinstance(err, requests.exceptions.ConnectTimeout):
        return Transport.NOT_SENT
    if isinstance(err, requests.exceptions.ConnectionError):
        return Transport.NOT_SENT if _never_connected(err) else Transport.AMBIGUOUS
    if isinstance(err, requests.exceptions.Timeout | requests.exceptions.ChunkedEncodingError):
        return Transport.AMBIGUOUS
    return Transport.FATAL  # bad URL, bad header: sending again changes nothing


def plain_requests_failure(err: requests.RequestException) -> bool:
    """A refused, dropped or timed-out connection: its text names the host and path, nothing sent.

    Everything else (a refused header or URL, TLS, a proxy, a broken body) may quote what was
    being sent, a credential included (``InvalidHeader ... 'Bearer sk-...\\n'``).
    """
    if isinstance(err, requests.exceptions.SSLError | requests.exceptions.ProxyError):
        return False
    return isinstance(err, requests.exceptions.ConnectionError | requests.exceptions.Timeout)


def _never_connected(err: BaseException) -> bool:
    """True when the cause is a refused/unresolvable connection (urllib3's NewConnectionError)."""
    from urllib3.exceptions import NewConnectionError

    seen: set[int] = set()
    pending: list[object] = [err]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NewConnectionError | ConnectionRefusedError):
            return True
        pending.extend(
            [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        )
    return False


class EngageSyncHook(EngageBaseHook):
    """A hook that sends with requests; safe to share between the threads of one task."""

    def __init__(self, conn_id: str, *, max_connections: int = 4, **kwargs: Any) -> None:
        """``max_connections``: kept-alive connections per host; raise it for threads sharing the hook."""
        super().__init__(conn_id, **kwargs)
        self.max_connections = max_connections
        self._session: requests.Session | None = None
        self._session_lock = threading.Lock()

    def _read_connection(self) -> ConnectionSettings:
        conn = self.get_connection(self.conn_id)
        settings = settle(conn, conn.extra_dejson, self.spec, self.conn_id)
        for secret in settings.secrets():
            mask_secret(secret)
        return settings

    @property
    def session(self) -> requests.Session:
        """One session per hook: connections are kept alive across calls and pages.

        Built on first use, under a lock, so threads that share the hook and start at once still
        build one session (and one connection pool) between them.
        """
        session = self._session
        if session is None:
            with self._session_lock:
                if self._session is None:
                    self._session = self._new_session()
                session = self._session
        return session

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        # The environment's proxies (HTTPS_PROXY, NO_PROXY) and CA bundle (REQUESTS_CA_BUNDLE) are
        # read once, here, for the hook's one base URL: requests would scan the whole environment
        # twice per request (most of its own CPU time per call). Off too: ~/.netrc, whose entry for
        # the host would replace the connection's credentials.
        found = session.merge_environment_settings(self.base_url, {}, None, None, None)
        session.trust_env = False
        session.proxies.update(found["proxies"])
        session.verify = found["verify"] if found["verify"] is not None else session.verify
        session.mount("https://", HTTPAdapter(pool_maxsize=self.max_connections))
        session.mount("http://", HTTPAdapter(pool_maxsize=self.max_connections))
        return session

    def get_conn(self) -> requests.Session:
        """The hook's session, built now if it is not yet (safe from any number of threads)."""
        return self.session

    def close(self) -> None:
        """Close the session's connections; the next call builds a new session."""
        with self._session_lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    def _sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def _bind(self, build: Callable[..., ApiCall[T]]) -> Callable[..., T]:
        def method(*args: Any, **kwargs: Any) -> T:
            return self._run(build(self, *args, **kwargs))

        return method

    def _run(self, call: ApiCall[T]) -> T:
        """Send ``call``, retried as :mod:`~airflow_provider_engage.hooks.retry` decides (the
        first attempt outside tenacity: see :class:`Replay`)."""
        try:
            return self._attempt(call)
        except EngageServiceError as failed:
            replay = _first_failure(failed)

        def attempt(call: ApiCall[T]) -> T:
            replay.take()
            return self._attempt(call)

        result: T = Retrying(**self._retry_arguments(call, sleep=self._sleep))(attempt, call)
        return result

    def _attempt(self, call: ApiCall[T]) -> T:
        if self.rate_limiter is not None:
            self.rate_limiter.acquire()
        outgoing = self._outgoing(call)
        result: T = self._answer(outgoing, self._send(outgoing))
        return result

    def _send(self, outgoing: Outgoing) -> Reply | NoAnswer:
        try:
            response = self.session.request(
                outgoing.call.method,
                outgoing.url,
                data=outgoing.body or None,
                headers=outgoing.headers,
                timeout=(self.timeouts.connect, self.timeouts.read),
                allow_redirects=False,
            )
        except requests.RequestException as err:
            return lost_send(err, classify_requests_error(err), quotable=plain_requests_failure(err))
        return Reply(response.status_code, response.headers, response.content)


# --- aiohttp -------------------------------------------------------------------------------------

CONNECTION_REUSE_SECONDS = 5.0
"""A connection read is shared by the hooks that load it this soon after it began (a triggerer's
1,000 triggers waking in the same second read it once); a connection edited later is read anew."""


def classify_aiohttp_error(err: BaseException) -> Transport:
    """Whether a request that got no answer can have reached the service."""
    import aiohttp

    if isinstance(err, aiohttp.ClientSSLError):
        return Transport.FATAL
    if isinstance(err, aiohttp.ConnectionTimeoutError | aiohttp.ClientConnectorError):
        return Transport.NOT_SENT  # refused, not resolved, or no connection within the timeout
    if isinstance(err, TimeoutError | aiohttp.ClientOSError | aiohttp.ServerConnectionError):
        return Transport.AMBIGUOUS  # dropped or timed out once the request may have been read
    if isinstance(err, aiohttp.ClientPayloadError):
        return Transport.AMBIGUOUS
    return Transport.FATAL  # a bad URL or header: sending again changes nothing


def plain_aiohttp_failure(err: BaseException) -> bool:
    """A refused, dropped or timed-out connection, whose text names only host and port.

    Anything else (TLS, a bad URL or header, a broken body) may quote what was being sent.
    """
    import aiohttp

    if isinstance(err, aiohttp.ClientSSLError):
        return False
    return isinstance(err, TimeoutError | aiohttp.ClientOSError | aiohttp.ServerConnectionError)


async def _mask(secret: str) -> None:
    try:  # Airflow 3's masker tells the supervisor without blocking the loop
        from airflow.sdk.log import amask_secret
    except ImportError:  # Airflow 2.11: masking is local, nothing to wait for
        mask_secret(secret)
    else:
        await amask_secret(secret)


class EngageAsyncHook(EngageBaseHook):
    """A hook whose endpoint methods are coroutines; one per trigger, closed in its cleanup.

    Nothing here blocks the loop: the connection is read with ``get_async_connection``,
    rate-limit waits and retry pauses are ``asyncio.sleep``.
    """

    def __init__(self, conn_id: str, *, max_connections: int = 8, **kwargs: Any) -> None:
        super().__init__(conn_id, **kwargs)
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    async def load_connection(self) -> ConnectionSettings:
        """Read the connection once, without blocking the event loop (every call does it first).

        The same checked, masked settings a sync hook reads; properties such as ``base_url``
        need it loaded. Hooks of one connection in one event loop that load it within
        :data:`CONNECTION_REUSE_SECONDS` of each other share one read.
        """
        if self._settings is None:
            key = ("connection", type(self), self.conn_id)
            self._settings = await shared(
                key, self._read_connection_async, reuse_for=CONNECTION_REUSE_SECONDS
            )
        return self._settings

    async def _read_connection_async(self) -> ConnectionSettings:
        conn = await get_async_connection(self.conn_id, hook=self)
        settings = settle(conn, await get_async_extra_dejson(conn), self.spec, self.conn_id)
        for secret in settings.secrets():
            await _mask(secret)
        return settings

    def _read_connection(self) -> ConnectionSettings:
        # A blocking get_connection() inside the triggerer's loop is refused by Airflow 3.
        raise RuntimeError(f"{type(self).__name__}: await load_connection() before reading the connection")

    async def _open_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            import aiohttp

            self._session = aiohttp.ClientSession(
                headers={"User-Agent": _user_agent(), "Accept": "application/json"},
                connector=aiohttp.TCPConnector(limit=self.max_connections),
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=self.timeouts.connect, sock_read=self.timeouts.read
                ),
            )
            # aiohttp silently sends a GET again once when a kept-alive connection drops. The retry
            # policy is ours alone (and a signed request sent twice reuses its nonce), so no.
            self._session._retry_connection = False
        return self._session

    async def close(self) -> None:
        """Close the session; the next call opens a new one. Triggers call it in ``cleanup``."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def _bind(self, build: Callable[..., ApiCall[T]]) -> Callable[..., Coroutine[Any, Any, T]]:
        async def method(*args: Any, **kwargs: Any) -> T:
            if not _aiohttp_imported.is_set():
                await _import_aiohttp()
            if self._settings is None:
                await self.load_connection()  # the call may need it (a site zone, an API style)
            return await self._run(build(self, *args, **kwargs))

        return method

    async def _run(self, call: ApiCall[T]) -> T:
        """Send ``call``, retried as :mod:`~airflow_provider_engage.hooks.retry` decides (the
        first attempt outside tenacity: see :class:`Replay`)."""
        try:
            return await self._attempt(call)
        except EngageServiceError as failed:
            replay = _first_failure(failed)

        async def attempt(call: ApiCall[T]) -> T:
            replay.take()
            return await self._attempt(call)

        result: T = await AsyncRetrying(**self._retry_arguments(call, sleep=self._sleep))(attempt, call)
        return result

    async def _attempt(self, call: ApiCall[T]) -> T:
        if self.rate_limiter is not None:
            await asyncio.sleep(self.rate_limiter.reserve())
        outgoing = self._outgoing(call)
        result: T = self._answer(outgoing, await self._send(outgoing))
        return result

    async def _send(self, outgoing: Outgoing) -> Reply | NoAnswer:
        import aiohttp
        from yarl import URL

        session = await self._open_session()
        try:
            async with session.request(
                outgoing.call.method,
                URL(outgoing.url, encoded=True),  # as built and signed: not re-quoted
                data=outgoing.body or None,
                headers=outgoing.headers,
                allow_redirects=False,
            ) as response:
                return Reply(response.status, response.headers, await response.read())
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            return lost_send(err, classify_aiohttp_error(err), quotable=plain_aiohttp_failure(err))


_aiohttp_imported = threading.Event()


async def _import_aiohttp() -> None:
    # One import for the loop's triggers: a module half-imported by the thread is already in
    # sys.modules, and a trigger that took that for done would wait on the import lock with the
    # whole loop.
    if not _aiohttp_imported.is_set():
        await shared("import aiohttp", _import_in_thread, reuse_for=float("inf"))


async def _import_in_thread() -> None:
    await asyncio.to_thread(importlib.import_module, "aiohttp")
    _aiohttp_imported.set()


def _user_agent() -> str:
    import aiohttp

    return f"airflow-provider-engage/{__version__} aiohttp/{aiohttp.__version__}"


# --- what the async hooks of one event loop share ---------------------------------------------------

_by_loop: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[Hashable, tuple[float, asyncio.Task[Any]]]
]
_by_loop = weakref.WeakKeyDictionary()


async def shared(key: Hashable, make: Callable[[], Coroutine[Any, Any, T]], *, reuse_for: float) -> T:
    """``make()``'s result, made once for everyone in this loop who asks by ``key`` within
    ``reuse_for`` seconds of the first asking. A failure is not kept: the next asking tries anew.

    A triggerer runs up to 1,000 triggers in one event loop, and a campaign's schedules often
    fire in the same second: each reading its connection (a round trip to Airflow's API server)
    and importing aiohttp on its own would hold the loop past the 0.2 s Airflow warns at. The work
    runs in a task of its own, so one asker's cancellation never cancels it for the rest.
    """
    loop = asyncio.get_running_loop()
    entries = _by_loop.setdefault(loop, {})
    found = entries.get(key)
    if found is None or loop.time() - found[0] > reuse_for or _failed(found[1]):
        task = loop.create_task(make())
        task.add_done_callback(_seen)
        entries[key] = found = (loop.time(), task)
    result: T = await asyncio.shield(found[1])
    return result


def _failed(task: asyncio.Task[Any]) -> bool:
    return task.done() and (task.cancelled() or task.exception() is not None)


def _seen(task: asyncio.Task[Any]) -> None:
    # Its askers see the failure; one who was cancelled meanwhile must not leave it "never retrieved".
    if not task.cancelled():
        task.exception()


# --- endpoints -----------------------------------------------------------------------------------


class endpoint(Generic[P, T]):  # lower case: used as a decorator, as ``property`` is
    """One endpoint, written once in its vendor's module: a method that builds the call.

    On a sync hook ``hook.name(...)`` sends the call and returns its result; on an async hook
    it is a coroutine (the connection loaded first, without blocking). mypy and an IDE see the
    parameters the method declares and the result its :class:`ApiCall` carries. Read from the
    class, it is a plain function of the hook and those parameters, with their signature.
    """

    def __init__(self, build: Callable[Concatenate[Any, P], ApiCall[T]]) -> None:
        self.build = build

        @functools.wraps(build)
        def unbound(hook: Any, *args: Any, **kwargs: Any) -> Any:
            return hook._bind(build)(*args, **kwargs)

        self.unbound = unbound

    @overload
    def __get__(self, hook: None, owner: type[Any] | None = None) -> Callable[Concatenate[Any, P], Any]: ...

    @overload
    def __get__(self, hook: EngageSyncHook, owner: type[Any] | None = None) -> Callable[P, T]: ...

    @overload
    def __get__(
        self, hook: EngageAsyncHook, owner: type[Any] | None = None
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...

    def __get__(self, hook: Any, owner: type[Any] | None = None) -> Any:
        if hook is None:
            return self.unbound
        return hook._bind(self.build)

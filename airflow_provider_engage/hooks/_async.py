"""The async transport (aiohttp), for triggers running in the triggerer's event loop.

Only the session and the send live here; preparing requests, reading answers and the retry
definition are :class:`~airflow_provider_engage.hooks._base.EngageBaseHook`'s, shared with the
sync transport. Nothing here blocks the loop: the connection is read with
``get_async_connection``, rate-limit waits and retry pauses are ``asyncio.sleep``.

aiohttp is imported before the first request is sent, in a worker thread, not with this module:
importing a hook or trigger module (a DAG file with an ``AssetWatcher`` does) costs a DAG or a
sync task nothing, and the first trigger to send does not stall its event loop for the import
(a few hundred milliseconds, longer than Airflow's triggerer tolerates).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import threading
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, cast

from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson
from airflow.providers.common.compat.sdk import mask_secret
from tenacity import AsyncRetrying

from airflow_provider_engage import __version__
from airflow_provider_engage.hooks._answers import FailedAttempt
from airflow_provider_engage.hooks._base import EngageBaseHook, NoAnswer, Outgoing, Reply, lost_send
from airflow_provider_engage.hooks._connection import ConnectionSettings, settle
from airflow_provider_engage.hooks._loop_shared import shared
from airflow_provider_engage.hooks._retry import Transport
from airflow_provider_engage.hooks._tenacity import Replay, vendor_errors

if TYPE_CHECKING:
    import aiohttp

from airflow_provider_engage.hooks._calls import ApiCall

T = TypeVar("T")
P = ParamSpec("P")

__all__ = ["CONNECTION_REUSE_SECONDS", "EngageAsyncHook", "classify", "endpoint", "plain_connection_failure"]

CONNECTION_REUSE_SECONDS = 5.0
"""A connection read is shared by the hooks that load it this soon after it began (a triggerer's
1,000 triggers waking in the same second read it once); a connection edited later is read anew."""


def classify(err: BaseException) -> Transport:
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


def plain_connection_failure(err: BaseException) -> bool:
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
    """A hook whose endpoint methods are coroutines; one per trigger, closed in its cleanup."""

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

    async def _run(self, call: ApiCall[T]) -> T:
        """Send ``call`` with retries as :mod:`~airflow_provider_engage.hooks._retry` decides.

        The first attempt goes outside tenacity (see :class:`~._tenacity.Replay`).
        """
        await _import_aiohttp()
        await self.load_connection()
        with vendor_errors():
            try:
                return await self._attempt(call)
            except FailedAttempt as failed:
                replay = Replay(failed)

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
            return lost_send(err, classify(err), quotable=plain_connection_failure(err))


def endpoint(
    build: Callable[P, ApiCall[T]],
) -> Callable[Concatenate[EngageAsyncHook, P], Coroutine[Any, Any, T]]:
    """An async hook method for one endpoint: ``await hook.method(...)`` builds the call and sends it.

    The method takes the endpoint function's arguments and carries its name and docstring, so
    the async hooks say which endpoints they have and nothing twice.
    """

    async def method(self: EngageAsyncHook, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._run(build(*args, **kwargs))

    return cast(
        "Callable[Concatenate[EngageAsyncHook, P], Coroutine[Any, Any, T]]", functools.wraps(build)(method)
    )


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

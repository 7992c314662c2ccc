"""The sync transport (requests): one kept-alive session per hook, threads welcome.

Only the session and the send live here; everything else about a call is
:class:`~airflow_provider_engage.hooks._base.EngageBaseHook`'s, shared with the async transport.
Every endpoint method of a sync hook is ``return self._run(api.some_call(...))``.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, TypeVar

import requests
from airflow.providers.common.compat.sdk import mask_secret
from requests.adapters import HTTPAdapter
from tenacity import Retrying

from airflow_provider_engage import __version__
from airflow_provider_engage.hooks._answers import FailedAttempt
from airflow_provider_engage.hooks._base import EngageBaseHook, NoAnswer, Outgoing, Reply, lost_send
from airflow_provider_engage.hooks._connection import ConnectionSettings, settle
from airflow_provider_engage.hooks._retry import Transport
from airflow_provider_engage.hooks._tenacity import Replay, vendor_errors

if TYPE_CHECKING:
    from airflow_provider_engage.hooks._calls import ApiCall

T = TypeVar("T")

__all__ = ["EngageSyncHook", "classify", "plain_connection_failure"]

USER_AGENT = f"airflow-provider-engage/{__version__} python-requests/{requests.__version__}"


def classify(err: requests.RequestException) -> Transport:
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


def plain_connection_failure(err: requests.RequestException) -> bool:
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

    def _run(self, call: ApiCall[T]) -> T:
        """Send ``call`` with retries as :mod:`~airflow_provider_engage.hooks._retry` decides.

        The first attempt goes outside tenacity (see :class:`~._tenacity.Replay`).
        """
        with vendor_errors():
            try:
                return self._attempt(call)
            except FailedAttempt as failed:
                replay = Replay(failed)

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
            return lost_send(err, classify(err), quotable=plain_connection_failure(err))
        return Reply(response.status_code, response.headers, response.content)

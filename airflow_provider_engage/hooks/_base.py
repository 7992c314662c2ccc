"""The sync transport both hooks send through: session, timeouts, retries, error mapping.

A hook subclass supplies only what differs per vendor: the base URL, the auth headers for one
request and the :class:`~airflow_provider_engage.hooks._api.Dialect` that reads answers. Every
endpoint method is then ``return self._run(api.some_call(...))``.

Secrets: credentials are checked when the connection is read (no whitespace, no control
characters, so the masker can find them and no header library quotes them back in an error),
and the text of a request failure is kept only for plain connection failures; any other
exception is named by its type alone and left out of the exception chain, since its text may
quote a header.
"""

from __future__ import annotations

import threading
import time
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import requests
from airflow.providers.common.compat.sdk import BaseHook, mask_secret
from requests.adapters import HTTPAdapter
from tenacity import Retrying

from airflow_provider_engage import __version__
from airflow_provider_engage.connections import ConnectionSpec, extra_value
from airflow_provider_engage.hooks._api import (
    ApiCall,
    Dialect,
    FailedAttempt,
    Timeouts,
    describe_retry,
    no_answer,
    read_answer,
    retry_arguments,
    retry_settings,
)
from airflow_provider_engage.hooks._retry import RetrySettings, Transport
from airflow_provider_engage.input_errors import InvalidFieldError

if TYPE_CHECKING:
    from airflow_provider_engage.hooks._api import ConnectionLike
    from airflow_provider_engage.ratelimit import RateLimiter

T = TypeVar("T")

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


def check_credential(value: str | None, field: str, *, source: str) -> str | None:
    """``value`` when it can go in a header as it is; never quotes it when it cannot.

    Whitespace or a control character (most often a newline that came along with a key read from
    a file) would make the HTTP library refuse the header and quote it in the error, escaped so
    that Airflow's masker no longer recognises it.
    """
    if value and any(char.isspace() or not char.isprintable() for char in value):
        raise InvalidFieldError(
            field,
            f"contains whitespace or a control character (often a newline copied along with the key); "
            f"remove it from {source} (the value is not shown)",
        )
    return value


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


class EngageBaseHook(BaseHook):
    """Shared by the vendor hooks; not a connection type of its own."""

    spec: ClassVar[ConnectionSpec]
    dialect: ClassVar[Dialect]

    def __init__(
        self,
        conn_id: str,
        *,
        max_connections: int = 4,
        rate_limiter: RateLimiter | None = None,
        **kwargs: Any,
    ) -> None:
        """``max_connections``: kept-alive connections per host; raise it for threads sharing the hook.

        ``rate_limiter``: acquired before every attempt, retries included, so that the threads of a
        bulk task sharing one limiter stay under the service's rate however many tries they need.
        """
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.max_connections = max_connections
        self.rate_limiter = rate_limiter
        self._session: requests.Session | None = None
        self._session_lock = threading.Lock()

    # --- the connection -----------------------------------------------------------------------------

    @cached_property
    def connection(self) -> ConnectionLike:
        """The Airflow connection, its secrets registered with the masker and its credentials checked."""
        conn = self.get_connection(self.conn_id)
        token = extra_value(conn.extra_dejson, self.spec.conn_type, "security_token")
        for secret in (conn.password, token):
            if secret:
                mask_secret(secret)
        credentials = {"login": conn.login, "password": conn.password, "security_token": token}
        for field, value in credentials.items():
            check_credential(value, field, source=f"connection {self.conn_id!r}")
        return conn

    @cached_property
    def extra(self) -> dict[str, Any]:
        return dict(self.connection.extra_dejson)

    def extra_value(self, key: str) -> Any:
        """An extra under its plain key or its ``extra__<type>__`` form name."""
        return extra_value(self.extra, self.spec.conn_type, key)

    @cached_property
    def timeouts(self) -> Timeouts:
        return Timeouts.from_extra(self.extra, self.spec.conn_type)

    @cached_property
    def retry_settings(self) -> RetrySettings:
        return retry_settings(self.extra, self.spec.conn_type)

    @property
    def base_url(self) -> str:
        raise NotImplementedError

    def _auth_headers(self, call: ApiCall[Any], body: bytes) -> dict[str, str]:
        raise NotImplementedError

    # --- the transport ------------------------------------------------------------------------------

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
        """Send ``call`` with retries as :mod:`~airflow_provider_engage.hooks._retry` decides."""
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

        retrying = Retrying(**retry_arguments(settings, sleep=self._sleep, on_retry=log_retry))
        try:
            result: T = retrying(self._attempt, call)
            return result
        except FailedAttempt as failed:
            raise failed.error from failed.__cause__

    def _attempt(self, call: ApiCall[T]) -> T:
        # Every attempt counts against the rate, retries too; before signing, so a wait cannot
        # age a signature's timestamp.
        if self.rate_limiter is not None:
            self.rate_limiter.acquire()
        body = call.body_bytes()
        headers = self._auth_headers(call, body)
        started = time.monotonic()
        unquotable: requests.RequestException | None = None
        try:
            response = self.session.request(
                call.method,
                self.base_url + call.target(),
                data=body or None,
                headers=headers,
                timeout=(self.timeouts.connect, self.timeouts.read),
                allow_redirects=False,
            )
        except requests.RequestException as err:
            if plain_connection_failure(err):
                raise no_answer(self.dialect, call, classify(err), _short(err)) from err
            unquotable = err
        if unquotable is not None:
            # Raised outside the handler, so neither its text nor the exception itself (whose
            # text may quote a header) travels in the chain a traceback or Sentry would show.
            detail = f"{type(unquotable).__name__}; its details are withheld as they may quote a credential"
            raise no_answer(self.dialect, call, classify(unquotable), detail)
        # Debug, not info: a bulk task sends a thousand of these; operators log what matters.
        self.log.debug(
            "%s %s %s -> %d (%.2f s)",
            self.spec.hook_name,
            call.method,
            call.path,
            response.status_code,
            time.monotonic() - started,
        )
        return read_answer(self.dialect, call, response.status_code, response.headers, response.content)


def _short(err: BaseException) -> str:
    return f"{type(err).__name__}: {str(err)[:300]}"

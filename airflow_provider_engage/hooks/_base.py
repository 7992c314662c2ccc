"""The sync transport both hooks send through: session, timeouts, retries, error mapping.

A hook subclass supplies only what differs per vendor: the base URL, the auth headers for one
request and the :class:`~airflow_provider_engage.hooks._api.Dialect` that reads answers. Every
endpoint method is then ``return self._run(api.some_call(...))``.
"""

from __future__ import annotations

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

if TYPE_CHECKING:
    from airflow_provider_engage.hooks._api import ConnectionLike

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

    def __init__(self, conn_id: str, *, max_connections: int = 4, **kwargs: Any) -> None:
        """``max_connections``: kept-alive connections per host; raise it for threads sharing the hook."""
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.max_connections = max_connections

    # --- the connection -----------------------------------------------------------------------------

    @cached_property
    def connection(self) -> ConnectionLike:
        conn = self.get_connection(self.conn_id)
        for secret in (conn.password, extra_value(conn.extra_dejson, self.spec.conn_type, "security_token")):
            if secret:
                mask_secret(secret)
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

    @cached_property
    def session(self) -> requests.Session:
        """One session per hook: connections are kept alive across calls and pages."""
        session = requests.Session()
        session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        session.mount("https://", HTTPAdapter(pool_maxsize=self.max_connections))
        session.mount("http://", HTTPAdapter(pool_maxsize=self.max_connections))
        return session

    def get_conn(self) -> requests.Session:
        return self.session

    def close(self) -> None:
        if "session" in self.__dict__:
            self.session.close()
            del self.__dict__["session"]

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
        body = call.body_bytes()
        headers = self._auth_headers(call, body)
        started = time.monotonic()
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
            raise no_answer(self.dialect, call, classify(err), _short(err)) from err
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

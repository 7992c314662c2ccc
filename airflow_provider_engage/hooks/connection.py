"""The Airflow connection as a hook uses it: read once, checked, its secrets listed for the masker.

The sync hooks read a connection with ``get_connection``, the async ones with
``get_async_connection`` (the triggerer's loop refuses a blocking read); both :func:`settle` it
into the same :class:`ConnectionSettings`: credentials checked (no whitespace or control
characters, so the masker can find them and no header library quotes them back in an error),
timeouts and retry settings read from the extras. Masking is the caller's, sync or async.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_engage.connections import extra_value
from airflow_provider_engage.hooks.retry import RetrySettings
from airflow_provider_engage.input_errors import InvalidFieldError

if TYPE_CHECKING:
    from airflow_provider_engage.connections import ConnectionSpec

__all__ = ["ConnectionLike", "ConnectionSettings", "Timeouts", "check_credential", "settle"]

DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 10.0
_RETRY_KEYS = ("max_retries", "retry_min_wait", "retry_max_wait")


class ConnectionLike(Protocol):
    """What the hooks read from an Airflow connection (2.11's and 3.x's alike)."""

    host: str | None
    port: int | None
    login: str | None
    password: str | None


@dataclass(frozen=True)
class Timeouts:
    connect: float = DEFAULT_CONNECT_TIMEOUT
    read: float = DEFAULT_READ_TIMEOUT


@dataclass(frozen=True)
class ConnectionSettings:
    """One connection as read and checked; the secrets are left out of ``repr``."""

    conn_id: str
    conn_type: str
    host: str | None
    port: int | None
    login: str | None
    password: str | None = field(repr=False)
    extra: Mapping[str, Any] = field(repr=False)
    timeouts: Timeouts
    retry: RetrySettings

    def extra_value(self, key: str) -> Any:
        """An extra under its plain key or its ``extra__<type>__`` form name."""
        return extra_value(self.extra, self.conn_type, key)

    def secrets(self) -> list[str]:
        """What the masker must hide: the password and an STS token."""
        return [value for value in (self.password, self.extra_value("security_token")) if value]


def settle(
    conn: ConnectionLike, extra: Mapping[str, Any], spec: ConnectionSpec, conn_id: str
) -> ConnectionSettings:
    """The checked settings of a connection whose extras (``extra_dejson``) are ``extra``."""

    def read(key: str) -> Any:
        return extra_value(extra, spec.conn_type, key)

    settings = ConnectionSettings(
        conn_id=conn_id,
        conn_type=spec.conn_type,
        host=conn.host,
        port=conn.port,
        login=conn.login,
        password=conn.password,
        extra=dict(extra),
        timeouts=Timeouts(
            connect=_seconds(read("connect_timeout"), "connect_timeout", DEFAULT_CONNECT_TIMEOUT),
            read=_seconds(read("timeout"), "timeout", DEFAULT_READ_TIMEOUT),
        ),
        retry=RetrySettings.from_extra({key: read(key) for key in _RETRY_KEYS}),
    )
    credentials = {"login": conn.login, "password": conn.password, "security_token": read("security_token")}
    for name, value in credentials.items():
        check_credential(value, name, source=f"connection {conn_id!r}")
    return settings


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


def _seconds(value: Any, field_name: str, default: float) -> float:
    if value is None:
        return default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise InvalidFieldError(field_name, f"must be a number of seconds, got {value!r}") from None
    if not 0 < seconds < float("inf") or isinstance(value, bool):
        raise InvalidFieldError(field_name, f"must be a number of seconds above 0, got {value!r}")
    return seconds

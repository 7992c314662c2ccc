"""The connection as a hook reads it: credentials that could not go in a header as they are
refused when the connection is read, without being quoted, before anything is sent."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from airflow_provider_engage.hooks.connection import check_credential
from airflow_provider_engage.hooks.engagelab import EngageLabHook
from airflow_provider_engage.input_errors import InvalidFieldError

from .conftest import ConnFactory, Said
from .test_engagelab import APP_KEY, MASTER_SECRET


@pytest.mark.parametrize(
    ("field", "credentials"),
    [
        ("password", {"login": APP_KEY, "password": MASTER_SECRET + "\n"}),
        ("password", {"login": APP_KEY, "password": " " + MASTER_SECRET}),
        ("password", {"login": APP_KEY, "password": "master\x00secret"}),
        ("password", {"login": APP_KEY, "password": "master\u200bsecret"}),  # zero-width space
        ("login", {"login": APP_KEY + "\r\n", "password": MASTER_SECRET}),
        ("login", {"login": "app key", "password": MASTER_SECRET}),
    ],
)
def test_a_credential_with_whitespace_or_a_control_character_is_refused_unquoted(
    httpserver: HTTPServer,
    make_conn: ConnFactory,
    everything_said: Said,
    field: str,
    credentials: dict[str, str],
) -> None:
    conn_id = make_conn("engagelab_bad", "engagelab", host=httpserver.url_for("/").rstrip("/"), **credentials)
    hook = EngageLabHook(conn_id)

    with pytest.raises(InvalidFieldError) as caught:
        hook.list_schedules()

    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: contains whitespace or a control character")
    assert "connection 'engagelab_bad'" in str(caught.value)
    said = everything_said(caught.value)
    for secret in (MASTER_SECRET, APP_KEY, "app key", "master"):
        assert secret not in said
    assert httpserver.log == []


def test_check_credential_passes_clean_values_and_nothing() -> None:
    assert check_credential("sk-AbC_123.456/+=", "password", source="connection 'c'") == "sk-AbC_123.456/+="
    assert check_credential(None, "password", source="connection 'c'") is None
    assert check_credential("", "password", source="connection 'c'") == ""

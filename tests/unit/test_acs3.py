"""ACS3-HMAC-SHA256: signatures equal the official SDK's, and verification refuses what a gateway would."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from alibabacloud_paiplugin20220112 import models as pai_models
from alibabacloud_paiplugin20220112.client import Client as PaiClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.utils import Utils as TeaUtils
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_engage.acs3 import (
    ALGORITHM,
    SignatureError,
    percent_encode,
    sign_request,
    verify_request,
)

AK_ID = "demo-ak-id"
AK_SECRET = "demo-ak-secret"
NOW = datetime(2024, 12, 1, 1, 0, 0, tzinfo=UTC)


def _sign(**overrides: Any) -> dict[str, str]:
    args: dict[str, Any] = {
        "method": "POST",
        "host": "paiplugin.aliyuncs.com",
        "path": "/api/v2/schedules",
        "query": {"Name": "Growth 2021", "PageSize": "10"},
        "body": b'{"GroupId":"g-1","Name":"Growth_2021"}',
        "action": "CreateSchedule",
        "access_key_id": AK_ID,
        "access_key_secret": AK_SECRET,
        "now": NOW,
        "nonce": "nonce-1",
    }
    args.update(overrides)
    return sign_request(**args)


@dataclass
class _Nonces:
    seen: set[str] = field(default_factory=set)

    def __call__(self, nonce: str) -> bool:
        used = nonce in self.seen
        self.seen.add(nonce)
        return used


def _verify(headers: dict[str, str], **overrides: Any) -> str:
    args: dict[str, Any] = {
        "method": "POST",
        "path": "/api/v2/schedules",
        "query": {"Name": "Growth 2021", "PageSize": "10"},
        "headers": headers,
        "body": b'{"GroupId":"g-1","Name":"Growth_2021"}',
        "secret_for": {AK_ID: AK_SECRET}.get,
        "now": NOW,
        "nonce_seen": _Nonces(),
    }
    args.update(overrides)
    return verify_request(**args)


def _rejection(headers: dict[str, str], **overrides: Any) -> SignatureError:
    """The gateway error verification raises for this request (it must raise one)."""
    with pytest.raises(SignatureError) as caught:
        _verify(headers, **overrides)
    return caught.value


def _official_authorization(method: str, path: str, query: dict[str, str], headers: dict[str, str]) -> str:
    """What tea-openapi's own signer computes for the same request."""
    request = SimpleNamespace(method=method, pathname=path, query=query, headers=headers)
    return str(
        TeaUtils.get_authorization(request, ALGORITHM, headers["x-acs-content-sha256"], AK_ID, AK_SECRET)
    )


def _without_authorization(headers: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name != "Authorization"}


def test_signature_equals_official_sdk() -> None:
    headers = _sign()
    official = _official_authorization(
        "POST",
        "/api/v2/schedules",
        {"Name": "Growth 2021", "PageSize": "10"},
        _without_authorization(headers),
    )
    assert headers["Authorization"] == official


def test_signature_equals_official_sdk_with_security_token_and_no_body() -> None:
    headers = _sign(
        method="GET",
        path=f"/api/v2/schedules/{percent_encode('id with/slash')}",
        query={},
        body=b"",
        content_type=None,
        security_token="sts-token",
    )
    assert "content-type" not in headers
    assert headers["x-acs-security-token"] == "sts-token"
    assert headers["x-acs-accesskey-id"] == AK_ID
    official = _official_authorization(
        "GET", "/api/v2/schedules/id%20with%2Fslash", {}, _without_authorization(headers)
    )
    assert headers["Authorization"] == official


def test_headers_carry_what_the_gateway_needs() -> None:
    headers = _sign()
    assert headers["x-acs-date"] == "2024-12-01T01:00:00Z"
    assert headers["x-acs-version"] == "2022-01-12"
    assert headers["x-acs-action"] == "CreateSchedule"
    assert headers["x-acs-signature-nonce"] == "nonce-1"
    assert (
        headers["x-acs-content-sha256"]
        == hashlib.sha256(b'{"GroupId":"g-1","Name":"Growth_2021"}').hexdigest()
    )
    assert headers["Authorization"].startswith(
        f"{ALGORITHM} Credential={AK_ID},SignedHeaders=content-type;host;"
    )


def test_fresh_nonce_and_date_by_default() -> None:
    first = _sign(now=None, nonce=None)
    second = _sign(now=None, nonce=None)
    assert first["x-acs-signature-nonce"] != second["x-acs-signature-nonce"]
    sent = datetime.strptime(first["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - sent).total_seconds()) < 60


def test_verify_accepts_what_sign_produces() -> None:
    assert _verify(_sign()) == AK_ID


def test_verify_accepts_header_names_in_any_case() -> None:
    headers = {name.title(): value for name, value in _sign().items()}
    assert _verify(headers) == AK_ID


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"body": b'{"GroupId":"g-2","Name":"Growth_2021"}'}, "SignatureDoesNotMatch"),
        ({"query": {"Name": "Growth 2022", "PageSize": "10"}}, "SignatureDoesNotMatch"),
        ({"query": {"Name": "Growth 2021", "PageSize": "10", "Status": "1"}}, "SignatureDoesNotMatch"),
        ({"method": "DELETE"}, "SignatureDoesNotMatch"),
        ({"path": "/api/v2/schedules/other"}, "SignatureDoesNotMatch"),
        ({"secret_for": {AK_ID: "another-secret"}.get}, "SignatureDoesNotMatch"),
        ({"secret_for": {}.get}, "InvalidAccessKeyId.NotFound"),
        ({"now": NOW + timedelta(minutes=15, seconds=1)}, "InvalidTimeStamp.Expired"),
        ({"now": NOW - timedelta(minutes=15, seconds=1)}, "InvalidTimeStamp.Expired"),
    ],
)
def test_verify_rejects(overrides: dict[str, Any], code: str) -> None:
    assert _rejection(_sign(), **overrides).code == code


def test_unknown_key_is_404() -> None:
    error = _rejection(_sign(), secret_for={}.get)
    assert (error.http_status, error.message) == (404, "Specified access key is not found.")


def test_skew_within_fifteen_minutes_is_accepted() -> None:
    assert _verify(_sign(), now=NOW + timedelta(minutes=15)) == AK_ID


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("x-acs-action", "DeleteSchedule"),
        ("host", "evil.example"),
        ("content-type", "text/plain"),
        ("x-acs-date", "2024-12-01T01:00:01Z"),
        ("x-acs-signature-nonce", "nonce-2"),
    ],
)
def test_verify_rejects_a_tampered_signed_header(header: str, value: str) -> None:
    headers = _sign()
    headers[header] = value
    assert _rejection(headers).code == "SignatureDoesNotMatch"


def test_unsigned_extra_header_does_not_matter() -> None:
    headers = _sign()
    headers["user-agent"] = "whatever/1.0"
    assert _verify(headers) == AK_ID


def test_verify_rejects_a_reused_nonce() -> None:
    nonces = _Nonces()
    headers = _sign()
    assert _verify(headers, nonce_seen=nonces) == AK_ID
    assert _rejection(headers, nonce_seen=nonces).code == "SignatureNonceUsed"


def test_forged_request_does_not_burn_the_nonce() -> None:
    nonces = _Nonces()
    assert _rejection(_sign(), nonce_seen=nonces, body=b"forged").code == "SignatureDoesNotMatch"
    assert nonces.seen == set()


def test_missing_authorization() -> None:
    assert _rejection(_without_authorization(_sign())).code == "MissingAccessKeyId"


@pytest.mark.parametrize(
    "authorization",
    [
        "ACS3-HMAC-SHA1 Credential=demo-ak-id,SignedHeaders=host,Signature=ab",
        "ACS3-HMAC-SHA256 Credential=demo-ak-id,Signature=ab",
        "ACS3-HMAC-SHA256 garbage",
    ],
)
def test_malformed_authorization_is_incomplete(authorization: str) -> None:
    headers = _sign()
    headers["Authorization"] = authorization
    assert _rejection(headers).code == "IncompleteSignature"


def test_a_signature_leaving_out_the_nonce_is_incomplete() -> None:
    headers = _sign()
    auth = headers["Authorization"].replace(";x-acs-signature-nonce", "")
    headers["Authorization"] = auth
    assert _rejection(headers).code == "IncompleteSignature"


def test_a_signed_header_that_did_not_arrive_is_incomplete() -> None:
    headers = _sign()
    del headers["content-type"]
    assert _rejection(headers).code == "IncompleteSignature"


def test_badly_formatted_date() -> None:
    headers = _sign(now=NOW)
    headers["x-acs-date"] = "Sun, 01 Dec 2024 01:00:00 GMT"
    assert _rejection(headers).code == "InvalidTimeStamp.Format"


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20
)


@settings(max_examples=200, deadline=None)
@given(query=st.dictionaries(_text.filter(bool), _text | st.sampled_from(["~", "*", " ", "a b+c", "中文"])))
def test_sign_then_verify_round_trips_any_query(query: dict[str, str]) -> None:
    headers = _sign(method="GET", query=query, body=b"", content_type=None)
    assert _verify(headers, method="GET", query=dict(query), body=b"") == AK_ID


@settings(max_examples=100, deadline=None)
@given(
    query=st.dictionaries(
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=1),
        _text,
    )
)
def test_signature_equals_official_sdk_for_any_query_value(query: dict[str, str]) -> None:
    headers = _sign(method="GET", query=query, body=b"")
    official = _official_authorization("GET", "/api/v2/schedules", query, _without_authorization(headers))
    assert headers["Authorization"] == official


# --- the official SDK on the wire ----------------------------------------------------------------


@dataclass
class _Captured:
    method: str
    path: str
    query: dict[str, str]
    headers: list[tuple[str, str]]
    body: bytes


class _CaptureHandler(BaseHTTPRequestHandler):
    """Records what the SDK sends and answers a minimal successful envelope."""

    captured: list[_Captured]

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        self.captured.append(
            _Captured(
                method=self.command,
                path=split.path,
                query=dict(parse_qsl(split.query, keep_blank_values=True)),
                headers=list(self.headers.items()),
                body=body,
            )
        )
        answer = json.dumps({"Data": {}, "ErrorCode": 0, "ErrorMessage": "OK", "RequestId": "r-1"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


@pytest.fixture
def capture_server() -> Iterator[tuple[str, list[_Captured]]]:
    captured: list[_Captured] = []
    handler = type("Handler", (_CaptureHandler,), {"captured": captured})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", captured
    finally:
        server.shutdown()
        server.server_close()


def _sdk(endpoint: str) -> PaiClient:
    return PaiClient(
        open_api_models.Config(
            access_key_id=AK_ID, access_key_secret=AK_SECRET, endpoint=endpoint, protocol="http"
        )
    )


def _verify_captured(request: _Captured, nonces: _Nonces | None = None) -> str:
    return verify_request(
        method=request.method,
        path=request.path,
        query=request.query,
        headers=request.headers,
        body=request.body,
        secret_for={AK_ID: AK_SECRET}.get,
        now=datetime.now(UTC),
        nonce_seen=nonces or _Nonces(),
    )


def test_verify_accepts_what_the_official_sdk_sends(capture_server: tuple[str, list[_Captured]]) -> None:
    endpoint, captured = capture_server
    client = _sdk(endpoint)
    client.create_schedule(
        pai_models.CreateScheduleRequest(group_id="g-1", name="每日_提醒", execute_time="2024-12-01 09:00:00")
    )
    client.list_schedules(pai_models.ListSchedulesRequest(name="a b~c*d 中文", page_size=5))
    client.get_schedule("id with space")
    client.delete_schedule("id/with/slash")
    assert [r.method for r in captured] == ["POST", "GET", "GET", "DELETE"]
    for request in captured:
        assert _verify_captured(request) == AK_ID
    assert captured[2].path == "/api/v2/schedules/id%20with%20space"


def test_verify_rejects_an_sdk_request_with_a_tampered_body(
    capture_server: tuple[str, list[_Captured]],
) -> None:
    endpoint, captured = capture_server
    _sdk(endpoint).create_schedule(pai_models.CreateScheduleRequest(group_id="g-1", name="Daily"))
    request = captured[0]
    request.body = request.body.replace(b"g-1", b"g-2")
    with pytest.raises(SignatureError) as caught:
        _verify_captured(request)
    assert caught.value.code == "SignatureDoesNotMatch"

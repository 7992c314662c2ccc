"""The PAI User Engagement HTTP layer: the seed's Bearer gateway and the real ROA API.

Thin on purpose: parse the request, authenticate it, call the backend (:mod:`.models`), wrap the
answer (its coded errors, :mod:`.exceptions`, in the envelope).
Two ways in, one backend:

* Gateway (seed 000): ``POST /api/PaiPlugin/2022-01-12/CreateSchedule`` with
  ``Authorization: Bearer <key>`` and the fields under ``{"body": {...}}``. Errors: 403 in the
  gateway shape for a bad key; the envelope with the error's HTTP status (400, 404) otherwise.
* ROA (what ``alibabacloud_paiplugin20220112`` sends): ``/api/v2/...``, every request signed
  with ACS3-HMAC-SHA256 and checked against the real clock. Signature problems answer the
  gateway shape ``{"Code", "Message", "RequestId"}`` with the gateway's status; business errors
  answer HTTP 200 with a non-zero ``ErrorCode`` in the envelope, which is what the SDK's response
  models carry.

Any other ``/api/`` path, or a known one with another method, answers what Alibaba's gateway
answers for an API it does not know: 404 ``InvalidAction.NotFound`` in the gateway shape
(:func:`unknown_route`). Paths and the version are the hooks' own
(:mod:`airflow_provider_engage.pai_spec`).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from airflow_provider_engage import plain_json
from airflow_provider_engage.acs3 import MAX_SKEW_SECONDS, SignatureError, verify_request
from airflow_provider_engage.emulator import Credentials
from airflow_provider_engage.emulator.pai.exceptions import PaiError, PaiInvalidParameter
from airflow_provider_engage.emulator.pai.models import MESSAGE_FILTERS, PaiBackend, parse_compact_date
from airflow_provider_engage.pai_spec import (
    API_VERSION,
    GATEWAY_CREATE_PATH,
    NOT_FOUND,
    PAGE_SIZE_DEFAULT,
    ROA_MESSAGE_METRICS_PATH,
    ROA_MESSAGES_PATH,
    ROA_SCHEDULES_PATH,
)

# What Alibaba's gateway answers for an API (path, method or x-acs-action) it does not know.
_API_NOT_FOUND = ("InvalidAction.NotFound", "Specified api is not found, please check your url and method.")

# (query, body, path parameters) -> the envelope's Data
_Handler = Callable[[Mapping[str, str], bytes, Mapping[str, str]], Any]
_Roa = Callable[[Request, str, _Handler], Awaitable[JSONResponse]]


class NonceWindow:
    """Signature nonces seen in the last ``ttl`` real seconds; a gateway refuses a replay."""

    def __init__(self, ttl: float = MAX_SKEW_SECONDS, *, now: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._now = now
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def seen(self, nonce: str) -> bool:
        """Whether ``nonce`` was used within the window; a first use is remembered from now."""
        with self._lock:
            now = self._now()
            # Insertion order is time order (a reuse is refused, not re-stamped): expire from the front.
            while self._seen:
                oldest, at = next(iter(self._seen.items()))
                if now - at <= self._ttl:
                    break
                del self._seen[oldest]
            if nonce in self._seen:
                return True
            self._seen[nonce] = now
            return False


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


def _envelope(data: Any, request_id: str) -> JSONResponse:
    body = {"Data": data, "ErrorCode": 0, "ErrorMessage": "OK", "RequestId": request_id}
    return JSONResponse(body, headers={"x-acs-request-id": request_id})


def _envelope_error(err: PaiError, request_id: str, status: int) -> JSONResponse:
    body = {"Data": None, "ErrorCode": err.error_code, "ErrorMessage": err.message, "RequestId": request_id}
    return JSONResponse(body, status_code=status, headers={"x-acs-request-id": request_id})


def gateway_error(status: int, code: str, message: str, request_id: str | None = None) -> JSONResponse:
    """Alibaba's gateway shape, for errors raised before the API itself is reached."""
    request_id = request_id or _request_id()
    body = {"Code": code, "Message": message, "RequestId": request_id}
    return JSONResponse(body, status_code=status, headers={"x-acs-request-id": request_id})


def unknown_route() -> JSONResponse:
    """An ``/api/`` path no route serves, or a known path with another method."""
    return gateway_error(NOT_FOUND, *_API_NOT_FOUND)


def _json_object(body: bytes, field: str) -> Any:
    try:
        return plain_json.parse(body) if body.strip() else None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise PaiInvalidParameter(f"{field}: the request body is not valid JSON") from None


def _int_param(query: Mapping[str, str], name: str) -> int | None:
    text = query.get(name)
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise PaiInvalidParameter(f"{name}: must be an integer, got {text!r}") from None


def _page_params(query: Mapping[str, str]) -> dict[str, int]:
    number, size = _int_param(query, "PageNumber"), _int_param(query, "PageSize")
    return {
        "page_number": 1 if number is None else number,
        "page_size": PAGE_SIZE_DEFAULT if size is None else size,
    }


def _message_filters(query: Mapping[str, str]) -> dict[str, Any]:
    """ListMessages/ListMessageMetrics filters; unmodelled ones (TemplateType) are ignored."""
    filters: dict[str, Any] = {name: query[name] for name in MESSAGE_FILTERS if query.get(name)}
    if "Status" in filters:
        filters["Status"] = _int_param(query, "Status")
    return filters


def _required_date(query: Mapping[str, str], name: str) -> date:
    if not query.get(name):
        raise PaiInvalidParameter(f"{name}: is required, a date 'yyyyMMdd'")
    return parse_compact_date(query[name], field=name)


def build_router(backend: PaiBackend, credentials: Credentials) -> APIRouter:
    """Every PAI route, bound to one backend and the credentials it accepts."""
    router = APIRouter()
    nonces = NonceWindow()

    def secret_for(access_key_id: str) -> str | None:
        return credentials.pai_ak_secret if access_key_id == credentials.pai_ak_id else None

    @router.post(GATEWAY_CREATE_PATH)
    async def gateway_create_schedule(request: Request) -> JSONResponse:
        request_id = _request_id()
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return gateway_error(
                403, "InvalidApiKey", "The Authorization header must be 'Bearer <api key>'.", request_id
            )
        if key.strip() != credentials.pai_api_key:
            return gateway_error(403, "InvalidApiKey", "Invalid API-key provided.", request_id)
        try:
            payload = _json_object(await request.body(), "body")
            fields = payload.get("body") if isinstance(payload, dict) else payload
            return _envelope(backend.create_schedule(fields), request_id)
        except PaiError as err:
            return _envelope_error(err, request_id, err.http_status)

    async def roa(request: Request, action: str, handle: _Handler) -> JSONResponse:
        """Verify the signature, run ``handle``, wrap its answer."""
        request_id = _request_id()
        body = await request.body()
        query = dict(parse_qsl(request.scope["query_string"].decode("latin-1"), keep_blank_values=True))
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        try:
            verify_request(
                method=request.method,
                path=raw_path.decode("ascii"),
                query=query,
                headers=request.headers.items(),
                body=body,
                secret_for=secret_for,
                now=datetime.now(UTC),
                nonce_seen=nonces.seen,
            )
        except SignatureError as err:
            return gateway_error(err.http_status, err.code, err.message, request_id)
        if request.headers.get("x-acs-version") != API_VERSION:
            return gateway_error(
                400, "InvalidVersion", "Specified parameter Version is not valid.", request_id
            )
        if request.headers.get("x-acs-action") != action:
            return gateway_error(NOT_FOUND, *_API_NOT_FOUND, request_id)
        try:
            return _envelope(handle(query, body, request.path_params), request_id)
        except PaiError as err:
            return _envelope_error(err, request_id, 200)

    for method, path, action, handle in _roa_operations(backend):
        router.add_api_route(path, _roa_endpoint(roa, action, handle), methods=[method], name=action)
    return router


def _roa_endpoint(roa: _Roa, action: str, handle: _Handler) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(request: Request) -> JSONResponse:
        return await roa(request, action, handle)

    return endpoint


def _roa_operations(backend: PaiBackend) -> list[tuple[str, str, str, _Handler]]:
    """(method, path, x-acs-action, handler) for each ROA operation the SDK calls."""
    schedules = ROA_SCHEDULES_PATH
    return [
        (
            "POST",
            schedules,
            "CreateSchedule",
            lambda _q, body, _p: backend.create_schedule(_json_object(body, "body")),
        ),
        ("GET", schedules + "/{Id}", "GetSchedule", lambda _q, _b, p: backend.get_schedule(p["Id"])),
        ("DELETE", schedules + "/{Id}", "DeleteSchedule", lambda _q, _b, p: backend.delete_schedule(p["Id"])),
        (
            "GET",
            schedules,
            "ListSchedules",
            lambda q, _b, _p: backend.list_schedules(
                name=q.get("Name") or None, status=_int_param(q, "Status"), **_page_params(q)
            ),
        ),
        (
            "GET",
            ROA_MESSAGE_METRICS_PATH,
            "ListMessageMetrics",
            lambda q, _b, _p: backend.list_message_metrics(
                start_date=_required_date(q, "StartDate"),
                end_date=_required_date(q, "EndDate"),
                filters=_message_filters(q),
                **_page_params(q),
            ),
        ),
        (
            "GET",
            ROA_MESSAGES_PATH,
            "ListMessages",
            lambda q, _b, _p: backend.list_messages(
                day=parse_compact_date(q["Datetime"], field="Datetime") if q.get("Datetime") else None,
                filters=_message_filters(q),
                **_page_params(q),
            ),
        ),
    ]

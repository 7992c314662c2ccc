"""The EngageLab AppPush v4 HTTP layer and its routes: Basic auth, request parsing, answer shapes.

Thin on purpose: every rule is in the backend (:mod:`.models`); this module reads the request,
calls the backend and writes the answer the way the real service does, mapping
:class:`~airflow_provider_engage.emulator.engagelab.exceptions.EngageLabError` to
``{"error": {"code", "message"}}`` with the code's status, in one place (``_EngageLabRoute``).
The paths are the ones the hooks call (:mod:`airflow_provider_engage.engagelab_spec`).
A ``/v4/`` path no route serves answers the same shape (:func:`unknown_route`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from airflow_provider_engage import plain_json
from airflow_provider_engage.emulator import Credentials
from airflow_provider_engage.emulator.engagelab.exceptions import (
    AuthenticationFailed,
    EngageLabError,
    InvalidSchedule,
)
from airflow_provider_engage.emulator.engagelab.models import EngageLabBackend, msg_ids_answer
from airflow_provider_engage.engagelab_spec import (
    MESSAGE_STATS_PATH,
    MSG_IDS_SUFFIX,
    PLAN_BAD_TYPE,
    PLAN_MSG_IDS_PATH,
    PUSH_PLAN_LIST_PATH,
    PUSH_PLAN_PATH,
    SCHEDULES_PATH,
    split_ids,
)

_SCHEDULE_PATH = SCHEDULES_PATH + "/{schedule_id}"


def error_response(
    err: EngageLabError, *, status: int | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The service's error answer; ``status`` overrides the one the code is answered with."""
    return JSONResponse(err.body(), status_code=status or err.status, headers=headers)


def unknown_route(
    method: str, path: str, status: int, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A ``/v4/`` path no route serves (404), or a known one with another method (405).

    EngageLab documents no code for either; the emulator answers the HTTP status as the code.
    """
    if status == 405:
        message = f"{method} is not allowed on {path}; see the Allow header"
    else:
        message = f"no EngageLab API at {method} {path}"
    return error_response(EngageLabError(message, code=status), status=status, headers=headers)


class _EngageLabRoute(APIRoute):
    """Answers a backend error the service's way instead of FastAPI's."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handle(request)
            except EngageLabError as err:
                return error_response(err)

        return answer


def app_key_of(authorization: str) -> tuple[str, str] | None:
    """``(AppKey, MasterSecret)`` from a Basic header, or None when it is not one."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    key, colon, secret = decoded.partition(":")
    return (key, secret) if colon else None


async def _json_body(request: Request, error: type[EngageLabError], code: int | None = None) -> Any:
    raw = await request.body()
    try:
        return plain_json.parse(raw)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise error("request data is not json", code=code) from None


def _int_or_text(value: str | None) -> Any:
    """An integer query value as int; anything else as given, for the rules to refuse by name."""
    if value is not None and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def _ids(value: str | None) -> list[str]:
    return [item for item in split_ids(value or "") if item]


def build_router(
    backend: EngageLabBackend,
    credentials: Credentials,
    *,
    legacy_msgids: bool = False,
    get_as_array: bool = False,
) -> APIRouter:
    """Every EngageLab route, bound to one backend and the AppKey/Master Secret it accepts."""

    def authenticate(request: Request) -> None:
        given = app_key_of(request.headers.get("authorization", ""))
        expected = (credentials.app_key, credentials.master_secret)
        if given is None or not all(hmac.compare_digest(a, b) for a, b in zip(given, expected, strict=True)):
            raise AuthenticationFailed("Basic authentication failed: AppKey and Master Secret do not match")

    router = APIRouter(route_class=_EngageLabRoute, dependencies=[Depends(authenticate)])

    @router.post(SCHEDULES_PATH)
    async def create_schedule(request: Request) -> JSONResponse:
        return JSONResponse(backend.create_schedule(await _json_body(request, InvalidSchedule)))

    @router.get(SCHEDULES_PATH)
    async def list_schedules(request: Request) -> JSONResponse:
        page = _int_or_text(request.query_params.get("page") or "1")
        if not isinstance(page, int) or page < 1:
            raise InvalidSchedule(f"page: must be an integer >= 1, got {page!r}")
        return JSONResponse(backend.list_schedules(page))

    @router.get(_SCHEDULE_PATH)
    async def get_schedule(schedule_id: str) -> JSONResponse:
        detail = backend.get_schedule(schedule_id)
        return JSONResponse([detail] if get_as_array else detail)

    @router.put(_SCHEDULE_PATH)
    async def update_schedule(schedule_id: str, request: Request) -> JSONResponse:
        body = await _json_body(request, InvalidSchedule)
        return JSONResponse(backend.update_schedule(schedule_id, body))

    @router.delete(_SCHEDULE_PATH)
    async def delete_schedule(schedule_id: str) -> Response:
        backend.delete_schedule(schedule_id)
        return Response(status_code=200, media_type="application/json")

    @router.get(_SCHEDULE_PATH + MSG_IDS_SUFFIX)
    async def schedule_msg_ids(schedule_id: str) -> JSONResponse:
        return JSONResponse(msg_ids_answer(backend.schedule_msg_ids(schedule_id), legacy=legacy_msgids))

    @router.post(PUSH_PLAN_PATH)
    async def upsert_plan(request: Request) -> JSONResponse:
        body = await _json_body(request, EngageLabError, code=PLAN_BAD_TYPE)
        if not isinstance(body, dict):
            raise EngageLabError("request body must be a JSON object", code=PLAN_BAD_TYPE)
        return JSONResponse(backend.upsert_plan(body.get("plan_id"), body.get("plan_description")))

    @router.get(PUSH_PLAN_LIST_PATH)
    async def list_plans(request: Request) -> JSONResponse:
        query = request.query_params
        found = backend.list_plans(
            _int_or_text(query.get("page_index")),
            _int_or_text(query.get("page_size")),
            _int_or_text(query.get("send_source")),
            query.get("search_description"),
        )
        return JSONResponse(found)

    @router.get(PLAN_MSG_IDS_PATH)
    async def plan_msg_ids(request: Request) -> JSONResponse:
        query = request.query_params
        found = backend.plan_msg_ids(
            _ids(query.get("plan_ids")), query.get("start_date"), query.get("end_date")
        )
        return JSONResponse(found)

    @router.get(MESSAGE_STATS_PATH)
    async def message_stats(request: Request) -> JSONResponse:
        return JSONResponse(backend.message_stats(_ids(request.query_params.get("message_ids"))))

    return router

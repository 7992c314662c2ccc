"""EngageLabHook and EngageLabAsyncHook: EngageLab AppPush scheduled tasks, push plans, statistics.

Each method is one endpoint of the REST v4 API (``POST /v4/schedules`` ...) and returns parsed data.
Input is checked before anything is sent; transient failures are retried by the shared
transport (:mod:`airflow_provider_engage.hooks._base`), and a create is never sent twice unless
it certainly did not take effect. What is EngageLab's own (the connection, the base URL, Basic
auth, how answers read) is :class:`EngageLabConnectionMixin`'s, shared by both hooks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from functools import cached_property
from typing import Any, ClassVar

from airflow_provider_engage import timing
from airflow_provider_engage.connections import ENGAGELAB
from airflow_provider_engage.engagelab_spec import SCHEDULES_PAGE_SIZE
from airflow_provider_engage.hooks import _engagelab_api as api
from airflow_provider_engage.hooks._async import EngageAsyncHook, endpoint
from airflow_provider_engage.hooks._base import EngageBaseHook
from airflow_provider_engage.hooks._calls import ApiCall
from airflow_provider_engage.hooks._connection import ConnectionSettings
from airflow_provider_engage.hooks._paging import iter_pages
from airflow_provider_engage.hooks._sync import EngageSyncHook
from airflow_provider_engage.records import MsgIdRecord

__all__ = ["EngageLabAsyncHook", "EngageLabHook"]


class EngageLabConnectionMixin(EngageBaseHook):
    """What both EngageLab hooks know of their connection: base URL, site zone, Basic auth."""

    conn_name_attr = "engagelab_conn_id"
    default_conn_name = "engagelab_default"
    conn_type = "engagelab"
    hook_name = "EngageLab AppPush"
    spec = ENGAGELAB
    dialect: ClassVar[api.EngageLabDialect] = api.DIALECT

    def __init__(self, engagelab_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(engagelab_conn_id, **kwargs)
        self.engagelab_conn_id = engagelab_conn_id

    def _resolve_base_url(self, settings: ConnectionSettings) -> str:
        """The connection's host (a full URL as it is, a bare host over https), else the region's."""
        return api.base_url_of(settings.host, settings.extra, settings.port)

    @cached_property
    def site_timezone(self) -> str:
        """The app's main-site zone: zone_type 1 times are wall clock in it."""
        zone = str(self.extra_value("site_timezone") or timing.SITE_TZ_DEFAULT)
        timing.resolve_zone(zone, field="site_timezone")
        return zone

    def _auth_headers(self, call: ApiCall[Any], body: bytes) -> dict[str, str]:
        conn = self.connection
        return api.auth_headers(conn.login, conn.password, body, conn_id=self.conn_id)


class EngageLabHook(EngageLabConnectionMixin, EngageSyncHook):
    """EngageLab AppPush REST API v4 (HTTP Basic auth with AppKey and Master Secret).

    :param engagelab_conn_id: an ``engagelab`` connection: login = AppKey, password = Master
        Secret, host optional (a full URL such as ``http://127.0.0.1:8765`` is used as it is);
        extra ``region``, ``site_timezone``, ``timeout``, ``connect_timeout``, ``max_retries``,
        ``retry_min_wait``, ``retry_max_wait``.
    """

    # Airflow 2.11 builds the form from these (3.2+ from get_provider_info). It looks for them in
    # the hook's own class, not in a base class, so each hook defines them.
    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        return ENGAGELAB.form_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return ENGAGELAB.ui_field_behaviour()

    # --- scheduled tasks ----------------------------------------------------------------------------

    def create_schedule(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Create a schedule; returns ``{"schedule_id", "name"}``."""
        return self._run(api.create_schedule(payload, site_tz=self.site_timezone))

    def get_schedule(self, schedule_id: str) -> dict[str, Any]:
        """One schedule; :class:`EngageLabNotFoundError` once it has expired or was deleted."""
        return self._run(api.get_schedule(schedule_id))

    def list_schedules(self, page: int = 1) -> dict[str, Any]:
        """One page of unexpired schedules: ``total_count``, ``total_pages``, ``page``, ``schedules``."""
        return self._run(api.list_schedules(page))

    def iter_schedules(self) -> Iterator[dict[str, Any]]:
        """Every unexpired schedule, page after page, each once.

        Pages are read until one is empty or holds fewer than 50 (the service's page size):
        ``total_pages`` is not trusted, as the service's own example contradicts itself.
        """
        return iter_pages(
            self.list_schedules, items="schedules", page_size=SCHEDULES_PAGE_SIZE, item_id="schedule_id"
        )

    def update_schedule(self, schedule_id: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Replace a schedule whole (the API has no partial update)."""
        return self._run(api.update_schedule(schedule_id, payload, site_tz=self.site_timezone))

    def delete_schedule(self, schedule_id: str) -> None:
        self._run(api.delete_schedule(schedule_id))

    def get_schedule_msg_ids(self, schedule_id: str) -> list[MsgIdRecord]:
        """Every push the schedule fired so far, failed ones (``ok`` False) included."""
        return self._run(api.schedule_msg_ids(schedule_id))

    # --- push plans ---------------------------------------------------------------------------------

    def upsert_push_plan(self, plan_id: str, plan_description: str) -> dict[str, Any]:
        """Create the plan, or update its description when it exists; returns ``{"plan_id"}``."""
        return self._run(api.upsert_push_plan(plan_id, plan_description))

    def list_push_plans(
        self,
        page_index: int = 1,
        page_size: int = 20,
        send_source: int | None = None,
        search_description: str | None = None,
    ) -> dict[str, Any]:
        """One page: ``push_plan_info`` and ``total``."""
        return self._run(api.list_push_plans(page_index, page_size, send_source, search_description))

    def iter_push_plans(
        self,
        page_size: int = 100,
        send_source: int | None = None,
        search_description: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every plan matching the filters, page after page, until a short page or ``total``."""

        def page(page_index: int) -> dict[str, Any]:
            return self.list_push_plans(page_index, page_size, send_source, search_description)

        return iter_pages(page, items="push_plan_info", page_size=page_size, total="total")

    def get_plan_msg_ids(
        self, plan_ids: str | Sequence[str], start_date: str | date, end_date: str | date
    ) -> dict[str, list[str]]:
        """Message ids per plan; dates ``yyyy-MM-dd``, in order, at most 31 days apart.

        The service also wants the start within its last 30 days; that depends on its clock, so
        it is the service's to judge (code 21003).
        """
        return self._run(api.plan_msg_ids(plan_ids, start_date, end_date))

    # --- statistics ---------------------------------------------------------------------------------

    def get_message_stats(self, msg_ids: str | Iterable[str | int]) -> dict[str, Any]:
        """Delivery statistics per message id (targets, sent, delivered, impressions, clicks)."""
        stats: dict[str, Any] = {}
        for call in api.message_stats(msg_ids):
            chunk: dict[str, Any] = self._run(call)
            stats.update(chunk)
        return stats

    # --- Airflow ------------------------------------------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        """A real authenticated read: the first page of schedules."""
        try:
            answer = self.list_schedules(page=1)
        except Exception as err:  # the UI wants a message, not a traceback
            return False, str(err)
        return True, f"Connected to {self.base_url}: {answer.get('total_count', 0)} unexpired schedules"


class EngageLabAsyncHook(EngageLabConnectionMixin, EngageAsyncHook):
    """The reads a trigger waits with, as coroutines; errors, retries, secrets as :class:`EngageLabHook`'s.

    Close it (``await hook.close()``) when done, as the triggers do in ``cleanup``.
    """

    get_schedule = endpoint(api.get_schedule)
    get_schedule_msg_ids = endpoint(api.schedule_msg_ids)
    get_plan_msg_ids = endpoint(api.plan_msg_ids)

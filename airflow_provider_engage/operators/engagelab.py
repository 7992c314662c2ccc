"""Operators for EngageLab AppPush: create, bulk-create, update and delete scheduled pushes, upsert
plans, and read the statistics of fired messages (optionally written where a warehouse loads them).

Every create is stamped with an idempotency key derived from the task instance and looks for it
first, so a retried or re-run task (or a create whose answer was lost) re-attaches to what an
earlier try made instead of sending a second campaign. Input is checked in full before the first
request. The hook (and with it ``requests``) is imported only when a task runs, keeping DAG
parsing light.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException, BaseOperator

from airflow_provider_engage import schedules, stats_rows, timing, validation
from airflow_provider_engage.engagelab_spec import STATS_RETENTION_DAYS
from airflow_provider_engage.hooks.calls import path_id, positive_number, whole_number
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.links import EngageLabScheduleLink, engagelab_console_url
from airflow_provider_engage.operators import _output
from airflow_provider_engage.operators._idempotent import create_once, one_by_one
from airflow_provider_engage.service_errors import EngageLabNotFoundError, EngageServiceError
from airflow_provider_engage.tasks import (
    DeleteScheduleOperator,
    fail_on_refusal,
    is_retry,
    publish_console_url,
    refuse_bad_input,
    task_key,
    xcom_push,
)

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context, ObjectStoragePath

    from airflow_provider_engage.hooks.engagelab import EngageLabHook

__all__ = [
    "EngageLabCreateScheduleOperator",
    "EngageLabCreateSchedulesOperator",
    "EngageLabDeleteScheduleOperator",
    "EngageLabMessageStatsOperator",
    "EngageLabUpdateScheduleOperator",
    "EngageLabUpsertPushPlanOperator",
]

DEFAULT_CONN_ID = "engagelab_default"
DEFAULT_REQUESTS_PER_SECOND = 475.0
"""The request-heavy operators' client-side rate: 5% under EngageLab's 500 a second per AppKey."""
UI_COLOR = "#e8f1fd"
NEXT_OCCURRENCES_KEY = "next_occurrences"


def _engagelab_hook(conn_id: str, **kwargs: Any) -> EngageLabHook:
    from airflow_provider_engage.hooks.engagelab import EngageLabHook

    return EngageLabHook(engagelab_conn_id=conn_id, **kwargs)


def _find_created(hook: EngageLabHook, keys: Collection[str]) -> dict[str, str]:
    """The schedules earlier creates made, by idempotency key (one pass over the list)."""
    wanted = set(keys)
    found: dict[str, str] = {}
    for schedule in hook.iter_schedules():
        for key in schedules.idempotency_keys_of(schedule) & wanted:
            if "schedule_id" in schedule:
                found[key] = str(schedule["schedule_id"])
        if len(found) == len(wanted):
            break
    return found


def _create(hook: EngageLabHook, body: validation.CheckedSchedule) -> str:
    return str(hook.create_schedule(body)["schedule_id"])


# Every argument a bulk item may carry: the create operator's, so one item reads like one task.
ITEM_KEYS = frozenset(
    {"name", "push", "trigger", "send_at", "zone_type", "start", "end", "time", "time_unit", "point"}
    | {"idempotency_key"}
)


def _schedule_body(spec: Mapping[str, Any], *, site_tz: str) -> validation.CheckedSchedule:
    """A complete create body from one set of operator arguments (or one bulk item), checked in
    every way that does not depend on the clock (that waits until a create is really due), once:
    the hook sends it as it is."""
    unknown = sorted(set(spec) - ITEM_KEYS)
    if unknown:
        raise InvalidFieldError(
            unknown[0], f"is not an argument of a schedule; known: {', '.join(sorted(ITEM_KEYS))}"
        )
    with schedules.fields_as_written(spec):
        trigger = schedules.build_trigger(
            trigger=spec.get("trigger"),
            send_at=spec.get("send_at"),
            start=spec.get("start"),
            end=spec.get("end"),
            time=spec.get("time"),
            time_unit=spec.get("time_unit"),
            point=spec.get("point"),
            zone_type=spec.get("zone_type", timing.ZONE_TYPE_SITE),
            site_tz=site_tz,
        )
        body = {"name": spec.get("name"), "enabled": True, "trigger": trigger, "push": spec.get("push")}
        return validation.checked_schedule(body, site_tz=site_tz)


def _check_due(spec: Mapping[str, Any], body: Mapping[str, Any], *, site_tz: str, now: dt.datetime) -> None:
    """The rules against the service's clock (not in the past, at most a year ahead), before a create.

    ``now`` is the service's (:meth:`ServiceClock.now`, told by the look for an earlier create), as
    the service judges these rules. A schedule whose time has passed has fired and expired, and
    the service lists unexpired schedules only, so the look cannot have found it. ``spec`` is
    what the author wrote, for naming the argument a refusal is about.
    """
    with schedules.fields_as_written(spec):
        timing.validate_trigger(body["trigger"], site_tz=site_tz, now=now)


@contextmanager
def _clock_rules(*, retry: bool) -> Iterator[None]:
    """Refuse what breaks the clock rules; on a retry, say what that means for an earlier try."""
    try:
        with refuse_bad_input():
            yield
    except AirflowFailException as err:
        if not retry:
            raise
        raise AirflowFailException(
            "This retry cannot look for a schedule whose time has passed (the service lists unexpired "
            "schedules only): an earlier try may have created it and it has fired already. This try "
            f"sent nothing. {err}"
        ) from err


class EngageLabCreateScheduleOperator(BaseOperator):
    """Create one EngageLab scheduled push, exactly once however often the task is retried.

    Say when in one of three ways: ``trigger`` (the API's dict), ``send_at`` (a single push), or
    ``start``/``end``/``time``/``time_unit``/``point`` (a periodical). Times may be aware
    datetimes, ISO-8601 strings with an offset (``{{ data_interval_end }}``) or the API's own
    ``yyyy-MM-dd HH:mm:ss``; with zone_type 1 they are converted to the connection's
    ``site_timezone``, with zone_type 2 they are each device's wall clock.

    Returns the ``schedule_id``; also pushes ``next_occurrences`` (UTC) and ``console_url`` to XCom.

    :param name: schedule name (at most 255 bytes; letters, digits, Chinese, underscore, space).
    :param push: the push object (``to``, ``body`` with ``platform`` and one content kind...).
    :param trigger: the API's trigger dict (``{"single": {...}}`` or ``{"periodical": {...}}``).
    :param send_at: when a single push fires.
    :param zone_type: 1 = the site's time zone (default), 2 = each device's local time.
    :param start: when a periodical starts being effective.
    :param end: when a periodical expires.
    :param time: a periodical's firing time of day, ``HH:mm:ss``.
    :param time_unit: ``day``, ``week`` or ``month``.
    :param point: for ``week`` the days (``["MON", "FRI"]``), for ``month`` the dates (``["01", "15"]``).
    :param idempotency_key: overrides the key derived from dag, task, run and map index.
    :param preview_count: how many next occurrences to push to XCom.
    :param engagelab_conn_id: the ``engagelab`` connection.
    """

    template_fields: Sequence[str] = (
        "name",
        "push",
        "trigger",
        "send_at",
        "start",
        "end",
        "time",
        "time_unit",
        "point",
        "idempotency_key",
    )
    template_fields_renderers: ClassVar[dict[str, str]] = {"push": "json", "trigger": "json"}
    ui_color = UI_COLOR
    operator_extra_links = (EngageLabScheduleLink(),)

    def __init__(
        self,
        *,
        name: str,
        push: dict[str, Any],
        trigger: dict[str, Any] | None = None,
        send_at: Any = None,
        zone_type: int = timing.ZONE_TYPE_SITE,
        start: Any = None,
        end: Any = None,
        time: Any = None,
        time_unit: str | None = None,
        point: list[str] | None = None,
        idempotency_key: str | None = None,
        preview_count: int = 10,
        engagelab_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.name = name
        self.push = push
        self.trigger = trigger
        self.send_at = send_at
        self.zone_type = zone_type
        self.start = start
        self.end = end
        self.time = time
        self.time_unit = time_unit
        self.point = point
        self.idempotency_key = idempotency_key
        self.preview_count = whole_number(preview_count, "preview_count", low=0)
        self.engagelab_conn_id = engagelab_conn_id

    def _spec(self) -> dict[str, Any]:
        """The arguments that say what to create, as a bulk item carries them."""
        return {name: getattr(self, name) for name in ITEM_KEYS - {"idempotency_key"}}

    def execute(self, context: Context) -> str:
        with fail_on_refusal():
            hook = _engagelab_hook(self.engagelab_conn_id)
            site_tz = hook.site_timezone
            key = self.idempotency_key or task_key(context)
            with refuse_bad_input():
                checked = schedules.stamped(_schedule_body(self._spec(), site_tz=site_tz), key)
            body = checked.body

            def check(_todo: Sequence[str]) -> None:
                with _clock_rules(retry=is_retry(context)):
                    _check_due(self._spec(), body, site_tz=site_tz, now=hook.service_clock.now())

            outcome = create_once(
                [key],
                find=partial(_find_created, hook),
                check=check,
                create=one_by_one(lambda _key: _create(hook, checked)),
                describe=lambda key: f"schedule {body['name']!r} with idempotency key {key}",
            )[key]
            if outcome.error is not None:
                raise outcome.error
            schedule_id = str(outcome.value)
            if outcome.created:
                self.log.info(
                    "Created schedule %s (%s) with idempotency key %s; site time zone %s",
                    schedule_id,
                    body["name"],
                    key,
                    site_tz,
                )
            else:
                self.log.info(
                    "Re-attached to schedule %s (%s), created earlier with idempotency key %s",
                    schedule_id,
                    body["name"],
                    key,
                )
            publish_console_url(self, context, engagelab_console_url(hook.base_url, schedule_id))
            upcoming = schedules.occurrences_for_xcom(
                body["trigger"], site_tz=site_tz, after=hook.service_clock.now(), limit=self.preview_count
            )
            for occurrence in upcoming[:3]:
                self.log.info(
                    "Fires at %s (wall clock) = %s .. %s UTC",
                    occurrence["wall_time"],
                    occurrence["earliest"],
                    occurrence["latest"],
                )
            xcom_push(context, NEXT_OCCURRENCES_KEY, upcoming)
            return schedule_id


class _Progress:
    """Thread-safe progress of a bulk run, logged at most every ``interval`` seconds."""

    def __init__(self, total: int, log: Callable[..., None], interval: float) -> None:
        import threading

        self.total = total
        self.done = 0
        self.failed = 0
        self._log = log
        self._interval = interval
        self._started = time.monotonic()
        self._last_logged = self._started
        self._lock = threading.Lock()

    def tick(self, *, ok: bool) -> None:
        with self._lock:
            self.done += 1
            self.failed += 0 if ok else 1
            now = time.monotonic()
            if now - self._last_logged >= self._interval or self.done == self.total:
                self._last_logged = now
                self.report(now)

    def report(self, now: float | None = None) -> None:
        elapsed = max((now or time.monotonic()) - self._started, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate else float("inf")
        self._log(
            "Created %d/%d schedules (%d failed) in %.1f s: %.1f/s, ETA %.1f s",
            self.done - self.failed,
            self.total,
            self.failed,
            elapsed,
            rate,
            eta,
        )


class EngageLabCreateSchedulesOperator(BaseOperator):
    """Create many EngageLab scheduled pushes in one task: a campaign per segment, language or country.

    Each item of ``schedules`` takes the arguments of :class:`EngageLabCreateScheduleOperator`
    (``name``, ``push``, and ``trigger`` or ``send_at`` or ``start``/``end``/``time``/
    ``time_unit``/``point``, ``zone_type``, optionally ``idempotency_key``); typically the list
    comes from an upstream task's XCom. Every item is checked before the first request. Creates
    run concurrently under a client-side rate limit below the service's, with progress logged as
    they go. A retried task creates only what is missing: each item carries its own idempotency
    key. Items the service refuses are reported with its reason after the others are done.

    Returns the schedule ids in input order.

    :param schedules: the schedules to create (a list of dicts, templated).
    :param max_workers: requests in flight at once.
    :param requests_per_second: the client-side limit (EngageLab allows 500 a second per AppKey), with
        bursts of a twentieth of a second's worth after a pause.
    :param progress_interval: seconds between progress lines in the log.
    :param engagelab_conn_id: the ``engagelab`` connection.
    """

    template_fields: Sequence[str] = ("schedules",)
    template_fields_renderers: ClassVar[dict[str, str]] = {"schedules": "json"}
    ui_color = UI_COLOR

    def __init__(
        self,
        *,
        schedules: list[dict[str, Any]] | Any,
        max_workers: int = 64,
        requests_per_second: float = DEFAULT_REQUESTS_PER_SECOND,
        progress_interval: float = 5.0,
        engagelab_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        whole_number(max_workers, "max_workers", low=1)
        positive_number(requests_per_second, "requests_per_second")
        self.schedules = schedules
        self.max_workers = max_workers
        self.requests_per_second = requests_per_second
        self.progress_interval = progress_interval
        self.engagelab_conn_id = engagelab_conn_id

    @staticmethod
    def _each_item(indices: Iterable[int], total: int, check: Callable[[int], Any]) -> list[Any]:
        """``check(index)`` for every item; all refusals reported together, named by item."""
        results, problems = [], []
        for index in indices:
            try:
                results.append(check(index))
            except InvalidFieldError as err:
                field = f"schedules[{index}].{err.field}".rstrip(".")
                problems.append(InvalidFieldError(field, err.message, vendor_code=err.vendor_code))
        if problems:
            listed = "; ".join(str(problem) for problem in problems[:20])
            more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
            raise InvalidFieldError(
                problems[0].field, f"{len(problems)} of {total} schedules are invalid: {listed}{more}"
            )
        return results

    @staticmethod
    def _keys(items: Sequence[Mapping[str, Any]], base_key: str) -> list[str]:
        """Each item's idempotency key: its own choice, else one derived from its content."""
        derived = schedules.item_idempotency_keys(base_key, list(items))
        keys = [item.get("idempotency_key") or key for item, key in zip(items, derived, strict=True)]
        first: dict[str, int] = {}
        for index, key in enumerate(keys):
            if key in first:
                raise InvalidFieldError(
                    f"schedules[{index}].idempotency_key",
                    f"{key!r} is also schedules[{first[key]}]'s; each schedule needs its own key",
                )
            first[key] = index
        return keys

    def execute(self, context: Context) -> list[str]:
        with fail_on_refusal():
            from airflow_provider_engage.ratelimit import RateLimiter

            with refuse_bad_input():
                items = _listed(self.schedules)
            # The limiter sits in the hook's transport, so retries (after a 429 or 503) wait their turn too.
            limiter = RateLimiter(self.requests_per_second, burst=_burst(self.requests_per_second))
            hook = _engagelab_hook(
                self.engagelab_conn_id, max_connections=self.max_workers, rate_limiter=limiter
            )
            site_tz = hook.site_timezone

            def body_of(index: int) -> validation.CheckedSchedule:
                item = items[index]
                if not isinstance(item, Mapping):
                    raise InvalidFieldError("", f"must be an object, got {type(item).__name__}")
                return _schedule_body(item, site_tz=site_tz)

            with refuse_bad_input():
                unstamped = self._each_item(range(len(items)), len(items), body_of)
                keys = self._keys(items, task_key(context))
                stamped = self._each_item(
                    range(len(items)),
                    len(items),
                    lambda index: schedules.stamped(unstamped[index], keys[index]),
                )
            bodies = [body.body for body in stamped]
            index_of = {key: index for index, key in enumerate(keys)}

            def check(todo: Sequence[str]) -> None:
                # The clock rules depend on the trigger, the zone and now alone, so a trigger that
                # passed for one item passes for every item carrying it (a campaign's items mostly
                # share one): checked once. A refusal is not remembered, so each item's names what
                # it wrote. Only the items still to create are judged: one found has not expired.
                passed: set[str] = set()
                now = hook.service_clock.now()

                def due(index: int) -> None:
                    trigger = json.dumps(bodies[index]["trigger"], sort_keys=True)
                    if trigger not in passed:
                        _check_due(items[index], bodies[index], site_tz=site_tz, now=now)
                        passed.add(trigger)

                with _clock_rules(retry=is_retry(context)):
                    self._each_item([index_of[key] for key in todo], len(items), due)

            outcomes = create_once(
                keys,
                find=partial(_find_created, hook),
                check=check,
                create=lambda todo: self._create_all(hook, [index_of[key] for key in todo], stamped, keys),
                describe=lambda key: f"schedules[{index_of[key]}] with idempotency key {key}",
            )
            ids = [None if outcomes[key].value is None else str(outcomes[key].value) for key in keys]
            xcom_push(context, "schedule_ids", ids)
            errors = {i: error for i, key in enumerate(keys) if (error := outcomes[key].error) is not None}
            created = sum(outcome.created for outcome in outcomes.values())
            self.log.info(
                "Of %d schedules: %d created now, %d re-attached (created earlier with the same idempotency "
                "keys), %d not created",
                len(items),
                created,
                len(items) - created - len(errors),
                len(errors),
            )
            if errors:
                raise _bulk_failure(items, errors)
            return [str(schedule_id) for schedule_id in ids]

    def _create_all(
        self,
        hook: EngageLabHook,
        todo: Sequence[int],
        bodies: Sequence[validation.CheckedSchedule],
        keys: Sequence[str],
    ) -> dict[str, str | EngageServiceError]:
        """Create the missing schedules concurrently under the rate limit, logging progress."""
        self.log.info(
            "Creating %d schedules (%d workers, at most %.0f requests/s)",
            len(todo),
            self.max_workers,
            self.requests_per_second,
        )
        progress = _Progress(len(todo), self.log.info, self.progress_interval)
        results: dict[str, str | EngageServiceError] = {}
        with ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="engagelab-create") as pool:
            futures = {pool.submit(_create, hook, bodies[index]): index for index in todo}
            for future in as_completed(futures):
                key = keys[futures[future]]
                try:
                    results[key] = future.result()
                except EngageServiceError as err:
                    results[key] = err
                progress.tick(ok=not isinstance(results[key], EngageServiceError))
        return results


def _listed(items: object) -> list[Any]:
    """The bulk items as given: a list (or tuple), never the characters of a string or a dict's keys."""
    if items is None:
        return []
    if not isinstance(items, list | tuple):
        raise InvalidFieldError("schedules", f"must be a list of schedules, got {type(items).__name__}")
    return list(items)


def _burst(requests_per_second: float) -> int:
    """A twentieth of a second's worth: a slot a busy worker was late for is used a moment later,
    not lost, and no second sees more than 1.05 times the rate (498 at the default 475, under 500)."""
    return max(1, int(requests_per_second / 20))


def _bulk_failure(items: Sequence[Mapping[str, Any]], errors: Mapping[int, Exception]) -> AirflowException:
    """The failure of a bulk task that left ``errors``; retryable unless every one is a final refusal."""
    lines = [
        f"schedules[{index}] ({items[index].get('name')!r}): {errors[index]}" for index in sorted(errors)
    ]
    listed = "; ".join(lines[:20]) + (f" (and {len(lines) - 20} more)" if len(lines) > 20 else "")
    if all(isinstance(err, EngageServiceError) and not err.transient for err in errors.values()):
        return AirflowFailException(
            f"{len(errors)} of {len(items)} schedules were not created: the service refused them and no "
            f"retry can change that, so the task fails without retrying (once fixed, running it again "
            f"creates only these): {listed}"
        )
    return AirflowException(
        f"{len(errors)} of {len(items)} schedules were not created (a retry creates only these): {listed}"
    )


class EngageLabUpdateScheduleOperator(BaseOperator):
    """Change an EngageLab schedule although the API only takes a complete replacement.

    ``mode="merge"`` (default) reads the current schedule, deep-merges the parts given (objects
    merge key by key, ``None`` removes a key, lists replace) and sends the complete body, so
    changing one field is one argument. ``mode="replace"`` sends exactly what is given and needs
    all four parts. Both refuse what the service forbids before sending: switching single <->
    periodical or zone_type 1 <-> 2, or updating an expired schedule. ``enabled=False`` pauses a
    campaign. Returns the schedule as sent, with its ``schedule_id``.

    :param schedule_id: the schedule to change.
    :param name: a new name.
    :param enabled: ``False`` pauses, ``True`` resumes.
    :param trigger: trigger parts to change (times in any form the create operator takes).
    :param push: push parts to change.
    :param mode: ``merge`` or ``replace``.
    :param engagelab_conn_id: the ``engagelab`` connection.
    """

    template_fields: Sequence[str] = ("schedule_id", "name", "trigger", "push")
    template_fields_renderers: ClassVar[dict[str, str]] = {"push": "json", "trigger": "json"}
    ui_color = UI_COLOR
    operator_extra_links = (EngageLabScheduleLink(),)

    def __init__(
        self,
        *,
        schedule_id: str,
        name: str | None = None,
        enabled: bool | None = None,
        trigger: dict[str, Any] | None = None,
        push: dict[str, Any] | None = None,
        mode: str = "merge",
        engagelab_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if mode not in schedules.UPDATE_MODES:
            raise InvalidFieldError(
                "mode", f"must be one of {', '.join(schedules.UPDATE_MODES)}, got {mode!r}"
            )
        self.schedule_id = schedule_id
        self.name = name
        self.enabled = enabled
        self.trigger = trigger
        self.push = push
        self.mode = mode
        self.engagelab_conn_id = engagelab_conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        with fail_on_refusal():
            changes = {"name": self.name, "enabled": self.enabled, "trigger": self.trigger, "push": self.push}
            with refuse_bad_input():
                path_id(self.schedule_id, "schedule_id")
                schedules.check_update(changes, mode=self.mode)
            hook = _engagelab_hook(self.engagelab_conn_id)
            site_tz = hook.site_timezone
            if self.mode == "replace" and validation.trigger_zone_type(self.trigger or {}) is not None:
                # Sent whole: all but a switch from what the service holds is judged unread.
                with refuse_bad_input():
                    whole = schedules.updated_schedule({}, changes, mode=self.mode, site_tz=site_tz)
                    validation.check_schedule(whole, creating=False, site_tz=site_tz)
            try:
                current = hook.get_schedule(self.schedule_id)
            except EngageLabNotFoundError as err:
                raise AirflowFailException(
                    f"Schedule {self.schedule_id} does not exist (deleted, or expired after its last "
                    f"firing): {err}"
                ) from err
            publish_console_url(self, context, engagelab_console_url(hook.base_url, self.schedule_id))
            now = hook.service_clock.now()  # told by the look at the schedule, as the service judges expiry
            with refuse_bad_input():
                if timing.schedule_is_expired(current.get("trigger") or {}, site_tz=site_tz, now=now):
                    raise InvalidFieldError(
                        "schedule_id",
                        f"schedule {self.schedule_id} has expired; the service refuses to update it",
                    )
                body = schedules.updated_schedule(current, changes, mode=self.mode, site_tz=site_tz)
                validation.check_schedule(body, creating=False, site_tz=site_tz, now=now)
            hook.update_schedule(self.schedule_id, body)
            self.log.info(
                "Updated schedule %s (%s mode, enabled=%s)", self.schedule_id, self.mode, body["enabled"]
            )
            return {"schedule_id": self.schedule_id, **body}


class EngageLabDeleteScheduleOperator(DeleteScheduleOperator):
    """Delete an EngageLab schedule; an already deleted or expired one is fine by default.

    :param schedule_id: the schedule to delete.
    :param missing_ok: succeed when the schedule no longer exists (the usual wish on a retry or
        a clean-up); ``False`` fails the task instead.
    :param engagelab_conn_id: the ``engagelab`` connection.
    """

    ui_color = UI_COLOR
    what = "EngageLab schedule"
    not_found = EngageLabNotFoundError

    def __init__(
        self,
        *,
        schedule_id: str,
        missing_ok: bool = True,
        engagelab_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(schedule_id=schedule_id, missing_ok=missing_ok, **kwargs)
        self.engagelab_conn_id = engagelab_conn_id

    def delete(self, schedule_id: str) -> None:
        _engagelab_hook(self.engagelab_conn_id).delete_schedule(schedule_id)


class EngageLabUpsertPushPlanOperator(BaseOperator):
    """Create a push plan, or update its description when it exists (the API's upsert).

    Tag pushes with the plan through ``push["body"]["options"]["plan_id"]`` to query their
    message ids by plan later. Returns the plan id.

    :param plan_id: letters, digits and underscores, not starting with ``_``, at most 50.
    :param plan_description: what the plan is for (scenario, audience, content).
    :param engagelab_conn_id: the ``engagelab`` connection.
    """

    template_fields: Sequence[str] = ("plan_id", "plan_description")
    ui_color = UI_COLOR

    def __init__(
        self,
        *,
        plan_id: str,
        plan_description: str,
        engagelab_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.plan_id = plan_id
        self.plan_description = plan_description
        self.engagelab_conn_id = engagelab_conn_id

    def execute(self, context: Context) -> str:
        with fail_on_refusal():
            with refuse_bad_input():
                validation.check_plan_id(self.plan_id)
                validation.check_plan_description(self.plan_description)
            hook = _engagelab_hook(self.engagelab_conn_id)
            answer = hook.upsert_push_plan(self.plan_id, self.plan_description)
            plan_id = str(answer.get("plan_id") or self.plan_id)
            self.log.info("Push plan %s is in place", plan_id)
            return plan_id


class EngageLabMessageStatsOperator(BaseOperator):
    """Read the statistics of fired messages; optionally write them where a warehouse loads them.

    ``msg_ids`` takes what a DAG has: a list of message ids, the records
    :class:`~airflow_provider_engage.sensors.engagelab.EngageLabScheduleFiredSensor` returns
    (records that reached nobody have no statistics and are left out), the
    ``{plan_id: [msg_id, ...]}`` of
    :class:`~airflow_provider_engage.sensors.engagelab.EngageLabPushPlanMessagesSensor`, or a
    list of those (a mapped sensor's outputs). The ids are read through ``GET /v4/status/detail``,
    100 a call, under a client-side rate limit below the service's 500 a second.

    Returns one row per message and channel (``msg_id``, ``schedule_id``, ``plan_id``,
    ``fired_at``, ``kind``, ``platform``, ``channel``, ``targets``, ``sent``, ``delivered``,
    ``impressions``, ``clicks``) as JSON. With ``destination`` (a URI such as
    ``s3://bucket/engage/{{ ds }}.jsonl``, or an ``ObjectStoragePath``) the rows are also written
    there as JSON Lines or CSV, replacing what was there, and the URI written is pushed to XCom as
    ``destination``.

    :param msg_ids: the messages (templated; see above).
    :param destination: where to write the rows (templated); None writes nothing.
    :param format: ``jsonl`` (default) or ``csv``.
    :param requests_per_second: the client-side limit (EngageLab allows 500 a second per AppKey).
    :param engagelab_conn_id: the ``engagelab`` connection.
    """

    template_fields: Sequence[str] = ("msg_ids", "destination")
    template_fields_renderers: ClassVar[dict[str, str]] = {"msg_ids": "json"}
    ui_color = UI_COLOR

    def __init__(
        self,
        *,
        msg_ids: Any,
        destination: str | ObjectStoragePath | None = None,
        format: str = "jsonl",
        requests_per_second: float = DEFAULT_REQUESTS_PER_SECOND,
        engagelab_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        positive_number(requests_per_second, "requests_per_second")
        self.msg_ids = msg_ids
        self.destination = destination
        self.format = _output.check_format(format)
        self.requests_per_second = requests_per_second
        self.engagelab_conn_id = engagelab_conn_id

    def execute(self, context: Context) -> list[dict[str, Any]]:
        with fail_on_refusal():
            from airflow_provider_engage.ratelimit import RateLimiter

            with refuse_bad_input():
                messages = stats_rows.read_msg_ids(self.msg_ids)
                path = _output.destination_path(self.destination)
            hook = _engagelab_hook(self.engagelab_conn_id, rate_limiter=RateLimiter(self.requests_per_second))
            stats = hook.get_message_stats(messages.ids) if messages.sources else {}
            rows, missing = stats_rows.message_stats_rows(stats, messages.sources)
            self.log.info(
                "Statistics of %d of %d messages: %d rows by channel; %s",
                len(messages.sources) - len(missing),
                len(messages.sources),
                len(rows),
                stats_rows.totals_line(rows, stats_rows.COUNTS),
            )
            if messages.failed:
                self.log.info("%d records given reached nobody and have no statistics", messages.failed)
            if missing:
                self.log.warning(
                    "No statistics for %d messages (the service keeps them about %d days): %s",
                    len(missing),
                    STATS_RETENTION_DAYS,
                    ", ".join(missing[:20]) + (" ..." if len(missing) > 20 else ""),
                )
            _output.deliver(
                path,
                rows,
                columns=stats_rows.MESSAGE_STATS_COLUMNS,
                fmt=self.format,
                context=context,
                log=self.log.info,
            )
            return rows

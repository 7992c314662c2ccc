"""What every sensor of this provider does with its wait, whatever it waits for.

A vendor sensor says how to open its watch (the first look, which fixes what is awaited) and
which trigger waits for it. Each look and its cadence are the wait engine's
(:mod:`airflow_provider_engage.waits.engine`); this base keeps the rest, the same for every sensor:

* **One deadline.** ``timeout`` counts from the sensor's first look and is fixed then, in
  absolute time: pokes, reschedules, retries, deferrals and triggerer restarts all end at the
  same instant. On Airflow 3.3 the watch and the deadline are kept in the task state store, so a
  retry waits for the same firing; 2.11 has no such store, and there a retry opens a new watch
  (for "next", counted from the DAG run's start, the same on every try).
* **No looks before a firing can come.** The watch's cadence says when a look is worth making
  (the service's clock, the hook's ``service_clock``, judges); a deferrable sensor defers until
  then, reschedule mode reschedules until then, poke mode sleeps.
* **Endings.** A firing that already happened succeeds at once; a watch that can no longer
  succeed (deleted, disabled, never fired) fails at once and is not retried; the deadline ends as
  :class:`AirflowSensorTimeout`; ``soft_fail`` turns each into a skip.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from airflow.exceptions import AirflowRescheduleException
from airflow.providers.common.compat.sdk import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    BaseSensorOperator,
    conf,
)

from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.tasks import xcom_push
from airflow_provider_engage.waits.engine import Verdict, Watch, imported, instant, iso, look, next_look_at

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

__all__ = ["WaitingSensor"]

STORE_KEY = "airflow_provider_engage.wait"
EVENT_STATUSES = ("success", "failed", "timeout", "error")
DETECTED_AT_KEY = "detected_at"


W = TypeVar("W", bound=Watch)


class WaitingSensor(BaseSensorOperator, Generic[W]):
    """Shared by the sensors; not one itself.

    :param grace: seconds after a firing's last expected instant in which its ids may still
        arrive (and after which a firing that left none fails the sensor at once).
    :param deferrable: wait in the triggerer, holding no worker slot (default from
        ``[operators] default_deferrable``).
    :param clock_sync_interval: the service's clock is taken to run with this machine's between
        answers; when the two disagree (the emulator's, moved by hand), a waiting sensor given
        this re-reads it at least this often (each time one look), to notice a clock moved
        while it waits. Off by default: a real service's clock runs with this machine's.
    """

    ui_color = "#eef7e8"
    trigger_path: ClassVar[str]  # imported when the sensor defers, not when a DAG file is parsed
    watch_class: ClassVar[type[Any]]

    def __init__(
        self,
        *,
        grace: float = 600.0,
        poke_interval: float = 60.0,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        clock_sync_interval: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=poke_interval, **kwargs)
        self.grace = grace
        self.deferrable = deferrable
        self.clock_sync_interval = clock_sync_interval

    # --- what a vendor sensor supplies ---------------------------------------------------------

    def _hook(self) -> Any:
        raise NotImplementedError

    def _open_watch(self, hook: Any, context: Context) -> tuple[W, Verdict]:
        """Fix what is awaited (counting "next" from :meth:`_reference`) and judge it once."""
        raise NotImplementedError

    def _finish(self, context: Context, verdict: Verdict) -> Any:
        """What the sensor returns once the watch succeeded."""
        return verdict.result

    # --- the wait ---------------------------------------------------------------------------------

    def poke(self, context: Context) -> bool:
        """One look, for those who drive the sensor themselves: True once the watch succeeded."""
        hook = self._hook()
        _, verdict = self._watch(hook, context)
        _raise_if_failed(verdict)
        return verdict.done

    def execute(self, context: Context) -> Any:
        with self._ending_as_configured():
            hook = self._hook()
            watch, verdict = self._watch(hook, context)
            deadline = self._deadline(context)
            while not verdict.done:
                verdict = self._wait_once(context, hook, watch, verdict, deadline)
            return self._end(context, verdict, iso(hook.service_clock.now()))

    def execute_complete(self, context: Context, event: Mapping[str, Any] | None = None) -> Any:
        """Resume after the trigger's one terminal event; an unknown or missing status fails."""
        with self._ending_as_configured():
            return self._resume(context, event)

    def _resume(self, context: Context, event: Mapping[str, Any] | None) -> Any:
        status = event.get("status") if isinstance(event, Mapping) else None
        message = str(event.get("message", "")) if isinstance(event, Mapping) else ""
        if status not in EVENT_STATUSES:
            raise AirflowException(f"{self.task_id}: the trigger's event has no known status: {event!r}")
        assert isinstance(event, Mapping)
        if status == "timeout":
            raise AirflowSensorTimeout(message)
        return self._end(context, Verdict(status, message, event.get("result")), event.get("detected_at"))

    def _end(self, context: Context, verdict: Verdict, detected_at: str | None) -> Any:
        """Fail, or publish when the service's clock showed the awaited thing done, and return it."""
        _raise_if_failed(verdict)
        self.log.info("%s (seen at %s, service time)", verdict.message, detected_at)
        xcom_push(context, DETECTED_AT_KEY, detected_at)
        return self._finish(context, verdict)

    def _wait_once(
        self, context: Context, hook: Any, watch: W, verdict: Verdict, deadline: dt.datetime
    ) -> Verdict:
        """Until the next look (deferring or rescheduling instead, in those modes), then look."""
        clock = hook.service_clock
        now = clock.local_now()
        if now >= deadline:
            raise AirflowSensorTimeout(f"{self.task_id} timed out at {iso(deadline)}: {verdict.message}")
        cadence = watch.cadence(self.poke_interval)
        look_at = next_look_at(cadence, clock, self.clock_sync_interval, deadline)
        self.log.info("%s; next look at %s", verdict.message, iso(look_at))
        if self.deferrable:
            self.defer(
                trigger=imported(self.trigger_path)(
                    conn_id=hook.conn_id,
                    watch=watch.to_json(),
                    deadline=iso(deadline),
                    poke_interval=self.poke_interval,
                    clock_offset=clock.offset,
                    clock_sync_interval=self.clock_sync_interval,
                ),
                method_name="execute_complete",
                timeout=deadline - now,
            )
        if self.reschedule:
            raise AirflowRescheduleException(look_at)  # type: ignore[no-untyped-call]
        self._sleep(max(0.0, (look_at - now).total_seconds()))
        return look(hook, watch)

    def _sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    # --- the watch and the deadline, fixed once -------------------------------------------------

    def _watch(self, hook: Any, context: Context) -> tuple[W, Verdict]:
        store = SavedWait(context)
        saved = store.load()
        if saved is not None:
            watch: W = self.watch_class.from_json(saved["watch"])
            return watch, look(hook, watch)
        try:
            watch, verdict = self._open_watch(hook, context)
        except InvalidFieldError as err:
            raise AirflowFailException(f"Invalid input, the sensor did not wait: {err}") from err
        store.save(watch.to_json(), iso(self._deadline(context)))
        return watch, verdict

    def _reference(self, context: Context, hook: Any) -> dt.datetime:
        """When "next" is counted from: now by the service's clock (after a first answer told it),
        or (no store to keep the first look's now across tries) the DAG run's start, which every
        try of this run shares."""
        if not SavedWait(context).available:
            started = getattr(context.get("dag_run"), "start_date", None)
            if started is not None:
                reference: dt.datetime = started.astimezone(dt.UTC)
                return reference + dt.timedelta(seconds=hook.service_clock.offset)
        now: dt.datetime = hook.service_clock.now()
        return now

    def _deadline(self, context: Context) -> dt.datetime:
        """``timeout`` after the first look, kept across tries (task state store) and reschedules."""
        cached: dt.datetime | None = getattr(self, "_fixed_deadline", None)
        if cached is not None:
            return cached
        saved = SavedWait(context).load()
        deadline = instant(saved["deadline"]) if saved else None
        if deadline is None:
            started = dt.datetime.now(dt.UTC)
            if self.reschedule and context.get("ti") is not None:
                first = context["ti"].get_first_reschedule_date(context)
                started = first.astimezone(dt.UTC) if first else started
            deadline = started + dt.timedelta(seconds=float(self.timeout))
        self._fixed_deadline: dt.datetime | None = deadline
        return deadline

    @contextmanager
    def _ending_as_configured(self) -> Iterator[None]:
        """``soft_fail`` (and 3.x's ``never_fail``) turn a failed or timed-out wait into a skip."""
        try:
            yield
        except (AirflowFailException, AirflowSensorTimeout) as err:
            flag = (
                "soft_fail" if self.soft_fail else "never_fail" if getattr(self, "never_fail", False) else ""
            )
            if flag:
                raise AirflowSkipException(f"Skipping ({flag}): {err}") from err
            raise


def _raise_if_failed(verdict: Verdict) -> None:
    """A wait that ended without success fails the task, and no retry can change that."""
    if verdict.status == "failed":
        raise AirflowFailException(verdict.message)
    if verdict.status == "error":
        raise AirflowFailException(f"The wait ended on an error no retry can fix: {verdict.message}")


class SavedWait:
    """The watch and deadline of this task instance, kept across its tries (Airflow 3.3's task
    state store), or nothing where there is no such store (2.11, or ``execute()`` called directly).

    A task cleared to run again gets a fresh wait: its ``max_tries`` moved, a retry's did not.
    """

    def __init__(self, context: Context) -> None:
        self._store = context.get("task_state_store") if hasattr(context, "get") else None
        ti = context.get("ti") if hasattr(context, "get") else None
        self._tries = getattr(ti, "max_tries", None)

    @property
    def available(self) -> bool:
        return self._store is not None

    def load(self) -> dict[str, Any] | None:
        if self._store is None:
            return None
        saved = self._store.get(STORE_KEY)
        if not isinstance(saved, dict) or saved.get("max_tries") != self._tries:
            return None
        return saved

    def save(self, watch: dict[str, Any], deadline: str | None) -> None:
        if self._store is not None:
            self._store.set(STORE_KEY, {"watch": watch, "deadline": deadline, "max_tries": self._tries})

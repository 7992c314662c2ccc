"""What every operator of this provider does with its task instance, its input and its failures,
and the one delete operator shape both vendors' delete operators take.

Bad input, and a refusal of the service that no retry can change (bad credentials, a time in the
past), fail the task at once with ``AirflowFailException``; transient failures (throttling, server
errors, no answer) stay retryable. The idempotency key comes from the task instance, so every try
of one task in one run shares it; XCom is pushed only inside a run (``execute()`` called
directly, as in tests, has no task instance).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

import pendulum
from airflow.providers.common.compat.sdk import AirflowFailException, BaseOperator

from airflow_provider_engage import schedules
from airflow_provider_engage.hooks.calls import path_id
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.links import CONSOLE_URL_KEY, record_console_url
from airflow_provider_engage.service_errors import EngageServiceError

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context


@contextmanager
def refuse_bad_input() -> Iterator[None]:
    """Bad input fails the task at once: a retry would meet the same refusal."""
    try:
        yield
    except InvalidFieldError as err:
        raise AirflowFailException(f"Invalid input, nothing was sent: {err}") from err


@contextmanager
def fail_on_refusal() -> Iterator[None]:
    """A refusal no retry can change fails the task at once; a transient failure stays retryable.

    ``transient`` is the retry policy's judgement of the failure (429, 5xx, 28203, no answer);
    anything else (401, 28101 bad credentials, 28100 a rule of the service) would be refused the
    same way on every try. The service's error is the cause, and its text (vendor code, message,
    request id) is kept in the failure.
    """
    try:
        yield
    except EngageServiceError as err:
        if err.transient:
            raise
        raise AirflowFailException(
            f"{err} (no retry can change this refusal, so the task fails without retrying)"
        ) from err


def task_key(context: Context) -> str:
    """The idempotency key of this task instance; a fresh one outside a DAG run.

    A run is named by its logical date when it has one: a DAG has one run per logical date, and
    ``airflow dags test`` replaces that run with one of a new run id each time it is run again.
    """
    ti = context.get("ti")
    if ti is None:
        return f"{schedules.KEY_PREFIX}{uuid.uuid4().hex[:32]}"
    logical_date = context.get("logical_date")
    run = (
        ti.run_id if logical_date is None else pendulum.instance(logical_date).in_timezone("UTC").isoformat()
    )
    return schedules.task_idempotency_key(ti.dag_id, ti.task_id, run, getattr(ti, "map_index", -1))


def is_retry(context: Context) -> bool:
    ti = context.get("ti")
    return bool(ti is not None and (getattr(ti, "try_number", 1) or 1) > 1)


def xcom_push(context: Context, key: str, value: Any) -> None:
    ti = context.get("ti")
    if ti is not None:
        ti.xcom_push(key=key, value=value)


def publish_console_url(operator: BaseOperator, context: Context, url: str) -> None:
    """The console URL in XCom (for people and later tasks) and on the operator (for its link)."""
    xcom_push(context, CONSOLE_URL_KEY, url)
    record_console_url(operator, url)


class DeleteScheduleOperator(BaseOperator):
    """Delete a schedule; one already gone (deleted, or expired) is fine unless ``missing_ok`` is False.

    Deleting is the usual clean-up after a campaign and the usual step to repeat on a retry, so a
    schedule that is already gone is success unless the DAG asks otherwise. Each vendor's operator
    names its connection argument, says what it deletes (``what``), which error means "not found"
    (``not_found``) and how to delete (:meth:`delete`, building its hook only when called).
    """

    template_fields: Sequence[str] = ("schedule_id",)
    what: ClassVar[str]
    not_found: ClassVar[type[Exception]]

    def __init__(self, *, schedule_id: str, missing_ok: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.schedule_id = schedule_id
        self.missing_ok = missing_ok

    def delete(self, schedule_id: str) -> None:
        raise NotImplementedError

    def execute(self, context: Context) -> None:
        with refuse_bad_input():
            path_id(self.schedule_id, "schedule_id")
        with fail_on_refusal():
            try:
                self.delete(self.schedule_id)
            except self.not_found:
                if not self.missing_ok:
                    raise
                self.log.info(
                    "%s %s does not exist (already deleted, or expired); nothing to do",
                    self.what,
                    self.schedule_id,
                )
                return
        self.log.info("Deleted %s %s", self.what, self.schedule_id)

"""A DAG that leaks a secret into every place the secrets scan looks, to prove the scan finds it.

The secret comes from ``PROOF_LEAKED`` in the environment. One task logs it, returns it (XCom),
renders it into a templated field and defers on a trigger carrying it in its kwargs; a second
task fails with it in the exception text.
"""

from __future__ import annotations

import os

import pendulum
from airflow.providers.common.compat.sdk import DAG, BaseOperator

LEAKED = os.environ.get("PROOF_LEAKED", "")


class LeakyOperator(BaseOperator):
    template_fields = ("note",)

    def __init__(self, *, note: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.note = note

    def execute(self, context: object) -> None:
        from tests.proof.leaky_trigger import LeakyTrigger

        self.log.info("about to defer with %s", self.note)
        self.defer(trigger=LeakyTrigger(note=self.note), method_name="resume")

    def resume(self, context: object, event: object = None) -> str:
        return LEAKED


class FailingOperator(BaseOperator):
    def execute(self, context: object) -> None:
        raise RuntimeError(f"refused: {LEAKED}")


with DAG(dag_id="leaky", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False):
    LeakyOperator(task_id="leak", note="{{ var.value.get('leaked', '') }}") >> FailingOperator(task_id="fail")

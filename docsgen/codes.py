"""The troubleshooting tables: every vendor code the provider knows, what it means, what happens.

Nothing here is typed twice. The codes and meanings are the spec modules'
(``engagelab_spec.py`` ``CODE_MEANINGS``, ``pai_spec.py``); what the provider does
about each is found by handing a synthetic answer carrying that code to the hooks' own answer
reader (each vendor's dialect in ``hooks/engagelab.py`` and ``hooks/pai.py``, as
``hooks/calls.Dialect.read`` runs it) and retry policy
(``hooks/retry.should_retry``): the exception raised, whether a hook sends a read or a create
again, and whether a task fails at once (``transient``) or is left to Airflow's retries.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from types import ModuleType

from airflow_provider_engage import engagelab_spec, pai_spec
from airflow_provider_engage.hooks import engagelab, pai
from airflow_provider_engage.hooks.calls import ApiCall, Dialect
from airflow_provider_engage.hooks.retry import RetrySettings, should_retry
from airflow_provider_engage.service_errors import EngageServiceError

ENGAGELAB_CONN_ID = "engagelab_default"
PAI_CONN_ID = "pai_engagement_default"


@dataclass(frozen=True)
class CodeRow:
    """One code as a user meets it, and what the provider does when a service answers it."""

    code: int | str
    answered_as: str
    meaning: str
    raises: str  # the exception class; "" for a code that comes in a record, not as an error
    read_retried: bool  # a hook sends a read, update or delete again
    create_retried: bool  # a hook sends a create again (only when it certainly did not take effect)
    task_fails_at_once: bool  # not transient: operators and sensors fail without Airflow's retries
    hint: str = ""


@dataclass(frozen=True)
class _Outcome:
    raises: str
    retried: bool
    transient: bool
    text: str


def _outcome(
    dialect: Dialect, call: ApiCall[object], status: int, body: dict[str, object], conn_id: str
) -> _Outcome:
    raw = json.dumps(body).encode()
    try:
        dialect.read(call, status, {}, raw, conn_id=conn_id)
    except EngageServiceError as error:
        if error.failure is None:  # refused before any answer was read: no code to judge
            raise
        retried = should_retry(error.failure, 0, RetrySettings())
        return _Outcome(type(error).__name__, retried, error.transient, str(error))
    raise AssertionError(f"an answer with {body} was read as a success")


def _hint(text: str) -> str:
    """What the error says to check, beyond the code and its meaning (the credentials' fields)."""
    _, found, rest = text.partition(". Check ")
    return f"Check {rest}" if found else ""


def _row(
    code: int | str,
    answered_as: str,
    meaning: str,
    answer: Callable[[ApiCall[object]], _Outcome],
    *,
    path: str,
) -> CodeRow:
    read = answer(ApiCall("read", "GET", path))
    create = answer(ApiCall("create", "POST", path, creates=True))
    assert (read.raises, read.transient) == (create.raises, create.transient), code
    return CodeRow(
        code=code,
        answered_as=answered_as,
        meaning=meaning,
        raises=read.raises,
        read_retried=read.retried,
        create_retried=create.retried,
        task_fails_at_once=not read.transient,
        hint=_hint(read.text),
    )


def engagelab_rows() -> list[CodeRow]:
    """Every code ``engagelab_spec.CODE_MEANINGS`` names but success, in the order it lists them."""
    rows = []
    for code, meaning in engagelab_spec.CODE_MEANINGS.items():
        if code in engagelab_spec.SUCCESS_CODES:
            continue
        if code == engagelab_spec.NO_SENDING_TARGET:
            # Not an error answer: a msg-id record of a firing that reached nobody.
            rows.append(CodeRow(code, "in a msg-id record", meaning, "", False, False, False))
            continue
        status = engagelab_spec.http_status_of(code)

        def answer(call: ApiCall[object], status: int = status, code: int = code) -> _Outcome:
            body = {"error": {"code": code, "message": ""}}
            return _outcome(engagelab.DIALECT, call, status, body, ENGAGELAB_CONN_ID)

        rows.append(_row(code, f"HTTP {status}", meaning, answer, path=engagelab_spec.SCHEDULES_PATH))
    return rows


def pai_rows() -> list[CodeRow]:
    """The envelope's ``ErrorCode`` values of ``pai_spec.CODE_MEANINGS``, then the gateway's codes."""
    rows = []
    for code, meaning in pai_spec.CODE_MEANINGS.items():
        assert isinstance(code, int), code

        def answer(call: ApiCall[object], code: int = code) -> _Outcome:
            # The ROA API answers business errors with HTTP 200 and the code in the envelope.
            body = {"ErrorCode": code, "ErrorMessage": "", "RequestId": "r-1"}
            return _outcome(pai.DIALECT, call, 200, body, PAI_CONN_ID)

        rows.append(_row(code, f"ErrorCode {code}", meaning, answer, path=pai_spec.ROA_SCHEDULES_PATH))
    notes = attribute_docstrings(pai_spec)
    gateway: list[tuple[tuple[str, ...], str]] = [
        (tuple(sorted(pai_spec.SIGNATURE_REFUSALS)), "SIGNATURE_REFUSALS"),
        ((pai_spec.GATEWAY_THROTTLED,), "GATEWAY_THROTTLED"),
        ((pai_spec.GATEWAY_INTERNAL_ERROR,), "GATEWAY_INTERNAL_ERROR"),
        ((pai_spec.GATEWAY_UNAVAILABLE,), "GATEWAY_UNAVAILABLE"),
    ]
    for group, name in gateway:
        meaning = notes[name][:1].lower() + notes[name][1:]  # as the other meanings read
        found = {_gateway_row(code, meaning) for code in group}
        (row,) = {replace(row, code="") for row in found}  # one behaviour for the whole group
        rows.append(replace(row, code=", ".join(group)))
    return rows


def _gateway_row(code: str, meaning: str) -> CodeRow:
    def answer(call: ApiCall[object]) -> _Outcome:
        # Judged by the code alone: a 400 carries no retry meaning of its own.
        body = {"Code": code, "Message": "", "RequestId": "r-1"}
        return _outcome(pai.DIALECT, call, 400, body, PAI_CONN_ID)

    return _row(code, "gateway `Code`", meaning, answer, path=pai_spec.ROA_SCHEDULES_PATH)


def attribute_docstrings(module: ModuleType) -> dict[str, str]:
    """The first sentence of each module-level constant's docstring (the string right after it)."""
    tree = ast.parse(inspect.getsource(module))
    found: dict[str, str] = {}
    body = tree.body
    for statement, following in itertools.pairwise(body):
        targets = (
            [statement.target]
            if isinstance(statement, ast.AnnAssign)
            else statement.targets
            if isinstance(statement, ast.Assign)
            else []
        )
        if not (isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)):
            continue
        text = following.value.value
        if not isinstance(text, str):
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                found[target.id] = " ".join(text.split()).split(" (")[0].rstrip(".")
    return found


def _codes(row: CodeRow) -> str:
    return ", ".join(f"`{code}`" for code in str(row.code).split(", "))


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def markdown_table(rows: Iterable[CodeRow]) -> str:
    """The table the troubleshooting page shows."""
    lines = [
        "| code | comes as | meaning | raises | hook tries again | create sent again | task |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if not row.raises:
            lines.append(f"| {_codes(row)} | {row.answered_as} | {row.meaning} | | | | see below |")
            continue
        task = "fails at once" if row.task_fails_at_once else "`retries` apply"
        meaning = f"{row.meaning}. {row.hint}" if row.hint else row.meaning
        lines.append(
            f"| {_codes(row)} | {row.answered_as} | {meaning} | `{row.raises}` | {_yes(row.read_retried)} "
            f"| {_yes(row.create_retried)} | {task} |"
        )
    return "\n".join(lines) + "\n"


TABLES: dict[str, Callable[[], str]] = {
    "engagelab-codes": lambda: markdown_table(engagelab_rows()),
    "pai-codes": lambda: markdown_table(pai_rows()),
}
"""Every generated table by the name its page marks it with (``<!-- generated: NAME -->``)."""

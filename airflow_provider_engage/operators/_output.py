"""Rows written where data teams load them: JSON Lines or CSV, on any storage Airflow's common-io reaches.

A destination is a URI (``file:///tmp/stats/2026-12-01.csv``, ``s3://bucket/engage/stats.jsonl``)
or an ``ObjectStoragePath``; object stores are reached with the connection the path names, as
Airflow's object storage does everywhere. Both formats hold the same columns in the same order,
so a load job reads either: JSON Lines writes one object a row (``null`` where a value is
unknown), CSV a header and one line a row (an empty field where a value is unknown). The file
is written whole and replaces what was there (a local file by a rename, an object by its
upload), so a retried task leaves one complete file, never a half-written or appended one.
``ObjectStoragePath`` is imported when a task writes, keeping DAG parsing light.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.tasks import xcom_push

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context, ObjectStoragePath

__all__ = [
    "DESTINATION_KEY",
    "FORMATS",
    "check_format",
    "deliver",
    "destination_path",
    "render_rows",
    "storage_path",
    "write_rows",
]

FORMATS = ("jsonl", "csv")
DESTINATION_KEY = "destination"
_LOCAL_PROTOCOLS = ("", "file", "local")


def check_format(value: str) -> str:
    """``value`` when it is a format this module writes; else refused naming ``format``."""
    if not isinstance(value, str) or value not in FORMATS:
        raise InvalidFieldError("format", f"must be one of {', '.join(FORMATS)}, got {value!r}")
    return value


def destination_path(destination: Any) -> ObjectStoragePath | None:
    """None for no destination; else its ``ObjectStoragePath`` (see :func:`storage_path`)."""
    return None if destination is None else storage_path(destination)


def storage_path(destination: Any) -> ObjectStoragePath:
    """The ``ObjectStoragePath`` of a destination URI or path, refused naming ``destination``."""
    from airflow.providers.common.compat.sdk import ObjectStoragePath

    if isinstance(destination, ObjectStoragePath):
        return destination
    if not isinstance(destination, str) or not destination.strip():
        raise InvalidFieldError(
            "destination",
            f"must be a URI such as file:///tmp/stats.jsonl or s3://bucket/key, got {destination!r}",
        )
    try:
        path = ObjectStoragePath(destination.strip())
        path.fs  # noqa: B018  # resolves the filesystem now: an unknown scheme fails before any request
    except (ValueError, ImportError) as err:
        raise InvalidFieldError(
            "destination",
            f"cannot be written to: {err} (an object store needs its Airflow provider installed, "
            "such as apache-airflow-providers-amazon for s3://)",
        ) from err
    return path


def render_rows(rows: Sequence[Mapping[str, Any]], *, columns: Sequence[str], fmt: str) -> bytes:
    """``rows`` as the file's bytes (UTF-8), ``columns`` in order, whatever else a row holds left out."""
    check_format(fmt)
    if fmt == "jsonl":
        lines = [json.dumps({name: row.get(name) for name in columns}, ensure_ascii=False) for row in rows]
        return "".join(f"{line}\n" for line in lines).encode()
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue().encode()


def write_rows(
    destination: Any, rows: Sequence[Mapping[str, Any]], *, columns: Sequence[str], fmt: str
) -> str:
    """Write ``rows`` to ``destination`` (replacing what is there); returns the URI written."""
    path = storage_path(destination)
    data = render_rows(rows, columns=columns, fmt=fmt)
    if path.protocol in _LOCAL_PROTOCOLS:
        _replace_local_file(Path(path.path), data)
    else:  # an object store stores the object whole when the upload completes
        with path.open("wb") as out:  # type: ignore[no-untyped-call]
            out.write(data)
    return str(path)


def _replace_local_file(target: Path, data: bytes) -> None:
    """Write beside ``target``, then rename over it: a reader never sees a half-written file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)  # what an ordinary new file gets; mkstemp makes it private
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def deliver(
    path: ObjectStoragePath | None,
    rows: Sequence[Mapping[str, Any]],
    *,
    columns: Sequence[str],
    fmt: str,
    context: Context,
    log: Callable[..., object],
) -> None:
    """Write ``rows`` to ``path`` when there is one, say so, and push the URI written to XCom."""
    if path is None:
        return
    written = write_rows(path, rows, columns=columns, fmt=fmt)
    log("Wrote %d rows (%s) to %s", len(rows), fmt, written)
    xcom_push(context, DESTINATION_KEY, written)

"""Records (dataclasses) as plain JSON and back: one convention for whatever must travel as JSON.

A record is written as an object of its fields; instants are ISO-8601 strings, tuples are
arrays, nested records are objects. Nothing in the JSON names a type: :func:`load` reads a
value back by the type hint it is read as (the record's field hints, or one given). The
emulator's ``--db`` snapshots and the sensors' watches (trigger kwargs, the task state store)
both use it; the emulator reads request bodies with :func:`parse`, which takes plain JSON only.
Pure: stdlib only.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

__all__ = ["dump", "load", "load_record", "parse"]

_Record = TypeVar("_Record")


def dump(value: Any) -> Any:
    """``value`` as plain JSON data: records as objects, instants as ISO-8601, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: dump(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [dump(item) for item in value]
    if isinstance(value, dict):
        return {key: dump(item) for key, item in value.items()}
    return value


def load(hint: Any, data: Any) -> Any:
    """What :func:`dump` wrote, read back as ``hint``: a record class, ``datetime``,
    ``list[...]``, ``tuple[...]`` or ``X | None``; any other hint takes the JSON value as it is.
    """
    if data is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        present = [arg for arg in args if arg is not type(None)]
        return load(present[0], data) if len(present) == 1 else data
    if hint is datetime:
        return _instant(data)
    if origin is list:
        return [load(args[0], item) for item in data]
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(load(args[0], item) for item in data)
        return tuple(load(arg, item) for arg, item in zip(args, data, strict=True))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return load_record(hint, data)
    return data


def load_record(kind: type[_Record], data: Mapping[str, Any]) -> _Record:
    """A record from its object; fields the object lacks take their defaults."""
    if not dataclasses.is_dataclass(kind):
        raise TypeError(f"{kind!r} is not a record (dataclass)")
    hints = _field_hints(kind)
    values = {
        field.name: load(hints[field.name], data[field.name])
        for field in dataclasses.fields(kind)
        if field.name in data
    }
    made: _Record = kind(**values)
    return made


def parse(text: bytes | str) -> Any:
    """The JSON value of ``text`` as RFC 8259 defines it: ``ValueError`` for anything else.

    Python's ``json`` reads ``NaN``, ``Infinity`` and ``-Infinity``, which are not JSON; a real
    service refuses such a body, so the emulator does too (and never stores a value it could not
    send back).
    """
    return json.loads(text, parse_constant=_not_json)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


@functools.cache
def _field_hints(kind: type) -> dict[str, Any]:
    # Evaluating string annotations costs far more than reading a small record (a trigger's watch).
    return typing.get_type_hints(kind)


def _instant(data: Any) -> datetime:
    # PAI snapshots written before this convention tagged instants as {"$dt": "<ISO-8601>"}.
    if isinstance(data, Mapping) and set(data) == {"$dt"}:
        data = data["$dt"]
    return datetime.fromisoformat(data)
